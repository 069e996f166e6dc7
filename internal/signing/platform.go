package signing

import (
	"context"
	"io"
	"time"

	"github.com/signingflow/signing/internal/ident"
)

// Instance is the platform's view of an instance: owner, process and data.
type Instance struct {
	Ref InstanceRef `json:"ref"`
	// OwnerPerson is the national ID of a person owner; it is never
	// serialized. Storage has no party UUID for the owner: Register gives it.
	OwnerPerson ident.NationalID `json:"-"`
	// OwnerOrgNumber is set when an organisation owns the instance.
	OwnerOrgNumber string `json:"ownerOrgNumber,omitempty"`
	// CurrentTask is the process's current task ID, empty when ended.
	CurrentTask string `json:"currentTask,omitempty"`
	// CurrentTaskType is the current task's Altinn task type, "signing" for a signing task.
	CurrentTaskType string `json:"currentTaskType,omitempty"`
	// Process is the process state as Storage has it; nil when Storage sent none.
	Process *Process      `json:"process,omitempty"`
	Data    []DataElement `json:"data"`
}

// AltinnTaskTypeSigning is the Altinn task type of a signing task.
const AltinnTaskTypeSigning = "signing"

// Process is an instance's process state, in Storage's shape
// (Altinn/altinn-storage src/Storage.Interface/Models/ProcessState.cs,
// ProcessElementInfo.cs); its JSON is Storage's, nulls included.
type Process struct {
	Started     *time.Time   `json:"started"`
	StartEvent  *string      `json:"startEvent"`
	CurrentTask *ProcessTask `json:"currentTask"`
	Ended       *time.Time   `json:"ended"`
	EndEvent    *string      `json:"endEvent"`
}

// ProcessTask is the task a process is in.
type ProcessTask struct {
	Flow           *int       `json:"flow"`
	Started        *time.Time `json:"started"`
	ElementID      string     `json:"elementId"`
	Name           *string    `json:"name"`
	AltinnTaskType *string    `json:"altinnTaskType"`
	Ended          *time.Time `json:"ended"`
	FlowType       *string    `json:"flowType"`
}

// DataElement describes one data element of an instance.
type DataElement struct {
	ID          string `json:"id"`
	DataType    string `json:"dataType"`
	ContentType string `json:"contentType"`
	Filename    string `json:"filename,omitempty"`
	Size        int64  `json:"size"`
	// Tags are the element's tags in Storage; never nil when read from Storage.
	Tags        []string  `json:"tags"`
	Created     time.Time `json:"created"`
	LastChanged time.Time `json:"lastChanged"`
	// GeneratedFromTask is set for elements the app generated in a task.
	GeneratedFromTask string `json:"generatedFromTask,omitempty"`
}

// NewDataElement is an app-owned data element to create.
type NewDataElement struct {
	DataType          string
	ContentType       string
	Filename          string
	GeneratedFromTask string
	// IdempotencyKey makes a repeated create return the first element.
	IdempotencyKey string
	Body           []byte
}

// Party is a register party: a person or an organisation.
type Party struct {
	PartyID   int64      `json:"partyId"`
	PartyUUID string     `json:"partyUuid"`
	Kind      SigneeKind `json:"kind"`
	// Name is the full name of a person or the name of an organisation.
	Name string `json:"name"`
	// LastName is a person's last name in the register.
	LastName string `json:"lastName,omitempty"`
	// Person is a person's national ID; it is never serialized.
	Person    ident.NationalID `json:"-"`
	OrgNumber string           `json:"orgNumber,omitempty"`
	Email     string           `json:"email,omitempty"`
	Mobile    string           `json:"mobile,omitempty"`
}

// Delegation grants (or revokes) actions on one instance task from the
// instance owner to a signee.
type Delegation struct {
	Instance      InstanceRef
	TaskID        string
	FromPartyUUID string
	ToPartyUUID   string
	// Actions are delegated in order: read, sign, then additional actions.
	Actions []string
}

// Attachment is a document attached to a message: its bytes travel with
// it, since the platform takes attachments uploaded, not data element IDs.
type Attachment struct {
	// DataElementID is the data element the bytes come from; it is the
	// attachment's senders reference.
	DataElementID string
	Filename      string
	ContentType   string
	Body          []byte
}

// Recipient is who gets a message: a person by national ID or an
// organisation by number, as the platform addresses them. A person's
// national ID is fetched just in time (Register) and never stored.
type Recipient struct {
	Person ident.NationalID
	Org    ident.OrgNumber
}

// Validate reports a recipient that is neither or both.
func (r Recipient) Validate() error {
	if r.Person.IsZero() == r.Org.IsZero() {
		return Invalid("recipient", "must be exactly one of a person and an organisation")
	}
	return nil
}

// Message is an inbox message (correspondence) to one party.
type Message struct {
	// IdempotencyKey makes a repeated send return the first message's ID.
	IdempotencyKey string
	Resource       string
	// SendersReference ties the message to the instance, "partyId/instanceGuid".
	SendersReference string
	Recipient        Recipient
	Language         string
	Title            string
	Summary          string
	Body             string
	Attachments      []Attachment
	// Notification, when set, asks the platform to notify the recipient too.
	Notification *NotificationOrder
}

// NotificationOrder is the email and/or SMS a message asks the platform to
// send its recipient (the correspondence's notification block); addresses,
// when set, override the registered ones.
type NotificationOrder struct {
	SendersReference string
	Choice           NotificationChoice
	EmailAddress     string
	EmailSubject     string
	EmailBody        string
	MobileNumber     string
	SMSBody          string
}

// StorageSign asks Storage to sign data elements for the calling user, who
// becomes the signee of the signature document Storage writes.
type StorageSign struct {
	// SignatureDataType is the type of the signature document.
	SignatureDataType string
	// TaskID is the task the document is generated from.
	TaskID string
	// DataElementIDs are the elements signed; Storage computes their digests.
	DataElementIDs []string
	// UserID is the signer's platform user ID; Person the signer's national
	// ID; OrgNumber the organisation signed for, if any.
	UserID    string
	Person    ident.NationalID
	OrgNumber string
}

// Storage reads instances and their data and creates app-owned data elements.
type Storage interface {
	// Sign has Storage write the signature document, with the caller's own
	// token, as the reference does: Storage checks that the user may sign
	// the current task. Repeating it replaces the user's document.
	Sign(ctx context.Context, userToken string, ref InstanceRef, in StorageSign) error
	GetInstance(ctx context.Context, ref InstanceRef) (Instance, error)
	// ReadData streams a data element; the caller closes the reader.
	ReadData(ctx context.Context, ref InstanceRef, dataElementID string) (io.ReadCloser, DataElement, error)
	CreateData(ctx context.Context, ref InstanceRef, el NewDataElement) (DataElement, error)
}

// AccessManagement delegates and revokes instance rights; both are idempotent.
type AccessManagement interface {
	Delegate(ctx context.Context, d Delegation) error
	Revoke(ctx context.Context, d Delegation) error
}

// Correspondence sends inbox messages.
type Correspondence interface {
	Send(ctx context.Context, m Message) (id string, err error)
}

// Register looks up parties. Its lookups need the platform's trust (the
// service owner's token and the platform access token).
type Register interface {
	// LookupPerson finds a person by national ID; the party carries the
	// register's last name for the caller to compare.
	LookupPerson(ctx context.Context, id ident.NationalID) (Party, error)
	// LookupOrganisation finds an organisation by number.
	LookupOrganisation(ctx context.Context, org ident.OrgNumber) (Party, error)
	// GetParty reads a party by ID; a person's carries the national ID,
	// which a message to them needs and which is never kept.
	GetParty(ctx context.Context, partyID int64) (Party, error)
}

// Authorization asks the platform's decision point.
type Authorization interface {
	// KeyRoleOrganisations returns those of orgs for which the user (the
	// platform user ID) holds a key role, and so may sign; in the order given.
	KeyRoleOrganisations(ctx context.Context, userID string, orgs []ident.OrgNumber) ([]ident.OrgNumber, error)
}

package wire

import "time"

// Instance is a storage instance: owner, process state and data elements.
type Instance struct {
	// ID is "{instanceOwnerPartyId}/{instanceGuid}".
	ID            string        `json:"id"`
	InstanceOwner InstanceOwner `json:"instanceOwner"`
	// AppID is "{org}/{app}".
	AppID       string        `json:"appId"`
	Org         string        `json:"org"`
	Process     *ProcessState `json:"process,omitempty"`
	Data        []DataElement `json:"data"`
	Created     time.Time     `json:"created"`
	LastChanged time.Time     `json:"lastChanged"`
}

// InstanceOwner is the party that owns an instance, as Storage sends it
// (Altinn/altinn-storage src/Storage.Interface/Models/InstanceOwner.cs):
// the party ID as a JSON string, the person number of a person owner or the
// organisation number of an organisation owner, a username or an external
// identifier of other owners; absent values are null. It has no party UUID:
// the owner's UUID comes from Register. PersonNumber is a national ID:
// never log or print an InstanceOwner.
type InstanceOwner struct {
	PartyID            string  `json:"partyId"`
	PersonNumber       NullStr `json:"personNumber"`
	OrganisationNumber NullStr `json:"organisationNumber"`
	Username           NullStr `json:"username"`
	ExternalIdentifier NullStr `json:"externalIdentifier"`
}

// ProcessState is the process part of an instance (Altinn/altinn-storage
// src/Storage.Interface/Models/ProcessState.cs): nulls are written.
type ProcessState struct {
	Started     *time.Time      `json:"started"`
	StartEvent  *string         `json:"startEvent"`
	CurrentTask *ProcessElement `json:"currentTask"`
	Ended       *time.Time      `json:"ended"`
	EndEvent    *string         `json:"endEvent"`
}

// ProcessElement is the task a process is in (Altinn/altinn-storage
// src/Storage.Interface/Models/ProcessElementInfo.cs).
type ProcessElement struct {
	Flow           *int       `json:"flow"`
	Started        *time.Time `json:"started"`
	ElementID      string     `json:"elementId"`
	Name           *string    `json:"name"`
	AltinnTaskType *string    `json:"altinnTaskType"`
	Ended          *time.Time `json:"ended"`
	Validated      *Validated `json:"validated"`
	FlowType       *string    `json:"flowType"`
}

// Validated is a task's last validation (ValidationStatus.cs).
type Validated struct {
	Timestamp       *time.Time `json:"timestamp"`
	CanCompleteTask bool       `json:"canCompleteTask"`
}

// DataElement describes one data element of an instance.
type DataElement struct {
	ID           string      `json:"id"`
	InstanceGUID string      `json:"instanceGuid"`
	DataType     string      `json:"dataType"`
	Filename     string      `json:"filename,omitempty"`
	ContentType  string      `json:"contentType"`
	Size         int64       `json:"size"`
	Locked       bool        `json:"locked"`
	References   []Reference `json:"references,omitempty"`
	// Tags default to [] in Storage (src/Storage.Interface/Models/DataElement.cs).
	Tags        []string  `json:"tags"`
	Created     time.Time `json:"created"`
	LastChanged time.Time `json:"lastChanged"`
}

// Reference relates a data element to something else, such as the task it
// was generated from.
type Reference struct {
	Value     string `json:"value"`
	Relation  string `json:"relation"`
	ValueType string `json:"valueType"`
}

// Reference relation and value type of "generated from task".
const (
	RelationGeneratedFrom = "GeneratedFrom"
	ValueTypeTask         = "Task"
)

// GeneratedFromTask returns the task the element was generated from, or "".
func (d DataElement) GeneratedFromTask() string {
	for _, r := range d.References {
		if r.Relation == RelationGeneratedFrom && r.ValueType == ValueTypeTask {
			return r.Value
		}
	}
	return ""
}

// Application is the part of an app's metadata (applicationmetadata.json,
// as storage serves it) that the signing service reads.
type Application struct {
	// ID is "{org}/{app}".
	ID  string `json:"id"`
	Org string `json:"org"`
	// Title is the app's title by language code.
	Title map[string]string `json:"title,omitempty"`
}

// TextResource is an app's texts in one language, as storage serves them
// (the shape of the app's config/texts/resource.{language}.json).
type TextResource struct {
	Language  string              `json:"language"`
	Resources []TextResourceEntry `json:"resources"`
}

// TextResourceEntry is one text.
type TextResourceEntry struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// SignRequest is the body of POST instances/{partyId}/{guid}/sign
// (Altinn/altinn-storage src/Storage.Interface/Models/SignRequest.cs,
// Signee.cs). Signee carries a national ID: never log it.
type SignRequest struct {
	SignatureDocumentDataType string                 `json:"signatureDocumentDataType"`
	GeneratedFromTask         string                 `json:"generatedFromTask,omitempty"`
	DataElementSignatures     []DataElementSignature `json:"dataElementSignatures"`
	Signee                    Signee                 `json:"signee"`
}

// DataElementSignature names one element to sign.
type DataElementSignature struct {
	DataElementID string `json:"dataElementId"`
	Signed        bool   `json:"signed"`
}

// Signee is who signs: a user (with a person number, and the organisation
// signed for) or a system user.
type Signee struct {
	UserID             NullStr `json:"userId"`
	SystemUserID       NullStr `json:"systemUserId"`
	PersonNumber       NullStr `json:"personNumber"`
	OrganisationNumber NullStr `json:"organisationNumber"`
}

// SignDocument is the signature document Storage writes
// (Altinn/altinn-storage src/Storage.Interface/Models/SignDocument.cs).
type SignDocument struct {
	ID                    string                `json:"id"`
	InstanceGUID          string                `json:"instanceGuid"`
	SignedTime            time.Time             `json:"signedTime"`
	SigneeInfo            Signee                `json:"signeeInfo"`
	DataElementSignatures []SignedElementDigest `json:"dataElementSignatures"`
}

// SignedElementDigest is one signed element with its SHA-256, lowercase hex.
type SignedElementDigest struct {
	DataElementID string `json:"dataElementId"`
	SHA256Hash    string `json:"sha256Hash"`
	Signed        bool   `json:"signed"`
}

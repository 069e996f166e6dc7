package signing

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"
)

// SigneeKind says whether a signee is a person or an organisation.
type SigneeKind string

// Signee kinds.
const (
	SigneePerson       SigneeKind = "person"
	SigneeOrganisation SigneeKind = "organisation"
)

// SigneeKey identifies a signee within a task. It is derived from the keyed
// hash of the signee's identity and never contains a raw national ID, so it
// may travel through Step Functions payloads and logs.
type SigneeKey string

var signeeKeyPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(p|o)-[0-9a-f]{16,64}$`) })

// NewSigneeKey derives the key of a signee from the keyed hash of its identity.
func NewSigneeKey(kind SigneeKind, identityHash string) (SigneeKey, error) {
	prefix := "p-"
	if kind == SigneeOrganisation {
		prefix = "o-"
	}
	if len(identityHash) < 24 {
		return "", Invalid("identityHash", "must be a keyed hash of at least 24 hex digits")
	}
	k := SigneeKey(prefix + identityHash[:24])
	if err := k.Validate(); err != nil {
		return "", err
	}
	return k, nil
}

// Validate reports whether the key has the form NewSigneeKey produces.
func (k SigneeKey) Validate() error {
	if !signeeKeyPattern().MatchString(string(k)) {
		return Invalid("signeeKey", "must look like p-<hex> or o-<hex>")
	}
	return nil
}

// SigneeStatus is the progress of one signee.
type SigneeStatus string

// Signee statuses. The main path is resolved → delegated → notified → signed →
// receipt_sent; failed records a step that failed for good (with a reason),
// replaced a signee the owner replaced by another (ReplacedBy) whose rights
// are still to be released, and revoked a signee whose request was
// withdrawn before they signed.
const (
	SigneeResolved    SigneeStatus = "resolved"
	SigneeDelegated   SigneeStatus = "delegated"
	SigneeNotified    SigneeStatus = "notified"
	SigneeSigned      SigneeStatus = "signed"
	SigneeReceiptSent SigneeStatus = "receipt_sent"
	SigneeFailed      SigneeStatus = "failed"
	SigneeRevoked     SigneeStatus = "revoked"
	SigneeReplaced    SigneeStatus = "replaced"
)

// rank orders the main path; statuses off the path have rank 0.
var rank = map[SigneeStatus]int{
	SigneeResolved:    1,
	SigneeDelegated:   2,
	SigneeNotified:    3,
	SigneeSigned:      4,
	SigneeReceiptSent: 5,
}

// predecessors lists, for each status, the statuses a signee may move to it from.
var predecessors = map[SigneeStatus][]SigneeStatus{
	SigneeDelegated:   {SigneeResolved},
	SigneeNotified:    {SigneeDelegated},
	SigneeSigned:      {SigneeDelegated, SigneeNotified, SigneeFailed},
	SigneeReceiptSent: {SigneeSigned},
	SigneeFailed:      {SigneeResolved, SigneeDelegated},
	SigneeRevoked:     {SigneeResolved, SigneeDelegated, SigneeNotified, SigneeFailed, SigneeReplaced},
	SigneeReplaced:    {SigneeResolved, SigneeDelegated, SigneeNotified, SigneeFailed},
}

// Valid reports whether s is a known status.
func (s SigneeStatus) Valid() bool {
	_, onPath := rank[s]
	return onPath || s == SigneeFailed || s == SigneeRevoked || s == SigneeReplaced
}

// HasSigned reports whether the signee's signature is recorded.
func (s SigneeStatus) HasSigned() bool { return s == SigneeSigned || s == SigneeReceiptSent }

// Predecessors returns the statuses from which a signee may move to to.
func Predecessors(to SigneeStatus) []SigneeStatus { return slices.Clone(predecessors[to]) }

// Plan decides a status change from from to to. It returns apply=true when
// the change is legal, apply=false with a nil error when the change is
// already done or overtaken (the signee is further along the main path, so a
// repeated step is harmless), and ErrConflict when it is illegal.
func Plan(from, to SigneeStatus) (apply bool, err error) {
	if !from.Valid() || !to.Valid() {
		return false, fmt.Errorf("signee status %q → %q: %w", from, to, ErrInvalid)
	}
	if from == to {
		return false, nil
	}
	if slices.Contains(predecessors[to], from) {
		return true, nil
	}
	// A delegate or notify step repeated after the signee signed is overtaken.
	if rank[to] > 0 && rank[from] > rank[to] && to != SigneeSigned {
		return false, nil
	}
	return false, fmt.Errorf("signee status %s → %s is not allowed: %w", from, to, ErrConflict)
}

// NotificationChoice selects the channels of the call-to-action notification.
type NotificationChoice string

// Notification choices, as in the reference's NotificationChoice.
const (
	NotifyDefault        NotificationChoice = ""
	NotifyEmail          NotificationChoice = "Email"
	NotifySMS            NotificationChoice = "Sms"
	NotifySMSAndEmail    NotificationChoice = "SmsAndEmail"
	NotifySMSPreferred   NotificationChoice = "SmsPreferred"
	NotifyEmailPreferred NotificationChoice = "EmailPreferred"
)

// Valid reports whether c is a known choice.
func (c NotificationChoice) Valid() bool {
	switch c {
	case NotifyDefault, NotifyEmail, NotifySMS, NotifySMSAndEmail, NotifySMSPreferred, NotifyEmailPreferred:
		return true
	}
	return false
}

// Communication is how a signee is told: text keys for the inbox message and
// the email/SMS notification, addresses, and the channel choice.
type Communication struct {
	InboxTitleKey   string `json:"inboxTitleKey,omitempty"`
	InboxSummaryKey string `json:"inboxSummaryKey,omitempty"`
	InboxBodyKey    string `json:"inboxBodyKey,omitempty"`

	Email           string `json:"email,omitempty"`
	EmailSubjectKey string `json:"emailSubjectKey,omitempty"`
	EmailBodyKey    string `json:"emailBodyKey,omitempty"`
	Mobile          string `json:"mobile,omitempty"`
	SMSBodyKey      string `json:"smsBodyKey,omitempty"`
	// TextArgs fill {0}, {1}… in the notification texts (e.g. the signee's first name).
	TextArgs []string `json:"textArgs,omitempty"`

	Choice NotificationChoice `json:"choice,omitempty"`
	// Reminder asks for a reminder notification if the message stays unread.
	Reminder bool `json:"reminder,omitempty"`
}

// EffectiveChoice returns the explicit choice, or infers it from the addresses
// (both → SmsAndEmail, email → Email, mobile → Sms, none → default).
func (c Communication) EffectiveChoice() NotificationChoice {
	if c.Choice != NotifyDefault {
		return c.Choice
	}
	switch {
	case c.Email != "" && c.Mobile != "":
		return NotifySMSAndEmail
	case c.Email != "":
		return NotifyEmail
	case c.Mobile != "":
		return NotifySMS
	}
	return NotifyDefault
}

// Signee is one party asked to sign, as kept by the repository. It holds no
// raw national ID: persons are known by a keyed hash, a masked form and
// their register party.
type Signee struct {
	Key  SigneeKey  `json:"key"`
	Kind SigneeKind `json:"kind"`
	// DisplayName is the register name (person full name or organisation name).
	DisplayName string `json:"displayName"`
	// MaskedID is the display form of the identity (masked national ID, or org number).
	MaskedID string `json:"maskedId"`
	// IdentityHash is the keyed hash of the identity, used for lookups.
	IdentityHash string `json:"identityHash"`
	// OrgNumber is set for organisation signees (org numbers are public).
	OrgNumber string `json:"orgNumber,omitempty"`
	PartyID   int64  `json:"partyId"`
	PartyUUID string `json:"partyUuid"`

	Communication Communication `json:"communication"`
	// AdditionalActions are delegated beyond read and sign, e.g. "reject".
	AdditionalActions []string `json:"additionalActions,omitempty"`
	// ReplacedBy is the signee that replaced this one (Service.ReplaceSignee).
	ReplacedBy SigneeKey `json:"replacedBy,omitempty"`
	// Group is the signing group the provider put the signee in (1 to
	// MaxGroups; 0 is group 1). Groups sign in ascending order: a signee is
	// delegated and told, and may sign, only once every earlier group has
	// signed (Task.GroupOpen).
	Group int `json:"group,omitempty"`

	Status        SigneeStatus `json:"status"`
	DelegatedAt   time.Time    `json:"delegatedAt,omitzero"`
	NotifiedAt    time.Time    `json:"notifiedAt,omitzero"`
	SignedAt      time.Time    `json:"signedAt,omitzero"`
	ReceiptSentAt time.Time    `json:"receiptSentAt,omitzero"`
	RevokedAt     time.Time    `json:"revokedAt,omitzero"`
	// CorrespondenceID is the call-to-action message's ID.
	CorrespondenceID string `json:"correspondenceId,omitempty"`
	// FailedStep and FailedReason describe the last step that failed for good.
	FailedStep   string `json:"failedStep,omitempty"`
	FailedReason string `json:"failedReason,omitempty"`
	// RemindedAt is the scheduled time of the last reminder sent (Reminded),
	// Reminders how many were sent.
	RemindedAt time.Time `json:"remindedAt,omitzero"`
	Reminders  int       `json:"reminders,omitempty"`
	// ResentAt is when the owner last sent the invitation again (Resent),
	// Resends how many times.
	ResentAt time.Time `json:"resentAt,omitzero"`
	Resends  int       `json:"resends,omitempty"`
	Version  int64     `json:"version"`
}

// MaxGroups is the most signing groups a task may have, and the highest
// group number.
const MaxGroups = 20

// SigningGroup is the signee's group number, 1 when none was given.
func (sg Signee) SigningGroup() int { return max(sg.Group, 1) }

// Actions returns the actions delegated to the signee: read, sign, then the
// additional ones without duplicates.
func (s Signee) Actions() []string {
	out := []string{"read", "sign"}
	for _, a := range s.AdditionalActions {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// Validate checks a signee before it is stored.
func (s Signee) Validate() error {
	var errs FieldErrors
	if err := s.Key.Validate(); err != nil {
		errs.Add("key", "must look like p-<hex> or o-<hex>")
	}
	switch s.Kind {
	case SigneePerson:
		if s.Key != "" && s.Key[0] != 'p' {
			errs.Add("key", "a person's key starts with p-")
		}
	case SigneeOrganisation:
		if s.Key != "" && s.Key[0] != 'o' {
			errs.Add("key", "an organisation's key starts with o-")
		}
		if s.OrgNumber == "" {
			errs.Add("orgNumber", "must be set for an organisation")
		}
	default:
		errs.Add("kind", "must be %q or %q", SigneePerson, SigneeOrganisation)
	}
	if s.DisplayName == "" {
		errs.Add("displayName", "must be set")
	}
	if len(s.IdentityHash) < 24 {
		errs.Add("identityHash", "must be a keyed hash")
	}
	if s.PartyUUID == "" {
		errs.Add("partyUuid", "must be set")
	}
	if !s.Status.Valid() {
		errs.Add("status", "unknown status %q", s.Status)
	}
	if !s.Communication.Choice.Valid() {
		errs.Add("communication.choice", "unknown notification choice %q", s.Communication.Choice)
	}
	if s.Group < 0 || s.Group > MaxGroups {
		errs.Add("group", "must be between 1 and %d", MaxGroups)
	}
	return errs.Err()
}

// Transition is one requested change of a signee's status.
type Transition struct {
	To SigneeStatus
	At time.Time
	// Step names the workflow step for failures, e.g. "delegate" or "notify".
	Step string
	// Reason says why a step failed (no personal data).
	Reason string
	// CorrespondenceID records the call-to-action message on notified.
	CorrespondenceID string
}

// Apply returns the signee after the transition. changed is false when the
// transition was already done or overtaken; the error wraps ErrConflict when
// it is illegal.
func (s Signee) Apply(t Transition) (next Signee, changed bool, err error) {
	apply, err := Plan(s.Status, t.To)
	if err != nil || !apply {
		return s, false, err
	}
	at := t.At.UTC()
	next = s
	next.Status = t.To
	next.Version++
	switch t.To {
	case SigneeDelegated:
		next.DelegatedAt = at
	case SigneeNotified:
		next.NotifiedAt = at
		next.CorrespondenceID = t.CorrespondenceID
	case SigneeSigned:
		next.SignedAt = at
	case SigneeReceiptSent:
		next.ReceiptSentAt = at
	case SigneeRevoked:
		next.RevokedAt = at
	case SigneeFailed:
		if t.Step == "" || t.Reason == "" {
			return s, false, Invalid("transition", "a failure needs a step and a reason")
		}
		next.FailedStep, next.FailedReason = t.Step, t.Reason
	}
	return next, true, nil
}

package signing

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/reminder"
)

// Config is the signature configuration of one signing task, as declared by
// the app's BPMN (`altinn:signatureConfig`) plus this product's extensions.
type Config struct {
	// DataTypesToSign are the data types whose data elements a signature covers, in order.
	DataTypesToSign []string `json:"dataTypesToSign"`
	// SignatureDataType is the app-owned data type that holds one document per signature.
	SignatureDataType string `json:"signatureDataType"`
	// UniqueFromSignaturesInDataTypes lists signature data types whose signers may not sign this task.
	UniqueFromSignaturesInDataTypes []string `json:"uniqueFromSignaturesInDataTypes,omitempty"`
	// SigneeProviderID selects the signee provider; set together with SigneeStatesDataTypeID.
	SigneeProviderID string `json:"signeeProviderId,omitempty"`
	// SigneeStatesDataTypeID is the app-owned data type that mirrors the signee states.
	SigneeStatesDataTypeID string `json:"signeeStatesDataTypeId,omitempty"`
	// SigningPDFDataType, when set, receives a PDF summary of the task when it completes.
	SigningPDFDataType string `json:"signingPdfDataType,omitempty"`
	// CorrespondenceResources are the correspondence resource IDs, optionally per environment.
	CorrespondenceResources []CorrespondenceResource `json:"correspondenceResources,omitempty"`
	// RunDefaultValidator requires every signee to have signed before completion.
	RunDefaultValidator bool `json:"runDefaultValidator,omitempty"`

	// CompleteAutomatically completes the task when the last required signature lands,
	// instead of waiting for the submitter's process/next.
	CompleteAutomatically bool `json:"completeAutomatically,omitempty"`
	// KeepReadAccess keeps the signees' read right when the task completes.
	KeepReadAccess bool `json:"keepReadAccess,omitempty"`
	// AllowNoSignees lets a provider return an empty list without failing the task.
	AllowNoSignees bool `json:"allowNoSignees,omitempty"`
	// MaxSignees caps the number of signees a provider may return (0 means the product limit).
	MaxSignees int `json:"maxSignees,omitempty"`
	// SubmitterActions are what the instance owner may do with the task:
	// "complete" and/or "reject". Empty means both.
	SubmitterActions []string `json:"submitterActions,omitempty"`

	// Reminders are when each unsigned signee is reminded, as ISO 8601
	// durations (reminder.ParseOffset): "P7D" a week after the invitation,
	// "-P2D" two days before the deadline. At most reminder.MaxOffsets.
	Reminders []string `json:"reminders,omitempty"`
	// SMSWindow is the time of day in Europe/Oslo ("HH:MM-HH:MM") outside
	// which a reminder whose notification includes SMS waits for the next
	// opening; empty is 08:00-21:00 (reminder.DefaultWindow), and
	// "00:00-24:00" holds nothing back.
	SMSWindow string `json:"smsWindow,omitempty"`
	// QuietDeadlineExtension leaves the signees untold when the owner
	// extends the deadline (by default each unsigned signee is told).
	QuietDeadlineExtension bool `json:"quietDeadlineExtension,omitempty"`
	// ResendInterval is the least time between two invitations the owner
	// sends again to one signee (ISO 8601 duration); empty is PT1H.
	ResendInterval string `json:"resendInterval,omitempty"`
	// RequireRejectReason refuses a reject without a reason.
	RequireRejectReason bool `json:"requireRejectReason,omitempty"`
	// RequiredSignatures are the signing groups that complete with fewer
	// signatures than they have signees ("any k of n"): group 1 is every
	// signee of a task without groups. A group not named needs every one
	// of its signees. When a group has its k, its other signees lose their
	// rights and are told they are no longer needed.
	RequiredSignatures []GroupRequirement `json:"requiredSignatures,omitempty"`
}

// GroupRequirement is how many signatures one signing group needs.
type GroupRequirement struct {
	// Group is the signing group, 1 to MaxGroups (Signee.Group).
	Group int `json:"group"`
	// Required is how many of its signees must sign, at least 1.
	Required int `json:"required"`
}

// CheckRequiredSignatures checks RequiredSignatures on its own (group
// numbers, counts, repeats); whether each group has that many signees is
// known when they are resolved (GroupCounts). Fields are relative to the
// configuration.
func (c Config) CheckRequiredSignatures() error {
	var errs FieldErrors
	seen := map[int]int{}
	for i, r := range c.RequiredSignatures {
		f := fmt.Sprintf("requiredSignatures[%d]", i)
		if r.Group < 1 || r.Group > MaxGroups {
			errs.Add(f+".group", "must be between 1 and %d", MaxGroups)
		}
		if r.Required < 1 {
			errs.Add(f+".required", "must be at least 1")
		}
		if first, dup := seen[r.Group]; dup {
			errs.Add(f+".group", "group %d is also requiredSignatures[%d]", r.Group, first)
		}
		seen[r.Group] = i
	}
	return errs.Err()
}

// required is how many signatures group needs: its requirement, or 0 (all).
func (c Config) required(group int) (int, int) {
	for i, r := range c.RequiredSignatures {
		if r.Group == group {
			return r.Required, i
		}
	}
	return 0, -1
}

// DefaultResendInterval is the ResendInterval when none is configured.
const DefaultResendInterval = time.Hour

// DeadlineSettings are the parsed reminder, SMS window and resend settings.
type DeadlineSettings struct {
	Reminders      []reminder.Offset
	SMSWindow      reminder.Window
	ResendInterval time.Duration
}

// DeadlineSettings parses Reminders, SMSWindow and ResendInterval; each
// problem names its field (relative to the configuration).
func (c Config) DeadlineSettings() (DeadlineSettings, error) {
	var errs FieldErrors
	var out DeadlineSettings
	var err error
	if out.Reminders, err = reminder.ParseOffsets(c.Reminders); err != nil {
		errs.Add("reminders", "%s", strings.TrimPrefix(err.Error(), "reminder: invalid: "))
	}
	if out.SMSWindow, err = reminder.ParseWindow(c.SMSWindow); err != nil {
		errs.Add("smsWindow", "%s", strings.TrimPrefix(err.Error(), "reminder: invalid: "))
	}
	out.ResendInterval = DefaultResendInterval
	if c.ResendInterval != "" {
		o, err := reminder.ParseOffset(c.ResendInterval)
		switch {
		case err != nil:
			errs.Add("resendInterval", "%s", strings.TrimPrefix(err.Error(), "reminder: invalid: "))
		case o.BeforeDeadline:
			errs.Add("resendInterval", "must be a positive duration such as PT1H")
		default:
			ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			at, _ := o.At(ref, time.Time{})
			out.ResendInterval = at.Sub(ref)
		}
	}
	return out, errs.Err()
}

// Submitter actions.
const (
	SubmitterComplete = "complete"
	SubmitterReject   = "reject"
)

// SubmitterMay reports whether the instance owner may take action on the task.
func (c Config) SubmitterMay(action string) bool {
	return len(c.SubmitterActions) == 0 || slices.Contains(c.SubmitterActions, action)
}

// CorrespondenceResource is one `altinn:correspondenceResource` entry.
type CorrespondenceResource struct {
	// Env is the environment the entry applies to; empty means every environment.
	Env string `json:"env,omitempty"`
	// Value is the correspondence resource ID.
	Value string `json:"value"`
}

// RuntimeDelegated reports whether the task delegates rights to signees chosen at run time.
func (c Config) RuntimeDelegated() bool {
	return c.SigneeProviderID != "" && c.SigneeStatesDataTypeID != ""
}

// Digest returns a stable SHA-256 hex digest of the configuration, used to
// detect a task started twice with different settings.
func (c Config) Digest() string {
	b, err := json.Marshal(c)
	if err != nil {
		// Config holds only strings, bools, ints and slices of them.
		panic(fmt.Sprintf("signing: marshal config: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// EnvironmentBucket maps an environment name to the bucket the reference
// implementation uses: development, staging, production or unknown.
func EnvironmentBucket(env string) string {
	switch strings.ToLower(strings.TrimSpace(env)) {
	case "development", "dev", "local", "localtest":
		return "development"
	case "staging", "test", "at22", "at23", "at24", "tt02", "yt01":
		return "staging"
	case "production", "prod", "produksjon":
		return "production"
	default:
		return "unknown"
	}
}

// CorrespondenceResourceFor resolves the correspondence resource for an
// environment: the entry whose bucket matches wins (the last one if several),
// else the entry without an environment. ok is false when none applies.
func (c Config) CorrespondenceResourceFor(env string) (resource string, ok bool) {
	want := EnvironmentBucket(env)
	var global string
	var haveGlobal bool
	for _, r := range c.CorrespondenceResources {
		if r.Env == "" {
			global, haveGlobal = r.Value, true
			continue
		}
		if EnvironmentBucket(r.Env) == want && want != "unknown" {
			resource, ok = r.Value, true
		}
	}
	if ok {
		return resource, true
	}
	return global, haveGlobal
}

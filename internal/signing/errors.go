package signing

import (
	"errors"
	"fmt"
	"strings"
)

// The error vocabulary of the domain. Adapters wrap these with where the error
// came from; callers match them with errors.Is.
var (
	// ErrNotFound means the task, signee or signature does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the state changed or does not allow the operation.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input is malformed; a *FieldError names the field.
	ErrInvalid = errors.New("invalid input")
	// ErrForbidden means the caller is known but not allowed to do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated means the caller's identity is missing or not accepted.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrTransient means the operation failed for a reason that a retry may cure.
	ErrTransient = errors.New("transient failure")
)

// ErrSuperseded means a workflow step belongs to an attempt of the task that
// a later attempt has replaced (or is replacing): the step changes nothing
// and sends nothing, and its execution ends with OutcomeSuperseded. It is
// deliberately not an ErrConflict, so no caller takes it for "done already".
var ErrSuperseded = errors.New("the attempt is superseded")

// ErrorSuperseded is the workflow error name of ErrSuperseded.
const ErrorSuperseded = "Signing.Superseded"

// ErrGroupNotOpen means the signee's signing group may not sign yet: an
// earlier group has not signed (Task.GroupOpen). The signee is neither
// delegated nor told until it may, so the order is authorization's, not
// only the messages'.
var ErrGroupNotOpen = fmt.Errorf("%w: the signee's group may not sign until every earlier group has signed", ErrForbidden)

// ErrSignatureNotNeeded means the signee's signing group already has the
// signatures it requires (Config.RequiredSignatures): its other signees
// are no longer needed, lose their rights and are told.
var ErrSignatureNotNeeded = fmt.Errorf("%w: the signee's group has the signatures it needs", ErrConflict)

// ErrTaskClosed means the task no longer collects signatures (completed, rejected, expired or failed).
var ErrTaskClosed = fmt.Errorf("%w: task is closed", ErrConflict)

// ErrNotSigningTask means the instance's current task (or none, when its
// process has ended) is not a signing task, as the reference's signing
// routes answer 400 "Not a signing task" (Altinn/app-lib-dotnet
// src/Altinn.App.Api/Controllers/SigningController.cs).
var ErrNotSigningTask = errors.New("not a signing task")

// ErrNoTask means the signing task has no record (yet): it was never
// started, or its start is still under way.
var ErrNoTask = fmt.Errorf("%w: no such signing task", ErrNotFound)

// ErrMissingSignatures means the task cannot be completed: not every signee
// has signed. It is the reference's MissingSignatures validation issue
// (src/Altinn.App.Core/Features/Validation/Default/SigningTaskValidator.cs).
var ErrMissingSignatures = fmt.Errorf("%w: required signatures are missing", ErrConflict)

// FieldError is an input error that names the offending field.
type FieldError struct {
	// Field is the path of the field, e.g. "signees[2].nationalId".
	Field string
	// Message says what is wrong, without echoing personal data.
	Message string
	// Err is an optional cause.
	Err error
}

// Error implements error.
func (e *FieldError) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Field + ": " + e.Err.Error()
	}
	return e.Field + ": " + e.Message
}

// Unwrap returns ErrInvalid and the cause, so errors.Is matches both.
func (e *FieldError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalid, e.Err}
	}
	return []error{ErrInvalid}
}

// Invalid returns a *FieldError for field with a formatted message.
func Invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors collects several field errors so a caller sees all of them at once.
type FieldErrors []*FieldError

// Error implements error.
func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns every field error, so errors.Is(err, ErrInvalid) holds.
func (es FieldErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Add appends a field error.
func (es *FieldErrors) Add(field, format string, args ...any) {
	*es = append(*es, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when empty, else the collection as an error.
func (es FieldErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Package stepfn maps the domain's errors to the stable error names the
// state machine (statemachine/signing.asl.json) matches with ErrorEquals.
//
// The Lambda runtime reports a returned error's Go type name as its
// errorType, unless the handler returns a messages.InvokeResponse_Error;
// Error builds that value, so the name Step Functions sees is one of the
// names below and never an accident of the Go type that happened to fail.
//
// The names, what they mean and what the state machine does with them:
//
//	Signing.Transient    a retry may cure it (ErrTransient, timeouts, cancelled
//	                     calls, unclassified failures): Retry with backoff
//	Signing.Rejected     the task was rejected (ErrRejected): Catch → Handle Reject
//	Signing.Expired      the deadline passed (ErrExpired): Catch → Handle Expiry
//	Signing.DataChanged  signed data changed after signing (ErrDataChanged):
//	                     Catch → Fail Data Changed
//	Signing.Invalid      bad input, forbidden, not found, unauthenticated or
//	                     misconfiguration: fail fast into the failure path
//	Signing.Conflict     the state does not allow the step (ErrConflict, a
//	                     closed task that is not rejected or expired): failure path
//	Signing.Superseded   the step's attempt was replaced by a later one
//	                     (ErrSuperseded; it changed nothing and sent nothing):
//	                     Catch → Superseded, a clean end with outcome superseded
//
// The state machine's top-level Comment lists the same names; a test checks
// that they agree.
package stepfn

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/signingflow/signing/internal/redact"
	"github.com/signingflow/signing/internal/signing"
)

// The error names of the workflow.
const (
	ErrorTransient   = "Signing.Transient"
	ErrorRejected    = signing.ErrorRejected
	ErrorExpired     = signing.ErrorExpired
	ErrorDataChanged = signing.ErrorDataChanged
	ErrorInvalid     = "Signing.Invalid"
	ErrorConflict    = "Signing.Conflict"
	ErrorSuperseded  = signing.ErrorSuperseded
)

// ErrorFailed is the error of the execution's own Fail state: a step failed
// for good. The cause names the step's error.
const ErrorFailed = "Signing.Failed"

// ErrorReceiptFailed is the error of the Fail state inside the receipts Map:
// a receipt failed after its retries. It fails the Map, whose Catch retries
// the round later; the execution never ends with it.
const ErrorReceiptFailed = "Signing.ReceiptFailed"

// Names lists every error name a function returns, in the order above.
func Names() []string {
	return []string{ErrorTransient, ErrorRejected, ErrorExpired, ErrorDataChanged, ErrorInvalid, ErrorConflict, ErrorSuperseded}
}

// Name classifies err. The most specific class wins: rejected, expired and
// data changed before conflict; unclassified errors are transient, because
// every step is safe to repeat.
func Name(err error) string {
	switch {
	case errors.Is(err, signing.ErrSuperseded):
		return ErrorSuperseded
	case errors.Is(err, signing.ErrRejected):
		return ErrorRejected
	case errors.Is(err, signing.ErrExpired):
		return ErrorExpired
	case errors.Is(err, signing.ErrDataChanged):
		return ErrorDataChanged
	case errors.Is(err, signing.ErrTransient),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, context.Canceled):
		return ErrorTransient
	case errors.Is(err, signing.ErrInvalid),
		errors.Is(err, signing.ErrForbidden),
		errors.Is(err, signing.ErrNotFound),
		errors.Is(err, signing.ErrUnauthenticated):
		return ErrorInvalid
	case errors.Is(err, signing.ErrConflict):
		return ErrorConflict
	}
	return ErrorTransient
}

// maxMessage bounds the message Step Functions records as the error's cause.
const maxMessage = 2000

// Error returns err as the Lambda runtime's error value with a stable name,
// or nil for nil. The message is err's text, cut to 2,000 bytes, with any
// run of eleven or more digits masked (the domain never puts a national ID in an
// error; this is the second line of defence).
func Error(err error) error {
	if err == nil {
		return nil
	}
	return messages.InvokeResponse_Error{Type: Name(err), Message: Redact(err.Error())}
}

// Redact masks every run of eleven or more digits in s (what may hold a
// national ID) outside GUIDs (redact.Digits), and cuts s to 2,000 bytes.
func Redact(s string) string {
	s = redact.Digits(s)
	if len(s) > maxMessage {
		s = s[:maxMessage]
	}
	return s
}

// Invalid wraps err as bad input (signing.ErrInvalid) unless it is already
// classified; handlers use it for events they cannot decode.
func Invalid(err error) error {
	if errors.Is(err, signing.ErrInvalid) {
		return err
	}
	return fmt.Errorf("%w: %w", signing.ErrInvalid, err)
}

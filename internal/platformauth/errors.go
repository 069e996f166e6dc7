package platformauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/signingflow/signing/internal/signing"
)

// Operations named in errors.
const (
	opMaskinporten = "maskinporten token"
	opExchange     = "altinn exchange"
	opPlatform     = "platform access token"
)

// TransientError is a failure that a retry may cure: a timeout, a
// connection error, HTTP 408, 425, 429 or 5xx, or KMS throttling. It
// matches signing.ErrTransient.
type TransientError struct {
	// Op is what failed, e.g. "maskinporten token" or "altinn exchange".
	Op string
	// Status is the HTTP status, or 0 when no response arrived.
	Status int
	// Code is the server's error code (OAuth "error"), or a short reason.
	Code string
	// Description is the server's error_description, without tokens.
	Description string
	// Err is the underlying cause, if any.
	Err error
}

// Error implements error.
func (e *TransientError) Error() string {
	return "platformauth: " + e.Op + ": transient failure: " + describe(e.Status, e.Code, e.Description, e.Err)
}

// Unwrap returns signing.ErrTransient and the cause.
func (e *TransientError) Unwrap() []error {
	if e.Err != nil {
		return []error{signing.ErrTransient, e.Err}
	}
	return []error{signing.ErrTransient}
}

// PermanentError is a failure that a retry will not cure: another HTTP
// status, an unusable answer, or a refused signing request.
type PermanentError struct {
	// Op is what failed, as in TransientError.
	Op string
	// Status is the HTTP status, or 0 when the failure was not an answer.
	Status int
	// Code is the server's error code (OAuth "error"), or a short reason.
	Code string
	// Description is the server's error_description, without tokens.
	Description string
	// Err is the underlying cause, if any.
	Err error
}

// Error implements error.
func (e *PermanentError) Error() string {
	return "platformauth: " + e.Op + ": " + describe(e.Status, e.Code, e.Description, e.Err)
}

// Unwrap returns the cause.
func (e *PermanentError) Unwrap() error { return e.Err }

// IsTransient reports whether err is a failure a retry may cure.
func IsTransient(err error) bool {
	var te *TransientError
	return errors.As(err, &te) || errors.Is(err, signing.ErrTransient)
}

// transientStatus reports whether an HTTP status is worth retrying.
func transientStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return status >= 500
}

// statusError classifies a non-2xx answer.
func statusError(op string, status int, code, description string) error {
	if transientStatus(status) {
		return &TransientError{Op: op, Status: status, Code: code, Description: description}
	}
	return &PermanentError{Op: op, Status: status, Code: code, Description: description}
}

// callError classifies a failure that is not an answer: a timeout or a
// network error is transient; the caller's cancellation and anything else
// is permanent.
func callError(op string, err error) error {
	var te *TransientError
	var pe *PermanentError
	if errors.As(err, &te) || errors.As(err, &pe) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return &PermanentError{Op: op, Code: "Canceled", Err: err}
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &TransientError{Op: op, Code: "Timeout", Err: err}
	}
	if errors.As(err, &ne) {
		return &TransientError{Op: op, Code: "Unreachable", Err: err}
	}
	return &PermanentError{Op: op, Err: err}
}

// describe formats "HTTP 400 Bad Request (invalid_grant): description: cause".
func describe(status int, code, description string, err error) string {
	var parts []string
	head := ""
	if status != 0 {
		head = "HTTP " + strconv.Itoa(status)
		if text := http.StatusText(status); text != "" {
			head += " " + text
		}
	}
	if code != "" {
		head = strings.TrimSpace(head + " (" + code + ")")
	}
	if head != "" {
		parts = append(parts, head)
	}
	if description != "" {
		parts = append(parts, description)
	}
	if err != nil {
		parts = append(parts, err.Error())
	}
	if len(parts) == 0 {
		return "failed"
	}
	return strings.Join(parts, ": ")
}

// jwtLike matches what may be a JWT (or a JWS part of one).
var jwtLike = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`eyJ[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*){0,2}`) })

// maxDescription bounds a server's text kept in an error.
const maxDescription = 300

// scrub removes from s anything that may be a token and every secret,
// and bounds its length, so a server echoing a grant leaks nothing.
func scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = jwtLike().ReplaceAllString(s, "[redacted]")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDescription {
		s = s[:maxDescription] + "…"
	}
	return s
}

package platform

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

// TransientError is a failure that a retry may cure: a timeout, a connection
// error, or HTTP 408, 425, 429 or 5xx. It matches signing.ErrTransient, so
// the Lambdas report it to Step Functions as Signing.Transient
// (internal/stepfn), which every Task retries.
type TransientError struct {
	// Service is the platform service: "storage", "access", "correspondence",
	// "notifications" or "register".
	Service string
	// Operation is the call, e.g. "send"; Service + "." + Operation names it
	// as the emulator's fault injection does.
	Operation string
	// Status is the HTTP status, or 0 when no response arrived.
	Status int
	// Code is the problem's code, or a short reason such as "Timeout".
	Code string
	// Detail explains the failure without personal data or tokens.
	Detail string
	// RetryAfter is the server's Retry-After, if it sent one.
	RetryAfter time.Duration
	// Err is the underlying cause (e.g. context.DeadlineExceeded), if any.
	Err error
}

// Error implements error.
func (e *TransientError) Error() string {
	return "platform " + e.Service + "." + e.Operation + ": transient failure: " + describe(e.Status, e.Code, e.Detail)
}

// Unwrap returns signing.ErrTransient and the cause.
func (e *TransientError) Unwrap() []error {
	if e.Err != nil {
		return []error{signing.ErrTransient, e.Err}
	}
	return []error{signing.ErrTransient}
}

// PermanentError is a failure that a retry will not cure: a 4xx other than
// 408, 425 and 429, an unusable response, or a request refused before it was
// sent. It matches the domain error of its status (see the package doc).
type PermanentError struct {
	// Service is the platform service, as in TransientError.
	Service string
	// Operation is the call, as in TransientError.
	Operation string
	// Status is the HTTP status, or 0 when the request was not sent.
	Status int
	// Code is the problem's code, or a short reason.
	Code string
	// Detail explains the failure without personal data or tokens.
	Detail string
	// Err, when set, is the domain error to match instead of the status's,
	// e.g. a *signing.FieldError for a last name that does not match.
	Err error
}

// Error implements error.
func (e *PermanentError) Error() string {
	return "platform " + e.Service + "." + e.Operation + ": " + describe(e.Status, e.Code, e.Detail)
}

// Unwrap returns the domain error: Err if set, else the one of Status.
func (e *PermanentError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Err}
	}
	switch e.Status {
	case http.StatusNotFound, http.StatusGone:
		return []error{signing.ErrNotFound}
	case http.StatusConflict, http.StatusPreconditionFailed:
		return []error{signing.ErrConflict}
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		return []error{signing.ErrInvalid}
	case http.StatusUnauthorized:
		return []error{signing.ErrForbidden, signing.ErrUnauthenticated}
	case http.StatusForbidden:
		return []error{signing.ErrForbidden}
	}
	return nil
}

// describe formats "HTTP 404 (Code): detail", leaving out empty parts.
func describe(status int, code, detail string) string {
	var b strings.Builder
	if status != 0 {
		b.WriteString("HTTP ")
		b.WriteString(strconv.Itoa(status))
		if text := http.StatusText(status); text != "" {
			b.WriteString(" " + text)
		}
	}
	if code != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("(" + code + ")")
	}
	if detail != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(detail)
	}
	if b.Len() == 0 {
		return "failed"
	}
	return b.String()
}

// isTransientStatus reports whether an HTTP status is worth retrying.
func isTransientStatus(status int) bool {
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return true
	case status >= 500:
		return true
	}
	return false
}

// statusError builds the error of a non-2xx response from its parsed problem.
func (s *service) statusError(op string, status int, header http.Header, p problem) error {
	if isTransientStatus(status) {
		return &TransientError{
			Service: s.name, Operation: op, Status: status, Code: p.Code, Detail: p.Detail,
			RetryAfter: parseRetryAfter(header.Get("Retry-After"), time.Now()),
		}
	}
	return &PermanentError{Service: s.name, Operation: op, Status: status, Code: p.Code, Detail: p.Detail}
}

// invalidRequest is the error of a request refused before it was sent.
func (s *service) invalidRequest(op string, err error) error {
	return &PermanentError{Service: s.name, Operation: op, Code: "InvalidRequest", Detail: err.Error(), Err: err}
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(min(secs, 3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, time.Hour)
		}
	}
	return 0
}

// fieldErrorf is a *signing.FieldError with a formatted message.
func fieldErrorf(field, format string, args ...any) error {
	return &signing.FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

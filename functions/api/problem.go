package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/signing"
)

// ProblemTypeBase prefixes every problem type URI. The URIs are stable: a
// client may match on them. api/openapi.yaml documents each one.
const ProblemTypeBase = "https://signing.example/problems/"

// ProblemType is one kind of problem the API answers with.
type ProblemType struct {
	// Slug ends the type URI, e.g. "task-closed".
	Slug   string
	Title  string
	Status int
}

// URI returns the problem type's stable URI.
func (p ProblemType) URI() string { return ProblemTypeBase + p.Slug }

// The problem types of the API, one per distinct client reaction.
var (
	ProblemInvalidRequest       = ProblemType{"invalid-request", "The request is invalid", http.StatusBadRequest}
	ProblemMalformedJSON        = ProblemType{"malformed-json", "The request body is not valid JSON", http.StatusBadRequest}
	ProblemUnauthenticated      = ProblemType{"unauthenticated", "The caller is not authenticated as a person", http.StatusUnauthorized}
	ProblemForbidden            = ProblemType{"forbidden", "The caller may not do this", http.StatusForbidden}
	ProblemNotFound             = ProblemType{"not-found", "Not found", http.StatusNotFound}
	ProblemMethodNotAllowed     = ProblemType{"method-not-allowed", "Method not allowed", http.StatusMethodNotAllowed}
	ProblemConflict             = ProblemType{"conflict", "The signing task's state does not allow this", http.StatusConflict}
	ProblemTaskClosed           = ProblemType{"task-closed", "The signing task is closed", http.StatusConflict}
	ProblemTaskRejected         = ProblemType{"task-rejected", "The signing task was rejected", http.StatusConflict}
	ProblemTaskExpired          = ProblemType{"task-expired", "The signing task has expired", http.StatusConflict}
	ProblemPayloadTooLarge      = ProblemType{"payload-too-large", "The request body is too large", http.StatusRequestEntityTooLarge}
	ProblemUnsupportedMediaType = ProblemType{"unsupported-media-type", "The request body must be JSON", http.StatusUnsupportedMediaType}
	ProblemInternal             = ProblemType{"internal", "Internal error", http.StatusInternalServerError}
	ProblemUnavailable          = ProblemType{"service-unavailable", "Temporarily unavailable", http.StatusServiceUnavailable}
	// ProblemNotSigningTask and ProblemMissingSignatures carry the reference's
	// titles (Altinn/app-lib-dotnet src/Altinn.App.Api/Controllers/SigningController.cs,
	// ProcessController.cs), which the app frontend may show.
	ProblemNotSigningTask    = ProblemType{"not-signing-task", "Not a signing task", http.StatusBadRequest}
	ProblemMissingSignatures = ProblemType{"missing-signatures", "Validation failed for task", http.StatusConflict}
	// ProblemXSRF is app-lib's antiforgery refusal (400: AntiforgeryValidationFailedResult,
	// Altinn/app-lib-dotnet src/Altinn.App.Api/Infrastructure/Filters/ValidateAntiforgeryTokenIfAuthCookieAuthorizationFilter.cs).
	ProblemXSRF             = ProblemType{"xsrf-token-invalid", "The XSRF token is missing or does not match", http.StatusBadRequest}
	ProblemOriginNotAllowed = ProblemType{"origin-not-allowed", "The request's origin is not allowed", http.StatusForbidden}
	// ProblemAuthLevelTooLow is the PEP's refusal of a login weaker than the
	// policy's urn:altinn:minimum-authenticationlevel obligation (403).
	ProblemAuthLevelTooLow = ProblemType{"authentication-level-too-low", "The login's authentication level is too low", http.StatusForbidden}
	// ProblemTooSoon refuses an invitation sent again inside the task's
	// resend interval; Retry-After says when it may be sent.
	ProblemTooSoon = ProblemType{"too-soon", "Done too recently; try again later", http.StatusTooManyRequests}
	// ProblemGroupNotOpen refuses a signee whose signing group may not sign
	// yet: an earlier group has not signed (signing.ErrGroupNotOpen).
	ProblemGroupNotOpen = ProblemType{"group-not-open", "Your signing group may not sign yet", http.StatusForbidden}
	// ProblemSignatureNotNeeded refuses a signee whose signing group has
	// the signatures it requires (signing.ErrSignatureNotNeeded).
	ProblemSignatureNotNeeded = ProblemType{"signature-not-needed", "Your signature is no longer needed", http.StatusConflict}
)

// ProblemTypes lists every problem type, for documentation and tests.
var ProblemTypes = []ProblemType{
	ProblemInvalidRequest, ProblemMalformedJSON, ProblemUnauthenticated, ProblemForbidden,
	ProblemNotFound, ProblemMethodNotAllowed, ProblemConflict, ProblemTaskClosed,
	ProblemTaskRejected, ProblemTaskExpired, ProblemPayloadTooLarge, ProblemUnsupportedMediaType,
	ProblemInternal, ProblemUnavailable, ProblemNotSigningTask, ProblemMissingSignatures,
	ProblemXSRF, ProblemOriginNotAllowed, ProblemAuthLevelTooLow, ProblemTooSoon, ProblemGroupNotOpen,
	ProblemSignatureNotNeeded,
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Instance is the request path the problem occurred on.
	Instance string `json:"instance,omitempty"`
	// Errors names each invalid field with what is wrong with it.
	Errors map[string]string `json:"errors,omitempty"`
	// ValidationIssues are the reasons a completion was refused, as the
	// reference's process/next answers 409 (ProcessController.cs); the app
	// frontend shows them (src/features/instance/useProcessNext.tsx).
	ValidationIssues []validationIssue `json:"validationIssues,omitempty"`

	// retryAfter, when set, is sent as the Retry-After header.
	retryAfter time.Duration
	// cause is logged, never sent.
	cause error
}

// problemError is an error the handler answers with a given problem.
type problemError struct{ p *Problem }

func (e problemError) Error() string { return e.p.Type + ": " + e.p.Detail }

// newProblem returns a problem of type t with a detail.
func newProblem(t ProblemType, detail string) *Problem {
	return &Problem{Type: t.URI(), Title: t.Title, Status: t.Status, Detail: detail}
}

// fail returns an error that answers with problem t.
func fail(t ProblemType, detail string) error {
	return problemError{newProblem(t, detail)}
}

// invalid returns an error that answers 400 naming field.
func invalid(field, message string) error {
	p := newProblem(ProblemInvalidRequest, "The request has invalid fields; see errors.")
	p.Errors = map[string]string{field: message}
	return problemError{p}
}

// defaultRetryAfter is sent with a 503 when the failing service gave no hint.
const defaultRetryAfter = 2 * time.Second

// problemFor maps an error to the problem the client sees. renames maps
// domain field names to the request's own (e.g. "page.limit" → "limit").
func problemFor(err error, renames map[string]string) *Problem {
	var pe problemError
	if errors.As(err, &pe) {
		return pe.p
	}
	var p *Problem
	fields := fieldErrors(err, renames)
	switch {
	case errors.Is(err, signing.ErrInvalid) && len(fields) > 0:
		// Every input check of the domain names its field; an unnamed
		// ErrInvalid (e.g. a request the platform refused) is ours to fix
		// and falls through to 500.
		p = newProblem(ProblemInvalidRequest, "The request has invalid fields; see errors.")
		p.Errors = fields
	case errors.Is(err, signing.ErrTooSoon):
		p = newProblem(ProblemTooSoon, "The invitation was sent again too recently; see Retry-After.")
		var ts *signing.TooSoonError
		if errors.As(err, &ts) {
			p.retryAfter = ts.RetryAfter
		}
	case errors.Is(err, signing.ErrSignatureNotNeeded):
		p = newProblem(ProblemSignatureNotNeeded, "Your signing group has the signatures it requires; your signature is no longer needed.")
	case errors.Is(err, signing.ErrGroupNotOpen):
		p = newProblem(ProblemGroupNotOpen, "Your signing group may sign once every earlier group has signed; you will be told then.")
	case errors.Is(err, signing.ErrForbidden):
		p = newProblem(ProblemForbidden, "You may not do this on this signing task.")
	case errors.Is(err, signing.ErrUnauthenticated):
		p = newProblem(ProblemUnauthenticated, "The token does not identify a person.")
	case errors.Is(err, signing.ErrNotFound):
		p = newProblem(ProblemNotFound, "The instance or its signing task was not found.")
	case errors.Is(err, signing.ErrRejected):
		p = newProblem(ProblemTaskRejected, "The signing task was rejected; it takes no more signatures.")
	case errors.Is(err, signing.ErrExpired):
		p = newProblem(ProblemTaskExpired, "The signing task's deadline has passed; it takes no more signatures.")
	case errors.Is(err, signing.ErrTaskClosed):
		p = newProblem(ProblemTaskClosed, "The signing task is closed; it takes no more signatures.")
	case errors.Is(err, signing.ErrNotSigningTask):
		p = newProblem(ProblemNotSigningTask, "This endpoint is only callable while the current task is a signing task, or when taskId query param is set to a signing task's ID.")
	case errors.Is(err, signing.ErrMissingSignatures):
		p = newProblem(ProblemMissingSignatures, "1 validation errors found for the signing task: not every signee has signed.")
		p.ValidationIssues = []validationIssue{missingSignaturesIssue("")}
	case errors.Is(err, signing.ErrConflict):
		p = newProblem(ProblemConflict, "The signing task's state does not allow this now, e.g. the signature is already recorded or not every signee has signed.")
	case errors.Is(err, signing.ErrTransient), errors.Is(err, context.DeadlineExceeded):
		p = newProblem(ProblemUnavailable, "A service the signing API depends on is unavailable; try again later.")
		p.retryAfter = defaultRetryAfter
		var te *platform.TransientError
		if errors.As(err, &te) && te.RetryAfter > 0 {
			p.retryAfter = te.RetryAfter
		}
	default:
		p = newProblem(ProblemInternal, "The request failed because of an internal error.")
	}
	p.cause = err
	return p
}

// fieldErrors collects the field errors in err, keyed by the request's field names.
func fieldErrors(err error, renames map[string]string) map[string]string {
	out := map[string]string{}
	var walk func(error)
	walk = func(err error) {
		if fe, ok := err.(*signing.FieldError); ok {
			field := fe.Field
			if r, ok := renames[field]; ok {
				field = r
			}
			msg := fe.Message
			if msg == "" && fe.Err != nil {
				msg = fe.Err.Error()
			}
			if prev, ok := out[field]; ok && prev != msg {
				msg = prev + "; " + msg
			}
			out[field] = msg
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			if e := u.Unwrap(); e != nil {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

// retryAfterSeconds formats a Retry-After value, at least one second.
func retryAfterSeconds(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	return strconv.Itoa(max(s, 1))
}

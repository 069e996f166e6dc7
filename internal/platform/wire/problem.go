package wire

// ProblemContentType is the media type of an RFC 9457 problem.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details body, with the platform's "code"
// extension, ASP.NET's validation "errors" map and Altinn's
// "validationErrors" list (Altinn/altinn-authorization-utils
// src/Altinn.Authorization.ProblemDetails/src/ProblemDetails/AltinnValidationProblemDetails.cs).
type Problem struct {
	Type             string              `json:"type,omitempty"`
	Title            string              `json:"title,omitempty"`
	Status           int                 `json:"status,omitempty"`
	Detail           string              `json:"detail,omitempty"`
	Instance         string              `json:"instance,omitempty"`
	Code             string              `json:"code,omitempty"`
	Errors           map[string][]string `json:"errors,omitempty"`
	ValidationErrors []ValidationError   `json:"validationErrors,omitempty"`
	// StatusDescription is the reason phrase Altinn's ProblemDetails 5.x
	// adds; ErrorCode the number Correspondence adds (CORR-01034 → 1034).
	StatusDescription string `json:"statusDescription,omitempty"`
	ErrorCode         int    `json:"errorCode,omitempty"`
}

// ValidationError is one entry of an Altinn validation problem: a code
// such as "AM.VLD-00001", the paths it concerns and, depending on the
// library version, a title or a detail
// (…/ProblemDetails/AltinnValidationError.cs).
type ValidationError struct {
	Code   string   `json:"code"`
	Title  string   `json:"title,omitempty"`
	Detail string   `json:"detail,omitempty"`
	Paths  []string `json:"paths,omitempty"`
}

// Problem codes the emulator uses and the clients recognise.
const (
	CodeInvalidJSON         = "InvalidJSON"
	CodeValidation          = "ValidationFailed"
	CodeUnsupportedMedia    = "UnsupportedMediaType"
	CodeTooLarge            = "RequestTooLarge"
	CodeUnauthenticated     = "Unauthenticated"
	CodeForbidden           = "Forbidden"
	CodeNotFound            = "NotFound"
	CodeMethodNotAllowed    = "MethodNotAllowed"
	CodeInstanceNotFound    = "InstanceNotFound"
	CodeDataElementNotFound = "DataElementNotFound"
	CodeApplicationNotFound = "ApplicationNotFound"
	CodeTextsNotFound       = "TextsNotFound"
	CodePartyNotFound       = "REG-00007"
	CodeLastNameMismatch    = "LastNameMismatch"
	CodeInjectedFault       = "InjectedFault"
)

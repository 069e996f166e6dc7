package wire

// ProblemContentType is the media type of an RFC 9457 problem.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details body, with the platform's "code"
// extension and ASP.NET's validation "errors" map.
type Problem struct {
	Type     string              `json:"type,omitempty"`
	Title    string              `json:"title,omitempty"`
	Status   int                 `json:"status,omitempty"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	Code     string              `json:"code,omitempty"`
	Errors   map[string][]string `json:"errors,omitempty"`
}

// Problem codes the emulator uses and the clients recognise.
const (
	CodeInvalidJSON          = "InvalidJSON"
	CodeValidation           = "ValidationFailed"
	CodeUnsupportedMedia     = "UnsupportedMediaType"
	CodeTooLarge             = "RequestTooLarge"
	CodeUnauthenticated      = "Unauthenticated"
	CodeForbidden            = "Forbidden"
	CodeNotFound             = "NotFound"
	CodeMethodNotAllowed     = "MethodNotAllowed"
	CodeInstanceNotFound     = "InstanceNotFound"
	CodeDataElementNotFound  = "DataElementNotFound"
	CodeApplicationNotFound  = "ApplicationNotFound"
	CodeTextsNotFound        = "TextsNotFound"
	CodePartyNotFound        = "PartyNotFound"
	CodeLastNameMismatch     = "LastNameMismatch"
	CodeIdempotencyKeyReused = "IdempotencyKeyReused"
	CodeInjectedFault        = "InjectedFault"
)

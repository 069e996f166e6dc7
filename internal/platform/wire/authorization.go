package wire

// XACML JSON of the platform's decision point, POST
// authorization/api/v1/decision (Altinn/altinn-authorization-tmp
// src/apps/Altinn.Authorization/src/Altinn.Authorization/Controllers/DecisionController.cs;
// the request app-lib builds to find the organisations a user holds a key
// role in: Altinn/app-lib-dotnet
// src/Altinn.App.Core/Infrastructure/Clients/Authorization/AuthorizationClient.cs,
// GetKeyRoleOrganizationParties). The server reads the names case-insensitively.

// Attribute IDs and values of a key-role request.
const (
	XACMLUserID       = "urn:altinn:userid"
	XACMLActionID     = "urn:oasis:names:tc:xacml:1.0:action:action-id"
	XACMLResource     = "urn:altinn:resource"
	XACMLOrgNumber    = "urn:altinn:organization:identifier-no"
	XACMLString       = "http://www.w3.org/2001/XMLSchema#string"
	KeyRoleResource   = "altinn_keyrole_access"
	KeyRoleAction     = "access"
	DecisionPermit    = "Permit"
	DecisionDeny      = "Deny"
	DecisionNotApplic = "NotApplicable"
)

// XACMLRequestRoot is the body of a decision request.
type XACMLRequestRoot struct {
	Request XACMLRequest `json:"request"`
}

// XACMLRequest holds the categories of one (multi-)request.
type XACMLRequest struct {
	ReturnPolicyIDList bool                `json:"returnPolicyIdList"`
	AccessSubject      []XACMLCategory     `json:"accessSubject"`
	Action             []XACMLCategory     `json:"action"`
	Resource           []XACMLCategory     `json:"resource"`
	MultiRequests      *XACMLMultiRequests `json:"multiRequests,omitempty"`
}

// XACMLCategory is a subject, an action or a resource with its attributes.
type XACMLCategory struct {
	CategoryID string           `json:"categoryId,omitempty"`
	ID         string           `json:"id,omitempty"`
	Attribute  []XACMLAttribute `json:"attribute"`
}

// XACMLAttribute is one attribute of a category.
type XACMLAttribute struct {
	AttributeID     string `json:"attributeId"`
	Value           string `json:"value"`
	DataType        string `json:"dataType,omitempty"`
	IncludeInResult bool   `json:"includeInResult,omitempty"`
}

// XACMLMultiRequests lists the combinations decided one by one.
type XACMLMultiRequests struct {
	RequestReference []XACMLRequestReference `json:"requestReference"`
}

// XACMLRequestReference names one subject, action and resource by their IDs.
type XACMLRequestReference struct {
	ReferenceID []string `json:"referenceId"`
}

// XACMLResponse is the decision point's answer: one result per combination.
type XACMLResponse struct {
	Response []XACMLResult `json:"response"`
}

// XACMLResult is one decision, with the attributes asked to be included.
type XACMLResult struct {
	Decision string          `json:"decision"`
	Category []XACMLCategory `json:"category,omitempty"`
}

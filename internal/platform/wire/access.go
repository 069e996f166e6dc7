package wire

// Attribute types of an access management delegation.
const (
	TypePartyUUID = "urn:altinn:party:uuid"
	TypeApp       = "urn:altinn:app"
	TypeOrg       = "urn:altinn:org"
	TypeTask      = "urn:altinn:task"
	TypeAction    = "urn:oasis:names:tc:xacml:1.0:action:action-id"
)

// Right statuses in a delegation response.
const (
	RightDelegated    = "Delegated"
	RightNotDelegated = "NotDelegated"
	RightRevoked      = "Revoked"
	RightNotRevoked   = "NotRevoked"
)

// TypeOrganizationNumber is the other party URN access management accepts
// as from or to (Altinn/altinn-authorization-tmp
// src/apps/Altinn.AccessManagement/src/Altinn.AccessManagement.Core/Services/AppsInstanceDelegationService.cs).
const TypeOrganizationNumber = "urn:altinn:organization:identifier-no"

// Problem codes of access management's validation problems: the wrapper
// (Altinn/altinn-authorization-utils
// src/Altinn.Authorization.ProblemDetails/src/ProblemDetails.Abstractions/StdProblemDescriptors.cs)
// and its entries (Altinn/altinn-authorization-tmp
// src/apps/Altinn.AccessManagement/src/Altinn.AccessMgmt.Core/Utils/Models/ValidationErrors.cs).
const (
	CodeStdValidation       = "STD-00000"
	CodeAMInvalidPartyURN   = "AM.VLD-00001"
	CodeAMInvalidResource   = "AM.VLD-00002"
	CodeAMMissingPolicy     = "AM.VLD-00003"
	CodeAMNoDelegableRights = "AM.VLD-00004"
)

// Attribute is a typed value such as a party UUID or an action.
type Attribute struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Right is one action on one resource (app, org and task). Status is set in
// responses only.
type Right struct {
	Resource []Attribute `json:"resource"`
	Action   Attribute   `json:"action"`
	Status   string      `json:"status,omitempty"`
}

// DelegationRequest is the body of a delegate or revoke request. The
// resource ID and the instance GUID travel in the URL only.
type DelegationRequest struct {
	From   Attribute `json:"from"`
	To     Attribute `json:"to"`
	Rights []Right   `json:"rights"`
}

// DelegationResponse is what access management answers to a delegate or
// revoke request.
type DelegationResponse struct {
	From       Attribute `json:"from"`
	To         Attribute `json:"to"`
	ResourceID string    `json:"resourceId"`
	InstanceID string    `json:"instanceId"`
	Rights     []Right   `json:"rights"`
}

// TaskRight builds the right to do action on task of org/app.
func TaskRight(org, app, task, action string) Right {
	return Right{
		Resource: []Attribute{
			{Type: TypeApp, Value: app},
			{Type: TypeOrg, Value: org},
			{Type: TypeTask, Value: task},
		},
		Action: Attribute{Type: TypeAction, Value: action},
	}
}

// ResourceValue returns the value of the first resource attribute of type t, or "".
func (r Right) ResourceValue(t string) string {
	for _, a := range r.Resource {
		if a.Type == t {
			return a.Value
		}
	}
	return ""
}

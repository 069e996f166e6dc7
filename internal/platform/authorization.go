package platform

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

// AuthorizationClient asks Altinn's decision point which organisations a
// user holds a key role in: POST authorization/api/v1/decision with the
// XACML multi-request app-lib sends (Altinn/app-lib-dotnet
// src/Altinn.App.Core/Infrastructure/Clients/Authorization/AuthorizationClient.cs).
// The endpoint needs no token (Altinn/altinn-authorization-tmp
// src/apps/Altinn.Authorization/src/Altinn.Authorization/Controllers/DecisionController.cs)
// and the reference's PEP client sends none
// (src/pkgs/Altinn.Authorization.PEP/src/Altinn.Authorization.PEP/Clients/AuthorizationApiClient.cs):
// only the subscription key.
type AuthorizationClient struct {
	s *service
}

var _ signing.Authorization = (*AuthorizationClient)(nil)

// NewAuthorizationClient returns a client for Config.AuthorizationURL.
func NewAuthorizationClient(c Config) (*AuthorizationClient, error) {
	s, err := c.newService("authorization", "AuthorizationURL", c.AuthorizationURL)
	if err != nil {
		return nil, err
	}
	return &AuthorizationClient{s: s}, nil
}

// KeyRoleOrganisations returns those of orgs whose decision is Permit for
// the user on the resource altinn_keyrole_access, in the order given.
func (c *AuthorizationClient) KeyRoleOrganisations(ctx context.Context, userID string, orgs []ident.OrgNumber) ([]ident.OrgNumber, error) {
	const op = "decide"
	var errs signing.FieldErrors
	if id, err := strconv.ParseInt(userID, 10, 32); err != nil || id <= 0 {
		errs.Add("userId", "must be a positive platform user ID")
	}
	if len(orgs) == 0 {
		errs.Add("orgs", "must name at least one organisation")
	}
	for i, o := range orgs {
		if o.IsZero() {
			errs.Add("orgs["+strconv.Itoa(i)+"]", "must be set")
		}
	}
	if err := errs.Err(); err != nil {
		return nil, c.s.invalidRequest(op, err)
	}
	body, err := marshal(KeyRoleRequest(userID, orgs))
	if err != nil {
		return nil, c.s.invalidRequest(op, err)
	}
	var resp wire.XACMLResponse
	err = c.s.doJSON(ctx, request{
		op: op, method: http.MethodPost, noBearer: true,
		path: []string{"authorization", "api", "v1", "decision"},
		body: body, contentType: "application/json",
	}, &resp)
	if err != nil {
		return nil, err
	}
	permitted := map[string]bool{}
	for _, r := range resp.Response {
		if r.Decision != wire.DecisionPermit {
			continue
		}
		for _, cat := range r.Category {
			for _, a := range cat.Attribute {
				permitted[a.Value] = true
			}
		}
	}
	var out []ident.OrgNumber
	for _, o := range orgs {
		if permitted[o.String()] && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// KeyRoleRequest builds the decision request for a user and organisations:
// subject s1 (the user ID), action a1 (access), one resource r{i} per
// organisation (altinn_keyrole_access and the organisation number, included
// in the result) and one reference per organisation, as app-lib builds it.
func KeyRoleRequest(userID string, orgs []ident.OrgNumber) wire.XACMLRequestRoot {
	req := wire.XACMLRequest{
		ReturnPolicyIDList: true,
		AccessSubject: []wire.XACMLCategory{{ID: "s1", Attribute: []wire.XACMLAttribute{
			{AttributeID: wire.XACMLUserID, Value: userID},
		}}},
		Action: []wire.XACMLCategory{{ID: "a1", Attribute: []wire.XACMLAttribute{
			{AttributeID: wire.XACMLActionID, Value: wire.KeyRoleAction, DataType: wire.XACMLString},
		}}},
		MultiRequests: &wire.XACMLMultiRequests{},
	}
	for i, o := range orgs {
		id := "r" + strconv.Itoa(i)
		req.Resource = append(req.Resource, wire.XACMLCategory{ID: id, Attribute: []wire.XACMLAttribute{
			{AttributeID: wire.XACMLResource, Value: wire.KeyRoleResource, DataType: wire.XACMLString},
			{AttributeID: wire.XACMLOrgNumber, Value: o.String(), DataType: wire.XACMLString, IncludeInResult: true},
		}})
		req.MultiRequests.RequestReference = append(req.MultiRequests.RequestReference,
			wire.XACMLRequestReference{ReferenceID: []string{"s1", "a1", id}})
	}
	return wire.XACMLRequestRoot{Request: req}
}

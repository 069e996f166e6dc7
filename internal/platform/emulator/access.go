package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/appconfig"
	"github.com/signingflow/signing/internal/platform/wire"
)

// Access management's app instance delegation, as
// Altinn/altinn-authorization-tmp (f7ff53bd) serves it; AM below stands for
// src/apps/Altinn.AccessManagement/src/. Routes (controller
// AM/Altinn.AccessManagement/Controllers/ResourceOwnerAPI/AppsInstanceDelegationController.cs,
// base accessmanagement/api):
//
//	POST v1/app/delegations/resource/{resourceId}/instance/{instanceId}       delegate
//	POST v1/app/delegationrevoke/resource/{resourceId}/instance/{instanceId}  revoke the listed rights
//
// Checks, in the order ASP.NET and the controller make them:
//
//  1. policy PlatformAccess: a valid PlatformAccessToken, no bearer needed
//     (AM/Altinn.AccessManagement/AccessManagementHost.cs; platformAccess),
//     else 401, or 403 with an authenticated bearer user;
//  2. [Consumes("application/json")]: another Content-Type is 415
//     (inferred from the attribute);
//  3. model binding of AppsInstanceDelegationRequestDto, from, to and rights
//     [Required] (AM/Altinn.AccessManagement/Models/InstanceDelegation/AppsInstanceDelegationRequestDto.cs):
//     bad JSON or a missing member is ASP.NET's ValidationProblemDetails
//     with an "errors" map (inferred: AM registers no Altinn model-state
//     factory, upstream-facts §0);
//  4. the performer: the token's urn:altinn:app claim with its iss makes
//     app_{iss}_{app}; no such claim is 403 with an empty body (the
//     controller's Forbid()). The performer is recorded, not compared with
//     the resource (no upstream fact says AM compares them);
//  5. the service (AM/Altinn.AccessManagement.Core/Services/AppsInstanceDelegationService.cs),
//     400 problems (ProblemDetails 4.0.1, code STD-00000 with
//     validationErrors; shape from
//     src/apps/Altinn.AccessManagement/test/AccessMgmt.Tests/Data/Json/AppsInstanceDelegation/Delegation/app_ttd_am-devtest-instancedelegation/00000000-0000-0000-0000-000000000006/response.json,
//     codes from AM/Altinn.AccessMgmt.Core/Utils/Models/ValidationErrors.cs):
//     from or to neither urn:altinn:party:uuid nor
//     urn:altinn:organization:identifier-no of a known party → AM.VLD-00001
//     (path From, To); a right whose resource is not the route's org and
//     app (or one urn:altinn:resource equal to resourceId) → AM.VLD-00002
//     (path Rights[i]/Resource); resourceId not app_{org}_{app} of a known
//     app, or no rights to take it from → AM.VLD-00002
//     (appInstanceDelegationRequest.Resource); the app without a policy →
//     AM.VLD-00003; a policy that lets the app delegate nothing
//     (urn:altinn:resource:delegation = app_{org}_{app} in no rule) →
//     AM.VLD-00004;
//  6. each right: an action the app's policy does not let it delegate on
//     the task is NotDelegated (revoke: NotRevoked) and the answer is 206;
//     otherwise Delegated (Revoked) and 200. Delegating a right in force
//     and revoking one not in force change nothing and succeed
//     (AM/Altinn.AccessManagement.Core/Services/PolicyAdministrationPoint.cs).
//
// The answer echoes from, to, resourceId, the bare instance GUID and the
// rights with a status (AM/Altinn.AccessManagement/Enums/DelegationStatusExternal.cs,
// RevokeStatusExternal.cs). AM keys the delegation by the from party's
// party ID and the GUID ({partyId}/{guid}); it does not look the instance
// up in storage, and neither does the emulator.

// DelegationRecord is one right in force: action on task of an instance,
// delegated from the owner to a party.
type DelegationRecord struct {
	ResourceID string `json:"resourceId"`
	// InstanceID is access management's instance ID: the from party's
	// party ID and the GUID of the URL.
	InstanceID   string `json:"instanceId"`
	InstanceGUID string `json:"instanceGuid"`
	Org          string `json:"org"`
	App          string `json:"app"`
	TaskID       string `json:"taskId"`
	Action       string `json:"action"`
	From         string `json:"fromPartyUuid"`
	To           string `json:"toPartyUuid"`
	// Performer is app_{iss}_{urn:altinn:app} of the platform access token
	// that delegated the right.
	Performer   string    `json:"performer"`
	DelegatedAt time.Time `json:"delegatedAt"`
}

func (d DelegationRecord) same(o DelegationRecord) bool {
	return d.InstanceGUID == o.InstanceGUID && d.TaskID == o.TaskID && d.Action == o.Action && d.From == o.From && d.To == o.To
}

func (e *Emulator) delegate(c *call) reply { return e.delegation(c, true) }

func (e *Emulator) revoke(c *call) reply { return e.delegation(c, false) }

// delegationDTO is AppsInstanceDelegationRequestDto as model binding sees
// it: nil members were absent or null.
type delegationDTO struct {
	From   *wire.Attribute `json:"from"`
	To     *wire.Attribute `json:"to"`
	Rights *[]wire.Right   `json:"rights"`
}

// Problem types and titles ASP.NET gives its default problems (RFC 9110).
const (
	typeBadRequest       = "https://tools.ietf.org/html/rfc9110#section-15.5.1"
	typeUnsupportedMedia = "https://tools.ietf.org/html/rfc9110#section-15.5.16"
	titleModelValidation = "One or more validation errors occurred."
)

// Details of access management's validation errors
// (AM/Altinn.AccessMgmt.Core/Utils/Models/ValidationErrors.cs; the text of
// AM.VLD-00004 is the emulator's own).
const (
	detailInvalidPartyURN   = "Invalid party URN."
	detailInvalidResource   = "Resource must be valid."
	detailMissingPolicy     = "Resource must have a policy."
	detailNoDelegableRights = "The app has no delegable rights on the resource."
	pathResource            = "appInstanceDelegationRequest.Resource"
)

// delegation validates a delegate or revoke request fully, then applies it.
func (e *Emulator) delegation(c *call, grant bool) reply {
	if mt, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return amProblem(wire.Problem{Type: typeUnsupportedMedia, Title: "Unsupported Media Type", Status: http.StatusUnsupportedMediaType})
	}
	dto, rp, ok := bindDelegation(c.body)
	if !ok {
		return rp
	}
	if c.platform.App == "" {
		return reply{status: http.StatusForbidden}
	}
	performer := "app_" + c.platform.Issuer + "_" + c.platform.App
	resourceID := c.r.PathValue("resourceId")
	guid := strings.ToLower(c.r.PathValue("instanceGuid"))

	e.mu.Lock()
	defer e.mu.Unlock()
	var verrs []wire.ValidationError
	from, okFrom := e.partyOf(*dto.From)
	if !okFrom {
		verrs = append(verrs, wire.ValidationError{Code: wire.CodeAMInvalidPartyURN, Detail: detailInvalidPartyURN, Paths: []string{"From"}})
	}
	to, okTo := e.partyOf(*dto.To)
	if !okTo {
		verrs = append(verrs, wire.ValidationError{Code: wire.CodeAMInvalidPartyURN, Detail: detailInvalidPartyURN, Paths: []string{"To"}})
	}
	org, app, known := e.appOf(resourceID)
	if !known || len(*dto.Rights) == 0 {
		verrs = append(verrs, wire.ValidationError{Code: wire.CodeAMInvalidResource, Detail: detailInvalidResource, Paths: []string{pathResource}})
	} else {
		for i, r := range *dto.Rights {
			if !rightOn(r, org, app, resourceID) {
				verrs = append(verrs, wire.ValidationError{Code: wire.CodeAMInvalidResource, Detail: detailInvalidResource,
					Paths: []string{fmt.Sprintf("Rights[%d]/Resource", i)}})
			}
		}
	}
	if len(verrs) > 0 {
		return amValidation(verrs...)
	}
	policy := e.policies[org+"/"+app]
	switch {
	case policy == nil:
		return amValidation(wire.ValidationError{Code: wire.CodeAMMissingPolicy, Detail: detailMissingPolicy, Paths: []string{pathResource}})
	case !policy.DelegatesAny(org, app):
		return amValidation(wire.ValidationError{Code: wire.CodeAMNoDelegableRights, Detail: detailNoDelegableRights, Paths: []string{pathResource}})
	}
	return e.apply(delegationApply{
		grant: grant, policy: policy, performer: performer, resourceID: resourceID, guid: guid,
		org: org, app: app, from: from, to: to, rights: *dto.Rights,
		fromAttr: *dto.From, toAttr: *dto.To,
	})
}

// delegationApply is a validated request; apply runs it under e.mu.
type delegationApply struct {
	grant                 bool
	policy                *appconfig.Policy
	performer, resourceID string
	guid, org, app        string
	from, to              party
	fromAttr, toAttr      wire.Attribute
	rights                []wire.Right
}

// apply changes the rights in force and builds the answer; the caller holds e.mu.
func (e *Emulator) apply(a delegationApply) reply {
	ok, failed := wire.RightDelegated, wire.RightNotDelegated
	if !a.grant {
		ok, failed = wire.RightRevoked, wire.RightNotRevoked
	}
	instanceID := fmt.Sprintf("%d/%s", a.from.partyID(), a.guid)
	resp := wire.DelegationResponse{From: a.fromAttr, To: a.toAttr, ResourceID: a.resourceID, InstanceID: a.guid}
	status := http.StatusOK
	now := e.now()
	for _, r := range a.rights {
		task := r.ResourceValue(wire.TypeTask)
		out := r
		out.Status = ok
		if r.Action.Type != wire.TypeAction || !a.policy.CanDelegate(a.org, a.app, task, r.Action.Value) {
			out.Status = failed
			status = http.StatusPartialContent
			resp.Rights = append(resp.Rights, out)
			continue
		}
		rec := DelegationRecord{
			ResourceID: a.resourceID, InstanceID: instanceID, InstanceGUID: a.guid, Org: a.org, App: a.app,
			TaskID: task, Action: strings.ToLower(r.Action.Value), From: a.from.uuid(), To: a.to.uuid(),
			Performer: a.performer, DelegatedAt: now,
		}
		i := indexOf(e.st.delegations, rec)
		switch {
		case a.grant && i < 0:
			e.st.delegations = append(e.st.delegations, rec)
		case !a.grant && i >= 0:
			e.st.delegations = append(e.st.delegations[:i], e.st.delegations[i+1:]...)
		}
		resp.Rights = append(resp.Rights, out)
	}
	return jsonReply(status, resp)
}

// bindDelegation is model binding: the body must be one JSON object with
// from, to and rights.
func bindDelegation(body []byte) (delegationDTO, reply, bool) {
	var dto delegationDTO
	dec := json.NewDecoder(bytes.NewReader(body))
	err := dec.Decode(&dto)
	if err == nil {
		if _, trailing := dec.Token(); !errors.Is(trailing, io.EOF) {
			err = errors.New("unexpected data after the JSON value")
		}
	}
	if err != nil {
		key := "$"
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			key = "$." + typ.Field
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "unexpected data") {
			msg = jsonProblem(err)
		}
		return dto, modelValidation(map[string][]string{
			key:                            {msg},
			"appInstanceDelegationRequest": {"The appInstanceDelegationRequest field is required."},
		}), false
	}
	errs := map[string][]string{}
	if dto.From == nil {
		errs["From"] = []string{"The From field is required."}
	}
	if dto.To == nil {
		errs["To"] = []string{"The To field is required."}
	}
	if dto.Rights == nil {
		errs["Rights"] = []string{"The Rights field is required."}
	}
	if len(errs) > 0 {
		return dto, modelValidation(errs), false
	}
	return dto, reply{}, true
}

// partyOf resolves from or to: a party UUID or an organisation number of a
// known party; the caller holds e.mu.
func (e *Emulator) partyOf(a wire.Attribute) (party, bool) {
	switch a.Type {
	case wire.TypePartyUUID:
		p, ok := e.st.partiesByUUID[strings.ToLower(a.Value)]
		return p, ok
	case wire.TypeOrganizationNumber:
		if o, ok := e.st.orgsByNumber[a.Value]; ok {
			return party{org: o}, true
		}
	}
	return party{}, false
}

// appOf parses resourceID as app_{org}_{app} of a fixture application; the
// caller holds e.mu.
func (e *Emulator) appOf(resourceID string) (org, app string, ok bool) {
	rest, ok := strings.CutPrefix(resourceID, "app_")
	if !ok {
		return "", "", false
	}
	org, app, ok = strings.Cut(rest, "_")
	if !ok {
		return "", "", false
	}
	_, ok = e.st.applications[org+"/"+app]
	return org, app, ok
}

// rightOn reports whether a right's resource is the route's: its org and
// app, or one urn:altinn:resource equal to resourceID (other attributes,
// such as the task, are not compared).
func rightOn(r wire.Right, org, app, resourceID string) bool {
	var orgs, apps, resources []string
	for _, a := range r.Resource {
		switch a.Type {
		case wire.TypeOrg:
			orgs = append(orgs, a.Value)
		case wire.TypeApp:
			apps = append(apps, a.Value)
		case typeResource:
			resources = append(resources, a.Value)
		}
	}
	if len(resources) > 0 {
		return len(resources) == 1 && len(orgs)+len(apps) == 0 && resources[0] == resourceID
	}
	return len(orgs) == 1 && len(apps) == 1 && orgs[0] == org && apps[0] == app
}

// typeResource names a resource registry resource.
const typeResource = "urn:altinn:resource"

// amValidation is access management's 400 problem with validationErrors
// (ProblemDetails 4.0.1: type and title are ASP.NET's for the status).
func amValidation(errs ...wire.ValidationError) reply {
	return amProblem(wire.Problem{
		Type: typeBadRequest, Title: "Bad Request", Status: http.StatusBadRequest,
		Detail: titleModelValidation, Code: wire.CodeStdValidation, ValidationErrors: errs,
	})
}

// modelValidation is ASP.NET's ValidationProblemDetails of a body that
// failed model binding.
func modelValidation(errs map[string][]string) reply {
	return amProblem(wire.Problem{Type: typeBadRequest, Title: titleModelValidation, Status: http.StatusBadRequest, Errors: errs})
}

// amProblem writes p as application/problem+json.
func amProblem(p wire.Problem) reply {
	b, _ := json.Marshal(p)
	return reply{status: p.Status, header: http.Header{"Content-Type": {wire.ProblemContentType}}, body: append(b, '\n')}
}

// policies parses the fixture's app policies; Fixture.Validate has parsed them once already.
func policies(f Fixture) map[string]*appconfig.Policy {
	out := map[string]*appconfig.Policy{}
	for _, a := range f.Applications {
		if a.PolicyBytes == nil {
			continue
		}
		p, err := appconfig.ParsePolicy(a.PolicyBytes)
		if err != nil {
			panic("emulator: invalid fixture: " + err.Error())
		}
		out[a.Org+"/"+a.App] = p
	}
	return out
}

func indexOf(recs []DelegationRecord, rec DelegationRecord) int {
	for i, r := range recs {
		if r.same(rec) {
			return i
		}
	}
	return -1
}

// partyID returns the party ID of a person or an organisation.
func (p party) partyID() int64 {
	if p.person != nil {
		return p.person.PartyID
	}
	return p.org.PartyID
}

// SetPolicy replaces the policy.xml of the app org/app, as deploying a new
// version of the app would; Reset restores the fixture's.
func (e *Emulator) SetPolicy(org, app string, policy []byte) error {
	p, err := appconfig.ParsePolicy(policy)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.policies[org+"/"+app] = p
	return nil
}

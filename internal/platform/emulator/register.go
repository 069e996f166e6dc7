package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform/wire"
)

// Register (Altinn/altinn-register at 3484be83, prefix
// src/apps/Altinn.Register/src/):
//
//	POST parties/lookup   Altinn.Register/Controllers/PartiesController.cs PostPartyLookup
//	                      exactly one of ssn and orgNo, else 400
//	                      (Altinn.Register/Operations/Validation/LookupV1PartyRequestValidator.cs);
//	                      ssn 11 digits with valid check digits, orgNo 9 digits mod 11
//	                      (src/pkgs/Altinn.Register.Contracts/…/PersonIdentifier.cs, OrganizationIdentifier.cs);
//	                      unknown → 404 (Altinn.Register.Core/Operations/LookupV1Party.cs)
//	GET  parties/{partyId} same controller, Get: an org token (urn:altinn:org claim) gets
//	                      any party, unknown → 404
//
// The class's policy InternalOrPlatformAccess needs the platform access token
// (Altinn.Register/Authorization/InternalScopeOrAccessTokenRequirement.cs): the
// routes are registered with platformToken.

// lookupOp tells an organisation lookup from a person lookup by the body.
func lookupOp(body []byte) string {
	var probe wire.PartyLookup
	if json.NewDecoder(bytes.NewReader(body)).Decode(&probe) == nil && probe.OrgNo != "" && probe.SSN == "" {
		return OpLookupOrganisation
	}
	return OpLookupPerson
}

func (e *Emulator) lookupParty(c *call) reply {
	var req wire.PartyLookup
	if rp, ok := decodeJSON(c, &req); !ok {
		return rp
	}
	// Altinn.Register/Operations/Validation/LookupV1PartyRequestValidator.cs,
	// codes and titles in Altinn.Register.Core/Errors/ValidationErrors.cs.
	var verrs []wire.ValidationError
	both := []string{"/ssn", "/orgNo"}
	switch {
	case req.SSN == "" && req.OrgNo == "":
		verrs = append(verrs, wire.ValidationError{Code: "STD.VLD-00000", Title: "The field is required.", Detail: "Either ssn or orgNo is required.", Paths: both})
	case req.SSN != "" && req.OrgNo != "":
		verrs = append(verrs, wire.ValidationError{Code: "REG.VLD-00008", Title: "Values are mutually exclusive", Detail: "Only one of ssn and orgNo is allowed.", Paths: both})
	}
	if req.SSN != "" {
		if _, err := ident.ParseNationalID(req.SSN, ident.AllowSynthetic()); err != nil {
			verrs = append(verrs, wire.ValidationError{Code: "REG.VLD-00007", Title: "Invalid person number", Paths: []string{"/ssn"}})
		}
	}
	if req.OrgNo != "" {
		if _, err := ident.ParseOrgNumber(req.OrgNo); err != nil {
			verrs = append(verrs, wire.ValidationError{Code: "REG.VLD-00006", Title: "Invalid organization number", Paths: []string{"/orgNo"}})
		}
	}
	if len(verrs) > 0 {
		return altinnProblem(http.StatusBadRequest, "STD-00000", "One or more validation errors occurred.", verrs)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if req.OrgNo != "" {
		o, ok := e.st.orgsByNumber[req.OrgNo]
		if !ok {
			return partyNotFound()
		}
		return jsonReply(http.StatusOK, orgParty(o))
	}
	p, ok := e.st.personsBySSN[req.SSN]
	if !ok {
		return partyNotFound()
	}
	return jsonReply(http.StatusOK, personParty(p))
}

func (e *Emulator) getParty(c *call) reply {
	id, err := strconv.ParseInt(c.r.PathValue("partyId"), 10, 32)
	if err != nil || id <= 0 {
		return invalid(fieldErrors{"/$PATH/partyId": {"must be a positive integer"}})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.st.partiesByID[id]
	switch {
	case !ok:
		return partyNotFound()
	case p.person != nil:
		return jsonReply(http.StatusOK, personParty(p.person))
	default:
		return jsonReply(http.StatusOK, orgParty(p.org))
	}
}

// partyNotFound is Register's REG-00007 (Altinn.Register.Core/Errors/Problems.cs).
// Register adds the looked-up number as an extension (personIdentifier or
// organizationIdentifier); the emulator leaves it out so that no problem
// it answers holds a national ID.
func partyNotFound() reply {
	return altinnProblem(http.StatusNotFound, "REG-00007", "Party not found", nil)
}

// personParty is Register's view of a person: it carries the national ID.
func personParty(p *Person) wire.Party {
	return wire.Party{
		PartyID: p.PartyID, PartyUUID: p.PartyUUID, PartyTypeName: wire.PartyTypePerson,
		SSN: wire.NullStr(p.SSN), Name: wire.NullStr(p.Name()),
		Person: &wire.Person{
			SSN: wire.NullStr(p.SSN), Name: wire.NullStr(p.Name()),
			FirstName: wire.NullStr(p.FirstName), MiddleName: wire.NullStr(p.MiddleName), LastName: wire.NullStr(p.LastName),
			MobileNumber: wire.NullStr(p.Mobile),
		},
	}
}

func orgParty(o *Organisation) wire.Party {
	return wire.Party{
		PartyID: o.PartyID, PartyUUID: o.PartyUUID, PartyTypeName: wire.PartyTypeOrganisation,
		OrgNumber: wire.NullStr(o.OrgNumber), UnitType: wire.NullStr(o.UnitType), Name: wire.NullStr(o.Name),
		Organization: &wire.Organization{
			OrgNumber: wire.NullStr(o.OrgNumber), Name: wire.NullStr(o.Name), UnitType: wire.NullStr(o.UnitType),
			MobileNumber: wire.NullStr(o.Mobile), EMailAddress: wire.NullStr(o.Email),
		},
	}
}

// decide plays Altinn's decision point for the key-role resource only
// (Altinn/altinn-authorization-tmp
// src/apps/Altinn.Authorization/src/Altinn.Authorization/Controllers/DecisionController.cs,
// no [Authorize]; the request as Altinn/app-lib-dotnet
// src/Altinn.App.Core/Infrastructure/Clients/Authorization/AuthorizationClient.cs
// builds it): each request reference of subject (urn:altinn:userid),
// action "access" and resource altinn_keyrole_access with an organisation
// number is Permit when the user holds one of SigningRoles in it, else
// NotApplicable; the organisation number comes back in the result's
// category, as it was asked to be included. Which roles count is Altinn's
// altinn_keyrole_access policy (not public); SigningRoles stand in for it.
func (e *Emulator) decide(c *call) reply {
	var root wire.XACMLRequestRoot
	if rp, ok := decodeJSON(c, &root); !ok {
		return rp
	}
	req := root.Request
	byID := map[string]wire.XACMLCategory{}
	for _, cats := range [][]wire.XACMLCategory{req.AccessSubject, req.Action, req.Resource} {
		for _, cat := range cats {
			byID[cat.ID] = cat
		}
	}
	fields := fieldErrors{}
	if req.MultiRequests == nil || len(req.MultiRequests.RequestReference) == 0 {
		fields.add("request.multiRequests", "must list the request references")
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := wire.XACMLResponse{Response: []wire.XACMLResult{}}
	for i, ref := range req.MultiRequests.RequestReference {
		var userID, action, resource, org string
		var include []wire.XACMLAttribute
		for _, id := range ref.ReferenceID {
			cat, ok := byID[id]
			if !ok {
				return invalid(fieldErrors{"request.multiRequests.requestReference[" + strconv.Itoa(i) + "]": {"names an unknown category"}})
			}
			for _, a := range cat.Attribute {
				switch a.AttributeID {
				case wire.XACMLUserID:
					userID = a.Value
				case wire.XACMLActionID:
					action = a.Value
				case wire.XACMLResource:
					resource = a.Value
				case wire.XACMLOrgNumber:
					org = a.Value
				}
				if a.IncludeInResult {
					include = append(include, wire.XACMLAttribute{AttributeID: a.AttributeID, Value: a.Value, DataType: a.DataType})
				}
			}
		}
		decision := wire.DecisionNotApplic
		if action == wire.KeyRoleAction && resource == wire.KeyRoleResource && e.holdsKeyRole(userID, org) {
			decision = wire.DecisionPermit
		}
		res := wire.XACMLResult{Decision: decision}
		if len(include) > 0 {
			res.Category = []wire.XACMLCategory{{CategoryID: "urn:oasis:names:tc:xacml:3.0:attribute-category:resource", Attribute: include}}
		}
		out.Response = append(out.Response, res)
	}
	return jsonReply(http.StatusOK, out)
}

// holdsKeyRole reports whether the user holds a signing role in org; the
// caller holds e.mu.
func (e *Emulator) holdsKeyRole(userID, org string) bool {
	uid, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return false
	}
	p, ok := e.st.personsByUserID[uid]
	if !ok {
		return false
	}
	for _, role := range e.st.roles[p.SSN+"/"+org] {
		if slices.Contains(SigningRoles, role) {
			return true
		}
	}
	return false
}

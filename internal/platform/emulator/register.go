package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/signingflow/signing/internal/platform/wire"
)

// lookupOp tells an organisation lookup from a person lookup by the body.
func lookupOp(body []byte) string {
	var probe struct {
		OrgNo string `json:"orgNo"`
		SSN   string `json:"ssn"`
	}
	if json.NewDecoder(bytes.NewReader(body)).Decode(&probe) == nil && probe.OrgNo != "" && probe.SSN == "" {
		return OpLookupOrganisation
	}
	return OpLookupPerson
}

// digitsOnly removes whitespace and reports whether n digits remain.
func digitsOnly(s string, n int) (string, bool) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if len(s) != n {
		return s, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return s, false
		}
	}
	return s, true
}

// sameName compares names ignoring case and repeated whitespace.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

func (e *Emulator) lookupParty(c *call) reply {
	var req wire.PartyLookup
	if rp, ok := decodeJSON(c, &req); !ok {
		return rp
	}
	fields := fieldErrors{}
	if (req.SSN == "") == (req.OrgNo == "") {
		fields.add("ssn", "set exactly one of ssn (with lastName) and orgNo")
	}
	ssn, ssnOK := digitsOnly(req.SSN, 11)
	org, orgOK := digitsOnly(req.OrgNo, 9)
	if req.SSN != "" && !ssnOK {
		fields.add("ssn", "must be 11 digits")
	}
	if req.SSN != "" && strings.TrimSpace(req.LastName) == "" {
		fields.add("lastName", "must be set with ssn")
	}
	if req.OrgNo != "" && !orgOK {
		fields.add("orgNo", "must be 9 digits")
	}
	if len(fields) > 0 {
		return invalid(fields)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if req.OrgNo != "" {
		o, ok := e.st.orgsByNumber[org]
		if !ok {
			return problemReply(http.StatusNotFound, wire.CodePartyNotFound, "no organisation with this number", nil)
		}
		return jsonReply(http.StatusOK, orgParty(o))
	}
	p, ok := e.st.personsBySSN[ssn]
	if !ok {
		return problemReply(http.StatusNotFound, wire.CodePartyNotFound, "no person with this national ID", nil)
	}
	if !sameName(p.LastName, req.LastName) {
		return problemReply(http.StatusNotFound, wire.CodeLastNameMismatch, "the last name does not match the national ID", nil)
	}
	return jsonReply(http.StatusOK, personParty(p))
}

func personParty(p *Person) wire.Party {
	return wire.Party{
		PartyID: p.PartyID, PartyUUID: p.PartyUUID, PartyTypeName: wire.PartyTypePerson, Name: p.Name(),
		Person: &wire.Person{
			FirstName: p.FirstName, MiddleName: p.MiddleName, LastName: p.LastName, Name: p.Name(),
			MobileNumber: p.Mobile, EmailAddress: p.Email,
		},
	}
}

func orgParty(o *Organisation) wire.Party {
	return wire.Party{
		PartyID: o.PartyID, PartyUUID: o.PartyUUID, PartyTypeName: wire.PartyTypeOrganisation, Name: o.Name, OrgNumber: o.OrgNumber,
		Organization: &wire.Organization{
			OrgNumber: o.OrgNumber, Name: o.Name, UnitType: o.UnitType, MobileNumber: o.Mobile, EMailAddress: o.Email,
		},
	}
}

func (e *Emulator) signingRights(c *call) reply {
	var req wire.SigningRightsRequest
	if rp, ok := decodeJSON(c, &req); !ok {
		return rp
	}
	fields := fieldErrors{}
	ssn, ssnOK := digitsOnly(req.PersonSSN, 11)
	org, orgOK := digitsOnly(req.OrgNo, 9)
	if !ssnOK {
		fields.add("personSsn", "must be 11 digits")
	}
	if !orgOK {
		fields.add("orgNo", "must be 9 digits")
	}
	if len(fields) > 0 {
		return invalid(fields)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.st.personsBySSN[ssn]; !ok {
		return problemReply(http.StatusNotFound, wire.CodePartyNotFound, "no person with this national ID", nil)
	}
	if _, ok := e.st.orgsByNumber[org]; !ok {
		return problemReply(http.StatusNotFound, wire.CodePartyNotFound, "no organisation with this number", nil)
	}
	resp := wire.SigningRightsResponse{Roles: []string{}}
	for _, role := range e.st.roles[ssn+"/"+org] {
		if slices.Contains(SigningRoles, role) && !slices.Contains(resp.Roles, role) {
			resp.Roles = append(resp.Roles, role)
		}
	}
	resp.CanSign = len(resp.Roles) > 0
	return jsonReply(http.StatusOK, resp)
}

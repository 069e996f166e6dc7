package platform

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

// RegisterClient looks up persons, organisations and signing rights.
type RegisterClient struct {
	s *service
}

var _ signing.Register = (*RegisterClient)(nil)

// NewRegisterClient returns a client for Config.RegisterURL.
func NewRegisterClient(c Config) (*RegisterClient, error) {
	s, err := c.newService("register", "RegisterURL", c.RegisterURL)
	if err != nil {
		return nil, err
	}
	return &RegisterClient{s: s}, nil
}

// LookupPerson finds a person by national ID and last name. An unknown ID is
// a *PermanentError matching signing.ErrNotFound; a last name that does not
// match is a *PermanentError matching signing.ErrInvalid and a
// *signing.FieldError for "lastName". Neither names the ID.
func (c *RegisterClient) LookupPerson(ctx context.Context, id ident.NationalID, lastName string) (signing.Party, error) {
	const op = "lookupPerson"
	var errs signing.FieldErrors
	if id.IsZero() {
		errs.Add("nationalId", "must be set")
	}
	lastName = strings.TrimSpace(lastName)
	if lastName == "" {
		errs.Add("lastName", "must be set")
	}
	if err := errs.Err(); err != nil {
		return signing.Party{}, c.s.invalidRequest(op, err)
	}
	body, err := marshal(wire.PartyLookup{SSN: id.Digits(), LastName: lastName})
	if err != nil {
		return signing.Party{}, c.s.invalidRequest(op, err)
	}
	var p wire.Party
	if err := c.s.doJSON(ctx, c.lookup(op, body), &p); err != nil {
		return signing.Party{}, lastNameError(err)
	}
	return c.party(op, p, signing.SigneePerson)
}

// lastNameError turns the register's last-name mismatch into a clear
// permanent error naming the field.
func lastNameError(err error) error {
	var pe *PermanentError
	if !errors.As(err, &pe) || pe.Code != wire.CodeLastNameMismatch {
		return err
	}
	out := *pe
	out.Detail = "the last name does not match the register's last name for this national ID"
	out.Err = &signing.FieldError{Field: "lastName", Message: "does not match the register's last name for this national ID"}
	return &out
}

// LookupOrganisation finds an organisation by number.
func (c *RegisterClient) LookupOrganisation(ctx context.Context, org ident.OrgNumber) (signing.Party, error) {
	const op = "lookupOrganisation"
	if org.IsZero() {
		return signing.Party{}, c.s.invalidRequest(op, fieldErrorf("orgNumber", "must be set"))
	}
	body, err := marshal(wire.PartyLookup{OrgNo: org.String()})
	if err != nil {
		return signing.Party{}, c.s.invalidRequest(op, err)
	}
	var p wire.Party
	if err := c.s.doJSON(ctx, c.lookup(op, body), &p); err != nil {
		return signing.Party{}, err
	}
	return c.party(op, p, signing.SigneeOrganisation)
}

// CanSignFor reports whether the person holds a role that may sign for org.
func (c *RegisterClient) CanSignFor(ctx context.Context, person ident.NationalID, org ident.OrgNumber) (bool, error) {
	const op = "canSignFor"
	var errs signing.FieldErrors
	if person.IsZero() {
		errs.Add("nationalId", "must be set")
	}
	if org.IsZero() {
		errs.Add("orgNumber", "must be set")
	}
	if err := errs.Err(); err != nil {
		return false, c.s.invalidRequest(op, err)
	}
	body, err := marshal(wire.SigningRightsRequest{PersonSSN: person.Digits(), OrgNo: org.String()})
	if err != nil {
		return false, c.s.invalidRequest(op, err)
	}
	var resp wire.SigningRightsResponse
	err = c.s.doJSON(ctx, request{
		op: op, method: http.MethodPost,
		path: []string{"register", "api", "v1", "roles", "signing-rights"},
		body: body, contentType: "application/json",
	}, &resp)
	if err != nil {
		return false, err
	}
	return resp.CanSign, nil
}

func (c *RegisterClient) lookup(op string, body []byte) request {
	return request{
		op: op, method: http.MethodPost,
		path: []string{"register", "api", "v1", "parties", "lookup"},
		body: body, contentType: "application/json",
	}
}

// party converts a register party of the expected kind.
func (c *RegisterClient) party(op string, p wire.Party, kind signing.SigneeKind) (signing.Party, error) {
	if p.PartyID <= 0 || !guidPattern.MatchString(p.PartyUUID) {
		return signing.Party{}, c.s.invalidResponse(op, http.StatusOK, "the party has no party ID or UUID")
	}
	out := signing.Party{PartyID: p.PartyID, PartyUUID: strings.ToLower(p.PartyUUID), Kind: kind, Name: p.Name}
	switch kind {
	case signing.SigneePerson:
		if p.Person != nil {
			out.Email, out.Mobile = p.Person.EmailAddress, p.Person.MobileNumber
			if out.Name == "" {
				out.Name = p.Person.Name
			}
		}
	case signing.SigneeOrganisation:
		out.OrgNumber = p.OrgNumber
		if p.Organization != nil {
			out.Email, out.Mobile = p.Organization.EMailAddress, p.Organization.MobileNumber
			if out.OrgNumber == "" {
				out.OrgNumber = p.Organization.OrgNumber
			}
			if out.Name == "" {
				out.Name = p.Organization.Name
			}
		}
	}
	return out, nil
}

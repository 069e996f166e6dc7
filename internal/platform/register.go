package platform

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

// RegisterClient looks up persons and organisations in Altinn's Register.
// Every call carries the service owner's bearer token and the platform
// access token, which Register's party endpoints require
// (Altinn/altinn-register src/apps/Altinn.Register/src/Altinn.Register/Authorization/InternalScopeOrAccessTokenRequirement.cs).
type RegisterClient struct {
	s *service
}

var _ signing.Register = (*RegisterClient)(nil)

// NewRegisterClient returns a client for Config.RegisterURL.
func NewRegisterClient(c Config) (*RegisterClient, error) {
	s, err := c.newService("register", "RegisterURL", c.RegisterURL)
	if err = c.requirePlatformTokens(err); err != nil {
		return nil, err
	}
	return &RegisterClient{s: s}, nil
}

// LookupPerson finds a person by national ID: POST parties/lookup {ssn}. An
// unknown ID is a *PermanentError matching signing.ErrNotFound that does not
// name the ID. The party carries the register's last name.
func (c *RegisterClient) LookupPerson(ctx context.Context, id ident.NationalID) (signing.Party, error) {
	const op = "lookupPerson"
	if id.IsZero() {
		return signing.Party{}, c.s.invalidRequest(op, fieldErrorf("nationalId", "must be set"))
	}
	return c.lookup(ctx, op, wire.PartyLookup{SSN: id.Digits()}, signing.SigneePerson)
}

// LookupOrganisation finds an organisation by number: POST parties/lookup {orgNo}.
func (c *RegisterClient) LookupOrganisation(ctx context.Context, org ident.OrgNumber) (signing.Party, error) {
	const op = "lookupOrganisation"
	if org.IsZero() {
		return signing.Party{}, c.s.invalidRequest(op, fieldErrorf("orgNumber", "must be set"))
	}
	return c.lookup(ctx, op, wire.PartyLookup{OrgNo: org.String()}, signing.SigneeOrganisation)
}

func (c *RegisterClient) lookup(ctx context.Context, op string, q wire.PartyLookup, kind signing.SigneeKind) (signing.Party, error) {
	body, err := marshal(q)
	if err != nil {
		return signing.Party{}, c.s.invalidRequest(op, err)
	}
	var p wire.Party
	err = c.s.doJSON(ctx, request{
		op: op, method: http.MethodPost, platformToken: true,
		path: []string{"register", "api", "v1", "parties", "lookup"},
		body: body, contentType: "application/json",
	}, &p)
	if err != nil {
		return signing.Party{}, err
	}
	return c.party(op, p, kind)
}

// GetParty reads a party by its ID: GET parties/{partyId}. With the service
// owner's token Register answers any party, a person's with the national ID
// (Altinn/altinn-register src/apps/Altinn.Register/src/Altinn.Register/Controllers/PartiesController.cs),
// which the returned Party holds in Person and never serializes.
func (c *RegisterClient) GetParty(ctx context.Context, partyID int64) (signing.Party, error) {
	const op = "getParty"
	if partyID <= 0 || partyID > 1<<31-1 {
		return signing.Party{}, c.s.invalidRequest(op, fieldErrorf("partyId", "must be a positive 32-bit integer"))
	}
	var p wire.Party
	err := c.s.doJSON(ctx, request{
		op: op, method: http.MethodGet, platformToken: true,
		path: []string{"register", "api", "v1", "parties", strconv.FormatInt(partyID, 10)},
	}, &p)
	if err != nil {
		return signing.Party{}, err
	}
	switch p.PartyTypeName {
	case wire.PartyTypePerson:
		out, err := c.party(op, p, signing.SigneePerson)
		if err != nil {
			return signing.Party{}, err
		}
		ssn := string(p.SSN)
		if ssn == "" && p.Person != nil {
			ssn = string(p.Person.SSN)
		}
		// Register is the authority: test environments' synthetic numbers count.
		if out.Person, err = ident.ParseNationalID(ssn, ident.AllowSynthetic()); err != nil {
			return signing.Party{}, c.s.invalidResponse(op, http.StatusOK, "the person party has no valid national ID")
		}
		return out, nil
	default:
		return c.party(op, p, signing.SigneeOrganisation)
	}
}

// party converts a register party of the expected kind.
func (c *RegisterClient) party(op string, p wire.Party, kind signing.SigneeKind) (signing.Party, error) {
	if p.PartyID <= 0 || !guidPattern().MatchString(p.PartyUUID) {
		return signing.Party{}, c.s.invalidResponse(op, http.StatusOK, "the party has no party ID or UUID")
	}
	out := signing.Party{PartyID: p.PartyID, PartyUUID: strings.ToLower(p.PartyUUID), Kind: kind, Name: string(p.Name)}
	switch kind {
	case signing.SigneePerson:
		if p.Person != nil {
			out.Mobile, out.LastName = string(p.Person.MobileNumber), string(p.Person.LastName)
			if out.Name == "" {
				out.Name = string(p.Person.Name)
			}
		}
	case signing.SigneeOrganisation:
		out.OrgNumber = string(p.OrgNumber)
		if p.Organization != nil {
			out.Email, out.Mobile = string(p.Organization.EMailAddress), string(p.Organization.MobileNumber)
			if out.OrgNumber == "" {
				out.OrgNumber = string(p.Organization.OrgNumber)
			}
			if out.Name == "" {
				out.Name = string(p.Organization.Name)
			}
		}
	}
	return out, nil
}

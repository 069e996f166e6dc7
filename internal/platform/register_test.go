package platform_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

func TestRegisterClient_LookupPerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	tests := []struct {
		name string
		ssn  string
		want signing.Party
	}{
		{name: "kari", ssn: kariSSN,
			want: signing.Party{PartyID: 50001, PartyUUID: kariUUID, Kind: signing.SigneePerson, Name: "Kari Nordmann", LastName: "Nordmann", Mobile: "+4799999901"}},
		{name: "ola", ssn: olaSSN,
			want: signing.Party{PartyID: 50002, PartyUUID: olaUUID, Kind: signing.SigneePerson, Name: "Ola Johan Testesen", LastName: "Testesen", Mobile: "+4799999902"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := e.c.Register.LookupPerson(t.Context(), mustNationalID(t, tt.ssn))
			if err != nil || got != tt.want {
				t.Errorf("LookupPerson() = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestRegisterClient_LookupPerson_errors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	unknown := mustNationalID(t, "01819012365") // synthetic, not in the fixture

	tests := []struct {
		name      string
		id        ident.NationalID
		want      error
		wantCode  string
		wantField string
	}{
		{name: "unknown_person", id: unknown, want: signing.ErrNotFound, wantCode: wire.CodePartyNotFound},
		{name: "zero_id_not_sent", want: signing.ErrInvalid, wantCode: "InvalidRequest", wantField: "nationalId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := e.c.Register.LookupPerson(t.Context(), tt.id)
			var pe *platform.PermanentError
			if !errors.As(err, &pe) || !errors.Is(err, tt.want) || pe.Code != tt.wantCode {
				t.Fatalf("LookupPerson() error = %v, want *PermanentError %s matching %v", err, tt.wantCode, tt.want)
			}
			var fe *signing.FieldError
			if tt.wantField != "" && (!errors.As(err, &fe) || fe.Field != tt.wantField) {
				t.Errorf("LookupPerson() error = %v, want a *FieldError for %s", err, tt.wantField)
			}
			if strings.Contains(err.Error(), kariSSN) {
				t.Errorf("error names the national ID: %v", err)
			}
		})
	}
}

func TestRegisterClient_GetParty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	got, err := e.c.Register.GetParty(t.Context(), 50002)
	if err != nil || !got.Person.Equal(mustNationalID(t, olaSSN)) || got.PartyUUID != olaUUID || got.LastName != "Testesen" {
		t.Errorf("GetParty(ola) = %+v, %v", got.PartyUUID, err)
	}
	got, err = e.c.Register.GetParty(t.Context(), 50003)
	if err != nil || got.OrgNumber != holdingOrg || !got.Person.IsZero() {
		t.Errorf("GetParty(holding) = %q, %v", got.OrgNumber, err)
	}
	if _, err := e.c.Register.GetParty(t.Context(), 99999); !errors.Is(err, signing.ErrNotFound) {
		t.Errorf("GetParty(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := e.c.Register.GetParty(t.Context(), 0); !errors.Is(err, signing.ErrInvalid) {
		t.Errorf("GetParty(0) error = %v, want ErrInvalid", err)
	}
}

func TestRegisterClient_LookupOrganisation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	got, err := e.c.Register.LookupOrganisation(t.Context(), mustOrg(t, holdingOrg))
	want := signing.Party{PartyID: 50003, PartyUUID: holdingUUID, Kind: signing.SigneeOrganisation, Name: "Eksempel Holding AS",
		OrgNumber: holdingOrg, Email: "post@eksempel-holding.example.no", Mobile: "+4799999903"}
	if err != nil || got != want {
		t.Errorf("LookupOrganisation() = %+v, %v; want %+v", got, err, want)
	}

	_, err = e.c.Register.LookupOrganisation(t.Context(), mustOrg(t, "974760673"))
	if !errors.Is(err, signing.ErrNotFound) {
		t.Errorf("LookupOrganisation(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err = e.c.Register.LookupOrganisation(t.Context(), ident.OrgNumber{}); !errors.Is(err, signing.ErrInvalid) {
		t.Errorf("LookupOrganisation(zero) error = %v, want ErrInvalid", err)
	}
}

func TestAuthorizationClient_KeyRoleOrganisations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := mustOrg(t, "974760673")

	tests := []struct {
		name    string
		userID  string
		orgs    []ident.OrgNumber
		want    []ident.OrgNumber
		wantErr error
	}{
		{name: "general_manager_holds_a_key_role", userID: "1001", orgs: []ident.OrgNumber{mustOrg(t, holdingOrg)}, want: []ident.OrgNumber{mustOrg(t, holdingOrg)}},
		{name: "board_member_does_not", userID: "1002", orgs: []ident.OrgNumber{mustOrg(t, holdingOrg)}},
		{name: "several_in_order", userID: "1001", orgs: []ident.OrgNumber{other, mustOrg(t, holdingOrg)}, want: []ident.OrgNumber{mustOrg(t, holdingOrg)}},
		{name: "unknown_user", userID: "777", orgs: []ident.OrgNumber{mustOrg(t, holdingOrg)}},
		{name: "not_a_user_id", userID: "kari", orgs: []ident.OrgNumber{mustOrg(t, holdingOrg)}, wantErr: signing.ErrInvalid},
		{name: "no_orgs", userID: "1001", wantErr: signing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := e.c.Authorization.KeyRoleOrganisations(t.Context(), tt.userID, tt.orgs)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("KeyRoleOrganisations() error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("KeyRoleOrganisations() = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

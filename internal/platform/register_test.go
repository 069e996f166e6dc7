package platform_test

import (
	"errors"
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
		name     string
		ssn      string
		lastName string
		want     signing.Party
	}{
		{name: "kari", ssn: kariSSN, lastName: "Nordmann",
			want: signing.Party{PartyID: 50001, PartyUUID: kariUUID, Kind: signing.SigneePerson, Name: "Kari Nordmann", Email: "kari.nordmann@example.no", Mobile: "+4799999901"}},
		{name: "ola_case_and_space_insensitive", ssn: olaSSN, lastName: "  testesen ",
			want: signing.Party{PartyID: 50002, PartyUUID: olaUUID, Kind: signing.SigneePerson, Name: "Ola Johan Testesen", Email: "ola.testesen@example.com", Mobile: "+4799999902"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := e.c.Register.LookupPerson(t.Context(), mustNationalID(t, tt.ssn), tt.lastName)
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
		lastName  string
		want      error
		wantCode  string
		wantField string
	}{
		{name: "last_name_mismatch", id: mustNationalID(t, kariSSN), lastName: "Testesen", want: signing.ErrInvalid, wantCode: wire.CodeLastNameMismatch, wantField: "lastName"},
		{name: "unknown_person", id: unknown, lastName: "Nordmann", want: signing.ErrNotFound, wantCode: wire.CodePartyNotFound},
		{name: "empty_last_name_not_sent", id: mustNationalID(t, kariSSN), lastName: " ", want: signing.ErrInvalid, wantCode: "InvalidRequest", wantField: "lastName"},
		{name: "zero_id_not_sent", lastName: "Nordmann", want: signing.ErrInvalid, wantCode: "InvalidRequest", wantField: "nationalId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := e.c.Register.LookupPerson(t.Context(), tt.id, tt.lastName)
			var pe *platform.PermanentError
			if !errors.As(err, &pe) || !errors.Is(err, tt.want) || pe.Code != tt.wantCode {
				t.Fatalf("LookupPerson() error = %v, want *PermanentError %s matching %v", err, tt.wantCode, tt.want)
			}
			var fe *signing.FieldError
			if tt.wantField != "" && (!errors.As(err, &fe) || fe.Field != tt.wantField) {
				t.Errorf("LookupPerson() error = %v, want a *FieldError for %s", err, tt.wantField)
			}
		})
	}

	t.Run("mismatch_message_is_clear", func(t *testing.T) {
		t.Parallel()
		_, err := e.c.Register.LookupPerson(t.Context(), mustNationalID(t, olaSSN), "Nordmann")
		if err == nil || !strings.Contains(err.Error(), "last name does not match") {
			t.Errorf("error = %v, want it to say the last name does not match", err)
		}
	})
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

func TestRegisterClient_CanSignFor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	tests := []struct {
		name    string
		ssn     string
		org     string
		want    bool
		wantErr error
	}{
		{name: "general_manager_may_sign", ssn: kariSSN, org: holdingOrg, want: true},
		{name: "board_member_may_not", ssn: olaSSN, org: holdingOrg, want: false},
		{name: "unknown_org", ssn: kariSSN, org: "974760673", wantErr: signing.ErrNotFound},
		{name: "unknown_person", ssn: "01819012365", org: holdingOrg, wantErr: signing.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := e.c.Register.CanSignFor(t.Context(), mustNationalID(t, tt.ssn), mustOrg(t, tt.org))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("CanSignFor() error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("CanSignFor() = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

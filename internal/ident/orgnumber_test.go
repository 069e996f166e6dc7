package ident_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/ident"
)

func TestParseOrgNumber(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		input   string
		want    string
		wantErr error
	}{
		// Published organisation numbers of public bodies and companies.
		{name: "skatteetaten", input: "974761076", want: "974761076"},
		{name: "bronnoysundregistrene", input: "974760673", want: "974760673"},
		{name: "digdir", input: "991825827", want: "991825827"},
		{name: "equinor", input: "923609016", want: "923609016"},
		{name: "control_digit_0", input: "000000000", want: "000000000"},
		{name: "computed_example", input: "123456785", want: "123456785"},

		{name: "whitespace_groups_of_three", input: "974 761 076", want: "974761076"},
		{name: "whitespace_non_breaking_space", input: "974\u00a0761\u00a0076", want: "974761076"},
		{name: "whitespace_tab_and_newline", input: "\t974761076\r\n", want: "974761076"},

		{name: "control_digit_wrong", input: "974761077", wantErr: ident.ErrControlDigit},
		{name: "control_digit_would_be_10", input: "123456700", wantErr: ident.ErrControlDigit},
		{name: "transposed_digits", input: "947761076", wantErr: ident.ErrControlDigit},
		{name: "length_empty", input: "", wantErr: ident.ErrLength},
		{name: "length_8_digits", input: "97476107", wantErr: ident.ErrLength},
		{name: "length_10_digits", input: "9747610760", wantErr: ident.ErrLength},
		{name: "length_national_id", input: "01010012356", wantErr: ident.ErrLength},
		{name: "character_letters_suffix", input: "974761076MVA", wantErr: ident.ErrCharacter},
		{name: "character_country_prefix", input: "NO974761076", wantErr: ident.ErrCharacter},
		{name: "character_dot_separator", input: "974.761.076", wantErr: ident.ErrCharacter},
		{name: "character_fullwidth_digit", input: "97476107\uff16", wantErr: ident.ErrCharacter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := ident.ParseOrgNumber(tt.input)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseOrgNumber() error = %v, want errors.Is %v", err, tt.wantErr)
				}
				var pe *ident.ParseError
				if !errors.As(err, &pe) || pe.What != "organisation number" {
					t.Fatalf("ParseOrgNumber() error = %#v, want *ParseError with What %q", err, "organisation number")
				}
				if c := clean(tt.input); len(c) >= 6 && strings.Contains(err.Error(), c) {
					t.Errorf("ParseOrgNumber() error %q contains the input", err)
				}
				if !got.IsZero() {
					t.Errorf("ParseOrgNumber() returned a non-zero value with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseOrgNumber() error = %v, want nil", err)
			}
			if got.String() != tt.want {
				t.Errorf("String() = %q, want %q", got.String(), tt.want)
			}
			if got.IsZero() {
				t.Errorf("IsZero() = true, want false")
			}
		})
	}
}

func TestParseOrgNumber_errorText(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		input string
		want  string
	}{
		{name: "too_long", input: "9747610760", want: "organisation number: must have 9 digits, got 10"},
		{name: "letter", input: "974x61076", want: "organisation number: contains a character that is not a digit at position 4"},
		{name: "control_digit", input: "974761077", want: "organisation number: control digit does not match (check for a typing error)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := ident.ParseOrgNumber(tt.input)
			if err == nil {
				t.Fatalf("ParseOrgNumber() error = nil, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("ParseOrgNumber() error = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOrgNumber_zero(t *testing.T) {
	t.Parallel()

	var o ident.OrgNumber
	if !o.IsZero() {
		t.Errorf("IsZero() = false, want true")
	}
	if got := o.String(); got != "" {
		t.Errorf("String() = %q, want empty", got)
	}
	got, err := o.MarshalText()
	if err != nil || len(got) != 0 {
		t.Errorf("MarshalText() = %q, %v, want empty, nil", got, err)
	}
}

func TestOrgNumber_UnmarshalText(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		input    string
		want     string
		wantZero bool
		wantErr  error
	}{
		{name: "valid", input: "974761076", want: "974761076"},
		{name: "valid_with_spaces", input: "974 761 076", want: "974761076"},
		{name: "empty_gives_zero", input: "", wantZero: true},
		{name: "whitespace_only_is_an_error", input: " ", wantErr: ident.ErrLength},
		{name: "invalid_control_digit", input: "974761077", wantErr: ident.ErrControlDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := ident.ParseOrgNumber("923609016") // start non-zero to see overwrites
			if err != nil {
				t.Fatal(err)
			}
			err = got.UnmarshalText([]byte(tt.input))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("UnmarshalText() error = %v, want errors.Is %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("UnmarshalText() error = %v", err)
			}
			if got.IsZero() != tt.wantZero || got.String() != tt.want {
				t.Errorf("UnmarshalText() = %q (zero %v), want %q (zero %v)", got, got.IsZero(), tt.want, tt.wantZero)
			}
		})
	}
}

func TestOrgNumber_JSON(t *testing.T) {
	t.Parallel()

	type payload struct {
		Org      ident.OrgNumber `json:"org"`
		Optional ident.OrgNumber `json:"optional"`
	}
	org, err := ident.ParseOrgNumber("974761076")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(payload{Org: org})
	if err != nil {
		t.Fatalf("json.Marshal() error = %v", err)
	}
	if got, want := string(b), `{"org":"974761076","optional":""}`; got != want {
		t.Errorf("json.Marshal() = %s, want %s", got, want)
	}
	var got payload
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("json.Unmarshal() error = %v", err)
	}
	if got.Org != org || !got.Optional.IsZero() {
		t.Errorf("json.Unmarshal() = %+v, want %+v", got, payload{Org: org})
	}
	if err := json.Unmarshal([]byte(`{"org":"974761077"}`), &got); !errors.Is(err, ident.ErrControlDigit) {
		t.Errorf("json.Unmarshal(invalid) error = %v, want ErrControlDigit", err)
	}
}

package ident_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/signingflow/signing/internal/ident"
)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// clean removes Unicode whitespace, as the parsers do.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func TestParseNationalID(t *testing.T) {
	t.Parallel()

	allow := []ident.ParseOption{ident.AllowSynthetic()}
	// Valid numbers below were computed with the mod-11 algorithm; the
	// control-digit failures flip a digit of a valid number. Every invalid
	// date has correct control digits, so only the date check can reject it.
	tests := []struct {
		name      string
		input     string
		opts      []ident.ParseOption
		wantKind  ident.Kind
		wantBirth time.Time
		wantErr   error
	}{
		// Birth numbers in every century range.
		{name: "birth_1900s_individual_000_499_first_day", input: "01010012356", wantKind: ident.KindBirthNumber, wantBirth: date(1900, time.January, 1)},
		{name: "birth_1900s_individual_000_499_last_day", input: "31129949980", wantKind: ident.KindBirthNumber, wantBirth: date(1999, time.December, 31)},
		{name: "birth_1940s_to_1990s_individual_900_999", input: "15067591280", wantKind: ident.KindBirthNumber, wantBirth: date(1975, time.June, 15)},
		{name: "birth_1999_individual_999", input: "01019999943", wantKind: ident.KindBirthNumber, wantBirth: date(1999, time.January, 1)},
		{name: "birth_1854_individual_500", input: "01015450068", wantKind: ident.KindBirthNumber, wantBirth: date(1854, time.January, 1)},
		// Worked example published at fnrinfo.no ("Beregning av kontrollsiffer"): individual 567 with YY 99 is 1899.
		{name: "birth_1899_published_example", input: "31129956715", wantKind: ident.KindBirthNumber, wantBirth: date(1899, time.December, 31)},
		{name: "birth_2000s_individual_500", input: "29020050088", wantKind: ident.KindBirthNumber, wantBirth: date(2000, time.February, 29)},
		{name: "birth_2039_individual_999", input: "31123999935", wantKind: ident.KindBirthNumber, wantBirth: date(2039, time.December, 31)},
		{name: "birth_2039_individual_950", input: "01013995024", wantKind: ident.KindBirthNumber, wantBirth: date(2039, time.January, 1)},

		// Leap days.
		{name: "leap_day_2000_valid", input: "29020050088", wantKind: ident.KindBirthNumber, wantBirth: date(2000, time.February, 29)},
		{name: "leap_day_2024_valid", input: "29022450008", wantKind: ident.KindBirthNumber, wantBirth: date(2024, time.February, 29)},
		{name: "leap_day_1996_valid", input: "29029610086", wantKind: ident.KindBirthNumber, wantBirth: date(1996, time.February, 29)},
		{name: "leap_day_1900_invalid", input: "29020000064", wantErr: ident.ErrDate},
		{name: "leap_day_2023_invalid", input: "29022350097", wantErr: ident.ErrDate},
		{name: "leap_day_1997_invalid", input: "29029710188", wantErr: ident.ErrDate},

		// D-numbers (day + 40).
		{name: "d_number_first_day", input: "41019012393", wantKind: ident.KindDNumber, wantBirth: date(1990, time.January, 1)},
		{name: "d_number_day_31", input: "71129912302", wantKind: ident.KindDNumber, wantBirth: date(1999, time.December, 31)},
		{name: "d_number_day_21", input: "61029012325", wantKind: ident.KindDNumber, wantBirth: date(1990, time.February, 21)},

		// H-numbers (month + 40).
		{name: "h_number_january", input: "01419012382", wantKind: ident.KindHNumber, wantBirth: date(1990, time.January, 1)},
		{name: "h_number_february", input: "01429012372", wantKind: ident.KindHNumber, wantBirth: date(1990, time.February, 1)},
		{name: "h_number_december", input: "01529012310", wantKind: ident.KindHNumber, wantBirth: date(1990, time.December, 1)},

		// Synthetic test numbers (month + 80, optionally day + 40).
		{name: "synthetic_allowed", input: "01819012365", opts: allow, wantKind: ident.KindSynthetic, wantBirth: date(1990, time.January, 1)},
		{name: "synthetic_december_allowed", input: "30929012387", opts: allow, wantKind: ident.KindSynthetic, wantBirth: date(1990, time.December, 30)},
		{name: "synthetic_d_number_allowed", input: "41819012359", opts: allow, wantKind: ident.KindSynthetic, wantBirth: date(1990, time.January, 1)},
		{name: "synthetic_d_number_day_31_allowed", input: "71929012490", opts: allow, wantKind: ident.KindSynthetic, wantBirth: date(1990, time.December, 31)},
		{name: "synthetic_refused", input: "01819012365", wantErr: ident.ErrSyntheticNotAllowed},
		{name: "synthetic_d_number_refused", input: "41819012359", wantErr: ident.ErrSyntheticNotAllowed},
		{name: "synthetic_nil_option_refused", input: "01819012365", opts: []ident.ParseOption{nil}, wantErr: ident.ErrSyntheticNotAllowed},
		{name: "synthetic_impossible_date", input: "31048110021", opts: allow, wantErr: ident.ErrDate},
		{name: "synthetic_leap_day_invalid", input: "29028310186", opts: allow, wantErr: ident.ErrDate},
		{name: "allow_synthetic_still_parses_birth_number", input: "01010012356", opts: allow, wantKind: ident.KindBirthNumber, wantBirth: date(1900, time.January, 1)},

		// Impossible dates and centuries.
		{name: "date_month_00", input: "01009012490", wantErr: ident.ErrDate},
		{name: "date_month_13", input: "01139012328", wantErr: ident.ErrDate},
		{name: "date_month_80", input: "01809012375", wantErr: ident.ErrDate},
		{name: "date_month_93", input: "01939012393", wantErr: ident.ErrDate},
		{name: "date_day_00", input: "00019012360", wantErr: ident.ErrDate},
		{name: "date_day_32", input: "32019012351", wantErr: ident.ErrDate},
		{name: "date_day_40", input: "40019012354", wantErr: ident.ErrDate},
		{name: "date_day_72", input: "72019012345", wantErr: ident.ErrDate},
		{name: "date_february_30", input: "30029012373", wantErr: ident.ErrDate},
		{name: "date_d_and_h_offset_together", input: "41419012376", wantErr: ident.ErrDate},
		{name: "century_individual_500_with_yy_50", input: "01015050094", wantErr: ident.ErrDate},
		{name: "century_individual_500_with_yy_40", input: "01014050066", wantErr: ident.ErrDate},
		{name: "century_individual_800_with_yy_50", input: "01015080082", wantErr: ident.ErrDate},
		{name: "all_zeros", input: "00000000000", wantErr: ident.ErrDate},

		// Control digits.
		{name: "control_second_digit_wrong", input: "01010012357", wantErr: ident.ErrControlDigit},
		{name: "control_first_digit_wrong", input: "01010012366", wantErr: ident.ErrControlDigit},
		{name: "control_first_digit_would_be_10", input: "01019012300", wantErr: ident.ErrControlDigit},
		{name: "control_second_digit_would_be_10", input: "01019013860", wantErr: ident.ErrControlDigit},
		{name: "control_transposed_digits", input: "10010012356", wantErr: ident.ErrControlDigit},

		// Whitespace is tolerated anywhere.
		{name: "whitespace_space_after_date", input: "010100 12356", wantKind: ident.KindBirthNumber, wantBirth: date(1900, time.January, 1)},
		{name: "whitespace_leading_trailing", input: "  01010012356\n", wantKind: ident.KindBirthNumber, wantBirth: date(1900, time.January, 1)},
		{name: "whitespace_tab", input: "010100\t12356", wantKind: ident.KindBirthNumber, wantBirth: date(1900, time.January, 1)},
		{name: "whitespace_non_breaking_space", input: "010100\u00a012356", wantKind: ident.KindBirthNumber, wantBirth: date(1900, time.January, 1)},
		{name: "whitespace_narrow_non_breaking_space", input: "01 01 00\u202f123\u300056", wantKind: ident.KindBirthNumber, wantBirth: date(1900, time.January, 1)},
		{name: "whitespace_between_every_digit", input: "0 1 0 1 0 0 1 2 3 5 6", wantKind: ident.KindBirthNumber, wantBirth: date(1900, time.January, 1)},

		// Length and characters.
		{name: "length_empty", input: "", wantErr: ident.ErrLength},
		{name: "length_whitespace_only", input: " \t ", wantErr: ident.ErrLength},
		{name: "length_10_digits", input: "0101001235", wantErr: ident.ErrLength},
		{name: "length_12_digits", input: "010100123560", wantErr: ident.ErrLength},
		{name: "character_letter", input: "0101001235a", wantErr: ident.ErrCharacter},
		{name: "character_hyphen", input: "010100-12356", wantErr: ident.ErrCharacter},
		{name: "character_fullwidth_digit", input: "0101001235\uff16", wantErr: ident.ErrCharacter},
		{name: "character_zero_width_space", input: "010100\u200b12356", wantErr: ident.ErrCharacter},
		{name: "character_invalid_utf8", input: "010100\xff12356", wantErr: ident.ErrCharacter},
		{name: "character_sign", input: "+01010012356", wantErr: ident.ErrCharacter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := ident.ParseNationalID(tt.input, tt.opts...)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseNationalID() error = %v, want errors.Is %v", err, tt.wantErr)
				}
				var pe *ident.ParseError
				if !errors.As(err, &pe) || pe.What != "national ID" {
					t.Fatalf("ParseNationalID() error = %#v, want *ParseError with What %q", err, "national ID")
				}
				if !got.IsZero() {
					t.Errorf("ParseNationalID() returned a non-zero value with an error")
				}
				if c := clean(tt.input); len(c) >= 6 && strings.Contains(err.Error(), c) {
					t.Errorf("ParseNationalID() error %q contains the input", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseNationalID() error = %v, want nil", err)
			}
			if got.Kind() != tt.wantKind {
				t.Errorf("Kind() = %v, want %v", got.Kind(), tt.wantKind)
			}
			if !got.BirthDate().Equal(tt.wantBirth) || got.BirthDate().Location() != time.UTC {
				t.Errorf("BirthDate() = %v, want %v", got.BirthDate(), tt.wantBirth)
			}
			if want := clean(tt.input); got.Digits() != want {
				t.Errorf("Digits() = %q, want %q", got.Digits(), want)
			}
			if got.IsZero() {
				t.Errorf("IsZero() = true, want false")
			}
		})
	}
}

func TestParseNationalID_errorText(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		input string
		opts  []ident.ParseOption
		want  string
	}{
		{name: "too_short", input: "0101001235", want: "national ID: must have 11 digits, got 10"},
		{name: "empty", input: "", want: "national ID: must have 11 digits, got 0"},
		{name: "letter_position", input: "010100a2356", want: "national ID: contains a character that is not a digit at position 7"},
		{name: "position_counts_whitespace_as_typed", input: "010100 1a356", want: "national ID: contains a character that is not a digit at position 9"},
		{name: "position_counts_characters_not_bytes", input: "\u00a0\u00a0x", want: "national ID: contains a character that is not a digit at position 3"},
		{name: "synthetic", input: "01819012365", want: "national ID: synthetic test numbers are not allowed here"},
		{name: "impossible_date", input: "30029012373", want: "national ID: birth date does not exist in the calendar"},
		{name: "control_digit", input: "01010012357", want: "national ID: second control digit does not match (check for a typing error)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := ident.ParseNationalID(tt.input, tt.opts...)
			if err == nil {
				t.Fatalf("ParseNationalID() error = nil, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("ParseNationalID() error = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseError(t *testing.T) {
	t.Parallel()

	_, err := ident.ParseNationalID("123")
	var got *ident.ParseError
	if !errors.As(err, &got) {
		t.Fatalf("error type = %T, want *ident.ParseError", err)
	}
	if got.What != "national ID" || got.Reason != ident.ErrLength || got.Detail != "must have 11 digits, got 3" {
		t.Errorf("ParseError = %+v, want What national ID, Reason ErrLength, Detail about length", *got)
	}
	if errors.Is(err, ident.ErrDate) {
		t.Errorf("errors.Is(err, ErrDate) = true, want false")
	}
}

func TestKind_String(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		kind ident.Kind
		want string
	}{
		{name: "zero", kind: 0, want: "unknown"},
		{name: "birth_number", kind: ident.KindBirthNumber, want: "birth number"},
		{name: "d_number", kind: ident.KindDNumber, want: "D-number"},
		{name: "h_number", kind: ident.KindHNumber, want: "H-number"},
		{name: "synthetic", kind: ident.KindSynthetic, want: "synthetic test number"},
		{name: "out_of_range", kind: 42, want: "Kind(42)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := tt.kind.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNationalID_Masked(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		input string
		opts  []ident.ParseOption
		want  string
	}{
		{name: "birth_number", input: "01010012356", want: "010100*****"},
		{name: "with_whitespace", input: "010100 12356", want: "010100*****"},
		{name: "d_number", input: "41019012393", want: "410190*****"},
		{name: "h_number", input: "01419012382", want: "014190*****"},
		{name: "synthetic", input: "01819012365", opts: []ident.ParseOption{ident.AllowSynthetic()}, want: "018190*****"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			id, err := ident.ParseNationalID(tt.input, tt.opts...)
			if err != nil {
				t.Fatalf("ParseNationalID() error = %v", err)
			}
			if got := id.Masked(); got != tt.want {
				t.Errorf("Masked() = %q, want %q", got, tt.want)
			}
			if got := id.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNationalID_zero(t *testing.T) {
	t.Parallel()

	var id ident.NationalID
	if !id.IsZero() {
		t.Errorf("IsZero() = false, want true")
	}
	if got := id.Kind(); got != 0 {
		t.Errorf("Kind() = %v, want 0", got)
	}
	if got := id.BirthDate(); !got.IsZero() {
		t.Errorf("BirthDate() = %v, want zero time", got)
	}
	if got := id.Masked(); got != "" {
		t.Errorf("Masked() = %q, want empty", got)
	}
	if got := id.Digits(); got != "" {
		t.Errorf("Digits() = %q, want empty", got)
	}
	if !id.Equal(ident.NationalID{}) {
		t.Errorf("Equal(zero) = false, want true")
	}
}

func TestNationalID_Equal(t *testing.T) {
	t.Parallel()

	a, err := ident.ParseNationalID("01010012356")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ident.ParseNationalID(" 010100 12356 ")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ident.ParseNationalID("31129949980")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		x, y ident.NationalID
		want bool
	}{
		{name: "same_number_different_spacing", x: a, y: b, want: true},
		{name: "different_numbers", x: a, y: c, want: false},
		{name: "value_and_zero", x: a, y: ident.NationalID{}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := tt.x.Equal(tt.y); got != tt.want {
				t.Errorf("Equal() = %v, want %v", got, tt.want)
			}
			if got := tt.y.Equal(tt.x); got != tt.want {
				t.Errorf("Equal() reversed = %v, want %v", got, tt.want)
			}
		})
	}
}

func BenchmarkParseNationalID(b *testing.B) {
	for b.Loop() {
		if _, err := ident.ParseNationalID("010100 12356"); err != nil {
			b.Fatal(err)
		}
	}
}

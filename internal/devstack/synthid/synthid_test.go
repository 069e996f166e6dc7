package synthid_test

import (
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/synthid"
	"github.com/signingflow/signing/internal/ident"
)

func TestNationalID(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		kind       ident.Kind
		birth      time.Time
		individual int
		want       string
	}{
		{name: "birth_number_1900", kind: ident.KindBirthNumber, birth: time.Date(1900, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 123, want: "01010012356"},
		{name: "skips_control_digit_10", kind: ident.KindBirthNumber, birth: time.Date(1990, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 123, want: "01019012480"},
		{name: "d_number", kind: ident.KindDNumber, birth: time.Date(1990, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 123, want: "41019012393"},
		{name: "h_number", kind: ident.KindHNumber, birth: time.Date(1990, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 123, want: "01419012382"},
		{name: "synthetic", kind: ident.KindSynthetic, birth: time.Date(1990, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 123, want: "01819012365"},
		{name: "leap_day_2000", kind: ident.KindBirthNumber, birth: time.Date(2000, time.February, 29, 0, 0, 0, 0, time.UTC), individual: 500, want: "29020050088"},
		{name: "published_example_1899", kind: ident.KindBirthNumber, birth: time.Date(1899, time.December, 31, 0, 0, 0, 0, time.UTC), individual: 567, want: "31129956715"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := synthid.NationalID(tt.kind, tt.birth, tt.individual); got != tt.want {
				t.Errorf("NationalID() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNationalID_crossCheck parses many generated numbers with package ident.
func TestNationalID_crossCheck(t *testing.T) {
	t.Parallel()

	kinds := []ident.Kind{ident.KindBirthNumber, ident.KindDNumber, ident.KindHNumber, ident.KindSynthetic}
	years := []struct {
		year        int
		individuals []int
	}{
		{1854, []int{500, 640, 740}},
		{1899, []int{500, 700}},
		{1900, []int{0, 250, 490}},
		{1939, []int{0, 490}},
		{1940, []int{0, 490, 900, 990}},
		{1999, []int{100, 950}},
		{2000, []int{500, 990}},
		{2024, []int{600, 900}},
		{2039, []int{500, 990}},
	}
	for _, kind := range kinds {
		for _, y := range years {
			for _, individual := range y.individuals {
				// Every day of the year, stepping by 3 days to keep the test fast but hit month ends and leap days.
				for d := time.Date(y.year, time.January, 1, 0, 0, 0, 0, time.UTC); d.Year() == y.year; d = d.AddDate(0, 0, 3) {
					s := synthid.NationalID(kind, d, individual)
					got, err := ident.ParseNationalID(s, ident.AllowSynthetic())
					if err != nil {
						t.Fatalf("ParseNationalID(NationalID(%v, %s, %d)) error = %v", kind, d.Format(time.DateOnly), individual, err)
					}
					if got.Kind() != kind || !got.BirthDate().Equal(d) || got.Digits() != s {
						t.Fatalf("ParseNationalID(NationalID(%v, %s, %d)) = kind %v, birth %s", kind, d.Format(time.DateOnly), individual, got.Kind(), got.BirthDate().Format(time.DateOnly))
					}
				}
			}
		}
	}
	leap := time.Date(2024, time.February, 29, 0, 0, 0, 0, time.UTC)
	for _, kind := range kinds {
		s := synthid.NationalID(kind, leap, 500)
		if got, err := ident.ParseNationalID(s, ident.AllowSynthetic()); err != nil || !got.BirthDate().Equal(leap) {
			t.Errorf("leap day %v: ParseNationalID() = %v, %v", kind, got.BirthDate(), err)
		}
	}
}

func TestNationalID_usesCalendarDateOfLocation(t *testing.T) {
	t.Parallel()

	oslo := time.FixedZone("CET", 3600)
	birth := time.Date(1990, time.January, 1, 0, 30, 0, 0, oslo) // 31 Dec 1989 in UTC
	got := synthid.NationalID(ident.KindBirthNumber, birth, 123)
	if got[:6] != "010190" {
		t.Errorf("NationalID() = %s, want it to start with 010190", got)
	}
}

func TestNationalID_panics(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		kind       ident.Kind
		birth      time.Time
		individual int
	}{
		{name: "unknown_kind", kind: 0, birth: time.Date(1990, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 1},
		{name: "year_before_1854", kind: ident.KindBirthNumber, birth: time.Date(1853, time.December, 31, 0, 0, 0, 0, time.UTC), individual: 600},
		{name: "year_after_2039", kind: ident.KindBirthNumber, birth: time.Date(2040, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 600},
		{name: "individual_negative", kind: ident.KindBirthNumber, birth: time.Date(1990, time.January, 1, 0, 0, 0, 0, time.UTC), individual: -1},
		{name: "individual_too_large", kind: ident.KindBirthNumber, birth: time.Date(1990, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 1000},
		{name: "individual_wrong_century_2000s", kind: ident.KindBirthNumber, birth: time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 100},
		{name: "individual_wrong_century_1950s", kind: ident.KindBirthNumber, birth: time.Date(1950, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 800},
		{name: "individual_wrong_century_1800s", kind: ident.KindBirthNumber, birth: time.Date(1880, time.January, 1, 0, 0, 0, 0, time.UTC), individual: 800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			defer func() {
				if recover() == nil {
					t.Errorf("NationalID() did not panic")
				}
			}()
			synthid.NationalID(tt.kind, tt.birth, tt.individual)
		})
	}
}

func TestOrgNumber(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		base int
		want string
	}{
		{name: "skatteetaten", base: 97476107, want: "974761076"},
		{name: "digdir", base: 99182582, want: "991825827"},
		{name: "zero_padded", base: 1, want: "000000019"},
		{name: "skips_control_digit_10", base: 12345670, want: "123456718"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := synthid.OrgNumber(tt.base); got != tt.want {
				t.Errorf("OrgNumber(%d) = %q, want %q", tt.base, got, tt.want)
			}
		})
	}
}

func TestOrgNumber_crossCheck(t *testing.T) {
	t.Parallel()

	for base := 80_000_000; base < 80_000_000+5000; base += 7 {
		s := synthid.OrgNumber(base)
		got, err := ident.ParseOrgNumber(s)
		if err != nil || got.String() != s {
			t.Fatalf("ParseOrgNumber(OrgNumber(%d)) = %v, %v", base, got, err)
		}
	}
}

func TestOrgNumber_panics(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		base int
	}{
		{name: "negative", base: -1},
		{name: "more_than_8_digits", base: 100_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			defer func() {
				if recover() == nil {
					t.Errorf("OrgNumber(%d) did not panic", tt.base)
				}
			}()
			synthid.OrgNumber(tt.base)
		})
	}
}

package ident_test

import (
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/ident"
)

// digitRuns returns the maximal runs of ASCII digits in s that are at least
// minLen long.
func digitRuns(s string, minLen int) []string {
	var runs []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= minLen {
			runs = append(runs, s[start:i])
		}
		start = -1
	}
	return runs
}

// checkErrorHidesInput fails when msg contains the cleaned input or any run
// of six or more of its digits.
func checkErrorHidesInput(t *testing.T, input, msg string) {
	t.Helper()
	c := clean(input)
	if len(c) >= 6 && strings.Contains(msg, c) {
		t.Fatalf("error %q contains the cleaned input", msg)
	}
	for _, run := range digitRuns(c, 6) {
		if strings.Contains(msg, run) {
			t.Fatalf("error %q contains digits from the input", msg)
		}
	}
}

func FuzzParseNationalID(f *testing.F) {
	seeds := []struct {
		s              string
		allowSynthetic bool
	}{
		{"01010012356", false},
		{"31129956715", false},
		{"29020050088", false},
		{"29020000064", false},
		{"41019012393", false},
		{"01419012382", false},
		{"01819012365", true},
		{"01819012365", false},
		{"71929012490", true},
		{"41419012376", false},
		{"01010012357", false},
		{"010100 12356", false},
		{"\t010100\u00a012356\n", false},
		{"01 01 00\u202f123\u300056", false},
		{"0101001235", false},
		{"010100123560", false},
		{"010100-12356", false},
		{"0101001235\uff16", false},
		{"010100\xff12356", false},
		{"", false},
		{"😀😀😀😀😀😀😀😀😀😀😀", true},
		{"00000000000", false},
		{"99999999999", true},
	}
	for _, s := range seeds {
		f.Add(s.s, s.allowSynthetic)
	}
	f.Fuzz(func(t *testing.T, input string, allowSynthetic bool) {
		var opts []ident.ParseOption
		if allowSynthetic {
			opts = append(opts, ident.AllowSynthetic())
		}
		id, err := ident.ParseNationalID(input, opts...)
		if err != nil {
			if !id.IsZero() {
				t.Fatalf("non-zero value returned with error %v", err)
			}
			checkErrorHidesInput(t, input, err.Error())
			return
		}
		if id.IsZero() {
			t.Fatalf("zero value returned without an error")
		}
		digits := id.Digits()
		if digits != clean(input) {
			t.Fatalf("Digits() differs from the cleaned input")
		}
		again, err := ident.ParseNationalID(digits, opts...)
		if err != nil {
			t.Fatalf("re-parsing Digits() failed: %v", err)
		}
		if !again.Equal(id) || again.Kind() != id.Kind() || !again.BirthDate().Equal(id.BirthDate()) {
			t.Fatalf("re-parsed value differs")
		}
		// Masked must be exactly the first six digits and five asterisks, so
		// none of the last five digits can be shown. (A plain substring check
		// for the last five would be wrong: they can also occur in DDMMYY.)
		if got, want := id.Masked(), digits[:6]+"*****"; got != want {
			t.Fatalf("Masked() is not the first six digits followed by *****")
		}
		if id.Kind() == ident.KindSynthetic && !allowSynthetic {
			t.Fatalf("synthetic number accepted without AllowSynthetic")
		}
		if y := id.BirthDate().Year(); y < 1854 || y > 2039 {
			t.Fatalf("BirthDate() year %d outside 1854–2039", y)
		}
	})
}

func FuzzParseOrgNumber(f *testing.F) {
	for _, s := range []string{
		"974761076",
		"923609016",
		"000000000",
		"974 761 076",
		"\u00a0974761076\t",
		"974761077",
		"123456700",
		"97476107",
		"9747610760",
		"NO974761076MVA",
		"97476107\uff16",
		"974\xff761076",
		"",
		"é",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		o, err := ident.ParseOrgNumber(input)
		if err != nil {
			if !o.IsZero() {
				t.Fatalf("non-zero value returned with error %v", err)
			}
			checkErrorHidesInput(t, input, err.Error())
			return
		}
		if o.IsZero() || o.String() != clean(input) || len(o.String()) != 9 {
			t.Fatalf("String() is not the nine cleaned digits")
		}
		again, err := ident.ParseOrgNumber(o.String())
		if err != nil || again != o {
			t.Fatalf("re-parsing String() = %v, %v", again, err)
		}
		text, err := o.MarshalText()
		if err != nil {
			t.Fatalf("MarshalText() error = %v", err)
		}
		var back ident.OrgNumber
		if err := back.UnmarshalText(text); err != nil || back != o {
			t.Fatalf("text round trip = %v, %v", back, err)
		}
	})
}

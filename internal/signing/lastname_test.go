package signing_test

import (
	"testing"

	"github.com/signingflow/signing/internal/signing"
)

func TestLastNameMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		registered, give string
		want             bool
	}{
		{name: "same", registered: "Nordmann", give: "Nordmann", want: true},
		{name: "case_and_spaces", registered: "Nordmann", give: "  nORDMANN ", want: true},
		{name: "first_four_count", registered: "Nordmann", give: "Nordvik", want: true},
		{name: "diacritics_removed", registered: "Sørensen", give: "Sorensen", want: false},
		{name: "acute_removed", registered: "Hélène", give: "Helene", want: true},
		{name: "caron_removed", registered: "Čávkkoš", give: "Cavkkos", want: true},
		{name: "aa_ring_kept", registered: "Åsen", give: "Asen", want: false},
		{name: "aa_ring_same", registered: "Åsen", give: "åsen", want: true},
		{name: "short_names", registered: "Li", give: "li", want: true},
		{name: "short_differs", registered: "Li", give: "Lie", want: false},
		{name: "other_name", registered: "Nordmann", give: "Hansen", want: false},
		{name: "both_empty", registered: "", give: " ", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := signing.LastNameMatches(tt.registered, tt.give); got != tt.want {
				t.Errorf("LastNameMatches(%q, %q) = %v, want %v", tt.registered, tt.give, got, tt.want)
			}
		})
	}
}

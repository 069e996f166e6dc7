package webhook_test

import (
	"testing"
	"time"

	"github.com/signingflow/signing/internal/webhook"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	const base, ceiling = 30 * time.Second, 15 * time.Minute
	for attempt := 1; attempt <= 20; attempt++ {
		step := min(base<<(attempt-1), ceiling)
		for _, r := range []float64{0, 0.999} {
			got := webhook.Backoff(attempt, base, ceiling, func() float64 { return r })
			if got < step/2 || got >= step || got <= 0 {
				t.Errorf("Backoff(%d) with rnd %v = %v, want in [%v, %v)", attempt, r, got, step/2, step)
			}
		}
	}
}

func TestBackoff_values(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{name: "first_no_jitter", attempt: 1, rnd: 0, want: 15 * time.Second},
		{name: "first_half_jitter", attempt: 1, rnd: 0.5, want: 22500 * time.Millisecond},
		{name: "third", attempt: 3, rnd: 0, want: 60 * time.Second},
		{name: "capped", attempt: 6, rnd: 0, want: 450 * time.Second},
		{name: "attempt_zero_is_first", attempt: 0, rnd: 0, want: 15 * time.Second},
		{name: "huge_attempt_capped", attempt: 1 << 20, rnd: 0, want: 450 * time.Second},
		{name: "rnd_out_of_range_is_zero", attempt: 1, rnd: 1.5, want: 15 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := webhook.Backoff(tt.attempt, 30*time.Second, 15*time.Minute, func() float64 { return tt.rnd })
			if got != tt.want {
				t.Errorf("Backoff(%d, rnd %v) = %v, want %v", tt.attempt, tt.rnd, got, tt.want)
			}
		})
	}
}

package webhook

import (
	"math"
	"time"
)

// Backoff is the wait after failed attempt number attempt (1 for the
// first): the step base·2^(attempt-1), capped at max, with equal jitter —
// half the step fixed, half drawn by rnd, which returns a number in
// [0, 1). The wait is thus in [step/2, step): never 0 for a base of 2ns
// or more, yet spread so subscribers recovering together are not all hit
// at once. An attempt below 1 counts as 1; a max below base caps at max;
// base must be positive.
func Backoff(attempt int, base, max time.Duration, rnd func() float64) time.Duration {
	step := base
	for i := 1; i < attempt && step > 0 && step < max && step <= math.MaxInt64/2; i++ {
		step *= 2
	}
	if step > max {
		step = max
	}
	r := rnd()
	if r < 0 || r >= 1 {
		r = 0
	}
	half := step / 2
	return half + time.Duration(r*float64(step-half))
}

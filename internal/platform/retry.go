package platform

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// RetryPolicy retries calls that fail with a *TransientError, with
// exponential backoff and full jitter. Use it outside Step Functions only:
// inside, the state machine's Retry does the backoff. The zero value is a
// usable policy (3 attempts, 200ms base, 5s cap).
type RetryPolicy struct {
	// Attempts is the total number of calls, including the first; 0 means 3.
	Attempts int
	// Base is the backoff before the second attempt's jitter; 0 means 200ms.
	Base time.Duration
	// Max caps every wait, including a server's Retry-After; 0 means 5s.
	Max time.Duration
	// Sleep waits d or until ctx is done; nil means a timer. Tests inject one.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1); nil means math/rand/v2.
	Jitter func() float64
}

// Do calls op until it succeeds, fails with anything but a *TransientError,
// the attempts are used up, or ctx is done. It returns op's last error.
func (p RetryPolicy) Do(ctx context.Context, op func(ctx context.Context) error) error {
	_, err := Retry(ctx, p, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, op(ctx)
	})
	return err
}

// Retry is RetryPolicy.Do for calls that return a value.
func Retry[T any](ctx context.Context, p RetryPolicy, op func(ctx context.Context) (T, error)) (T, error) {
	attempts, base, ceiling := p.Attempts, p.Base, p.Max
	if attempts <= 0 {
		attempts = 3
	}
	if base <= 0 {
		base = 200 * time.Millisecond
	}
	if ceiling <= 0 {
		ceiling = 5 * time.Second
	}
	sleep, jitter := p.Sleep, p.Jitter
	if sleep == nil {
		sleep = sleepContext
	}
	if jitter == nil {
		jitter = rand.Float64
	}
	var zero T
	for attempt := 1; ; attempt++ {
		v, err := op(ctx)
		if err == nil {
			return v, nil
		}
		var te *TransientError
		if !errors.As(err, &te) || attempt >= attempts || ctx.Err() != nil {
			return zero, err
		}
		wait := Backoff(attempt, base, ceiling, jitter())
		if te.RetryAfter > wait {
			wait = min(te.RetryAfter, ceiling)
		}
		if serr := sleep(ctx, wait); serr != nil {
			return zero, err
		}
	}
}

// Backoff returns the full-jitter wait after the given failed attempt (1 for
// the first): a fraction r in [0, 1) of min(ceiling, base·2^(attempt-1)).
func Backoff(attempt int, base, ceiling time.Duration, r float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return time.Duration(float64(d) * r)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

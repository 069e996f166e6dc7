package platform

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

func TestRetry(t *testing.T) {
	t.Parallel()

	transient := &TransientError{Service: "s", Operation: "o", Status: 503}
	permanent := &PermanentError{Service: "s", Operation: "o", Status: 404}
	tests := []struct {
		name      string
		errs      []error // returned by successive calls; nil means success
		attempts  int
		wantCalls int
		wantErr   error
		wantWaits []time.Duration
	}{
		{name: "success_first_time", errs: []error{nil}, wantCalls: 1},
		{name: "transient_then_success", errs: []error{transient, transient, nil}, attempts: 3, wantCalls: 3,
			wantWaits: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}},
		{name: "permanent_not_retried", errs: []error{permanent}, attempts: 3, wantCalls: 1, wantErr: signing.ErrNotFound},
		{name: "attempts_used_up", errs: []error{transient, transient, transient}, attempts: 3, wantCalls: 3, wantErr: signing.ErrTransient,
			wantWaits: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}},
		{name: "retry_after_honoured", errs: []error{&TransientError{Status: 429, RetryAfter: 700 * time.Millisecond}, nil}, attempts: 2, wantCalls: 2,
			wantWaits: []time.Duration{700 * time.Millisecond}},
		{name: "retry_after_capped", errs: []error{&TransientError{Status: 429, RetryAfter: time.Hour}, nil}, attempts: 2, wantCalls: 2,
			wantWaits: []time.Duration{time.Second}},
		{name: "plain_error_not_retried", errs: []error{errors.New("x")}, attempts: 3, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			var waits []time.Duration
			p := RetryPolicy{
				Attempts: tt.attempts, Base: 100 * time.Millisecond, Max: time.Second,
				Sleep:  func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
				Jitter: func() float64 { return 0.5 },
			}
			calls := 0
			got, err := Retry(t.Context(), p, func(context.Context) (int, error) {
				e := tt.errs[calls]
				calls++
				return calls, e
			})
			if calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tt.wantCalls)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
			} else if tt.errs[len(tt.errs)-1] == nil && (err != nil || got != tt.wantCalls) {
				t.Errorf("Retry() = %d, %v, want %d, nil", got, err, tt.wantCalls)
			}
			if len(waits) != len(tt.wantWaits) {
				t.Fatalf("waits = %v, want %v", waits, tt.wantWaits)
			}
			for i := range waits {
				if waits[i] != tt.wantWaits[i] {
					t.Errorf("waits = %v, want %v", waits, tt.wantWaits)
					break
				}
			}
		})
	}
}

func TestRetry_stopsWhenContextDone(t *testing.T) {
	t.Parallel()

	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	err := RetryPolicy{Attempts: 5, Sleep: func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}}.Do(ctx, func(context.Context) error {
		calls++
		return &TransientError{Status: 503}
	})
	if calls != 1 || !errors.Is(err, signing.ErrTransient) {
		t.Errorf("calls, err = %d, %v; want 1, the transient error", calls, err)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		attempt int
		r       float64
		want    time.Duration
	}{
		{name: "first", attempt: 1, r: 1, want: 100 * time.Millisecond},
		{name: "third", attempt: 3, r: 1, want: 400 * time.Millisecond},
		{name: "capped", attempt: 30, r: 1, want: time.Second},
		{name: "full_jitter_zero", attempt: 3, r: 0, want: 0},
		{name: "half", attempt: 2, r: 0.5, want: 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := Backoff(tt.attempt, 100*time.Millisecond, time.Second, tt.r); got != tt.want {
				t.Errorf("Backoff(%d, r=%v) = %v, want %v", tt.attempt, tt.r, got, tt.want)
			}
		})
	}
}

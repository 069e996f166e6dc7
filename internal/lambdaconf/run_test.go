package lambdaconf_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func TestRetry(t *testing.T) {
	t.Parallel()
	pauses := []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
	transient := fmt.Errorf("read secret: %w: throttled", signing.ErrTransient)
	tests := []struct {
		name      string
		failures  []error
		wantCalls int
		wantErr   error
	}{
		{name: "first_try", wantCalls: 1},
		{name: "transient_twice_then_ok", failures: []error{transient, transient}, wantCalls: 3},
		{name: "transient_until_the_pauses_run_out", failures: []error{transient, transient, transient, transient, transient}, wantCalls: 4, wantErr: signing.ErrTransient},
		{name: "permanent_at_once", failures: []error{signing.Invalid("HASH_KEY", "too short")}, wantCalls: 1, wantErr: signing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			got, err := lambdaconf.Retry(context.Background(), pauses, func() (int, error) {
				calls++
				if calls <= len(tt.failures) {
					return 0, tt.failures[calls-1]
				}
				return 42, nil
			})
			if calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tt.wantCalls)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != 42 {
				t.Errorf("Retry() = %d, %v; want 42", got, err)
			}
		})
	}
}

func TestRetry_cancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	_, err := lambdaconf.Retry(ctx, []time.Duration{time.Hour}, func() (int, error) {
		calls++
		return 0, fmt.Errorf("%w: unreachable", signing.ErrTransient)
	})
	if calls != 1 || !errors.Is(err, signing.ErrTransient) {
		t.Errorf("calls = %d, err = %v; want one call and the transient error", calls, err)
	}
}

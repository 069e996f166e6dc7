package lambdaconf

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

// InitBackoff are the pauses between attempts to build the service at
// init: about 3 s in all, well inside Lambda's 10 s init phase.
var InitBackoff = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond}

// Retry calls build until it succeeds, fails with an error that is not
// transient (signing.ErrTransient: a throttled or unreachable secret at a
// cold start), or the pauses run out. A cold start that would die on one
// failed read would fail its first request instead (an API 500, a step's
// Runtime.ExitError).
func Retry[T any](ctx context.Context, pauses []time.Duration, build func() (T, error)) (T, error) {
	for i := 0; ; i++ {
		v, err := build()
		if err == nil || !errors.Is(err, signing.ErrTransient) || i >= len(pauses) {
			return v, err
		}
		slog.WarnContext(ctx, "init: retrying after a transient failure", "attempt", i+1, "error", err.Error())
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(pauses[i]):
		}
	}
}

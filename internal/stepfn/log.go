package stepfn

import (
	"context"
	"log/slog"
)

// Fail logs a failed step once, with its error name and a redacted cause,
// and returns the error for the Lambda runtime (Error). attrs carry the
// step's keys (task, signee); never personal data.
func Fail(ctx context.Context, step string, err error, attrs ...any) error {
	name, msg := Name(err), Redact(err.Error())
	level := slog.LevelError
	if name == ErrorTransient || name == ErrorRejected || name == ErrorExpired {
		level = slog.LevelWarn
	}
	args := append([]any{"step", step, "error", name, "cause", msg}, attrs...)
	slog.Log(ctx, level, "step failed", args...)
	return Error(err)
}

package lambdaconf

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/signingflow/signing/internal/lambdaconf/awsenv"
	"github.com/signingflow/signing/internal/signing"
)

// RunService is the whole main of a function backed by the signing service:
// it sets the JSON logger, reads the configuration (Load), reads the AWS
// configuration from the environment (awsenv.Load, not the SDK's config
// package: see awsenv), builds the service and starts the Lambda runtime with
// the handler newHandler returns. A transient failure while building the
// service (reading a secret) is retried (Retry); any other init error is
// logged and exits 1. It does not return.
func RunService(name string, newHandler func(*signing.Service) any) {
	slog.SetDefault(NewLogger(os.Stdout))
	cfg, err := Load(os.LookupEnv)
	if err != nil {
		Exit(name+": configuration", err)
	}
	ctx := context.Background()
	awsEnv, err := awsenv.Load(os.LookupEnv)
	if err != nil {
		Exit(name+": AWS configuration", err)
	}
	clients := NewLambdaAWS(awsEnv)
	svc, err := Retry(ctx, InitBackoff, func() (*signing.Service, error) { return cfg.Service(ctx, clients) })
	if err != nil {
		Exit(name+": wiring", err)
	}
	lambda.Start(newHandler(svc))
}

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

package lambdaconf

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/signingflow/signing/internal/signing"
)

// RunService is the whole main of a function backed by the signing service:
// it sets the JSON logger, reads the configuration (Load), loads the AWS
// configuration once, builds the service and starts the Lambda runtime with
// the handler newHandler returns. An init error is logged and exits 1. It
// does not return.
func RunService(name string, newHandler func(*signing.Service) any) {
	slog.SetDefault(NewLogger(os.Stdout))
	cfg, err := Load(os.LookupEnv)
	if err != nil {
		Exit(name+": configuration", err)
	}
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		Exit(name+": AWS configuration", err)
	}
	svc, err := cfg.Service(ctx, NewAWS(awsCfg))
	if err != nil {
		Exit(name+": wiring", err)
	}
	lambda.Start(newHandler(svc))
}

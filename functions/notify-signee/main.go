// Command notify-signee is the Notify Signee step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/signingflow/signing/internal/lambdaconf"
)

func main() {
	slog.SetDefault(lambdaconf.NewLogger(os.Stdout))
	cfg, err := lambdaconf.Load(os.LookupEnv)
	if err != nil {
		lambdaconf.Exit("notify-signee: configuration", err)
	}
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		lambdaconf.Exit("notify-signee: AWS configuration", err)
	}
	svc, err := cfg.Service(ctx, lambdaconf.NewAWS(awsCfg))
	if err != nil {
		lambdaconf.Exit("notify-signee: wiring", err)
	}
	lambda.Start(NewHandler(svc).Handle)
}

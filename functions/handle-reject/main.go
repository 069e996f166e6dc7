// Command handle-reject is the Handle Reject and Handle Expiry step Lambda; handler.go documents its input,
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
		lambdaconf.Exit("handle-reject: configuration", err)
	}
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		lambdaconf.Exit("handle-reject: AWS configuration", err)
	}
	svc, err := cfg.Service(ctx, lambdaconf.NewAWS(awsCfg))
	if err != nil {
		lambdaconf.Exit("handle-reject: wiring", err)
	}
	lambda.Start(NewHandler(svc).Handle)
}

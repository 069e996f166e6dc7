// Command api is the signing HTTP API Lambda behind API Gateway (HTTP API,
// payload format 2.0, JWT authorizer); handler.go documents its routes and
// api/openapi.yaml its contract.
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
		lambdaconf.Exit("api: configuration", err)
	}
	apiCfg, err := LoadConfig(os.LookupEnv)
	if err != nil {
		lambdaconf.Exit("api: configuration", err)
	}
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		lambdaconf.Exit("api: AWS configuration", err)
	}
	svc, err := cfg.Service(ctx, lambdaconf.NewAWS(awsCfg))
	if err != nil {
		lambdaconf.Exit("api: wiring", err)
	}
	lambda.Start(NewHandler(svc, apiCfg, slog.Default()).Handle)
}

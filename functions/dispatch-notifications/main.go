// Command dispatch-notifications is the notification dispatcher (SQS consumer) Lambda; handler.go documents its input,
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
	cfg, err := lambdaconf.LoadDispatch(os.LookupEnv)
	if err != nil {
		lambdaconf.Exit("dispatch-notifications: configuration", err)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		lambdaconf.Exit("dispatch-notifications: AWS configuration", err)
	}
	notifications, err := cfg.Notifications(lambdaconf.NewAWS(awsCfg))
	if err != nil {
		lambdaconf.Exit("dispatch-notifications: wiring", err)
	}
	lambda.Start(NewHandler(notifications).Handle)
}

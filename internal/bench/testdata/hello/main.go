// Command hello is the baseline of the cold-start benchmark: the smallest
// aws-lambda-go function, built and run exactly as the signing functions
// are (funchost.Build: GOOS=linux, CGO_ENABLED=0, -tags lambda.norpc,
// -trimpath), so the difference in init time is what the signing
// functions do at start (configuration, secrets, clients).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, e map[string]any) (map[string]any, error) {
	return map[string]any{"hello": e["name"]}, nil
}

func main() { lambda.Start(handle) }

// Command hellosdk is the second baseline of the cold-start benchmark: the
// hello world with the two AWS SDK clients the signing functions build
// (DynamoDB for the table; KMS for the platform tokens), built from the
// environment as the functions build theirs (awsenv). It makes no call.
// What it adds to the hello world is the SDK's own start: the service
// packages' init (endpoint rules and, since the SDK's schema-based
// serialisation, every shape's schema), which runs whether a client is used
// or not; the difference between a function and this baseline is what the
// function itself does at start.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/signingflow/signing/internal/lambdaconf/awsenv"
)

func main() {
	e, err := awsenv.Load(os.LookupEnv)
	if err != nil {
		os.Exit(1)
	}
	db := dynamodb.NewFromConfig(e.Config, func(o *dynamodb.Options) { o.BaseEndpoint = e.BaseEndpoint(dynamodb.ServiceID) })
	signer := kms.NewFromConfig(e.Config, func(o *kms.Options) { o.BaseEndpoint = e.BaseEndpoint(kms.ServiceID) })
	lambda.Start(func(_ context.Context, ev map[string]any) (map[string]any, error) {
		return map[string]any{"hello": ev["name"], "clients": db != nil && signer != nil}, nil
	})
}

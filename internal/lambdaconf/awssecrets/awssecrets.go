// Package awssecrets reads a Secrets Manager secret's string for the
// functions that name one (the hash key: HASH_KEY_SECRET_ARN). It is a
// package of its own so that a function that reads no secret does not link
// the Secrets Manager client, whose package init every cold start pays
// (lambdaconf.Linked).
package awssecrets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/signingflow/signing/internal/lambdaconf/awsenv"
	"github.com/signingflow/signing/internal/signing"
)

// API is the part of the Secrets Manager client Read uses.
type API interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// NewClient is the Secrets Manager client built from the function's
// environment (its endpoint override included).
func NewClient(e awsenv.Env) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(e.Config, func(o *secretsmanager.Options) { o.BaseEndpoint = e.BaseEndpoint(secretsmanager.ServiceID) })
}

// Reader reads secrets with a client built from e (lambdaconf.Linked.Secrets).
func Reader(e awsenv.Env) func(ctx context.Context, arn string) (string, error) {
	api := NewClient(e)
	return func(ctx context.Context, arn string) (string, error) { return Read(ctx, api, arn) }
}

// permanentErrors are the Secrets Manager error codes a retry does not
// cure; any other failure (throttling, 5xx, the network) is transient.
var permanentErrors = map[string]bool{
	"ResourceNotFoundException": true, "AccessDeniedException": true, "DecryptionFailure": true,
	"InvalidParameterException": true, "InvalidRequestException": true,
}

// Read reads a secret's string value, trimmed. A failure a retry may cure
// wraps signing.ErrTransient.
func Read(ctx context.Context, api API, arn string) (string, error) {
	if api == nil {
		return "", errors.New("no Secrets Manager client")
	}
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && permanentErrors[apiErr.ErrorCode()] {
		// A missing secret or a missing permission: no retry cures it.
		return "", fmt.Errorf("read secret: %w", err)
	}
	if err != nil {
		return "", fmt.Errorf("read secret: %w: %w", signing.ErrTransient, err)
	}
	v := strings.TrimSpace(aws.ToString(out.SecretString))
	if v == "" {
		return "", errors.New("the secret has no string value")
	}
	return v, nil
}

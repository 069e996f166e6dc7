// Package wholeservice builds the whole signing.Service from every
// variable lambdaconf.Load reads: the benchmark and the local tools run
// it. The functions do not link it: each wires only its own ports
// (lambdaconf.Wiring), so none of them links the PDF renderer, the Step
// Functions or the Secrets Manager client unless it uses them.
package wholeservice

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/lambdaconf/awssecrets"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platformauth"
	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingpdf"
	"github.com/signingflow/signing/internal/workflow"
)

// AWS holds the AWS clients Service uses, built once from one aws.Config
// (which honours AWS_ENDPOINT_URL and its per-service variants, so a local
// stack needs no code change).
type AWS struct {
	DynamoDB dynamo.API
	SFN      workflow.API
	Secrets  awssecrets.API
	// KMS signs the Maskinporten grant and the platform access token when
	// MASKINPORTEN_KMS_KEY_ID and PLATFORM_ACCESS_TOKEN_KMS_KEY_ID name keys.
	KMS platformauth.KMSSignAPI
}

// NewAWS builds the clients from cfg (a command's config.LoadDefaultConfig,
// which resolves the endpoint overrides itself).
func NewAWS(cfg aws.Config) AWS {
	return AWS{
		DynamoDB: dynamodb.NewFromConfig(cfg),
		SFN:      sfn.NewFromConfig(cfg),
		Secrets:  secretsmanager.NewFromConfig(cfg),
		KMS:      kms.NewFromConfig(cfg),
	}
}

// WithSecrets returns a copy of a with another Secrets Manager client.
func (a AWS) WithSecrets(s awssecrets.API) AWS {
	a.Secrets = s
	return a
}

// Service builds the whole signing service from c: DynamoDB store,
// platform clients, the Step Functions adapter, the app catalog, the
// signee registry (built-in and configured providers), the keyed hasher,
// the PDF renderer and the system clock.
func Service(ctx context.Context, c lambdaconf.Config, a AWS) (*signing.Service, error) {
	key := c.HashKey
	if c.HashKeySecretARN != "" {
		s, err := awssecrets.Read(ctx, a.Secrets, c.HashKeySecretARN)
		if err != nil {
			return nil, fmt.Errorf("lambdaconf: %s: %w", lambdaconf.EnvHashKeySecretARN, err)
		}
		if key, err = ident.ParseHasherKey(s); err != nil {
			return nil, fmt.Errorf("lambdaconf: %s: the secret: %w", lambdaconf.EnvHashKeySecretARN, err)
		}
	}
	hasher, err := ident.NewHasher(key)
	if err != nil {
		return nil, fmt.Errorf("lambdaconf: hash key: %w", err)
	}
	pc, err := c.Platform.ClientConfig(a.KMS)
	if err != nil {
		return nil, err
	}
	clients, err := platform.NewClients(pc)
	if err != nil {
		return nil, fmt.Errorf("lambdaconf: %w", err)
	}
	registry, err := lambdaconf.Registry(c.Providers)
	if err != nil {
		return nil, fmt.Errorf("lambdaconf: %s: %w", lambdaconf.EnvSigneeProviders, err)
	}
	clock := signing.SystemClock{}
	flow := workflow.New(a.SFN, "")
	return &signing.Service{
		Repo:           dynamo.New(a.DynamoDB, c.TableName, dynamo.WithClock(clock)),
		Signees:        &signees.Source{Registry: registry, Storage: clients.Storage, Options: signees.Options{AllowSynthetic: c.AllowSynthetic}},
		Storage:        clients.Storage,
		Access:         clients.Access,
		Correspondence: clients.Correspondence,
		Register:       clients.Register,
		Authorization:  clients.Authorization,
		Workflow:       flow,
		Executions:     flow,
		Apps:           platform.NewAppCatalog(clients.Storage, 0),
		Identities:     hasher,
		PDF:            signingpdf.Renderer{Language: c.Language},
		Clock:          clock,
		Settings:       signing.Settings{Environment: c.Environment, InstanceURL: c.InstanceURL, Language: c.Language},
	}, nil
}

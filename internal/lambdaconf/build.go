package lambdaconf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platformauth"
	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingpdf"
	"github.com/signingflow/signing/internal/workflow"
)

// SecretsAPI is the part of the Secrets Manager client the functions use.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// AWS holds the AWS clients the functions use, built once per container
// from one aws.Config (which honours AWS_ENDPOINT_URL and its per-service
// variants, so a local stack needs no code change).
type AWS struct {
	DynamoDB dynamo.API
	SFN      workflow.API
	Secrets  SecretsAPI
	// KMS signs the platform access token when PLATFORM_ACCESS_TOKEN_KMS_KEY_ID is set.
	KMS platformauth.KMSSignAPI
}

// NewAWS builds the clients from cfg.
func NewAWS(cfg aws.Config) AWS {
	return AWS{
		DynamoDB: dynamodb.NewFromConfig(cfg),
		SFN:      sfn.NewFromConfig(cfg),
		Secrets:  secretsmanager.NewFromConfig(cfg),
		KMS:      kms.NewFromConfig(cfg),
	}
}

// Service builds the signing service: DynamoDB store, platform clients,
// Step Functions and SQS adapters, the app catalog, the signee registry
// (built-in and configured providers), the keyed hasher, the PDF renderer
// and the system clock.
func (c Config) Service(ctx context.Context, a AWS) (*signing.Service, error) {
	key := c.HashKey
	if c.HashKeySecretARN != "" {
		s, err := secret(ctx, a.Secrets, c.HashKeySecretARN)
		if err != nil {
			return nil, fmt.Errorf("lambdaconf: %s: %w", EnvHashKeySecretARN, err)
		}
		if key, err = ident.ParseHasherKey(s); err != nil {
			return nil, fmt.Errorf("lambdaconf: %s: the secret: %w", EnvHashKeySecretARN, err)
		}
	}
	hasher, err := ident.NewHasher(key)
	if err != nil {
		return nil, fmt.Errorf("lambdaconf: hash key: %w", err)
	}
	pc := c.Platform.config(a.Secrets)
	if pc.PlatformTokens, err = c.Platform.accessTokens(a.KMS); err != nil {
		return nil, err
	}
	clients, err := platform.NewClients(pc)
	if err != nil {
		return nil, fmt.Errorf("lambdaconf: %w", err)
	}
	providers := signees.BuiltIn()
	for _, spec := range c.Providers {
		p, err := signees.NewConfigured(spec)
		if err != nil {
			return nil, fmt.Errorf("lambdaconf: %s: %w", EnvSigneeProviders, err)
		}
		providers = append(providers, p)
	}
	registry, err := signees.NewRegistry(providers...)
	if err != nil {
		return nil, fmt.Errorf("lambdaconf: %s: %w", EnvSigneeProviders, err)
	}
	clock := signing.SystemClock{}
	return &signing.Service{
		Repo:           dynamo.New(a.DynamoDB, c.TableName, dynamo.WithClock(clock)),
		Signees:        &signees.Source{Registry: registry, Storage: clients.Storage, Options: signees.Options{AllowSynthetic: c.AllowSynthetic}},
		Storage:        clients.Storage,
		Access:         clients.Access,
		Correspondence: clients.Correspondence,
		Register:       clients.Register,
		Authorization:  clients.Authorization,
		Workflow:       workflow.New(a.SFN, ""),
		Apps:           platform.NewAppCatalog(clients.Storage, 0),
		Identities:     hasher,
		PDF:            signingpdf.Renderer{Language: c.Language},
		Clock:          clock,
		Settings:       signing.Settings{Environment: c.Environment, InstanceURL: c.InstanceURL, Language: c.Language},
	}, nil
}

// config is the platform client configuration.
func (p Platform) config(secrets SecretsAPI) platform.Config {
	var tokens platform.TokenSource = platform.StaticToken(p.Token)
	if p.TokenSecretARN != "" {
		tokens = &SecretToken{API: secrets, ARN: p.TokenSecretARN}
	}
	return platform.Config{
		StorageURL: p.StorageURL, AccessURL: p.AccessURL, CorrespondenceURL: p.CorrespondenceURL,
		RegisterURL: p.RegisterURL, AuthorizationURL: p.AuthorizationURL,
		Timeout: p.Timeout, Tokens: tokens,
	}
}

// accessTokens is the platform access token source: RS256 JWTs naming
// AccessTokenOrg and AccessTokenApp, signed in KMS (kms:Sign on a digest)
// or with the key file. Nothing is signed until the first register or
// access management call.
func (p Platform) accessTokens(kmsAPI platformauth.KMSSignAPI) (platform.TokenSource, error) {
	var signer platformauth.Signer
	var err error
	if p.AccessTokenKMSKeyID != "" {
		if kmsAPI == nil {
			return nil, fmt.Errorf("lambdaconf: %s: no KMS client", EnvPlatformAccessTokenKMSKeyID)
		}
		if signer, err = platformauth.NewKMSSigner(kmsAPI, p.AccessTokenKMSKeyID, kmsKeyID(p.AccessTokenKMSKeyID)); err != nil {
			return nil, fmt.Errorf("lambdaconf: %s: %w", EnvPlatformAccessTokenKMSKeyID, err)
		}
	} else if signer, err = platformauth.LoadPEMSigner(p.AccessTokenKeyFile, ""); err != nil {
		return nil, fmt.Errorf("lambdaconf: %s: %w", EnvPlatformAccessTokenKeyFile, err)
	}
	tokens, err := platformauth.NewPlatformAccessToken(platformauth.PlatformAccessTokenConfig{
		Org: p.AccessTokenOrg, App: p.AccessTokenApp, Signer: signer,
	})
	if err != nil {
		return nil, fmt.Errorf("lambdaconf: platform access token: %w", err)
	}
	return tokens, nil
}

// kmsKeyID is the key ID in a KMS key ARN (arn:…:key/<id>), or keyID as
// given (a key ID or an alias). It is the kid of the platform access
// tokens signed in KMS: the receiver finds the key by iss, not kid
// (Altinn/altinn-accesstoken src/Altinn.Common.AccessToken/AccessTokenHandler.cs),
// so the kid only tells a reader which key signed.
func kmsKeyID(keyID string) string {
	if strings.HasPrefix(keyID, "arn:") {
		if _, id, ok := strings.Cut(keyID, ":key/"); ok {
			return id
		}
	}
	return keyID
}

// permanentSecretErrors are the Secrets Manager error codes a retry does
// not cure; any other failure (throttling, 5xx, the network) is transient.
var permanentSecretErrors = map[string]bool{
	"ResourceNotFoundException": true, "AccessDeniedException": true, "DecryptionFailure": true,
	"InvalidParameterException": true, "InvalidRequestException": true,
}

// secret reads a secret's string value.
func secret(ctx context.Context, api SecretsAPI, arn string) (string, error) {
	if api == nil {
		return "", errors.New("no Secrets Manager client")
	}
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && permanentSecretErrors[apiErr.ErrorCode()] {
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

// SecretTokenTTL is how long SecretToken keeps a token before reading the secret again.
const SecretTokenTTL = 5 * time.Minute

// SecretToken is a platform.TokenSource that reads the token from a Secrets
// Manager secret and keeps it for SecretTokenTTL, so a rotated token is
// picked up without a deploy. Whatever refreshes the token (e.g. a
// Maskinporten rotation Lambda) writes the secret.
type SecretToken struct {
	API SecretsAPI
	ARN string
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// Token returns the cached token, reading the secret when it is stale.
func (s *SecretToken) Token(ctx context.Context) (string, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && now().Before(s.expires) {
		return s.token, nil
	}
	v, err := secret(ctx, s.API, s.ARN)
	if err != nil {
		return "", fmt.Errorf("lambdaconf: platform token: %w", err)
	}
	s.token, s.expires = v, now().Add(SecretTokenTTL)
	return v, nil
}

// WithSecrets returns a copy of a with another Secrets Manager client.
func (a AWS) WithSecrets(s SecretsAPI) AWS {
	a.Secrets = s
	return a
}

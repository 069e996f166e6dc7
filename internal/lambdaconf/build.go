package lambdaconf

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// AWS holds the AWS clients Config.Service uses, built once
// from one aws.Config (which honours AWS_ENDPOINT_URL and its per-service
// variants, so a local stack needs no code change).
type AWS struct {
	DynamoDB dynamo.API
	SFN      workflow.API
	Secrets  SecretsAPI
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

// Service builds the whole signing service from every variable (Load): the
// benchmark and the local tools run it; the functions wire only their own
// ports instead (Wiring). It is: DynamoDB store, platform clients,
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
	pc, err := c.Platform.config(a.KMS)
	if err != nil {
		return nil, err
	}
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

// config is the platform client configuration: every base from URL, the
// bearer from Maskinporten.
func (p Platform) config(kmsAPI platformauth.KMSSignAPI) (platform.Config, error) {
	tokens, err := p.Maskinporten.tokens(p.URL, kmsAPI)
	if err != nil {
		return platform.Config{}, err
	}
	return platform.Config{Timeout: p.Timeout, Tokens: tokens}.WithPlatformURL(p.URL), nil
}

// tokens is the service owner's bearer token source: a JWT-bearer grant
// signed in KMS (kms:Sign on a digest) or with the key file, exchanged at
// the platform's authentication API for an Altinn token, which is kept
// until 30 s before it expires. Nothing is signed or fetched until the
// first platform call that sends the bearer.
func (m Maskinporten) tokens(platformURL string, kmsAPI platformauth.KMSSignAPI) (platform.TokenSource, error) {
	var signer platformauth.Signer
	var err error
	if m.KMSKeyID != "" {
		if kmsAPI == nil {
			return nil, fmt.Errorf("lambdaconf: %s: no KMS client", EnvMaskinportenKMSKeyID)
		}
		if signer, err = platformauth.NewKMSSigner(kmsAPI, m.KMSKeyID, KMSKeyID(m.KMSKeyID)); err != nil {
			return nil, fmt.Errorf("lambdaconf: %s: %w", EnvMaskinportenKMSKeyID, err)
		}
	} else if signer, err = platformauth.LoadPEMSigner(m.KeyFile, ""); err != nil {
		return nil, fmt.Errorf("lambdaconf: %s: %w", EnvMaskinportenKeyFile, err)
	}
	base := strings.TrimRight(m.URL, "/")
	mp, err := platformauth.NewMaskinporten(platformauth.MaskinportenConfig{
		ClientID: m.ClientID, Issuer: base + "/", TokenURL: base + "/token",
		AuthenticationURL: platform.AuthenticationURL(platformURL),
		Scopes:            m.Scopes, Signer: signer, Test: m.Test,
	})
	if err != nil {
		return nil, fmt.Errorf("lambdaconf: maskinporten: %w", err)
	}
	return mp, nil
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
		if signer, err = platformauth.NewKMSSigner(kmsAPI, p.AccessTokenKMSKeyID, KMSKeyID(p.AccessTokenKMSKeyID)); err != nil {
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

// KMSKeyID is the key ID in a KMS key ARN (arn:…:key/<id>), or keyID as
// given (a key ID or an alias). It is the kid of the JWTs signed in KMS.
// Maskinporten finds the client's key by this kid, so the key is
// registered under it (`signing dev jwk` prints the JWK with it); the
// platform access token's receiver finds the key by iss, not kid
// (Altinn/altinn-accesstoken src/Altinn.Common.AccessToken/AccessTokenHandler.cs),
// so there the kid only tells a reader which key signed.
func KMSKeyID(keyID string) string {
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

// WithSecrets returns a copy of a with another Secrets Manager client.
func (a AWS) WithSecrets(s SecretsAPI) AWS {
	a.Secrets = s
	return a
}

package lambdaconf

import (
	"fmt"
	"strings"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platformauth"
	"github.com/signingflow/signing/internal/signees"
)

// ClientConfig is the platform client configuration of the whole service
// (wholeservice.Service): every base from URL, the bearer from
// Maskinporten and the platform access token, signed in KMS through
// kmsAPI where the configuration names KMS keys.
func (p Platform) ClientConfig(kmsAPI platformauth.KMSSignAPI) (platform.Config, error) {
	pc, err := p.config(kmsAPI)
	if err != nil {
		return platform.Config{}, err
	}
	if pc.PlatformTokens, err = p.accessTokens(kmsAPI); err != nil {
		return platform.Config{}, err
	}
	return pc, nil
}

// Registry is the signee provider registry: the built-in providers and
// the configured ones (SIGNEE_PROVIDERS).
func Registry(specs []signees.Spec) (*signees.Registry, error) {
	providers := signees.BuiltIn()
	for _, spec := range specs {
		p, err := signees.NewConfigured(spec)
		if err != nil {
			return nil, err
		}
		providers = append(providers, p)
	}
	return signees.NewRegistry(providers...)
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

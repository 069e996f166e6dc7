package platformauth

import (
	"context"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Platform access token facts (AccessTokenGenerator.cs, AccessTokenSettings).
const (
	// PlatformAudience is the aud of a platform access token.
	PlatformAudience = "platform.altinn.no"
	// AppClaim is the claim naming the app.
	AppClaim = "urn:altinn:app"

	platformLifetime   = 300 * time.Second
	platformValidFrom  = -5 * time.Second
	platformReuseUntil = 5 * time.Second // before exp
)

// PlatformAccessTokenConfig configures PlatformAccessToken.
type PlatformAccessTokenConfig struct {
	// Org is the service owner's org code, the token's iss, e.g. "ttd".
	Org string
	// App is the app name, the urn:altinn:app claim.
	App string
	// Signer signs with the key the platform knows for Org (RS256).
	Signer Signer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Timeout bounds one signing; 0 means 30 s.
	Timeout time.Duration
}

// Validate reports every bad field at once.
func (c PlatformAccessTokenConfig) Validate() error {
	p := problems{config: "PlatformAccessTokenConfig"}
	p.required("Org", c.Org)
	p.required("App", c.App)
	if c.Signer == nil {
		p.add("Signer", "is required")
	} else if c.Signer.Alg() != AlgRS256 {
		p.add("Signer", "alg must be RS256")
	}
	if c.Timeout < 0 {
		p.add("Timeout", "must not be negative")
	}
	return p.err()
}

// PlatformAccessToken supplies the app's platform access token (the
// PlatformAccessToken header), signing a new one 5 s before the last
// expires.
type PlatformAccessToken struct {
	cfg   PlatformAccessTokenConfig
	now   func() time.Time
	cache tokenCache
}

// NewPlatformAccessToken validates cfg and returns the token source.
func NewPlatformAccessToken(cfg PlatformAccessTokenConfig) (*PlatformAccessToken, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &PlatformAccessToken{cfg: cfg, now: orNow(cfg.Now)}
	p.cache = newTokenCache(opPlatform, p.now, cfg.Timeout, p.fetch)
	return p, nil
}

// Token returns a platform access token valid for at least 5 s.
func (p *PlatformAccessToken) Token(ctx context.Context) (string, error) {
	return p.cache.get(ctx)
}

// fetch signs a new token.
func (p *PlatformAccessToken) fetch(ctx context.Context) (string, time.Time, error) {
	now := p.now().Truncate(time.Second)
	exp := now.Add(platformLifetime)
	claims := jwt.MapClaims{
		"iss":    p.cfg.Org,
		AppClaim: p.cfg.App,
		"aud":    PlatformAudience,
		"nbf":    now.Add(platformValidFrom).Unix(),
		"iat":    now.Unix(),
		"exp":    exp.Unix(),
	}
	tok, err := signJWT(ctx, p.cfg.Signer, claims)
	if err != nil {
		return "", time.Time{}, callError(opPlatform, err)
	}
	return tok, exp.Add(-platformReuseUntil), nil
}

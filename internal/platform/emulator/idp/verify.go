package idp

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Errors of the verifiers; match them with errors.Is.
var (
	// ErrNoToken means no token was presented.
	ErrNoToken = errors.New("idp: no token")
	// ErrRepeatedToken means the PlatformAccessToken header came more than once.
	ErrRepeatedToken = errors.New("idp: more than one token")
	// ErrUnknownIssuer means no key is registered for the token's iss.
	ErrUnknownIssuer = errors.New("idp: unknown issuer")
	// ErrInvalidToken means a malformed token, a bad signature or a
	// lifetime that does not hold.
	ErrInvalidToken = errors.New("idp: invalid token")
)

// platformSkew is AccessTokenHandler's ClockSkew [AT AccessTokenHandler.cs].
const platformSkew = 10 * time.Second

// AltinnClaims are the claims of a verified Altinn token.
type AltinnClaims struct {
	// Org is urn:altinn:org, empty for an organisation that is no service owner.
	Org string
	// OrgNumber is urn:altinn:orgNumber.
	OrgNumber string
	// Scope is the space-separated scope claim.
	Scope string
	// Issuer is iss.
	Issuer string
	// IssuedAt is iat.
	IssuedAt time.Time
	// ExpiresAt is exp.
	ExpiresAt time.Time
}

// HasScope reports whether the token carries scope.
func (c AltinnClaims) HasScope(scope string) bool {
	for _, s := range strings.Fields(c.Scope) {
		if s == scope {
			return true
		}
	}
	return false
}

// VerifyAltinnToken verifies an Altinn token this double issued as the
// platform APIs do: signature and lifetime with no clock skew, iss and aud
// not checked.
func (p *IDP) VerifyAltinnToken(raw string) (AltinnClaims, error) {
	if raw == "" {
		return AltinnClaims{}, ErrNoToken
	}
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(p.now),
	).ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return &p.altinnKey.PublicKey, nil })
	if err != nil {
		return AltinnClaims{}, fmt.Errorf("%w: altinn token: %v", ErrInvalidToken, err)
	}
	c := AltinnClaims{
		Org:       str(claims[ClaimOrg]),
		OrgNumber: str(claims[ClaimOrgNumber]),
		Scope:     str(claims["scope"]),
		Issuer:    str(claims["iss"]),
		IssuedAt:  date(claims.GetIssuedAt()),
		ExpiresAt: date(claims.GetExpirationTime()),
	}
	return c, nil
}

// PlatformClaims are the claims of a verified platform access token.
type PlatformClaims struct {
	// Issuer is iss, the org whose key verified the token.
	Issuer string
	// App is urn:altinn:app.
	App string
	// Audience is aud (not validated by the receiver).
	Audience []string
	// NotBefore is nbf.
	NotBefore time.Time
	// ExpiresAt is exp.
	ExpiresAt time.Time
}

// platformAlgs are the RSA algorithms a .NET RsaSecurityKey verifies.
var platformAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

// VerifyPlatformAccessToken verifies the values of a request's
// PlatformAccessToken header as Altinn's receiver does [AT
// AccessTokenHandler.cs]: exactly one value; the key looked up by the
// unverified iss among registered issuers; exp required; lifetime with
// 10 s clock skew; iss and aud not otherwise validated.
func (p *IDP) VerifyPlatformAccessToken(header []string) (PlatformClaims, error) {
	switch {
	case len(header) == 0:
		return PlatformClaims{}, ErrNoToken
	case len(header) > 1:
		return PlatformClaims{}, ErrRepeatedToken
	}
	raw := header[0]
	unverified := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, unverified); err != nil {
		return PlatformClaims{}, fmt.Errorf("%w: platform access token: %v", ErrInvalidToken, err)
	}
	iss := str(unverified["iss"])
	p.mu.Lock()
	pub := p.platforms[iss]
	p.mu.Unlock()
	if pub == nil {
		return PlatformClaims{}, fmt.Errorf("%w: platform access token", ErrUnknownIssuer)
	}
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(
		jwt.WithValidMethods(platformAlgs),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(platformSkew),
		jwt.WithTimeFunc(p.now),
	).ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return pub, nil })
	if err != nil {
		return PlatformClaims{}, fmt.Errorf("%w: platform access token: %v", ErrInvalidToken, err)
	}
	aud, _ := claims.GetAudience()
	return PlatformClaims{
		Issuer:    iss,
		App:       str(claims[ClaimApp]),
		Audience:  aud,
		NotBefore: date(claims.GetNotBefore()),
		ExpiresAt: date(claims.GetExpirationTime()),
	}, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func date(d *jwt.NumericDate, _ error) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time
}

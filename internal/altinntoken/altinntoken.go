// Package altinntoken verifies the end user's Altinn token: the JWT Altinn
// Authentication issues at login, which the browser carries in the
// AltinnStudioRuntime cookie and other clients send as a bearer token. It
// checks the signature against the issuer's published keys (its JWKS,
// fetched over HTTP and cached for the life of the process), the issuer, the
// audience policy, the lifetime with a small skew and the algorithm, with
// github.com/golang-jwt/jwt/v5 and github.com/MicahParks/keyfunc/v3.
//
// Upstream facts (Altinn/altinn-authentication at ad4f6f36):
//
//   - The issuer is {platform}/authentication/api/v1/openid/ and the key set
//     is served at {issuer}.well-known/openid-configuration/jwks
//     (src/Authentication/Configuration/GeneralSettings.cs AltinnOidcIssuerUrl;
//     src/Authentication/Controllers/OpenIdController.cs); the discovery
//     document names RS256 as the only signing algorithm.
//   - The keys are X.509 certificates: kid is the certificate's thumbprint,
//     n and e are written with Convert.ToBase64String, standard base64 with
//     padding rather than the base64url RFC 7517 asks for, and x5c carries
//     the chain (OpenIdController.cs GetJsonWebKeySetAsync). keyfunc's JWK
//     parser takes base64url only, so the key set is rewritten to base64url
//     on its way in (jwksTransport).
//   - Tokens carry no audience: the exchange drops "aud" from the claims it
//     copies and sets none (src/Authentication/Controllers/AuthenticationController.cs,
//     claimTypesToRemove and GenerateToken), and Altinn's own consumers do
//     not check one (src/jwtcookie/Authentication/JwtCookie/JwtCookieHandler.cs
//     ValidateAudience = false). So with no audience configured a token that
//     names one is refused (it was issued for that audience, not for Altinn's
//     apps); with one configured, the token must name it.
//   - Lifetime: nbf and exp with 10 s of clock skew, exp required
//     (JwtCookieHandler.cs: ClockSkew 10 s, RequireExpirationTime).
//   - Key rotation: a new signing certificate is published some time before
//     it signs (GeneralSettings JwtSigningCertificateRolloverDelayHours, 48 in
//     src/Authentication/appsettings.json), so the cached set usually knows
//     a new kid already; an unknown kid makes the verifier fetch the set
//     again, at most once per RefreshUnknownKIDEvery, and a key dropped from
//     the set is refused after the next fetch (a full replacement).
package altinntoken

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Defaults of Options.
const (
	// DefaultLeeway is the clock skew allowed on exp and nbf, Altinn's
	// JwtCookieHandler's.
	DefaultLeeway = 10 * time.Second
	// DefaultRefreshInterval is how often the key set is fetched again.
	DefaultRefreshInterval = time.Hour
	// DefaultRefreshUnknownKIDEvery is the least time between two fetches
	// caused by a token with an unknown kid.
	DefaultRefreshUnknownKIDEvery = time.Minute
	// DefaultHTTPTimeout bounds one fetch of the key set.
	DefaultHTTPTimeout = 5 * time.Second
)

// Algorithms are the signing algorithms accepted: Altinn signs RS256
// (OpenIdController.cs); the other RSA PKCS#1 v1.5 ones are accepted as a
// certificate-based key may sign them too. "none", HMAC and anything else
// are refused.
var Algorithms = []string{"RS256", "RS384", "RS512"}

// Errors of Verify.
var (
	// ErrInvalid means the token is not one to accept: malformed, badly
	// signed, by an unknown key, for another issuer or audience, expired or
	// not yet valid. The caller answers 401.
	ErrInvalid = errors.New("altinntoken: token not valid")
	// ErrUnavailable means no key is known because the key set could not be
	// fetched: the token cannot be judged now. The caller answers 503.
	ErrUnavailable = errors.New("altinntoken: the issuer's keys are unavailable")
)

// Options configure New.
type Options struct {
	// Issuer is the iss every token must carry, exactly.
	Issuer string
	// Audience, when set, must be among the token's aud values; when empty,
	// a token that names any audience is refused (Altinn's name none).
	Audience string
	// JWKSURL is where the issuer publishes its key set.
	JWKSURL string
	// Keys, when set, is the key set to use instead of fetching JWKSURL
	// (tests; a fixed set).
	Keys jwkset.Storage
	// HTTPClient fetches the key set; nil means a client with
	// DefaultHTTPTimeout.
	HTTPClient *http.Client
	// Leeway is the clock skew on exp and nbf; 0 means DefaultLeeway.
	Leeway time.Duration
	// RefreshInterval and RefreshUnknownKIDEvery: 0 means the defaults.
	RefreshInterval        time.Duration
	RefreshUnknownKIDEvery time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier checks tokens. It is safe for concurrent use; build one per
// process (a warm Lambda keeps its key set).
type Verifier struct {
	keys   keyfunc.Keyfunc
	store  jwkset.Storage
	parser *jwt.Parser
	aud    string
}

// New returns a verifier. It fetches the key set once (a failure is not an
// error: the next unknown kid fetches again) and keeps it fresh in the
// background until ctx ends.
func New(ctx context.Context, o Options) (*Verifier, error) {
	if o.Issuer == "" {
		return nil, errors.New("altinntoken: no issuer")
	}
	if o.Leeway <= 0 {
		o.Leeway = DefaultLeeway
	}
	if o.RefreshInterval <= 0 {
		o.RefreshInterval = DefaultRefreshInterval
	}
	if o.RefreshUnknownKIDEvery <= 0 {
		o.RefreshUnknownKIDEvery = DefaultRefreshUnknownKIDEvery
	}
	store := o.Keys
	if store == nil {
		u, err := url.Parse(o.JWKSURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("altinntoken: JWKS URL %q is not an absolute http(s) URL", o.JWKSURL)
		}
		client := o.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: DefaultHTTPTimeout}
		}
		client = withJWKSTransport(client)
		remote, err := jwkset.NewStorageFromHTTP(o.JWKSURL, jwkset.HTTPClientStorageOptions{
			Client:                    client,
			Ctx:                       ctx,
			HTTPTimeout:               DefaultHTTPTimeout,
			NoErrorReturnFirstHTTPReq: true,
			RefreshInterval:           o.RefreshInterval,
		})
		if err != nil {
			return nil, fmt.Errorf("altinntoken: %w", err)
		}
		store, err = jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
			HTTPURLs: map[string]jwkset.Storage{o.JWKSURL: remote},
			// This bounds the wait for the limiter and the fetch together:
			// a refresh that is not due within it fails at once (the
			// limiter does not wait past a deadline) and the token is
			// refused.
			RateLimitWaitMax:  DefaultHTTPTimeout,
			RefreshUnknownKID: rate.NewLimiter(rate.Every(o.RefreshUnknownKIDEvery), 1),
		})
		if err != nil {
			return nil, fmt.Errorf("altinntoken: %w", err)
		}
	}
	kf, err := keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: store, UseWhitelist: []jwkset.USE{jwkset.UseSig}})
	if err != nil {
		return nil, fmt.Errorf("altinntoken: %w", err)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(Algorithms),
		jwt.WithIssuer(o.Issuer),
		jwt.WithLeeway(o.Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithJSONNumber(),
	}
	if o.Audience != "" {
		opts = append(opts, jwt.WithAudience(o.Audience))
	}
	if o.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(o.Now))
	}
	return &Verifier{keys: kf, store: store, parser: jwt.NewParser(opts...), aud: o.Audience}, nil
}

// Verify returns the claims of a valid token; numbers stay json.Number.
// Every error wraps ErrInvalid or ErrUnavailable; none holds the token.
func (v *Verifier) Verify(ctx context.Context, raw string) (jwt.MapClaims, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fmt.Errorf("%w: no token", ErrInvalid)
	}
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(raw, claims, v.keys.KeyfuncCtx(ctx)); err != nil {
		if errors.Is(err, jwkset.ErrKeyNotFound) || errors.Is(err, keyfunc.ErrKeyfunc) {
			if all, rerr := v.store.KeyReadAll(ctx); rerr != nil || len(all) == 0 {
				return nil, fmt.Errorf("%w: no key set could be fetched", ErrUnavailable)
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrInvalid, reason(err))
	}
	if v.aud == "" {
		if aud, err := claims.GetAudience(); err != nil || len(aud) > 0 {
			return nil, fmt.Errorf("%w: the token names an audience; Altinn's tokens name none", ErrInvalid)
		}
	}
	return claims, nil
}

// reason says why a token failed without repeating any of it.
func reason(err error) string {
	for _, e := range []error{
		jwt.ErrTokenMalformed, jwt.ErrTokenSignatureInvalid, jwt.ErrTokenExpired, jwt.ErrTokenNotValidYet,
		jwt.ErrTokenInvalidIssuer, jwt.ErrTokenInvalidAudience, jwt.ErrTokenRequiredClaimMissing,
		jwt.ErrTokenUsedBeforeIssued, jwkset.ErrKeyNotFound, jwt.ErrTokenUnverifiable,
	} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "token is invalid"
}

// ClaimText returns a claim's value as text: strings as they are, numbers
// as their JSON text (Altinn writes urn:altinn:partyid and
// urn:altinn:authlevel as numbers, urn:altinn:userid as a string), "" for
// anything else or an absent claim.
func ClaimText(claims jwt.MapClaims, name string) string {
	switch v := claims[name].(type) {
	case string:
		return v
	case interface{ String() string }:
		return v.String()
	}
	return ""
}

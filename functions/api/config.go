package main

import (
	"github.com/signingflow/signing/internal/events"

	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Config is the API function's own configuration, read from environment
// variables. JWT_ISSUER and JWKS_URL are required; the other variables are
// optional, and their defaults suit Altinn's tokens.
type Config struct {
	// Issuer is the iss of the tokens the API accepts (JWT_ISSUER), e.g.
	// https://platform.altinn.no/authentication/api/v1/openid/.
	Issuer string
	// JWKSURL is where the issuer publishes its keys (JWKS_URL), e.g.
	// {Issuer}.well-known/openid-configuration/jwks.
	JWKSURL string
	// Audience, when set, must be among a token's aud (JWT_AUDIENCE);
	// empty (the default) refuses tokens that name any audience, as
	// Altinn's name none (internal/altinntoken).
	Audience string
	// AllowedOrigins are the browser origins whose state-changing requests
	// with the runtime cookie are accepted (CORS_ALLOWED_ORIGINS,
	// comma-separated, e.g. https://ttd.apps.altinn.no); the HTTP API
	// answers CORS for the same list.
	AllowedOrigins []string
	// MinAuthLevel is the least urn:altinn:authlevel a token must carry
	// (MINIMUM_AUTHENTICATION_LEVEL, 0–4; default 0): the app policy's
	// urn:altinn:minimum-authenticationlevel obligation.
	MinAuthLevel int
	// Verifier checks tokens; main builds it from Issuer, JWKSURL and
	// Audience. Not read from the environment.
	Verifier TokenVerifier
	// Bus is the event bus the replay route puts events on (main wires it,
	// lambdaconf.Wiring.EventBus); not read from the environment here.
	Bus events.Bus

	// NationalIDClaims are the JWT claims that may carry the caller's national
	// ID, in order of preference (NATIONAL_ID_CLAIMS, comma-separated;
	// default "pid,urn:altinn:ssn"). When several are present they must agree.
	NationalIDClaims []string
	// UserIDClaim carries the platform user ID (USER_ID_CLAIM; default
	// "urn:altinn:userid"; empty turns it off).
	UserIDClaim string
	// PartyIDClaim carries the caller's own party ID (PARTY_ID_CLAIM; default
	// "urn:altinn:partyid"; empty turns it off).
	PartyIDClaim string
	// PartyUUIDClaim carries the caller's own party UUID, which identifies the
	// instance owner for reject and completion (PARTY_UUID_CLAIM; default
	// "urn:altinn:party:uuid"; empty turns it off).
	PartyUUIDClaim string
	// NameClaim carries the caller's full name (NAME_CLAIM; default "name").
	NameClaim string
	// OrgClaim carries a service-owner token's org code ("urn:altinn:org",
	// Altinn/altinn-storage src/Storage/Helpers/ClaimsPrincipalExtensions.cs;
	// empty turns service owners off): a token with it and no national ID
	// is the app's service owner, who may read its tasks' record.
	OrgClaim string
	// AllowSyntheticIDs accepts synthetic test national IDs (ALLOW_SYNTHETIC_IDS;
	// default false). Turn it on in test environments only.
	AllowSyntheticIDs bool
}

// Environment variable names.
const (
	envNationalIDClaims  = "NATIONAL_ID_CLAIMS"
	envUserIDClaim       = "USER_ID_CLAIM"
	envPartyIDClaim      = "PARTY_ID_CLAIM"
	envPartyUUIDClaim    = "PARTY_UUID_CLAIM"
	envNameClaim         = "NAME_CLAIM"
	envAllowSyntheticIDs = "ALLOW_SYNTHETIC_IDS"
	envIssuer            = "JWT_ISSUER"
	envJWKSURL           = "JWKS_URL"
	envAudience          = "JWT_AUDIENCE"
	envAllowedOrigins    = "CORS_ALLOWED_ORIGINS"
	envMinAuthLevel      = "MINIMUM_AUTHENTICATION_LEVEL"
)

// DefaultConfig returns the configuration with every default.
func DefaultConfig() Config {
	return Config{
		NationalIDClaims: []string{"pid", "urn:altinn:ssn"},
		UserIDClaim:      "urn:altinn:userid",
		PartyIDClaim:     "urn:altinn:partyid",
		PartyUUIDClaim:   "urn:altinn:party:uuid",
		NameClaim:        "name",
		OrgClaim:         "urn:altinn:org",
	}
}

// LoadConfig reads the configuration through lookup (os.LookupEnv in
// production) and reports every malformed variable at once.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	cfg := DefaultConfig()
	var errs []error
	if v, ok := lookup(envNationalIDClaims); ok {
		cfg.NationalIDClaims = nil
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.TrimSpace(c); c != "" {
				cfg.NationalIDClaims = append(cfg.NationalIDClaims, c)
			}
		}
		if len(cfg.NationalIDClaims) == 0 {
			errs = append(errs, fmt.Errorf("%s: must name at least one claim", envNationalIDClaims))
		}
	}
	for name, dst := range map[string]*string{
		envUserIDClaim:    &cfg.UserIDClaim,
		envPartyIDClaim:   &cfg.PartyIDClaim,
		envPartyUUIDClaim: &cfg.PartyUUIDClaim,
		envNameClaim:      &cfg.NameClaim,
	} {
		if v, ok := lookup(name); ok {
			*dst = strings.TrimSpace(v)
		}
	}
	if v, ok := lookup(envAllowSyntheticIDs); ok && strings.TrimSpace(v) != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: must be true or false", envAllowSyntheticIDs))
		}
		cfg.AllowSyntheticIDs = b
	}
	for name, dst := range map[string]*string{envIssuer: &cfg.Issuer, envJWKSURL: &cfg.JWKSURL, envAudience: &cfg.Audience} {
		if v, ok := lookup(name); ok {
			*dst = strings.TrimSpace(v)
		}
	}
	if cfg.Issuer == "" {
		errs = append(errs, fmt.Errorf("%s: is required (the tokens' issuer)", envIssuer))
	}
	if u, err := url.Parse(cfg.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("%s: is required, an absolute http(s) URL (the issuer's key set)", envJWKSURL))
	}
	if v, ok := lookup(envAllowedOrigins); ok {
		for o := range strings.SplitSeq(v, ",") {
			if o = strings.TrimSpace(o); o == "" {
				continue
			}
			if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
				errs = append(errs, fmt.Errorf("%s: %q is not an origin such as https://ttd.apps.altinn.no", envAllowedOrigins, o))
				continue
			}
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		}
	}
	if v, ok := lookup(envMinAuthLevel); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > 4 {
			errs = append(errs, fmt.Errorf("%s: must be an authentication level from 0 to 4", envMinAuthLevel))
		}
		cfg.MinAuthLevel = n
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("api config: %w", err)
	}
	return cfg, nil
}

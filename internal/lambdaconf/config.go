// Package lambdaconf wires the Lambdas: it reads a function's configuration
// from SCREAMING_SNAKE environment variables through a lookup function
// (reporting every missing or malformed variable at once) and builds what
// the function runs from that configuration and one aws.Config: the full
// signing.Service (Load, Config.Service).
//
// The variables (Vars lists them with their meaning; template.yaml sets
// them, and a test checks that every function gets exactly what its loader
// requires):
//
//	TABLE_NAME                    the DynamoDB table (SigningTable)
//	HASH_KEY | HASH_KEY_SECRET_ARN  the keyed-hash key (hex or base64, ≥ 32 bytes), or the
//	                              Secrets Manager secret that holds it (the deployed way)
//	PLATFORM_STORAGE_URL …        the platform services' base URLs (see package platform);
//	                              PLATFORM_AUTHORIZATION_URL defaults to the register host
//	PLATFORM_TOKEN | PLATFORM_TOKEN_SECRET_ARN  the platform bearer token, or the secret that
//	                              holds it (re-read every five minutes, so rotation needs no deploy)
//	PLATFORM_ACCESS_TOKEN_ORG, PLATFORM_ACCESS_TOKEN_APP  the org code (iss) and app name
//	                              (urn:altinn:app) of the platform access token, the
//	                              PlatformAccessToken header register and access management require
//	PLATFORM_ACCESS_TOKEN_KMS_KEY_ID | PLATFORM_ACCESS_TOKEN_KEY_FILE  what signs that token
//	                              (RS256): an asymmetric RSA KMS key (key ID, key ARN or alias; the
//	                              deployed way: the private key never leaves KMS, the function needs
//	                              kms:Sign on it), or a PEM RSA private key file (local use)
//	ENVIRONMENT                   selects the correspondence resource (tt02, production, …)
//	INSTANCE_URL                  link template with {org} {app} {partyId} {instanceGuid}
//	ALLOW_SYNTHETIC_IDS           accept synthetic test national IDs (test environments only)
//	LANGUAGE, SIGNEE_PROVIDERS, PLATFORM_TIMEOUT  optional
package lambdaconf

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/texts"
)

// Environment variable names.
const (
	EnvTableName              = "TABLE_NAME"
	EnvHashKey                = "HASH_KEY"
	EnvHashKeySecretARN       = "HASH_KEY_SECRET_ARN"
	EnvStorageURL             = "PLATFORM_STORAGE_URL"
	EnvAccessURL              = "PLATFORM_ACCESS_URL"
	EnvCorrespondenceURL      = "PLATFORM_CORRESPONDENCE_URL"
	EnvRegisterURL            = "PLATFORM_REGISTER_URL"
	EnvAuthorizationURL       = "PLATFORM_AUTHORIZATION_URL"
	EnvPlatformToken          = "PLATFORM_TOKEN"
	EnvPlatformTokenSecretARN = "PLATFORM_TOKEN_SECRET_ARN"
	EnvPlatformTimeout        = "PLATFORM_TIMEOUT"
	EnvEnvironment            = "ENVIRONMENT"
	EnvInstanceURL            = "INSTANCE_URL"
	EnvAllowSyntheticIDs      = "ALLOW_SYNTHETIC_IDS"
	EnvLanguage               = "LANGUAGE"
	EnvSigneeProviders        = "SIGNEE_PROVIDERS"
)

// Environment variables of the platform access token (package
// platformauth): the app it names and what signs it.
const (
	EnvPlatformAccessTokenOrg      = "PLATFORM_ACCESS_TOKEN_ORG"
	EnvPlatformAccessTokenApp      = "PLATFORM_ACCESS_TOKEN_APP"
	EnvPlatformAccessTokenKMSKeyID = "PLATFORM_ACCESS_TOKEN_KMS_KEY_ID"
	EnvPlatformAccessTokenKeyFile  = "PLATFORM_ACCESS_TOKEN_KEY_FILE"
)

// Var describes one environment variable a loader reads.
type Var struct {
	Name string
	// Required is true when the loader fails without it. Variables with the
	// same non-empty OneOf are alternatives: exactly one must be set.
	Required bool
	OneOf    string
	Doc      string
}

// Vars returns the variables of a loader by its name ("Load" or
// "LoadDispatch"), in a stable order; ok is false for an unknown loader.
func Vars(loader string) (vars []Var, ok bool) {
	switch loader {
	case "Load":
		return serviceVars(), true
	}
	return nil, false
}

func platformTokenVars() []Var {
	return []Var{
		{Name: EnvPlatformToken, Required: true, OneOf: "token", Doc: "platform bearer token (local use)"},
		{Name: EnvPlatformTokenSecretARN, Required: true, OneOf: "token", Doc: "Secrets Manager secret holding the platform token"},
		{Name: EnvPlatformTimeout, Doc: "timeout of one platform call, a Go duration (default 10s)"},
	}
}

func platformAccessTokenVars() []Var {
	return []Var{
		{Name: EnvPlatformAccessTokenOrg, Required: true, Doc: "org code of the platform access token (its iss), e.g. ttd"},
		{Name: EnvPlatformAccessTokenApp, Required: true, Doc: "app name of the platform access token (its urn:altinn:app claim)"},
		{Name: EnvPlatformAccessTokenKMSKeyID, Required: true, OneOf: "platform-access-token-key",
			Doc: "KMS key (ID, ARN or alias; RSA, SIGN_VERIFY) that signs the platform access token"},
		{Name: EnvPlatformAccessTokenKeyFile, Required: true, OneOf: "platform-access-token-key",
			Doc: "PEM RSA private key file that signs the platform access token (local use)"},
	}
}

func serviceVars() []Var {
	vs := []Var{
		{Name: EnvTableName, Required: true, Doc: "DynamoDB table"},
		{Name: EnvHashKey, Required: true, OneOf: "hash", Doc: "keyed-hash key, hex or base64 (local use)"},
		{Name: EnvHashKeySecretARN, Required: true, OneOf: "hash", Doc: "Secrets Manager secret holding the keyed-hash key"},
		{Name: EnvStorageURL, Required: true, Doc: "storage API base URL"},
		{Name: EnvAccessURL, Required: true, Doc: "access management API base URL"},
		{Name: EnvCorrespondenceURL, Required: true, Doc: "correspondence host"},
		{Name: EnvRegisterURL, Required: true, Doc: "register host"},
		{Name: EnvAuthorizationURL, Doc: "authorization (decision point) host; default: the register host, as Altinn serves both"},
	}
	vs = append(vs, platformTokenVars()...)
	vs = append(vs, platformAccessTokenVars()...)
	return append(vs,
		Var{Name: EnvEnvironment, Required: true, Doc: "hosting environment (selects the correspondence resource)"},
		Var{Name: EnvInstanceURL, Required: true, Doc: "instance link template"},
		Var{Name: EnvAllowSyntheticIDs, Doc: "accept synthetic test national IDs (true/false, default false)"},
		Var{Name: EnvLanguage, Doc: "language of messages: nb (default), nn or en"},
		Var{Name: EnvSigneeProviders, Doc: `configured signee providers, JSON {"providers":[…]} (see signees.Spec)`},
	)
}

// Platform is the platform part of the configuration.
type Platform struct {
	StorageURL        string
	AccessURL         string
	CorrespondenceURL string
	RegisterURL       string
	AuthorizationURL  string
	// Token, or TokenSecretARN, supplies the bearer token.
	Token          string
	TokenSecretARN string
	// AccessTokenOrg and AccessTokenApp name the app in the platform
	// access token; AccessTokenKMSKeyID or AccessTokenKeyFile signs it.
	AccessTokenOrg      string
	AccessTokenApp      string
	AccessTokenKMSKeyID string
	AccessTokenKeyFile  string
	// Timeout bounds one call; 0 means the platform default.
	Timeout time.Duration
}

// Config is what the signing functions read from their environment.
type Config struct {
	TableName string
	// HashKey is the decoded key, or HashKeySecretARN names the secret that holds it.
	HashKey          []byte
	HashKeySecretARN string
	Platform         Platform
	Environment      string
	InstanceURL      string
	AllowSynthetic   bool
	Language         string
	// Providers are the configured signee providers, beyond the built-in ones.
	Providers []signees.Spec
}

// reader collects every problem while reading variables.
type reader struct {
	lookup func(string) (string, bool)
	errs   []error
}

func (r *reader) get(name string) string {
	v, _ := r.lookup(name)
	return strings.TrimSpace(v)
}

func (r *reader) fail(name, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

func (r *reader) required(name string) string {
	v := r.get(name)
	if v == "" {
		r.fail(name, "must be set")
	}
	return v
}

// oneOf returns the value of exactly one of a and b.
func (r *reader) oneOf(a, b string) (va, vb string) {
	va, vb = r.get(a), r.get(b)
	switch {
	case va == "" && vb == "":
		r.fail(a, "must be set, or %s", b)
	case va != "" && vb != "":
		r.fail(a, "set either it or %s, not both", b)
	}
	return va, vb
}

func (r *reader) url(name string) string {
	v := r.required(name)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail(name, "must be an absolute http(s) URL")
	}
	return v
}

// namePattern is an Altinn org code or app name.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`)

// name reads a required org code or app name.
func (r *reader) name(name string) string {
	v := r.required(name)
	if v != "" && !namePattern.MatchString(v) {
		r.fail(name, "must be a lowercase name (letters, digits and hyphens)")
	}
	return v
}

func (r *reader) arn(name, v string) {
	if v != "" && !strings.HasPrefix(v, "arn:") {
		r.fail(name, "must be an ARN")
	}
}

func (r *reader) platform() Platform {
	var p Platform
	p.StorageURL = r.url(EnvStorageURL)
	p.AccessURL = r.url(EnvAccessURL)
	p.CorrespondenceURL = r.url(EnvCorrespondenceURL)
	p.RegisterURL = r.url(EnvRegisterURL)
	p.AuthorizationURL = p.RegisterURL
	if r.get(EnvAuthorizationURL) != "" {
		p.AuthorizationURL = r.url(EnvAuthorizationURL)
	}
	p.AccessTokenOrg = r.name(EnvPlatformAccessTokenOrg)
	p.AccessTokenApp = r.name(EnvPlatformAccessTokenApp)
	p.AccessTokenKMSKeyID, p.AccessTokenKeyFile = r.oneOf(EnvPlatformAccessTokenKMSKeyID, EnvPlatformAccessTokenKeyFile)
	if strings.ContainsAny(p.AccessTokenKMSKeyID, " \t") {
		r.fail(EnvPlatformAccessTokenKMSKeyID, "must be a KMS key ID, key ARN or alias")
	}
	p.Token, p.TokenSecretARN = r.oneOf(EnvPlatformToken, EnvPlatformTokenSecretARN)
	r.arn(EnvPlatformTokenSecretARN, p.TokenSecretARN)
	if v := r.get(EnvPlatformTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 5*time.Minute {
			r.fail(EnvPlatformTimeout, "must be a duration between 0 and 5m, such as 10s")
		}
		p.Timeout = d
	}
	return p
}

func (r *reader) err(what string) error {
	if len(r.errs) == 0 {
		return nil
	}
	return fmt.Errorf("lambdaconf: %s: %w", what, errors.Join(r.errs...))
}

// Load reads the signing functions' configuration through lookup
// (os.LookupEnv in main) and reports every problem at once. Values are
// never echoed in errors.
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := &reader{lookup: lookup}
	var c Config
	c.TableName = r.required(EnvTableName)
	var key string
	key, c.HashKeySecretARN = r.oneOf(EnvHashKey, EnvHashKeySecretARN)
	r.arn(EnvHashKeySecretARN, c.HashKeySecretARN)
	if key != "" {
		b, err := ident.ParseHasherKey(key)
		if err == nil {
			_, err = ident.NewHasher(b)
		}
		if err != nil {
			r.fail(EnvHashKey, "%v", err)
		}
		c.HashKey = b
	}
	c.Platform = r.platform()
	c.Environment = r.required(EnvEnvironment)
	c.InstanceURL = r.required(EnvInstanceURL)
	if c.InstanceURL != "" && !strings.Contains(c.InstanceURL, "{instanceGuid}") {
		r.fail(EnvInstanceURL, "must contain the {instanceGuid} placeholder")
	}
	if v := r.get(EnvAllowSyntheticIDs); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			r.fail(EnvAllowSyntheticIDs, "must be true or false")
		}
		c.AllowSynthetic = b
	}
	if v := r.get(EnvLanguage); v != "" {
		if !slices.Contains([]string{texts.NB, texts.NN, texts.EN}, v) {
			r.fail(EnvLanguage, "must be nb, nn or en")
		}
		c.Language = v
	}
	if v := r.get(EnvSigneeProviders); v != "" {
		specs, err := signees.ParseSpecs([]byte(v))
		if err != nil {
			r.fail(EnvSigneeProviders, "%v", err)
		}
		c.Providers = specs
	}
	return c, r.err("signing function configuration")
}

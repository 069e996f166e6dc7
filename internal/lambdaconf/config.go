// Package lambdaconf wires the Lambdas. Each function's main.go calls Run
// with a callback that builds its use case (package signing: Resolution,
// Delegating, Notification, Collection, Receipts, Closing, Finalization,
// API) from the ports a Wiring builds: w.Repo(), w.Access(), w.Storage(), …
// Each Wiring method reads only the SCREAMING_SNAKE environment variables
// its port needs and builds only the AWS clients it calls (Ports lists both;
// a test checks Ports against the methods), so a function reads at init
// only what it uses. What it links is its main.go's choice too: the Secrets
// Manager and Step Functions adapters are packages of their own
// (awssecrets, awssfn) that a function names in lambdaconf.Linked only
// when its ports need them, since an SDK service package's init runs at
// every cold start of a binary that links it. Problems are reported all at once; a transient
// one (a throttled secret read) is retried. The AWS clients come from the
// environment Lambda sets (package awsenv), not from the SDK's config
// package, which was most of a cold start.
//
// template.yaml gives each function exactly the variables its wiring reads
// and IAM grants for exactly the actions its ports call;
// TestTemplate_functions checks both from the Wiring calls in each
// main.go. Load reads every variable, and wholeservice.Service builds the
// whole signing.Service from it (the benchmark and the local tools; no
// function links it).
//
// The variables (Ports and Vars list them with their meaning):
//
//	TABLE_NAME                    the DynamoDB table (SigningTable)
//	HASH_KEY | HASH_KEY_SECRET_ARN  the keyed-hash key (hex or base64, ≥ 32 bytes), or the
//	                              Secrets Manager secret that holds it (the deployed way)
//	PLATFORM_URL                  the Altinn platform host that serves every platform API
//	                              (https://platform.tt02.altinn.no): storage, register, authorization,
//	                              access management, correspondence and authentication bases derive
//	                              from it (platform.Config.WithPlatformURL)
//	MASKINPORTEN_URL, MASKINPORTEN_CLIENT_ID, MASKINPORTEN_SCOPES  the service owner's bearer
//	                              token: a JWT-bearer grant for the client, posted to
//	                              {MASKINPORTEN_URL}/token with aud {MASKINPORTEN_URL}/, exchanged at
//	                              {PLATFORM_URL}/authentication/api/v1/exchange/maskinporten for an
//	                              Altinn token, kept until 30 s before it expires (platformauth.Maskinporten)
//	MASKINPORTEN_KMS_KEY_ID | MASKINPORTEN_KEY_FILE  what signs the grant (RS256): the client's RSA
//	                              KMS key (the deployed way; kms:Sign on it; the grant's kid is the
//	                              key's ID, KMSKeyID) or a PEM RSA private key file (a developer's run
//	                              against a real environment; kid = the key's RFC 7638 thumbprint)
//	ALTINN_EXCHANGE_TEST          true asks the exchange for a Testdepartementet (ttd) token
//	                              (?test=true, test environments only); default false
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
//
// There is no static bearer token: the deployed functions and the local
// stack alike get theirs from Maskinporten (the local stack from the
// emulator's identity double), so one code path is tested.
//
// # Scopes
//
// MASKINPORTEN_SCOPES names what the functions' calls need (ServiceScopes):
//
//   - Storage (instances, data elements, texts): an Altinn token of the
//     service owner (urn:altinn:org). Storage checks no scope on instance
//     routes; the app policy's [ORG] rule decides through the PDP
//     (upstream facts §5, Altinn/altinn-storage
//     src/Storage/Controllers/InstancesController.cs). app-lib asks for
//     altinn:serviceowner/instances.read and …/instances.write
//     (Altinn/app-lib-dotnet src/Altinn.App.Core/Features/AuthenticationMethod.cs),
//     and so do we.
//   - Correspondence (attachments, send, find by key): an Altinn token with
//     altinn:correspondence.write; a raw Maskinporten token would also
//     need altinn:serviceowner (Altinn/altinn-correspondence
//     src/Altinn.Correspondence.API/Auth/DependencyInjection.cs; upstream
//     facts §4c). We send the exchanged token; altinn:serviceowner is
//     requested all the same, as a service owner's client has it.
//   - Register (parties/lookup, GET parties/{partyId}): no scope. The
//     platform access token satisfies InternalOrPlatformAccess (the
//     alternative is the admin scope altinn:register/partylookup.admin,
//     which a service owner does not get); GET parties/{partyId} also needs
//     an authenticated caller, which the org token is, and an org caller may
//     read any party (Altinn/altinn-register
//     src/apps/Altinn.Register/src/Altinn.Register/Controllers/PartiesController.cs;
//     upstream facts §1b, §1c).
//   - Authorization's decision point and Access Management: no bearer at
//     all (the decision point has no [Authorize]; AM takes the platform
//     access token alone, §4).
package lambdaconf

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/texts"
)

// Environment variable names.
const (
	EnvTableName         = "TABLE_NAME"
	EnvHashKey           = "HASH_KEY"
	EnvHashKeySecretARN  = "HASH_KEY_SECRET_ARN"
	EnvPlatformURL       = "PLATFORM_URL"
	EnvPlatformTimeout   = "PLATFORM_TIMEOUT"
	EnvEnvironment       = "ENVIRONMENT"
	EnvInstanceURL       = "INSTANCE_URL"
	EnvAllowSyntheticIDs = "ALLOW_SYNTHETIC_IDS"
	EnvLanguage          = "LANGUAGE"
	EnvSigneeProviders   = "SIGNEE_PROVIDERS"
)

// Environment variables of the service owner's bearer token (package
// platformauth, Maskinporten): the client, its scopes and what signs its
// grant.
const (
	EnvMaskinportenURL      = "MASKINPORTEN_URL"
	EnvMaskinportenClientID = "MASKINPORTEN_CLIENT_ID"
	EnvMaskinportenScopes   = "MASKINPORTEN_SCOPES"
	EnvMaskinportenKMSKeyID = "MASKINPORTEN_KMS_KEY_ID"
	EnvMaskinportenKeyFile  = "MASKINPORTEN_KEY_FILE"
	EnvAltinnExchangeTest   = "ALTINN_EXCHANGE_TEST"
)

// Scopes of the service owner's Maskinporten client (the package doc's
// "Scopes" says which call needs which).
const (
	ScopeInstancesRead       = "altinn:serviceowner/instances.read"
	ScopeInstancesWrite      = "altinn:serviceowner/instances.write"
	ScopeCorrespondenceWrite = "altinn:correspondence.write"
	ScopeServiceOwner        = "altinn:serviceowner"
)

// ServiceScopes are the scopes the signing functions need; template.yaml's
// MaskinportenScopes defaults to them.
var ServiceScopes = []string{ScopeInstancesRead, ScopeInstancesWrite, ScopeCorrespondenceWrite, ScopeServiceOwner}

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

// Vars returns the variables of a loader by its name ("Load"), in a
// stable order; ok is false for an unknown loader.
func Vars(loader string) (vars []Var, ok bool) {
	switch loader {
	case "Load":
		return serviceVars(), true
	}
	return nil, false
}

func platformVars() []Var {
	return []Var{
		{Name: EnvPlatformURL, Required: true, Doc: "Altinn platform host serving every platform API, e.g. https://platform.tt02.altinn.no"},
		{Name: EnvMaskinportenURL, Required: true, Doc: "Maskinporten base: issuer {url}/, token endpoint {url}/token, e.g. https://test.maskinporten.no"},
		{Name: EnvMaskinportenClientID, Required: true, Doc: "Maskinporten client ID (the grant's iss)"},
		{Name: EnvMaskinportenScopes, Required: true, Doc: "space-separated scopes the grant asks for (see the package doc)"},
		{Name: EnvMaskinportenKMSKeyID, Required: true, OneOf: "maskinporten-key",
			Doc: "KMS key (key ARN or ID; RSA, SIGN_VERIFY) registered for the client, which signs the grant"},
		{Name: EnvMaskinportenKeyFile, Required: true, OneOf: "maskinporten-key",
			Doc: "PEM RSA private key file registered for the client (a developer's run against a real environment)"},
		{Name: EnvAltinnExchangeTest, Doc: "true: exchange for a Testdepartementet (ttd) token (test environments only; default false)"},
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
	}
	vs = append(vs, platformVars()...)
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
	// URL is the platform host; every service's base derives from it.
	URL string
	// Maskinporten supplies the bearer token.
	Maskinporten Maskinporten
	// AccessTokenOrg and AccessTokenApp name the app in the platform
	// access token; AccessTokenKMSKeyID or AccessTokenKeyFile signs it.
	AccessTokenOrg      string
	AccessTokenApp      string
	AccessTokenKMSKeyID string
	AccessTokenKeyFile  string
	// Timeout bounds one call; 0 means the platform default.
	Timeout time.Duration
}

// Maskinporten is the service owner's Maskinporten client.
type Maskinporten struct {
	// URL is Maskinporten's base: the issuer (the grant's aud) is URL +
	// "/", the token endpoint URL + "/token", as test.maskinporten.no and
	// maskinporten.no name them (docs.digdir.no
	// docs/Maskinporten/maskinporten_func_wellknown and
	// maskinporten_protocol_token; inferred for any other base).
	URL      string
	ClientID string
	Scopes   []string
	// KMSKeyID, or KeyFile, signs the grant.
	KMSKeyID string
	KeyFile  string
	// Test asks the exchange for a Testdepartementet token.
	Test bool
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
var namePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`) })

// name reads a required org code or app name.
func (r *reader) name(name string) string {
	v := r.required(name)
	if v != "" && !namePattern().MatchString(v) {
		r.fail(name, "must be a lowercase name (letters, digits and hyphens)")
	}
	return v
}

func (r *reader) arn(name, v string) {
	if v != "" && !strings.HasPrefix(v, "arn:") {
		r.fail(name, "must be an ARN")
	}
}

// scopePattern is one OAuth scope (RFC 6749 §3.3 scope-token, printable
// ASCII without space, quote or backslash).
var scopePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[!#-\[\]-~]+$`) })

// maskinporten reads the Maskinporten client.
func (r *reader) maskinporten() Maskinporten {
	var m Maskinporten
	m.URL = r.url(EnvMaskinportenURL)
	if u, err := url.Parse(m.URL); err == nil && m.URL != "" && (strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "") {
		r.fail(EnvMaskinportenURL, "must be Maskinporten's base URL, without path or query")
	}
	m.ClientID = r.required(EnvMaskinportenClientID)
	if strings.ContainsAny(m.ClientID, " \t") {
		r.fail(EnvMaskinportenClientID, "must not contain spaces")
	}
	m.Scopes = strings.Fields(r.required(EnvMaskinportenScopes))
	for _, s := range m.Scopes {
		if !scopePattern().MatchString(s) {
			r.fail(EnvMaskinportenScopes, "must be OAuth scopes separated by spaces")
			break
		}
	}
	m.KMSKeyID, m.KeyFile = r.oneOf(EnvMaskinportenKMSKeyID, EnvMaskinportenKeyFile)
	if strings.ContainsAny(m.KMSKeyID, " \t") {
		r.fail(EnvMaskinportenKMSKeyID, "must be a KMS key ID or key ARN")
	}
	if v := r.get(EnvAltinnExchangeTest); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			r.fail(EnvAltinnExchangeTest, "must be true or false")
		}
		m.Test = b
	}
	return m
}

func (r *reader) platform() Platform {
	p := r.platformBase()
	p.Maskinporten = r.maskinporten()
	r.accessToken(&p)
	return p
}

// platformBase reads the platform URL and timeout, which every platform
// client needs.
func (r *reader) platformBase() Platform {
	var p Platform
	p.URL = r.url(EnvPlatformURL)
	if u, err := url.Parse(p.URL); err == nil && p.URL != "" && (u.RawQuery != "" || u.Fragment != "" || u.User != nil) {
		r.fail(EnvPlatformURL, "must not have a query, fragment or credentials")
	}
	if v := r.get(EnvPlatformTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 5*time.Minute {
			r.fail(EnvPlatformTimeout, "must be a duration between 0 and 5m, such as 10s")
		}
		p.Timeout = d
	}
	return p
}

// accessToken reads the platform access token's app and key into p.
func (r *reader) accessToken(p *Platform) {
	p.AccessTokenOrg = r.name(EnvPlatformAccessTokenOrg)
	p.AccessTokenApp = r.name(EnvPlatformAccessTokenApp)
	p.AccessTokenKMSKeyID, p.AccessTokenKeyFile = r.oneOf(EnvPlatformAccessTokenKMSKeyID, EnvPlatformAccessTokenKeyFile)
	if strings.ContainsAny(p.AccessTokenKMSKeyID, " \t") {
		r.fail(EnvPlatformAccessTokenKMSKeyID, "must be a KMS key ID, key ARN or alias")
	}
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
	c.HashKey, c.HashKeySecretARN = r.hashKey()
	c.Platform = r.platform()
	c.Environment, c.InstanceURL, c.Language = r.settings()
	c.AllowSynthetic, c.Providers = r.signees()
	return c, r.err("signing function configuration")
}

// hashKey reads the keyed-hash key, or the secret that holds it.
func (r *reader) hashKey() (key []byte, secretARN string) {
	var v string
	v, secretARN = r.oneOf(EnvHashKey, EnvHashKeySecretARN)
	r.arn(EnvHashKeySecretARN, secretARN)
	if v != "" {
		b, err := ident.ParseHasherKey(v)
		if err == nil {
			_, err = ident.NewHasher(b)
		}
		if err != nil {
			r.fail(EnvHashKey, "%v", err)
		}
		key = b
	}
	return key, secretARN
}

// settings reads what messages to people and the signing PDF say.
func (r *reader) settings() (environment, instanceURL, language string) {
	environment = r.required(EnvEnvironment)
	return environment, r.instanceURL(), r.language()
}

func (r *reader) instanceURL() string {
	v := r.required(EnvInstanceURL)
	if v != "" && !strings.Contains(v, "{instanceGuid}") {
		r.fail(EnvInstanceURL, "must contain the {instanceGuid} placeholder")
	}
	return v
}

func (r *reader) language() string {
	v := r.get(EnvLanguage)
	if v != "" && !slices.Contains([]string{texts.NB, texts.NN, texts.EN}, v) {
		r.fail(EnvLanguage, "must be nb, nn or en")
	}
	return v
}

// signees reads the signee source's options and configured providers.
func (r *reader) signees() (allowSynthetic bool, providers []signees.Spec) {
	if v := r.get(EnvAllowSyntheticIDs); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			r.fail(EnvAllowSyntheticIDs, "must be true or false")
		}
		allowSynthetic = b
	}
	if v := r.get(EnvSigneeProviders); v != "" {
		specs, err := signees.ParseSpecs([]byte(v))
		if err != nil {
			r.fail(EnvSigneeProviders, "%v", err)
		}
		providers = specs
	}
	return allowSynthetic, providers
}

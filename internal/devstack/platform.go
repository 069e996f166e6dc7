package devstack

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/signingflow/signing/internal/devstack/httpserve"
	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/emulator/idp"
	"github.com/signingflow/signing/internal/platformauth"
)

// The template parameters of the platform and of the service owner's
// Maskinporten client, which the local stack fills (LocalParameters,
// RealPlatform).
const (
	PlatformURLParameter        = "PlatformUrl"
	MaskinportenURLParameter    = "MaskinportenUrl"
	MaskinportenClientParameter = "MaskinportenClientId"
	MaskinportenKeyParameter    = "MaskinportenKmsKeyArn"
	AltinnExchangeTestParameter = "AltinnExchangeTest"
	EnvironmentParameter        = "Environment"
	DefaultRealEnvironment      = "tt02"
	LocalMaskinportenClientID   = "signing-local"
)

// RealPlatform points the local stack at a real Altinn environment (TT02)
// instead of the emulator, which is then not started. The functions take
// the same code path as deployed: their bearer comes from Maskinporten,
// the platform access token is signed as configured.
type RealPlatform struct {
	// URL is the platform host, e.g. https://platform.tt02.altinn.no.
	URL string
	// MaskinportenURL is Maskinporten's base, e.g. https://test.maskinporten.no.
	MaskinportenURL string
	// ClientID is the Maskinporten client (integration) ID.
	ClientID string
	// KeyFile is a PEM RSA private key registered for the client. Empty
	// means the stack's KMS key (made in moto at every start: register the
	// JWK Stack.MaskinportenJWK holds, which `signing dev up` prints).
	KeyFile string
	// PlatformAccessTokenKeyFile is a PEM RSA private key whose public half
	// Altinn knows for the app's org. Empty means the stack's KMS key,
	// which no real environment knows: Register and Access Management then
	// refuse the platform access token.
	PlatformAccessTokenKeyFile string
	// ExchangeTest asks the exchange for a Testdepartementet (ttd) token.
	ExchangeTest bool
	// Environment is the template's Environment (the correspondence
	// resource); empty means DefaultRealEnvironment.
	Environment string
}

// Validate reports every problem at once: URLs that are not absolute https
// (http only on loopback), a missing client ID, key files that are no
// RSA keys. Nothing contacts a host.
func (r RealPlatform) Validate() error {
	var errs []error
	check := func(name, v string, base bool) {
		u, err := url.Parse(v)
		switch {
		case v == "":
			errs = append(errs, fmt.Errorf("%s: must be set", name))
		case err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			errs = append(errs, fmt.Errorf("%s: must be an absolute URL without query, fragment or credentials", name))
		case u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())):
			errs = append(errs, fmt.Errorf("%s: must be https (http only on a loopback host)", name))
		case base && strings.Trim(u.Path, "/") != "":
			errs = append(errs, fmt.Errorf("%s: must be Maskinporten's base URL, e.g. https://test.maskinporten.no", name))
		}
	}
	check("platform URL", r.URL, false)
	check("Maskinporten URL", r.MaskinportenURL, true)
	if r.ClientID == "" || strings.ContainsAny(r.ClientID, " \t\r\n") {
		errs = append(errs, errors.New("client ID (Maskinporten): must be set, without spaces"))
	}
	for name, file := range map[string]string{"Maskinporten key file": r.KeyFile, "platform access token key file": r.PlatformAccessTokenKeyFile} {
		if file == "" {
			continue
		}
		if _, err := platformauth.LoadPEMSigner(file, ""); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if r.Environment != "" && !slices.Contains([]string{"dev", "tt02", "staging", "production"}, r.Environment) {
		errs = append(errs, fmt.Errorf("environment %q: must be dev, tt02, staging or production", r.Environment))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("devstack: real platform: %w", err)
	}
	return nil
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// parameters are the template parameters of the real platform.
func (r RealPlatform) parameters() map[string]string {
	env := r.Environment
	if env == "" {
		env = DefaultRealEnvironment
	}
	return map[string]string{
		PlatformURLParameter:        strings.TrimRight(r.URL, "/"),
		MaskinportenURLParameter:    strings.TrimRight(r.MaskinportenURL, "/"),
		MaskinportenClientParameter: r.ClientID,
		AltinnExchangeTestParameter: strconv.FormatBool(r.ExchangeTest),
		EnvironmentParameter:        env,
	}
}

// functionEnv is what the functions' environment gets over the template's:
// a key file replaces the KMS key (an empty value removes a variable,
// hostFunction), as an absolute path since the functions run elsewhere.
func (r RealPlatform) functionEnv() (map[string]string, error) {
	env := map[string]string{}
	for _, k := range []struct{ file, fileVar, kmsVar string }{
		{r.KeyFile, lambdaconf.EnvMaskinportenKeyFile, lambdaconf.EnvMaskinportenKMSKeyID},
		{r.PlatformAccessTokenKeyFile, lambdaconf.EnvPlatformAccessTokenKeyFile, lambdaconf.EnvPlatformAccessTokenKMSKeyID},
	} {
		if k.file == "" {
			continue
		}
		abs, err := filepath.Abs(k.file)
		if err != nil {
			return nil, fmt.Errorf("devstack: %s: %w", k.file, err)
		}
		env[k.fileVar], env[k.kmsVar] = abs, ""
	}
	return env, nil
}

// startEmulator binds the emulator's address, builds the emulator's IDP for
// that URL (so Maskinporten and the exchange are served on the emulator's
// host: MaskinportenUrl and PlatformUrl are the same URL), trusts the
// local issuer's key for users' tokens (Storage's sign endpoint) and serves.
func (s *Stack) startEmulator() error {
	ln, err := emulator.Listen(s.opts.EmulatorAddr)
	if err != nil {
		return err
	}
	base := httpserve.URL(ln)
	p, err := idp.New(idp.Options{BaseURL: base})
	if err != nil {
		_ = ln.Close()
		return err
	}
	userKey, err := localjwt.LoadOrCreateKey(filepath.Join(s.opts.ModuleRoot, filepath.FromSlash(KeyFile)))
	if err != nil {
		_ = ln.Close()
		return err
	}
	fixture := emulator.Founders()
	if s.opts.Fixture != nil {
		fixture = *s.opts.Fixture
	}
	opts := append([]emulator.Option{emulator.WithIDP(p), emulator.WithUserTokenKey(&userKey.PublicKey, nil)}, s.opts.EmulatorOptions...)
	s.Emulator = emulator.New(fixture, opts...)
	s.emuSrv = s.Emulator.Serve(ln)
	s.EmulatorURL = s.emuSrv.URL
	return nil
}

// maskinportenScopes are the scopes the template's functions ask for,
// which the emulator's IDP grants the local client.
func (s *Stack) maskinportenScopes() []string {
	var out []string
	for _, f := range s.Def.Functions {
		for _, sc := range strings.Fields(f.Env[lambdaconf.EnvMaskinportenScopes]) {
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		}
	}
	slices.Sort(out)
	return out
}

// JWK is the public JSON Web Key of pub under kid, as Maskinporten's
// client registration takes it: {"kty","use","alg","kid","n","e"}
// (RFC 7517, RFC 7518 §6.3.1).
func JWK(pub *rsa.PublicKey, kid string) ([]byte, error) {
	return json.Marshal(struct {
		Kty string `json:"kty"`
		Use string `json:"use"`
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		N   string `json:"n"`
		E   string `json:"e"`
	}{"RSA", "sig", platformauth.AlgRS256, kid,
		base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())})
}

// KeyAlias is the KMS alias the local stack gives the key it makes for a
// KMS key parameter (MaskinportenKmsKeyArn → alias/signing-local/maskinporten-kms-key),
// so `signing dev jwk` finds it in the running stack.
func KeyAlias(stackName, param string) string {
	base := strings.TrimSuffix(param, "Arn")
	var b strings.Builder
	for i, r := range base {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return "alias/" + stackName + "/" + b.String()
}

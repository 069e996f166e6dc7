package devstack

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/devstack/stackdef"
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/lambdaconf/wiringscan"
)

// writeKey writes a fresh RSA key as PEM and returns its path.
func writeKey(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRealPlatform_Validate(t *testing.T) {
	t.Parallel()
	key := writeKey(t)
	notKey := filepath.Join(t.TempDir(), "x.pem")
	if err := os.WriteFile(notKey, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	valid := RealPlatform{URL: "https://platform.tt02.altinn.no", MaskinportenURL: "https://test.maskinporten.no", ClientID: "0b6c1f2e-client"}
	tests := []struct {
		name    string
		change  func(*RealPlatform)
		wantErr []string
	}{
		{name: "valid", change: func(*RealPlatform) {}},
		{name: "valid_with_key_files", change: func(r *RealPlatform) { r.KeyFile, r.PlatformAccessTokenKeyFile, r.Environment = key, key, "tt02" }},
		{name: "loopback_http", change: func(r *RealPlatform) { r.URL, r.MaskinportenURL = "http://127.0.0.1:5101", "http://localhost:5101/" }},
		{name: "empty", change: func(r *RealPlatform) { *r = RealPlatform{} },
			wantErr: []string{"platform URL: must be set", "Maskinporten URL: must be set", "client ID (Maskinporten): must be set"}},
		{name: "http_on_a_real_host", change: func(r *RealPlatform) { r.URL = "http://platform.tt02.altinn.no" },
			wantErr: []string{"platform URL: must be https"}},
		{name: "token_endpoint_for_base", change: func(r *RealPlatform) { r.MaskinportenURL = "https://test.maskinporten.no/token" },
			wantErr: []string{"Maskinporten URL: must be Maskinporten's base URL"}},
		{name: "query", change: func(r *RealPlatform) { r.URL = "https://platform.tt02.altinn.no?x=1" },
			wantErr: []string{"platform URL: must be an absolute URL without query"}},
		{name: "client_with_space", change: func(r *RealPlatform) { r.ClientID = "a b" }, wantErr: []string{"client ID"}},
		{name: "bad_key_files", change: func(r *RealPlatform) {
			r.KeyFile, r.PlatformAccessTokenKeyFile = notKey, filepath.Join(t.TempDir(), "missing.pem")
		},
			wantErr: []string{"Maskinporten key file", "platform access token key file"}},
		{name: "local_environment", change: func(r *RealPlatform) { r.Environment = "local" }, wantErr: []string{`environment "local"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := valid
			tt.change(&r)
			err := r.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate() error = %v", err)
				}
				return
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() error = %v, want one containing %q", err, w)
				}
			}
		})
	}
}

// functionEnvs resolves the project template as Up does for s (its
// parameters, the KMS keys still placeholders) and returns every
// function's environment as the function host would start it.
func functionEnvs(t *testing.T, s *Stack) map[string]map[string]string {
	t.Helper()
	root, err := FindModuleRoot("")
	if err != nil {
		t.Fatal(err)
	}
	tpl := projectTemplate(t)
	def, err := stackdef.Resolve(tpl, stackdef.Options{
		ModuleRoot: root, StackName: s.opts.StackName, Region: s.opts.Region, AccountID: s.opts.AccountID,
		EdgeURL: "http://127.0.0.1:4566", APIURL: s.APIURL, Parameters: s.parameters(tpl),
	})
	if err != nil {
		t.Fatal(err)
	}
	extra, err := s.opts.functionEnv()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, f := range def.Functions {
		out[f.LogicalID] = hostFunction(f, "", extra).Env
	}
	return out
}

// functionPorts returns, per function, the ports its main.go wires
// (lambdaconf/wiringscan) and the environment variables they read.
func functionPorts(t *testing.T, s *Stack) map[string]struct {
	ports []string
	reads map[string]bool
} {
	t.Helper()
	root, err := FindModuleRoot("")
	if err != nil {
		t.Fatal(err)
	}
	tpl := projectTemplate(t)
	def, err := stackdef.Resolve(tpl, stackdef.Options{ModuleRoot: root, StackName: s.opts.StackName, Region: s.opts.Region, AccountID: s.opts.AccountID,
		EdgeURL: "http://127.0.0.1:4566", APIURL: s.APIURL, Parameters: s.parameters(tpl)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]struct {
		ports []string
		reads map[string]bool
	}{}
	for _, f := range def.Functions {
		ports, _, err := wiringscan.Ports(filepath.Join(root, f.CodeURI))
		if err != nil {
			t.Fatal(err)
		}
		reads := map[string]bool{}
		for _, p := range ports {
			for _, v := range lambdaconf.Ports[p].Vars {
				reads[v.Name] = true
			}
		}
		out[f.LogicalID] = struct {
			ports []string
			reads map[string]bool
		}{ports, reads}
	}
	return out
}

// TestStack_realPlatformEnvironment: with a real platform the functions
// get its URL, Maskinporten, the client and the key file in place of the
// KMS key, and nothing points at the emulator; every function's loader
// accepts its environment. Nothing is started and no host is called.
func TestStack_realPlatformEnvironment(t *testing.T) {
	t.Parallel()
	mpKey, patKey := writeKey(t), writeKey(t)
	tests := []struct {
		name     string
		platform RealPlatform
		// wantKeyFile: MASKINPORTEN_KEY_FILE replaces MASKINPORTEN_KMS_KEY_ID.
		wantKeyFile bool
	}{
		{name: "stack_kms_key", platform: RealPlatform{URL: "https://platform.tt02.altinn.no/", MaskinportenURL: "https://test.maskinporten.no",
			ClientID: "my-client", ExchangeTest: true}},
		{name: "key_files", platform: RealPlatform{URL: "https://platform.tt02.altinn.no", MaskinportenURL: "https://test.maskinporten.no/",
			ClientID: "my-client", KeyFile: mpKey, PlatformAccessTokenKeyFile: patKey}, wantKeyFile: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.platform
			s := &Stack{opts: Options{Region: DefaultRegion, AccountID: DefaultAccountID, StackName: DefaultStackName, Platform: &p}, APIURL: "http://127.0.0.1:3000",
				JWKSURL: "http://127.0.0.1:5102" + localjwt.JWKSPath}
			envs := functionEnvs(t, s)
			if len(envs) == 0 {
				t.Fatal("no functions")
			}
			wired := functionPorts(t, s)
			for fn, env := range envs {
				reads := wired[fn].reads
				want := map[string]string{
					lambdaconf.EnvPlatformURL:          "https://platform.tt02.altinn.no",
					lambdaconf.EnvMaskinportenURL:      "https://test.maskinporten.no",
					lambdaconf.EnvMaskinportenClientID: "my-client",
					lambdaconf.EnvAltinnExchangeTest:   "false",
				}
				if p.ExchangeTest {
					want[lambdaconf.EnvAltinnExchangeTest] = "true"
				}
				want[lambdaconf.EnvEnvironment] = DefaultRealEnvironment
				for k, w := range want {
					if reads[k] && env[k] != w {
						t.Errorf("%s: %s = %q, want %q", fn, k, env[k], w)
					}
				}
				_, hasKMS := env[lambdaconf.EnvMaskinportenKMSKeyID]
				if got := env[lambdaconf.EnvMaskinportenKeyFile]; reads[lambdaconf.EnvMaskinportenKeyFile] && (tt.wantKeyFile != (got == mpKey) || tt.wantKeyFile == hasKMS) {
					t.Errorf("%s: key file %q, KMS key set %v; want the key file %v", fn, got, hasKMS, tt.wantKeyFile)
				}
				if _, hasPATKMS := env[lambdaconf.EnvPlatformAccessTokenKMSKeyID]; reads[lambdaconf.EnvPlatformAccessTokenKeyFile] && hasPATKMS == tt.wantKeyFile {
					t.Errorf("%s: platform access token KMS key set %v with key file %q", fn, hasPATKMS, env[lambdaconf.EnvPlatformAccessTokenKeyFile])
				}
				for k, v := range env {
					if strings.Contains(v, ":5101") {
						t.Errorf("%s: %s = %q points at the emulator", fn, k, v)
					}
				}
				if err := lambdaconf.CheckEnv(wired[fn].ports, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
					t.Errorf("%s: its wiring refuses its environment: %v", fn, err)
				}
			}
		})
	}
}

// TestStack_emulatorEnvironment: without a real platform the functions
// find the platform and Maskinporten on the emulator's URL, with the local
// client and the stack's KMS keys.
func TestStack_emulatorEnvironment(t *testing.T) {
	t.Parallel()
	s := &Stack{opts: Options{Region: DefaultRegion, AccountID: DefaultAccountID, StackName: DefaultStackName}, APIURL: "http://127.0.0.1:3000", EmulatorURL: "http://127.0.0.1:5101",
		JWKSURL: "http://127.0.0.1:5102" + localjwt.JWKSPath}
	// The API function verifies users' tokens against the local issuer's key set.
	if env := functionEnvs(t, s)["ApiFunction"]; env["JWKS_URL"] != s.JWKSURL || env["JWT_ISSUER"] != Issuer {
		t.Errorf("ApiFunction: JWKS_URL %q, JWT_ISSUER %q; want the local issuer's %q, %q", env["JWKS_URL"], env["JWT_ISSUER"], s.JWKSURL, Issuer)
	}
	wired := functionPorts(t, s)
	for fn, env := range functionEnvs(t, s) {
		reads := wired[fn].reads
		if reads[lambdaconf.EnvPlatformURL] && env[lambdaconf.EnvPlatformURL] != s.EmulatorURL {
			t.Errorf("%s: %s = %q, want the emulator's URL", fn, lambdaconf.EnvPlatformURL, env[lambdaconf.EnvPlatformURL])
		}
		if !reads[lambdaconf.EnvMaskinportenURL] {
			continue
		}
		if env[lambdaconf.EnvMaskinportenURL] != s.EmulatorURL ||
			env[lambdaconf.EnvMaskinportenClientID] != LocalMaskinportenClientID || env[lambdaconf.EnvAltinnExchangeTest] != "false" {
			t.Errorf("%s: environment %v, want the emulator's URL for Maskinporten and the local client", fn, env)
		}
		if want := pendingKeyARN(DefaultRegion, DefaultAccountID, MaskinportenKeyParameter); env[lambdaconf.EnvMaskinportenKMSKeyID] != want {
			t.Errorf("%s: %s = %q, want the stack's key %q", fn, lambdaconf.EnvMaskinportenKMSKeyID, env[lambdaconf.EnvMaskinportenKMSKeyID], want)
		}
		if _, ok := env[lambdaconf.EnvMaskinportenKeyFile]; ok {
			t.Errorf("%s: a Maskinporten key file is set", fn)
		}
	}
}

func TestJWK(t *testing.T) {
	t.Parallel()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b, err := JWK(&k.PublicKey, "0b6c1f2e-kid")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	n, _ := base64.RawURLEncoding.DecodeString(got["n"])
	e, _ := base64.RawURLEncoding.DecodeString(got["e"])
	if got["kty"] != "RSA" || got["use"] != "sig" || got["alg"] != "RS256" || got["kid"] != "0b6c1f2e-kid" ||
		new(big.Int).SetBytes(n).Cmp(k.N) != 0 || new(big.Int).SetBytes(e).Int64() != int64(k.E) || len(got) != 6 {
		t.Errorf("JWK() = %s", b)
	}
	if strings.Contains(string(b), `"d"`) {
		t.Error("JWK() holds the private exponent")
	}
}

func TestKeyAlias(t *testing.T) {
	t.Parallel()
	if got, want := KeyAlias("signing-local", MaskinportenKeyParameter), "alias/signing-local/maskinporten-kms-key"; got != want {
		t.Errorf("KeyAlias() = %q, want %q", got, want)
	}
}

func TestHostFunction_emptyRemoves(t *testing.T) {
	t.Parallel()
	def := stackdef.Function{LogicalID: "F", Env: map[string]string{"A": "template", "B": "template"}}
	fn := hostFunction(def, "", map[string]string{"A": "", "C": "extra"})
	if _, ok := fn.Env["A"]; ok || fn.Env["B"] != "template" || fn.Env["C"] != "extra" {
		t.Errorf("Env = %v, want A removed, B kept, C added", fn.Env)
	}
}

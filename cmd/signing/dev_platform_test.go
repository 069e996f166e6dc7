package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/platformauth"
)

func writePEM(t *testing.T) (string, *rsa.PrivateKey) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, k
}

// TestDevUp_platformFlags checks what `dev up` makes of the real-platform
// flags: refusals before anything starts, and the options the stack gets
// (a stand-in for devstack.Up records them; nothing starts, no host is
// called).
func TestDevUp_platformFlags(t *testing.T) {
	t.Parallel()
	key, _ := writePEM(t)
	realArgs := []string{"up", "-platform-url", "https://platform.tt02.altinn.no", "-maskinporten-url", "https://test.maskinporten.no", "-maskinporten-client-id", "my-client"}
	tests := []struct {
		name         string
		args         []string
		wantCode     int
		wantStdout   string
		wantStderr   string
		wantPlatform *devstack.RealPlatform
	}{
		{name: "emulator", args: []string{"up"}, wantCode: 1, wantStderr: "stand-in"},
		{name: "real_with_stack_key", args: append(realArgs[:len(realArgs):len(realArgs)], "-altinn-exchange-test"), wantCode: 1,
			wantStdout: "the platform emulator is not started",
			wantPlatform: &devstack.RealPlatform{URL: "https://platform.tt02.altinn.no", MaskinportenURL: "https://test.maskinporten.no",
				ClientID: "my-client", ExchangeTest: true, Environment: "tt02"}},
		{name: "real_with_key_files", args: append(realArgs[:len(realArgs):len(realArgs)], "-maskinporten-key-file", key, "-platform-access-token-key-file", key, "-environment", "staging"), wantCode: 1,
			wantStdout: "the platform emulator is not started",
			wantPlatform: &devstack.RealPlatform{URL: "https://platform.tt02.altinn.no", MaskinportenURL: "https://test.maskinporten.no",
				ClientID: "my-client", KeyFile: key, PlatformAccessTokenKeyFile: key, Environment: "staging"}},
		{name: "maskinporten_without_platform", args: []string{"up", "-maskinporten-url", "https://test.maskinporten.no"}, wantCode: 2, wantStderr: "-maskinporten-url needs -platform-url"},
		{name: "key_file_without_platform", args: []string{"up", "-maskinporten-key-file", key}, wantCode: 2, wantStderr: "-maskinporten-key-file needs -platform-url"},
		{name: "plain_http", args: []string{"up", "-platform-url", "http://platform.tt02.altinn.no", "-maskinporten-url", "https://test.maskinporten.no", "-maskinporten-client-id", "c"},
			wantCode: 2, wantStderr: "platform URL: must be https"},
		{name: "no_client_no_maskinporten", args: []string{"up", "-platform-url", "https://platform.tt02.altinn.no"}, wantCode: 2, wantStderr: "Maskinporten URL: must be set"},
		{name: "bad_key_file", args: append(realArgs[:len(realArgs):len(realArgs)], "-maskinporten-key-file", filepath.Join(t.TempDir(), "missing.pem")), wantCode: 2, wantStderr: "Maskinporten key file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *devstack.Options
			ctx := context.WithValue(t.Context(), upKey{}, func(_ context.Context, opts devstack.Options) (*devstack.Stack, error) {
				got = &opts
				return nil, errors.New("stand-in: not started")
			})
			var stdout, stderr bytes.Buffer
			if code := dev(ctx, tt.args, &stdout, &stderr); code != tt.wantCode {
				t.Fatalf("exit code = %d, want %d; stderr: %s", code, tt.wantCode, &stderr)
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stdout %q, stderr %q; want %q and %q", &stdout, &stderr, tt.wantStdout, tt.wantStderr)
			}
			if tt.wantCode == 2 {
				if got != nil {
					t.Error("the stack was started")
				}
				return
			}
			if got == nil {
				t.Fatal("the stack was not started")
			}
			if !reflect.DeepEqual(got.Platform, tt.wantPlatform) {
				t.Errorf("Options.Platform = %+v, want %+v", got.Platform, tt.wantPlatform)
			}
		})
	}
}

func TestPrintRealPlatform(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	printRealPlatform(&b, &devstack.RealPlatform{URL: "https://platform.tt02.altinn.no", ClientID: "my-client"}, []byte(`{"kty":"RSA","kid":"k"}`))
	for _, want := range []string{"platform emulator is not started", "client my-client", `{"kty":"RSA","kid":"k"}`, "new key at every start", "Register and\nAccess Management will refuse"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	printRealPlatform(&b, &devstack.RealPlatform{URL: "https://platform.tt02.altinn.no", KeyFile: "/k.pem", PlatformAccessTokenKeyFile: "/p.pem"}, nil)
	if strings.Contains(b.String(), "register this public key") || strings.Contains(b.String(), "refuse") || !strings.Contains(b.String(), "/k.pem") {
		t.Errorf("output with key files:\n%s", b.String())
	}
}

// TestDevJWK_keyFile prints the JWK of a key file under the kid the
// functions name for it (the RFC 7638 thumbprint).
func TestDevJWK_keyFile(t *testing.T) {
	t.Parallel()
	path, key := writePEM(t)
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"dev", "jwk", "-key-file", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code = %d; stderr: %s", code, &stderr)
	}
	var jwk map[string]string
	if err := json.Unmarshal(stdout.Bytes(), &jwk); err != nil {
		t.Fatalf("stdout %q: %v", &stdout, err)
	}
	if jwk["kid"] != platformauth.Thumbprint(&key.PublicKey) || jwk["kty"] != "RSA" || jwk["d"] != "" {
		t.Errorf("JWK = %v, want the public key under its thumbprint", jwk)
	}
	if code := realMain([]string{"dev", "jwk", "-key-file", filepath.Join(t.TempDir(), "missing.pem")}, &stdout, &stderr); code != 1 {
		t.Errorf("missing key file: exit code = %d, want 1", code)
	}
}

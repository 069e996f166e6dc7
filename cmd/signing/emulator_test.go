package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platformauth"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startEmulator runs "signing emulator" with args until the test ends and
// returns its URL and a function that stops it and returns its exit status.
func startEmulator(t *testing.T, args ...string) (url string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- serveEmulator(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), &stdout, &stderr)
	}()
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if out := stdout.String(); strings.Contains(out, "listening on ") {
			url = strings.TrimSpace(out[strings.Index(out, "listening on ")+len("listening on "):])
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("emulator did not report its address; stderr: %s", stderr.String())
	}
	var once sync.Once
	status := 0
	stop = func() int {
		once.Do(func() {
			cancel()
			if status = <-done; status != 0 {
				t.Logf("stderr: %s", stderr.String())
			}
		})
		return status
	}
	t.Cleanup(func() { stop() })
	return url, stop
}

func TestServeEmulator(t *testing.T) {
	t.Parallel()
	url, stop := startEmulator(t)
	resp, err := http.Get(url + "/_emulator/delegations")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /_emulator/delegations = %d %s", resp.StatusCode, body)
	}
	if got := stop(); got != 0 {
		t.Errorf("exit status = %d, want 0", got)
	}
}

// TestServeEmulator_platformKey: with -platform-key the emulator accepts
// the platform access tokens a function signs with the same key file
// (PLATFORM_ACCESS_TOKEN_KEY_FILE), and still refuses a request without one.
func TestServeEmulator_platformKey(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "platform-access-token.pem")
	url, _ := startEmulator(t, "-platform-key", keyFile, "-platform-org", "digdir")
	signer, err := platformauth.LoadPEMSigner(keyFile, "")
	if err != nil {
		t.Fatalf("the emulator did not create a usable key file: %v", err)
	}
	tokens, err := platformauth.NewPlatformAccessToken(platformauth.PlatformAccessTokenConfig{Org: "digdir", App: "signing", Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	const path = "/accessmanagement/api/v1/app/delegations/resource/app_ttd_founders/instance/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"
	body := `{"from":{"type":"urn:altinn:party:uuid","value":"0b6c1f2e-3d4a-4b5c-8d6e-000000050001"},` +
		`"to":{"type":"urn:altinn:party:uuid","value":"0b6c1f2e-3d4a-4b5c-8d6e-000000050002"},` +
		`"rights":[{"resource":[{"type":"urn:altinn:app","value":"founders"},{"type":"urn:altinn:org","value":"ttd"},{"type":"urn:altinn:task","value":"SigningTask"}],` +
		`"action":{"type":"urn:oasis:names:tc:xacml:1.0:action:action-id","value":"sign"}}]}`
	for _, tt := range []struct {
		token string
		want  int
	}{{tok, 200}, {"", 401}} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if tt.token != "" {
			req.Header.Set("PlatformAccessToken", tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("delegate with token %v = %d %s, want %d", tt.token != "", resp.StatusCode, got, tt.want)
		}
	}
}

func TestServeEmulator_badUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{name: "extra_argument", args: []string{"extra"}, want: 2},
		{name: "missing_fixture", args: []string{"-fixture", "/nonexistent/fixture.json"}, want: 2},
		{name: "non_loopback_address", args: []string{"-addr", "192.0.2.1:0"}, want: 1},
		{name: "platform_key_not_pem", args: []string{"-platform-key", "emulator_test.go"}, want: 2},
		{name: "maskinporten_key_not_pem", args: []string{"-maskinporten-key", "emulator_test.go"}, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if got := serveEmulator(context.Background(), tt.args, &stdout, &stderr); got != tt.want {
				t.Errorf("serveEmulator(%v) = %d, want %d; stderr: %s", tt.args, got, tt.want, stderr.String())
			}
		})
	}
}

// TestServeEmulator_maskinportenKey: with -maskinporten-key a function's
// Maskinporten client (MASKINPORTEN_KEY_FILE, MASKINPORTEN_URL and
// PLATFORM_URL the emulator's URL) gets an Altinn token the APIs accept,
// and a request without one is refused.
func TestServeEmulator_maskinportenKey(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "maskinporten.pem")
	url, _ := startEmulator(t, "-maskinporten-key", keyFile, "-maskinporten-client", "my-client")
	signer, err := platformauth.LoadPEMSigner(keyFile, "")
	if err != nil {
		t.Fatalf("the emulator did not create a usable key file: %v", err)
	}
	mp, err := platformauth.NewMaskinporten(platformauth.MaskinportenConfig{
		ClientID: "my-client", Issuer: url + "/", TokenURL: url + "/token", AuthenticationURL: platform.AuthenticationURL(url),
		Scopes: lambdaconf.ServiceScopes, Signer: signer,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := mp.Token(t.Context())
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	const path = "/storage/api/v1/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"
	for _, tt := range []struct {
		auth string
		want int
	}{{"Bearer " + tok, 200}, {"", 401}} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET instance with token %v = %d, want %d", tt.auth != "", resp.StatusCode, tt.want)
		}
	}
}

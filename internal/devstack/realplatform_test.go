package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/devstack/devtest"
	"github.com/signingflow/signing/internal/devstack/funchost"
)

// TestUp_realPlatform brings the stack up against a "real" environment on
// hosts that do not resolve (.invalid): the emulator is not started, the
// stack's Maskinporten key is made in moto under its alias with the JWK
// Stack.MaskinportenJWK holds (and MaskinportenKeyJWK reads back), and the
// API function starts with that environment and answers a request that
// needs no platform call. No request leaves the machine: the functions
// fetch a token only at their first platform call.
func TestUp_realPlatform(t *testing.T) {
	t.Parallel()
	devtest.Short(t)
	devtest.GoTool(t)
	root, err := FindModuleRoot("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	// Every process's output is copied here from its own goroutine.
	var logs lockedBuffer
	s, err := Up(ctx, Options{
		ModuleRoot: root, EdgeAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", EmulatorAddr: "127.0.0.1:0",
		BuildDir: t.TempDir(), MaxProcesses: 1, Logs: &logs,
		Platform: &RealPlatform{URL: "https://platform.tt02.altinn.invalid", MaskinportenURL: "https://test.maskinporten.invalid", ClientID: "my-client"},
	})
	if errors.Is(err, ErrUnavailable) {
		devtest.Unavailable(t, err)
	}
	if err != nil {
		t.Fatalf("Up() error = %v\n%s", err, logs.String())
	}
	t.Cleanup(func() { _ = s.Close() })

	if s.Emulator != nil || s.EmulatorURL != "" {
		t.Errorf("the emulator runs (%s) against a real platform", s.EmulatorURL)
	}
	got := map[string]string{}
	for _, e := range s.Endpoints() {
		got[e[0]] = e[1]
	}
	if got["platform (real)"] != "https://platform.tt02.altinn.invalid" || got["Maskinporten (real)"] != "https://test.maskinporten.invalid" || got["platform emulator"] != "" {
		t.Errorf("Endpoints() = %v, want the real platform and Maskinporten, no emulator", s.Endpoints())
	}
	read, err := MaskinportenKeyJWK(ctx, s.AWSConfig(), DefaultStackName)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.MaskinportenJWK) == 0 || !bytes.Equal(read, s.MaskinportenJWK) {
		t.Errorf("MaskinportenKeyJWK() = %s, want Stack.MaskinportenJWK %s", read, s.MaskinportenJWK)
	}
	var jwk struct{ Kid string }
	if err := json.Unmarshal(s.MaskinportenJWK, &jwk); err != nil {
		t.Fatal(err)
	}
	api, _ := s.Def.Function("ApiFunction")
	if want := filepath.Base(api.Env["MASKINPORTEN_KMS_KEY_ID"]); jwk.Kid != want {
		t.Errorf("JWK kid = %q, want the key ID %q the functions name", jwk.Kid, want)
	}
	event, err := os.ReadFile(filepath.Join(root, "events", "api-signing-requests.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The sample's token does not verify: a token of the local issuer,
	// whose key set the function fetches from the stack.
	tok, err := s.Issuer.Token(map[string]any{"pid": "02919043558", "urn:altinn:authlevel": 3}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(event, &ev); err != nil {
		t.Fatal(err)
	}
	ev.Headers["authorization"] = "Bearer " + tok
	if event, err = json.Marshal(ev); err != nil {
		t.Fatal(err)
	}
	res, err := s.Host.Invoke(ctx, "ApiFunction", event, funchost.InvokeOptions{})
	if err != nil || res.FunctionError != "" || !bytes.Contains(res.Payload, []byte(`"statusCode":200`)) {
		t.Fatalf("Invoke(ApiFunction) = %v %s\n%s", err, res.Payload, logs.String())
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/altinntoken"
	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/devtest"
	"github.com/signingflow/signing/internal/devstack/funchost"
	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/devstack/proc"
)

func TestDev_usage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "no_subcommand", args: []string{"dev"}, wantCode: 2, wantStderr: "usage: signing dev"},
		{name: "unknown_subcommand", args: []string{"dev", "frob"}, wantCode: 2, wantStderr: `unknown subcommand "frob"`},
		{name: "token_without_pid", args: []string{"dev", "token"}, wantCode: 2, wantStderr: "usage: signing dev token --pid"},
		{name: "up_extra_argument", args: []string{"dev", "up", "extra"}, wantCode: 2},
		{name: "invoke_without_event", args: []string{"invoke", "ApiFunction"}, wantCode: 2, wantStderr: "usage: signing invoke"},
		{name: "invoke_missing_event_file", args: []string{"invoke", "ApiFunction", "-e", "/nonexistent.json"}, wantCode: 2, wantStderr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if got := realMain(tt.args, &stdout, &stderr); got != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr: %s", got, tt.wantCode, &stderr)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestDevToken(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"dev", "token", "--pid", "02919043558", "--ttl", "10m"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code = %d; stderr: %s", code, &stderr)
	}
	root, err := devstack.FindModuleRoot("")
	if err != nil {
		t.Fatal(err)
	}
	key, err := localjwt.LoadOrCreateKey(filepath.Join(root, filepath.FromSlash(devstack.KeyFile)))
	if err != nil {
		t.Fatal(err)
	}
	// The API's own verifier, over the key set the local stack serves.
	srv := httptest.NewServer(localjwt.NewServer(devstack.Issuer, key))
	defer srv.Close()
	v, err := altinntoken.New(context.Background(), altinntoken.Options{Issuer: devstack.Issuer, JWKSURL: srv.URL + localjwt.JWKSPath})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := v.Verify(context.Background(), strings.TrimSpace(stdout.String()))
	if err != nil {
		t.Fatalf("the printed token does not verify: %v", err)
	}
	// The claims of Altinn's user tokens.
	want := map[string]string{"name": "Ola Johan Testesen", "pid": "02919043558", "urn:altinn:userid": "1002", "urn:altinn:partyid": "50002",
		"urn:altinn:party:uuid": "0b6c1f2e-3d4a-4b5c-8d6e-000000050002", "urn:altinn:authlevel": "3"}
	for k, w := range want {
		if got := altinntoken.ClaimText(claims, k); got != w {
			t.Errorf("claim %s = %q, want %q", k, got, w)
		}
	}
	if _, ok := claims["aud"]; ok {
		t.Errorf("aud = %v, want none, as Altinn's tokens", claims["aud"])
	}
	if strings.Contains(stderr.String(), "02919043558") {
		t.Error("stderr shows the national ID")
	}
}

// TestDevUp starts the stack on free ports, starts a function process,
// and stops it all as Ctrl-C would: every child process (DynamoDB Local,
// moto, the function's) is gone afterwards.
func TestDevUp(t *testing.T) {
	t.Parallel()
	devtest.Short(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	stacks := make(chan *devstack.Stack, 1)
	upCtx := withStackUp(ctx, func(s *devstack.Stack) { stacks <- s })
	go func() {
		done <- dev(upCtx, []string{"up", "-edge", "127.0.0.1:0", "-api", "127.0.0.1:0", "-platform", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	deadline := time.After(5 * time.Minute)
	for !strings.Contains(stdout.String(), "ready") {
		select {
		case code := <-done:
			t.Fatalf("dev up exited %d before it was ready; stderr:\n%s", code, tail(stderr.String()))
		case <-deadline:
			t.Fatalf("dev up not ready within 5 minutes; stderr:\n%s", tail(stderr.String()))
		case <-time.After(50 * time.Millisecond):
		}
	}
	for _, want := range []string{"AWS endpoint (edge)", "HTTP API", "platform emulator", "stateMachine:signing-local-signing", "AWS_ENDPOINT_URL="} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	s := <-stacks
	event, err := os.ReadFile("../../events/api-signing-requests.json")
	if err != nil {
		t.Fatal(err)
	}
	if event, err = withLocalToken(event, "02919043558"); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Host.Invoke(t.Context(), "ApiFunction", event, funchost.InvokeOptions{}); err != nil || res.FunctionError != "" || !bytes.Contains(res.Payload, []byte(`"statusCode":200`)) {
		t.Fatalf("Invoke(ApiFunction) = %v %s", err, res.Payload)
	}
	procs := s.Processes()
	for _, kind := range []string{"dynamodb", "moto", "signing-local-ApiFunction"} {
		if len(procs[kind]) == 0 {
			t.Errorf("no %s process recorded (processes: %v)", kind, procs)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code = %d after interrupt; stderr:\n%s", code, tail(stderr.String()))
		}
	case <-time.After(time.Minute):
		t.Fatal("dev up did not stop within a minute of the interrupt")
	}
	for kind, pids := range procs {
		for _, pid := range pids {
			// Stopped processes are gone at once; what they left in their
			// group may take a moment to be reaped.
			gone := false
			for deadline := time.Now().Add(30 * time.Second); !gone && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				gone = !proc.GroupAlive(pid)
			}
			if !gone {
				t.Errorf("%s process group %d still exists after dev up stopped", kind, pid)
			}
		}
	}
}

// TestDevDemo runs `signing dev demo` (what `make run` runs).
func TestDevDemo(t *testing.T) {
	t.Parallel()
	devtest.Short(t)
	var stdout, stderr syncBuffer
	if code := dev(t.Context(), []string{"demo"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code = %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), tail(stderr.String()))
	}
	if !strings.Contains(stdout.String(), "summary: 13 of 13 steps verified") {
		t.Errorf("stdout lacks the summary:\n%s", stdout.String())
	}
	if !strings.Contains(stdout.String(), "webhook ✓ signee.signed") {
		t.Errorf("stdout shows no event at the webhook receiver:\n%s", stdout.String())
	}
	for _, ssn := range []string{"15838523428", "02919043558"} {
		if strings.Contains(stdout.String()+stderr.String(), ssn) {
			t.Error("the demo's output shows a national ID")
		}
	}
}

// TestInvoke invokes the API function once with a sample event.
func TestInvoke(t *testing.T) {
	t.Parallel()
	devtest.Short(t)
	var stdout, stderr syncBuffer
	code := invoke(t.Context(), []string{"ApiFunction", "-e", "../../events/api-signing-requests.json", "-token-pid", "02919043558"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code = %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), tail(stderr.String()))
	}
	if !strings.Contains(stdout.String(), `"statusCode":200`) {
		t.Errorf("stdout = %s, want the API's 200 response", stdout.String())
	}
	if !strings.Contains(stderr.String(), "REPORT RequestId:") || !strings.Contains(stderr.String(), "Init Duration:") {
		t.Errorf("stderr lacks the report line:\n%s", tail(stderr.String()))
	}
}

func tail(s string) string {
	if len(s) > 8<<10 {
		return s[len(s)-8<<10:]
	}
	return s
}

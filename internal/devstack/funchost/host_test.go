package funchost_test

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/devtest"
	"github.com/signingflow/signing/internal/devstack/funchost"
)

var (
	buildOnce sync.Once
	bootstrap string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// hello builds testdata/hello once per test binary, as sam build would.
func hello(t *testing.T) string {
	t.Helper()
	devtest.Short(t)
	goTool := devtest.GoTool(t)
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "funchost-test-")
		if buildErr != nil {
			return
		}
		root, err := filepath.Abs("../../..")
		if err != nil {
			buildErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		var out map[string]string
		out, buildErr = funchost.Build(ctx, funchost.BuildOptions{
			ModuleRoot: root,
			Go:         goTool,
			Packages:   map[string]string{"HelloFunction": "internal/devstack/funchost/testdata/hello"},
			OutDir:     buildDir,
		})
		bootstrap = out["HelloFunction"]
	})
	if buildErr != nil {
		t.Fatalf("Build() error = %v", buildErr)
	}
	return bootstrap
}

func newHost(t *testing.T, fn funchost.Function, opts funchost.Options) *funchost.Host {
	t.Helper()
	if fn.Bootstrap == "" {
		fn.Bootstrap = hello(t)
	}
	if fn.Name == "" {
		fn.Name = "signing-local-HelloFunction"
		fn.Aliases = []string{"HelloFunction"}
	}
	h := funchost.New(opts)
	if err := h.Add(fn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close() error = %v", err)
		}
	})
	return h
}

type helloReply struct {
	Greeting, Greeter, FunctionName, Memory, Handler, Region, RequestID, FunctionARN string
	HasDeadline                                                                      bool
	PID                                                                              int
	LogFormat, LogLevel                                                              string
	AllocatedMB                                                                      int
}

func invoke(t *testing.T, h *funchost.Host, name, payload string) (funchost.Result, helloReply) {
	t.Helper()
	res, err := h.Invoke(t.Context(), name, []byte(payload), funchost.InvokeOptions{})
	if err != nil {
		t.Fatalf("Invoke(%s) error = %v", payload, err)
	}
	var r helloReply
	if res.FunctionError == "" {
		if err := json.Unmarshal(res.Payload, &r); err != nil {
			t.Fatalf("Invoke(%s) payload %s: %v", payload, res.Payload, err)
		}
	}
	return res, r
}

// elfMachine is the ELF machine of a bootstrap built for each GOARCH.
var elfMachine = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386, "arm": elf.EM_ARM,
	"riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390, "loong64": elf.EM_LOONGARCH,
}

// TestBuild_hostArchitecture pins the divergence in docs/local-stack.md: the bootstraps
// are Linux executables for the host's architecture, not for the
// template's arm64 (unless the host is arm64).
func TestBuild_hostArchitecture(t *testing.T) {
	t.Parallel()
	f, err := elf.Open(hello(t))
	if err != nil {
		t.Fatalf("the bootstrap is not an ELF executable: %v", err)
	}
	defer f.Close()
	want, ok := elfMachine[runtime.GOARCH]
	if !ok {
		t.Fatalf("no ELF machine known for GOARCH %s; add it", runtime.GOARCH)
	}
	if f.Machine != want || f.Type != elf.ET_EXEC {
		t.Errorf("bootstrap: machine %v type %v, want %v (the host's %s) ET_EXEC", f.Machine, f.Type, want, runtime.GOARCH)
	}
	if runtime.GOARCH != "arm64" && f.Machine == elf.EM_AARCH64 {
		t.Errorf("bootstrap built for arm64 on a %s host; the README says the host's architecture", runtime.GOARCH)
	}
}

func TestHost_Invoke_environmentAndContext(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	h := newHost(t, funchost.Function{
		Env:       map[string]string{"GREETER": "the template", "AWS_LAMBDA_FUNCTION_NAME": "overridden?", "AWS_LAMBDA_LOG_LEVEL": "overridden?"},
		MemoryMB:  256,
		Timeout:   5 * time.Second,
		LogFormat: "JSON",
		LogLevel:  "INFO",
	}, funchost.Options{Region: "eu-west-1", Output: writerFunc(func(b []byte) { mu.Lock(); logs.Write(b); mu.Unlock() })})
	const debugLine = `{"level":"DEBUG","msg":"below the function's log level"}`
	res, got := invoke(t, h, "HelloFunction", fmt.Sprintf(`{"name":"world","print":%q}`, debugLine))
	want := helloReply{
		Greeting: "hello world", Greeter: "the template", FunctionName: "signing-local-HelloFunction",
		Memory: "256", Handler: "bootstrap", Region: "eu-west-1", RequestID: res.RequestID,
		FunctionARN: "arn:aws:lambda:eu-west-1:123456789012:function:signing-local-HelloFunction", HasDeadline: true, PID: got.PID,
		LogFormat: "JSON", LogLevel: "INFO",
	}
	if got != want {
		t.Errorf("reply = %+v\nwant    %+v", got, want)
	}
	if res.InitDuration <= 0 {
		t.Errorf("InitDuration = %v on a cold start, want > 0", res.InitDuration)
	}
	res2, got2 := invoke(t, h, "arn:aws:lambda:eu-west-1:123456789012:function:signing-local-HelloFunction:$LATEST", `{"name":"again"}`)
	if got2.PID != got.PID || res2.InitDuration != 0 {
		t.Errorf("second invocation: pid %d init %v, want the warm process %d and no init", got2.PID, res2.InitDuration, got.PID)
	}
	st, _ := h.Stats("HelloFunction")
	if st.Invocations != 2 || st.ColdStarts != 1 || len(st.InitDurations) != 1 || st.Errors != 0 {
		t.Errorf("Stats = %+v, want 2 invocations, 1 cold start with its init duration, no errors", st)
	}
	// No log-level filtering (a divergence in docs/local-stack.md): the DEBUG line passes
	// below an INFO level, prefixed with the function's name.
	waitFor(t, "the DEBUG line in the output", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(logs.String(), "signing-local-HelloFunction] "+debugLine)
	})
}

// TestHost_Invoke_noMemoryLimit pins the divergence in docs/local-stack.md: a process
// may use more than the function's MemorySize.
func TestHost_Invoke_noMemoryLimit(t *testing.T) {
	t.Parallel()
	h := newHost(t, funchost.Function{MemoryMB: 128, Timeout: 30 * time.Second}, funchost.Options{})
	res, got := invoke(t, h, "HelloFunction", `{"name":"big","allocMB":256}`)
	if res.FunctionError != "" || got.AllocatedMB != 256 || got.Memory != "128" {
		t.Errorf("a 128 MB function allocating 256 MB = %s %s (allocated %d MB, memory %s); want success",
			res.FunctionError, res.Payload, got.AllocatedMB, got.Memory)
	}
}

// waitFor polls cond until it holds; it fails t after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within a minute", what)
}

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }

func TestHost_Invoke_failures(t *testing.T) {
	t.Parallel()
	// The messages are the host's approximations of Lambda's (a divergence in docs/local-stack.md).
	tests := []struct {
		name          string
		env           map[string]string
		payload       string
		wantErrorType string
		wantMessage   string
		wantStats     func(funchost.Stats) bool
	}{
		{name: "function_error", payload: `{"error":"Custom.Error"}`, wantErrorType: "Custom.Error", wantMessage: "failed as asked",
			wantStats: func(s funchost.Stats) bool { return s.Errors == 1 && s.Crashes == 0 }},
		{name: "timeout", payload: `{"sleepMs":3000}`, wantErrorType: "Sandbox.Timedout", wantMessage: "Error: Task timed out after 0.50 seconds",
			wantStats: func(s funchost.Stats) bool { return s.Timeouts == 1 }},
		{name: "crash", payload: `{"exit":3}`, wantErrorType: "Runtime.ExitError", wantMessage: "Error: Runtime exited with error: exit status 3",
			wantStats: func(s funchost.Stats) bool { return s.Crashes == 1 }},
		{name: "init_failure", env: map[string]string{"FAIL_INIT": "1"}, payload: `{}`, wantErrorType: "Runtime.ExitError", wantMessage: "exited during init with exit status 2",
			wantStats: func(s funchost.Stats) bool { return s.Crashes == 1 && s.ColdStarts == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(t, funchost.Function{Env: tt.env, Timeout: 500 * time.Millisecond}, funchost.Options{})
			res, _ := invoke(t, h, "HelloFunction", tt.payload)
			if res.FunctionError != "Unhandled" || res.ErrorType() != tt.wantErrorType {
				t.Fatalf("result = %s %s, want Unhandled %s", res.FunctionError, res.Payload, tt.wantErrorType)
			}
			// The host's own errors name the request, as Lambda's do.
			wantPrefix := "RequestId: " + res.RequestID + " "
			if tt.name == "function_error" {
				wantPrefix = ""
			}
			if msg := errorMessage(t, res); !strings.HasPrefix(msg, wantPrefix) || !strings.Contains(msg, tt.wantMessage) {
				t.Errorf("errorMessage = %q, want %q… %q", msg, wantPrefix, tt.wantMessage)
			}
			st, _ := h.Stats("HelloFunction")
			if !tt.wantStats(st) {
				t.Errorf("Stats = %+v", st)
			}
			if tt.env != nil {
				return
			}
			// The function still serves: a crashed or killed process is replaced.
			if res, got := invoke(t, h, "HelloFunction", `{"name":"after"}`); res.FunctionError != "" || got.Greeting != "hello after" {
				t.Errorf("invocation after %s = %s %s", tt.name, res.FunctionError, res.Payload)
			}
		})
	}
}

func errorMessage(t *testing.T, res funchost.Result) string {
	t.Helper()
	var doc struct{ ErrorMessage string }
	if err := json.Unmarshal(res.Payload, &doc); err != nil {
		t.Fatalf("error document %s: %v", res.Payload, err)
	}
	return doc.ErrorMessage
}

// TestHost_Invoke_postedInitError: a runtime that posts an init error and
// then hangs. The caller gets the posted error type and message at once
// (not Runtime.ExitError after the init timeout), and the process is gone.
func TestHost_Invoke_postedInitError(t *testing.T) {
	t.Parallel()
	h := newHost(t, funchost.Function{Env: map[string]string{"POST_INIT_ERROR": "Custom.InitError"}, Timeout: 5 * time.Second},
		funchost.Options{InitTimeout: time.Hour})
	done := make(chan funchost.Result, 1)
	go func() {
		res, err := h.Invoke(context.Background(), "HelloFunction", []byte(`{}`), funchost.InvokeOptions{})
		if err != nil {
			t.Errorf("Invoke() error = %v", err)
		}
		done <- res
	}()
	var res funchost.Result
	select {
	case res = <-done:
	case <-time.After(time.Minute):
		// Far below the init timeout of an hour, far above a normal answer.
		t.Fatal("no answer within a minute: the host waits for the init timeout instead of the posted init error")
	}
	if res.FunctionError != "Unhandled" || res.ErrorType() != "Custom.InitError" || errorMessage(t, res) != "init failed as asked" {
		t.Errorf("result = %s %s, want Unhandled with the posted Custom.InitError document", res.FunctionError, res.Payload)
	}
	if st, _ := h.Stats("HelloFunction"); st.ColdStarts != 1 || st.Crashes != 1 || st.Errors != 1 {
		t.Errorf("Stats = %+v, want 1 cold start, its process discarded as 1 crash", st)
	}
	if left := h.Processes()["signing-local-HelloFunction"]; len(left) != 0 {
		t.Errorf("processes left after the init error: %v", left)
	}
}

// TestHost_InvokeAsync_notRetried pins the divergence in docs/local-stack.md: a failed
// Event invocation runs once (Lambda retries twice).
func TestHost_InvokeAsync_notRetried(t *testing.T) {
	t.Parallel()
	h := newHost(t, funchost.Function{Timeout: 5 * time.Second}, funchost.Options{})
	marker := filepath.Join(t.TempDir(), "attempts")
	if _, err := h.InvokeAsync("HelloFunction", fmt.Appendf(nil, `{"touch":%q,"error":"Custom.Error"}`, marker)); err != nil {
		t.Fatal(err)
	}
	h.WaitAsync()
	b, err := os.ReadFile(marker)
	if err != nil {
		t.Fatalf("the asynchronous invocation did not run: %v", err)
	}
	if got := strings.Count(string(b), "touched"); got != 1 {
		t.Errorf("the failed asynchronous invocation ran %d times, want 1 (no retries)", got)
	}
	if st, _ := h.Stats("HelloFunction"); st.Invocations != 1 || st.Errors != 1 {
		t.Errorf("Stats = %+v, want 1 failed invocation", st)
	}
}

func TestHost_KillOnResponse(t *testing.T) {
	t.Parallel()
	h := newHost(t, funchost.Function{Timeout: 5 * time.Second}, funchost.Options{})
	marker := filepath.Join(t.TempDir(), "side-effect")
	if err := h.KillOnResponseMatching("HelloFunction", "victim", 1); err != nil {
		t.Fatal(err)
	}
	// Another payload is not hit.
	if res, got := invoke(t, h, "HelloFunction", `{"name":"bystander"}`); res.FunctionError != "" || got.Greeting != "hello bystander" {
		t.Fatalf("invocation without the substring = %s, want success", res.Payload)
	}
	payload := fmt.Sprintf(`{"touch":%q,"name":"victim"}`, marker)
	res, _ := invoke(t, h, "HelloFunction", payload)
	if res.ErrorType() != "Runtime.ExitError" {
		t.Fatalf("first invocation = %s, want Runtime.ExitError", res.Payload)
	}
	res, _ = invoke(t, h, "HelloFunction", payload)
	if res.FunctionError != "" {
		t.Fatalf("retry = %s, want success", res.Payload)
	}
	b, _ := os.ReadFile(marker)
	if got := strings.Count(string(b), "touched"); got != 2 {
		t.Errorf("side effect ran %d times, want 2 (the killed one did its work)", got)
	}
	st, _ := h.Stats("HelloFunction")
	if st.ColdStarts != 2 || st.Crashes != 1 {
		t.Errorf("Stats = %+v, want 2 cold starts and 1 crash", st)
	}
}

func TestHost_Kill_restarts(t *testing.T) {
	t.Parallel()
	h := newHost(t, funchost.Function{Timeout: 5 * time.Second}, funchost.Options{})
	_, first := invoke(t, h, "HelloFunction", `{"name":"a"}`)
	if n := h.Kill("HelloFunction"); n != 1 {
		t.Fatalf("Kill() = %d, want 1", n)
	}
	res, second := invoke(t, h, "HelloFunction", `{"name":"b"}`)
	if res.FunctionError != "" || second.PID == first.PID {
		t.Errorf("after Kill: %s pid %d (was %d), want success in a new process", res.Payload, second.PID, first.PID)
	}
}

// TestHost_Invoke_concurrency pins the divergence in docs/local-stack.md: a function has
// at most 4 processes (the default), and calls beyond them wait for one
// instead of being throttled (429).
func TestHost_Invoke_concurrency(t *testing.T) {
	t.Parallel()
	h := newHost(t, funchost.Function{Timeout: time.Minute}, funchost.Options{})
	gate := filepath.Join(t.TempDir(), "gate")
	payload := fmt.Appendf(nil, `{"waitFile":%q}`, gate)
	const calls = 6
	errs := make(chan error, calls)
	for range calls {
		go func() {
			res, err := h.Invoke(context.Background(), "HelloFunction", payload, funchost.InvokeOptions{})
			if err == nil && res.FunctionError != "" {
				err = fmt.Errorf("%s", res.Payload)
			}
			errs <- err
		}()
	}
	// Four processes are busy and two calls wait before the gate opens.
	waitFor(t, "4 busy processes and 2 queued calls", func() bool {
		st, _ := h.Stats("HelloFunction")
		return st.ColdStarts == 4 && st.Queued == calls-4
	})
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for range calls {
		if err := <-errs; err != nil {
			t.Errorf("Invoke() = %v, want every call served", err)
		}
	}
	st, _ := h.Stats("HelloFunction")
	if st.ColdStarts != 4 || st.Invocations != calls || st.Queued != calls-4 {
		t.Errorf("Stats = %+v, want %d invocations on 4 processes, %d of them queued", st, calls, calls-4)
	}
}

func TestHost_Invoke_errors(t *testing.T) {
	t.Parallel()
	h := newHost(t, funchost.Function{}, funchost.Options{})
	tests := []struct {
		name    string
		fn      string
		payload []byte
		want    error
	}{
		{name: "unknown_function", fn: "Nope", payload: []byte(`{}`), want: funchost.ErrNotFound},
		{name: "other_qualifier", fn: "signing-local-HelloFunction:prod", payload: []byte(`{}`), want: funchost.ErrNotFound},
		{name: "too_large", fn: "HelloFunction", payload: bytes.Repeat([]byte("x"), funchost.MaxPayload+1), want: funchost.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := h.Invoke(t.Context(), tt.fn, tt.payload, funchost.InvokeOptions{}); !errors.Is(err, tt.want) {
				t.Errorf("Invoke() error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestHost_Handler(t *testing.T) {
	t.Parallel()
	h := newHost(t, funchost.Function{Timeout: 5 * time.Second}, funchost.Options{})
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	tests := []struct {
		name           string
		fn             string
		body           string
		headers        map[string]string
		wantStatus     int
		wantHeader     map[string]string
		wantBodySubstr string
	}{
		{name: "request_response", fn: "HelloFunction", body: `{"name":"api"}`, wantStatus: 200,
			wantHeader: map[string]string{"X-Amz-Executed-Version": "$LATEST"}, wantBodySubstr: `"greeting":"hello api"`},
		{name: "function_error", fn: "HelloFunction", body: `{"error":"Signing.Invalid"}`, wantStatus: 200,
			wantHeader: map[string]string{"X-Amz-Function-Error": "Unhandled"}, wantBodySubstr: `"errorType":"Signing.Invalid"`},
		{name: "event", fn: "HelloFunction", body: `{}`, headers: map[string]string{"X-Amz-Invocation-Type": "Event"}, wantStatus: 202},
		{name: "dry_run", fn: "HelloFunction", body: `{}`, headers: map[string]string{"X-Amz-Invocation-Type": "DryRun"}, wantStatus: 204},
		{name: "unknown_function", fn: "Nope", body: `{}`, wantStatus: 404,
			wantHeader: map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"}},
		{name: "qualifier_parameter", fn: "HelloFunction?Qualifier=prod", body: `{}`, wantStatus: 404,
			wantHeader: map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"}, wantBodySubstr: "$LATEST only"},
		{name: "qualified_name", fn: "signing-local-HelloFunction:1", body: `{}`, wantStatus: 404,
			wantHeader: map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"}},
		{name: "latest_qualifier", fn: "HelloFunction?Qualifier=$LATEST", body: `{"name":"latest"}`, wantStatus: 200, wantBodySubstr: "hello latest"},
		{name: "not_json", fn: "HelloFunction", body: `{`, wantStatus: 400,
			wantHeader: map[string]string{"X-Amzn-ErrorType": "InvalidRequestContentException"}},
		{name: "log_tail", fn: "HelloFunction", body: `{}`, headers: map[string]string{"X-Amz-Log-Type": "Tail"}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fn, query, _ := strings.Cut(tt.fn, "?")
			req, _ := http.NewRequest("POST", srv.URL+"/2015-03-31/functions/"+fn+"/invocations?"+query, strings.NewReader(tt.body))
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d (%s), want %d", resp.StatusCode, body, tt.wantStatus)
			}
			for k, v := range tt.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if !strings.Contains(string(body), tt.wantBodySubstr) {
				t.Errorf("body = %s, want it to contain %s", body, tt.wantBodySubstr)
			}
		})
	}
}

func TestHost_Add_errors(t *testing.T) {
	t.Parallel()
	h := funchost.New(funchost.Options{})
	defer h.Close()
	tests := []struct {
		name string
		fn   funchost.Function
	}{
		{name: "no_name", fn: funchost.Function{Bootstrap: "/bin/sh"}},
		{name: "missing_bootstrap", fn: funchost.Function{Name: "f", Bootstrap: filepath.Join(t.TempDir(), "bootstrap")}},
		{name: "not_executable", fn: funchost.Function{Name: "g", Bootstrap: writeFile(t, "bootstrap", 0o644)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := h.Add(tt.fn); err == nil {
				t.Error("Add() error = nil, want one")
			}
		})
	}
}

func writeFile(t *testing.T, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

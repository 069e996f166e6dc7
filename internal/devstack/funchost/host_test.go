package funchost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

func TestHost_Invoke_environmentAndContext(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	h := newHost(t, funchost.Function{
		Env:      map[string]string{"GREETER": "the template", "AWS_LAMBDA_FUNCTION_NAME": "overridden?"},
		MemoryMB: 256,
		Timeout:  5 * time.Second,
	}, funchost.Options{Region: "eu-west-1", Output: writerFunc(func(b []byte) { mu.Lock(); logs.Write(b); mu.Unlock() })})
	res, got := invoke(t, h, "HelloFunction", `{"name":"world"}`)
	want := helloReply{
		Greeting: "hello world", Greeter: "the template", FunctionName: "signing-local-HelloFunction",
		Memory: "256", Handler: "bootstrap", Region: "eu-west-1", RequestID: res.RequestID,
		FunctionARN: "arn:aws:lambda:eu-west-1:123456789012:function:signing-local-HelloFunction", HasDeadline: true, PID: got.PID,
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
	mu.Lock()
	defer mu.Unlock()
	_ = logs
}

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }

func TestHost_Invoke_failures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		env           map[string]string
		payload       string
		wantErrorType string
		wantStats     func(funchost.Stats) bool
	}{
		{name: "function_error", payload: `{"error":"Custom.Error"}`, wantErrorType: "Custom.Error",
			wantStats: func(s funchost.Stats) bool { return s.Errors == 1 && s.Crashes == 0 }},
		{name: "timeout", payload: `{"sleepMs":3000}`, wantErrorType: "Sandbox.Timedout",
			wantStats: func(s funchost.Stats) bool { return s.Timeouts == 1 }},
		{name: "crash", payload: `{"exit":3}`, wantErrorType: "Runtime.ExitError",
			wantStats: func(s funchost.Stats) bool { return s.Crashes == 1 }},
		{name: "init_failure", env: map[string]string{"FAIL_INIT": "1"}, payload: `{}`, wantErrorType: "Runtime.ExitError",
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

func TestHost_KillOnResponse(t *testing.T) {
	t.Parallel()
	h := newHost(t, funchost.Function{Timeout: 5 * time.Second}, funchost.Options{})
	marker := filepath.Join(t.TempDir(), "side-effect")
	if err := h.KillOnResponse("HelloFunction", 1); err != nil {
		t.Fatal(err)
	}
	payload := fmt.Sprintf(`{"touch":%q}`, marker)
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

func TestHost_Invoke_concurrency(t *testing.T) {
	t.Parallel()
	h := newHost(t, funchost.Function{Timeout: 5 * time.Second, MaxProcesses: 2}, funchost.Options{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := h.Invoke(context.Background(), "HelloFunction", []byte(`{"sleepMs":200}`), funchost.InvokeOptions{})
			if err != nil || res.FunctionError != "" {
				t.Errorf("Invoke = %v %s", err, res.Payload)
			}
		}()
	}
	wg.Wait()
	st, _ := h.Stats("HelloFunction")
	if st.ColdStarts != 2 || st.Invocations != 4 {
		t.Errorf("Stats = %+v, want 4 invocations on 2 processes", st)
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
		{name: "not_json", fn: "HelloFunction", body: `{`, wantStatus: 400,
			wantHeader: map[string]string{"X-Amzn-ErrorType": "InvalidRequestContentException"}},
		{name: "log_tail", fn: "HelloFunction", body: `{}`, headers: map[string]string{"X-Amz-Log-Type": "Tail"}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("POST", srv.URL+"/2015-03-31/functions/"+tt.fn+"/invocations", strings.NewReader(tt.body))
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

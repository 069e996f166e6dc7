package funchost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/devstack/proc"
)

// Runtime API paths (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
const (
	pathNext      = "/2018-06-01/runtime/invocation/next"
	pathResponse  = "/2018-06-01/runtime/invocation/{id}/response"
	pathError     = "/2018-06-01/runtime/invocation/{id}/error"
	pathInitError = "/2018-06-01/runtime/init/error"
)

type invocation struct {
	id       string
	payload  []byte
	opts     InvokeOptions
	deadline time.Time
	done     chan invocationResult
}

type outcome int

const (
	outcomeOK outcome = iota
	outcomeError
	outcomeTimeout
	outcomeCrash
)

type invocationResult struct {
	kind          outcome
	payload       []byte
	functionError string
}

// sandbox is one process of a function with its Runtime API server.
type sandbox struct {
	fn   *function
	p    *proc.Process
	srv  *http.Server
	ln   net.Listener
	next chan *invocation
	quit chan struct{}
	// ready is closed once p is set; the handlers wait for it.
	ready chan struct{}

	initOnce     sync.Once
	initDone     chan struct{}
	initDuration time.Duration
	// initFailed is closed when the runtime posts an init error.
	initFailed     chan struct{}
	initFailedOnce sync.Once

	mu        sync.Mutex
	current   *invocation
	initError []byte

	stopOnce sync.Once
	stopErr  error
}

func startSandbox(f *function) (*sandbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API: listen: %w", err)
	}
	s := &sandbox{
		fn:         f,
		ln:         ln,
		next:       make(chan *invocation),
		quit:       make(chan struct{}),
		ready:      make(chan struct{}),
		initDone:   make(chan struct{}),
		initFailed: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathNext, s.handleNext)
	mux.HandleFunc("POST "+pathResponse, s.handleResponse)
	mux.HandleFunc("POST "+pathError, s.handleError)
	mux.HandleFunc("POST "+pathInitError, s.handleInitError)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	p, err := proc.Start(f.def.Bootstrap, nil, proc.Options{
		Dir:    filepath.Dir(f.def.Bootstrap),
		Env:    f.env(ln.Addr().String()),
		Stdout: f.out,
		Stderr: f.out,
	})
	if err != nil {
		_ = s.srv.Close()
		return nil, err
	}
	s.p = p
	close(s.ready)
	return s, nil
}

// initError is an init error the runtime posted (/runtime/init/error);
// doc is its error document, which the caller gets as Lambda's does.
type initError struct{ doc []byte }

func (e *initError) Error() string { return "init failed: " + string(e.doc) }

// waitInit waits for the first "next", a posted init error, the process's
// death or timeout. A posted init error ends the wait at once: Lambda does
// not wait for a runtime that reported its init failed to exit.
func (s *sandbox) waitInit(timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-s.initDone:
		return nil
	case <-s.initFailed:
		return s.postedInitError()
	case <-s.p.Done():
		if err := s.postedInitError(); err != nil {
			return err
		}
		return fmt.Errorf("runtime exited during init with %v; output:\n%s", s.p.Err(), s.p.Output())
	case <-timer.C:
		return fmt.Errorf("init did not finish within %s", timeout)
	}
}

// postedInitError returns the init error the runtime posted, or nil.
func (s *sandbox) postedInitError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initError == nil {
		return nil
	}
	return &initError{doc: s.initError}
}

// run hands inv to the process and waits for its outcome; delivered is
// false when the process died before it took the event.
func (s *sandbox) run(inv *invocation) (res invocationResult, delivered bool) {
	if s.p.Exited() {
		return s.crashed(inv), false
	}
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	select {
	case s.next <- inv:
	case <-s.p.Done():
		return s.crashed(inv), false
	case <-timer.C:
		return s.timedOut(inv), true
	}
	return s.await(inv, timer), true
}

func (s *sandbox) await(inv *invocation, timer *time.Timer) invocationResult {
	select {
	case r := <-inv.done:
		return r
	case <-s.p.Done():
		// A response posted just before the process died still counts.
		select {
		case r := <-inv.done:
			return r
		default:
		}
		return s.crashed(inv)
	case <-timer.C:
		return s.timedOut(inv)
	}
}

func (s *sandbox) crashed(inv *invocation) invocationResult {
	s.clear(inv)
	err := s.p.Err()
	msg := "Runtime exited without providing a reason"
	if err != nil {
		msg = "Runtime exited with error: " + err.Error()
	}
	return invocationResult{
		kind: outcomeCrash, functionError: "Unhandled",
		payload: errorDoc("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: %s", inv.id, msg)),
	}
}

func (s *sandbox) timedOut(inv *invocation) invocationResult {
	s.clear(inv)
	s.p.Kill()
	secs := s.fn.def.Timeout.Seconds()
	return invocationResult{
		kind: outcomeTimeout, functionError: "Unhandled",
		payload: errorDoc("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, secs)),
	}
}

func (s *sandbox) clear(inv *invocation) {
	s.mu.Lock()
	if s.current == inv {
		s.current = nil
	}
	s.mu.Unlock()
}

func (s *sandbox) handleNext(w http.ResponseWriter, r *http.Request) {
	<-s.ready
	s.initOnce.Do(func() {
		s.initDuration = time.Since(s.p.Started())
		close(s.initDone)
	})
	select {
	case inv := <-s.next:
		s.mu.Lock()
		s.current = inv
		s.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", s.fn.def.ARN)
		h.Set("Lambda-Runtime-Trace-Id", inv.opts.TraceID)
		if inv.opts.ClientContext != "" {
			h.Set("Lambda-Runtime-Client-Context", inv.opts.ClientContext)
		}
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	case <-s.quit:
		http.Error(w, "shutting down", http.StatusGone)
	}
}

// take returns the invocation id names if it is the current one.
func (s *sandbox) take(id string) *invocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil || s.current.id != id {
		return nil
	}
	inv := s.current
	s.current = nil
	return inv
}

func (s *sandbox) handleResponse(w http.ResponseWriter, r *http.Request) {
	<-s.ready
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	inv := s.take(r.PathValue("id"))
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	if s.fn.takeKillOnResponse(inv.payload) {
		// The side effects are done; the response never arrives.
		s.p.Kill()
		return
	}
	res := invocationResult{kind: outcomeOK, payload: body}
	if len(body) > MaxPayload {
		res = invocationResult{
			kind: outcomeError, functionError: "Unhandled",
			payload: errorDoc("Function.ResponseSizeTooLarge", fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxPayload)),
		}
	}
	inv.done <- res
	accepted(w)
}

func (s *sandbox) handleError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	inv := s.take(r.PathValue("id"))
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	inv.done <- invocationResult{kind: outcomeError, functionError: "Unhandled", payload: errorBody(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))}
	accepted(w)
}

func (s *sandbox) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	s.mu.Lock()
	s.initError = errorBody(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	s.mu.Unlock()
	s.initFailedOnce.Do(func() { close(s.initFailed) })
	accepted(w)
}

// errorBody returns the runtime's error document, or builds one from the
// error-type header when the body is not one.
func errorBody(body []byte, typ string) []byte {
	var doc map[string]any
	if json.Unmarshal(body, &doc) == nil && doc != nil {
		return bytes.TrimSpace(body)
	}
	if typ == "" {
		typ = "Runtime.Unknown"
	}
	return errorDoc(typ, string(body))
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"OK"}`))
}

func runtimeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

// stop ends the process (SIGTERM, then SIGKILL) and the Runtime API server.
func (s *sandbox) stop() error {
	s.stopOnce.Do(func() {
		close(s.quit)
		s.stopErr = s.p.Stop(2 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			_ = s.srv.Close()
		}
		_ = s.srv.Close()
	})
	return s.stopErr
}

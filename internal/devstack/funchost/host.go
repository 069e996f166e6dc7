// Package funchost runs Lambda functions as Lambda does, without Docker:
// each function's real bootstrap binary (built as `sam build` builds it)
// runs as a process that speaks the Lambda Runtime API (next, response,
// error, init error) to a server of this package, one per process.
//
// A function has up to MaxProcesses processes; each handles one invocation
// at a time. Every process gets the function's environment plus the
// variables Lambda sets (AWS_LAMBDA_RUNTIME_API, _HANDLER,
// AWS_LAMBDA_FUNCTION_NAME, memory, region, …). The host enforces the
// function's timeout (Sandbox.Timedout, the process is killed), reports a
// process that dies mid-invocation as Runtime.ExitError and starts a fresh
// one for the next invocation, answers an invocation whose process posted
// an init error with that error, and measures each cold start's init
// duration. Handler serves the Lambda Invoke API, for the edge.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package funchost

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxPayload is Lambda's limit for a synchronous request or response (6 MB).
const MaxPayload = 6 * 1024 * 1024

// Errors of Invoke that are not function errors.
var (
	// ErrNotFound means no function has the name.
	ErrNotFound = errors.New("funchost: function not found")
	// ErrClosed means the host was closed.
	ErrClosed = errors.New("funchost: host closed")
	// ErrTooLarge means the payload exceeds MaxPayload.
	ErrTooLarge = errors.New("funchost: request payload too large")
)

// Function is one Lambda function.
type Function struct {
	// Name is the function name (FunctionName); Invoke also accepts its ARN
	// and any alias.
	Name string
	// Aliases are other names Invoke accepts, e.g. the logical ID.
	Aliases []string
	// ARN is the function ARN; default arn:aws:lambda:<region>:<account>:function:<Name>.
	ARN string
	// Bootstrap is the executable; its folder is LAMBDA_TASK_ROOT.
	Bootstrap string
	// Handler is _HANDLER; default "bootstrap".
	Handler string
	// Env is the function's environment (the template's Variables, resolved).
	Env map[string]string
	// MemoryMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE; default 128.
	MemoryMB int
	// Timeout bounds one invocation; default 3s, Lambda's default.
	Timeout time.Duration
	// MaxProcesses overrides Options.MaxProcesses for this function.
	MaxProcesses int
	// LogFormat and LogLevel are the template's LoggingConfig LogFormat
	// ("JSON" or "Text") and ApplicationLogLevel; the host passes them as
	// AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL, as Lambda does, and
	// filters nothing.
	LogFormat, LogLevel string
}

// Options configure New.
type Options struct {
	// Region and AccountID build ARNs and AWS_REGION; defaults eu-north-1, 123456789012.
	Region, AccountID string
	// BaseEnv is added to every function's environment under its own
	// variables (e.g. AWS_ENDPOINT_URL and dummy credentials).
	BaseEnv map[string]string
	// Output receives every function's output, each line prefixed with the
	// function's name; nil discards it (a tail per function is kept).
	Output io.Writer
	// MaxProcesses is how many processes (concurrent invocations) a function
	// may have; default 4. Further invocations wait for a free process
	// (Lambda would throttle them with 429 TooManyRequestsException).
	MaxProcesses int
	// InitTimeout bounds a process's init (start to first "next"); default 10s, as Lambda.
	InitTimeout time.Duration
	// Logger logs cold starts (with init duration), restarts and timeouts; nil logs nothing.
	Logger *slog.Logger
}

// Result is the outcome of one invocation.
type Result struct {
	RequestID string
	// Payload is the response, or the error document when FunctionError is set.
	Payload []byte
	// FunctionError is "Unhandled" when the function failed (error, crash,
	// timeout); "" on success.
	FunctionError string
	// Duration is the time from handing over the event to the response.
	Duration time.Duration
	// InitDuration is set when the invocation started a process.
	InitDuration time.Duration
}

// ErrorType returns the errorType of a failed invocation's error document.
func (r Result) ErrorType() string {
	if r.FunctionError == "" {
		return ""
	}
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	_ = json.Unmarshal(r.Payload, &doc)
	return doc.ErrorType
}

// Stats count what happened to one function.
type Stats struct {
	Invocations int
	// Errors are invocations that ended with a function error of any kind.
	Errors   int
	Timeouts int
	// Crashes are processes that died while handling or awaiting an invocation.
	Crashes int
	// ColdStarts is how many processes were started; InitDurations their init times.
	ColdStarts    int
	InitDurations []time.Duration
	// Queued are invocations that found every process busy and waited for
	// one (Lambda would have throttled them).
	Queued int
}

// Host runs functions. It is safe for concurrent use.
type Host struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	fns    map[string]*function // by name, alias and ARN
	list   []*function
	closed bool
	wg     sync.WaitGroup // background (Event) invocations
}

// New returns a host without functions.
func New(opts Options) *Host {
	if opts.Region == "" {
		opts.Region = "eu-north-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.MaxProcesses <= 0 {
		opts.MaxProcesses = 4
	}
	if opts.InitTimeout <= 0 {
		opts.InitTimeout = 10 * time.Second
	}
	h := &Host{opts: opts, log: opts.Logger, fns: map[string]*function{}}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

// Add registers fn. Its processes start on first invocation.
func (h *Host) Add(fn Function) error {
	if fn.Name == "" {
		return errors.New("funchost: a function needs a name")
	}
	st, err := os.Stat(fn.Bootstrap)
	if err != nil {
		return fmt.Errorf("funchost: %s: bootstrap: %w", fn.Name, err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("funchost: %s: bootstrap %s is not executable", fn.Name, fn.Bootstrap)
	}
	if fn.ARN == "" {
		fn.ARN = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", h.opts.Region, h.opts.AccountID, fn.Name)
	}
	if fn.Handler == "" {
		fn.Handler = "bootstrap"
	}
	if fn.MemoryMB <= 0 {
		fn.MemoryMB = 128
	}
	if fn.Timeout <= 0 {
		fn.Timeout = 3 * time.Second
	}
	max := fn.MaxProcesses
	if max <= 0 {
		max = h.opts.MaxProcesses
	}
	f := &function{def: fn, host: h, slots: make(chan struct{}, max), all: map[*sandbox]struct{}{}}
	f.out = newPrefixWriter(h.opts.Output, fn.Name)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	for _, n := range append([]string{fn.Name, fn.ARN}, fn.Aliases...) {
		if _, dup := h.fns[n]; dup {
			return fmt.Errorf("funchost: a function named %s is already registered", n)
		}
	}
	for _, n := range append([]string{fn.Name, fn.ARN}, fn.Aliases...) {
		h.fns[n] = f
	}
	h.list = append(h.list, f)
	return nil
}

// Functions returns the registered functions' names, sorted.
func (h *Host) Functions() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, f := range h.list {
		out = append(out, f.def.Name)
	}
	sort.Strings(out)
	return out
}

// Function returns the definition of the function name refers to.
func (h *Host) Function(name string) (Function, bool) {
	f, err := h.lookup(name)
	if err != nil {
		return Function{}, false
	}
	return f.def, true
}

// lookup resolves a name, ARN (with an optional qualifier) or alias.
func (h *Host) lookup(name string) (*function, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if f, ok := h.fns[name]; ok {
		return f, nil
	}
	// arn:aws:lambda:region:account:function:name[:qualifier] or account:function:name.
	parts := strings.Split(name, ":")
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == "function" {
			if f, ok := h.fns[parts[i+1]]; ok && (i+2 == len(parts) || parts[i+2] == "$LATEST") {
				return f, nil
			}
		}
	}
	if base, q, ok := strings.Cut(name, ":"); ok && q == "$LATEST" {
		if f, ok := h.fns[base]; ok {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
}

// InvokeOptions are the optional parts of an invocation.
type InvokeOptions struct {
	// ClientContext is passed to the runtime as Lambda-Runtime-Client-Context.
	ClientContext string
	// TraceID is passed as Lambda-Runtime-Trace-Id; default a new one.
	TraceID string
}

// Invoke runs one synchronous invocation of the function name refers to. A
// function error (returned error, crash, timeout) is a Result with
// FunctionError set, not an error; err is for invocations that could not be
// made (unknown function, payload too large, ctx ended before a process was
// free, host closed).
func (h *Host) Invoke(ctx context.Context, name string, payload []byte, opts InvokeOptions) (Result, error) {
	f, err := h.lookup(name)
	if err != nil {
		return Result{}, err
	}
	if len(payload) > MaxPayload {
		return Result{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(payload), MaxPayload)
	}
	return f.invoke(ctx, payload, opts)
}

// InvokeAsync queues an invocation (InvocationType Event) and returns its
// request ID at once. Failures are logged, not retried (Lambda retries a
// failed asynchronous invocation twice).
func (h *Host) InvokeAsync(name string, payload []byte) (string, error) {
	f, err := h.lookup(name)
	if err != nil {
		return "", err
	}
	if len(payload) > MaxPayload {
		return "", ErrTooLarge
	}
	id := newRequestID()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		res, err := f.invoke(context.Background(), payload, InvokeOptions{})
		if err != nil || res.FunctionError != "" {
			h.log.Warn("funchost: asynchronous invocation failed", "function", f.def.Name, "requestId", id, "errorType", res.ErrorType(), "error", errString(err))
		}
	}()
	return id, nil
}

// WaitAsync waits until every asynchronous invocation queued so far has
// ended (with its retries, were there any).
func (h *Host) WaitAsync() { h.wg.Wait() }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Stats returns the counters of the function name refers to.
func (h *Host) Stats(name string) (Stats, bool) {
	f, err := h.lookup(name)
	if err != nil {
		return Stats{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.InitDurations = append([]time.Duration(nil), f.stats.InitDurations...)
	return s, true
}

// Output returns the last output of the function's processes.
func (h *Host) Output(name string) string {
	f, err := h.lookup(name)
	if err != nil {
		return ""
	}
	return f.out.tail.String()
}

// Kill kills every process of the function now, as a crash would; an
// invocation in flight ends with Runtime.ExitError. It returns how many
// processes it killed.
func (h *Host) Kill(name string) int {
	f, err := h.lookup(name)
	if err != nil {
		return 0
	}
	f.mu.Lock()
	var boxes []*sandbox
	for s := range f.all {
		boxes = append(boxes, s)
	}
	f.mu.Unlock()
	for _, s := range boxes {
		s.p.Kill()
	}
	for _, s := range boxes {
		// Wait until it is gone from the pool, so the next invocation starts afresh.
		<-s.p.Done()
		f.remove(s)
	}
	return len(boxes)
}

// KillOnResponse makes the next count invocations of the function lose
// their process right after the function posts its response: the work and
// its side effects are done, but the process is killed before the response
// reaches the caller, who sees Runtime.ExitError (as when a Lambda sandbox
// dies at that moment).
func (h *Host) KillOnResponse(name string, count int) error {
	return h.KillOnResponseMatching(name, "", count)
}

// KillOnResponseMatching is KillOnResponse for the next count invocations
// whose payload contains substr (e.g. an instance GUID), so a test's fault
// hits its own work and not another's; "" matches every payload.
func (h *Host) KillOnResponseMatching(name, substr string, count int) error {
	f, err := h.lookup(name)
	if err != nil {
		return err
	}
	if count <= 0 {
		return nil
	}
	f.mu.Lock()
	f.killOnResponse = append(f.killOnResponse, &killFault{substr: substr, count: count})
	f.mu.Unlock()
	return nil
}

// Processes returns the process IDs of every function's running
// processes, by function name. Each process leads its own process group.
func (h *Host) Processes() map[string][]int {
	h.mu.Lock()
	list := h.list
	h.mu.Unlock()
	out := map[string][]int{}
	for _, f := range list {
		f.mu.Lock()
		for s := range f.all {
			out[f.def.Name] = append(out[f.def.Name], s.p.PID())
		}
		f.mu.Unlock()
		sort.Ints(out[f.def.Name])
	}
	return out
}

// Close stops every process and waits for queued asynchronous invocations
// to end.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	list := h.list
	h.mu.Unlock()
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, f := range list {
		f.mu.Lock()
		f.closed = true
		var boxes []*sandbox
		for s := range f.all {
			boxes = append(boxes, s)
		}
		f.mu.Unlock()
		for _, s := range boxes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.stop(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	h.wg.Wait()
	return errors.Join(errs...)
}

// function is a registered function with its processes.
type function struct {
	def   Function
	host  *Host
	slots chan struct{}
	out   *prefixWriter

	mu             sync.Mutex
	idle           []*sandbox
	all            map[*sandbox]struct{}
	stats          Stats
	killOnResponse []*killFault
	closed         bool
}

// killFault is a KillOnResponse fault: count more invocations whose
// payload contains substr.
type killFault struct {
	substr string
	count  int
}

func (f *function) invoke(ctx context.Context, payload []byte, opts InvokeOptions) (Result, error) {
	select {
	case f.slots <- struct{}{}:
	default:
		// Every process is busy: wait for one, where Lambda would throttle.
		f.count(func(st *Stats) { st.Queued++ })
		select {
		case f.slots <- struct{}{}:
		case <-ctx.Done():
			return Result{}, fmt.Errorf("funchost: %s: no free process: %w", f.def.Name, ctx.Err())
		}
	}
	release := func() { <-f.slots }
	inv := &invocation{
		id:      newRequestID(),
		payload: payload,
		opts:    opts,
		done:    make(chan invocationResult, 1),
	}
	if inv.opts.TraceID == "" {
		inv.opts.TraceID = newTraceID()
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		release()
		return Result{}, ErrClosed
	}
	f.stats.Invocations++
	var s *sandbox
	if n := len(f.idle); n > 0 {
		s, f.idle = f.idle[n-1], f.idle[:n-1]
	}
	f.mu.Unlock()

	var res Result
	res.RequestID = inv.id
	var out invocationResult
	var start time.Time
	for attempt := 0; ; attempt++ {
		if s == nil {
			var err error
			s, err = f.coldStart()
			if err != nil {
				release()
				f.count(func(st *Stats) { st.Errors++; st.Crashes++ })
				res.FunctionError = "Unhandled"
				var posted *initError
				if errors.As(err, &posted) {
					// The runtime said why: the caller gets its error document.
					res.Payload = posted.doc
					return res, nil
				}
				res.Payload = errorDoc("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: %v", inv.id, err))
				return res, nil
			}
			res.InitDuration = s.initDuration
		}
		start = time.Now()
		inv.deadline = start.Add(f.def.Timeout)
		var delivered bool
		out, delivered = s.run(inv)
		if delivered || attempt > 0 {
			break
		}
		// The idle process had died; Lambda would use a fresh sandbox.
		f.remove(s)
		go func(s *sandbox) { _ = s.stop() }(s)
		s = nil
	}
	res.Duration = time.Since(start)
	res.Payload, res.FunctionError = out.payload, out.functionError
	switch out.kind {
	case outcomeOK:
	case outcomeError:
		f.count(func(st *Stats) { st.Errors++ })
	case outcomeTimeout:
		f.count(func(st *Stats) { st.Errors++; st.Timeouts++ })
		f.host.log.Warn("funchost: timed out; process killed", "function", f.def.Name, "requestId", inv.id, "timeout", f.def.Timeout.String())
	case outcomeCrash:
		f.count(func(st *Stats) { st.Errors++; st.Crashes++ })
		f.host.log.Warn("funchost: process died; the next invocation starts a new one", "function", f.def.Name, "requestId", inv.id)
	}
	if out.kind == outcomeOK || out.kind == outcomeError {
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			_ = s.stop()
		} else {
			f.idle = append(f.idle, s)
			f.mu.Unlock()
		}
	} else {
		f.remove(s)
		go func() { _ = s.stop() }()
	}
	release()
	return res, nil
}

func (f *function) count(change func(*Stats)) {
	f.mu.Lock()
	change(&f.stats)
	f.mu.Unlock()
}

func (f *function) remove(s *sandbox) {
	f.mu.Lock()
	delete(f.all, s)
	for i, x := range f.idle {
		if x == s {
			f.idle = append(f.idle[:i], f.idle[i+1:]...)
			break
		}
	}
	f.mu.Unlock()
}

// takeKillOnResponse uses up one KillOnResponse fault matching payload, if
// any is left.
func (f *function) takeKillOnResponse(payload []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, k := range f.killOnResponse {
		if !strings.Contains(string(payload), k.substr) {
			continue
		}
		if k.count--; k.count <= 0 {
			f.killOnResponse = append(f.killOnResponse[:i], f.killOnResponse[i+1:]...)
		}
		return true
	}
	return false
}

// coldStart starts a process and waits for its first "next".
func (f *function) coldStart() (*sandbox, error) {
	s, err := startSandbox(f)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		_ = s.stop()
		return nil, ErrClosed
	}
	f.all[s] = struct{}{}
	f.stats.ColdStarts++
	f.mu.Unlock()
	if err := s.waitInit(f.host.opts.InitTimeout); err != nil {
		f.remove(s)
		_ = s.stop()
		return nil, err
	}
	f.mu.Lock()
	f.stats.InitDurations = append(f.stats.InitDurations, s.initDuration)
	f.mu.Unlock()
	go func() {
		// A process that dies between invocations leaves the pool.
		<-s.p.Done()
		f.remove(s)
		_ = s.stop()
	}()
	f.host.log.Info("funchost: cold start", "function", f.def.Name, "initMs", s.initDuration.Milliseconds())
	return s, nil
}

// env returns the process environment: the base, the function's own
// variables, then the variables Lambda reserves.
func (f *function) env(runtimeAPI string) []string {
	h := f.host
	vars := map[string]string{}
	for k, v := range h.opts.BaseEnv {
		vars[k] = v
	}
	for k, v := range f.def.Env {
		vars[k] = v
	}
	taskRoot := filepath.Dir(f.def.Bootstrap)
	reserved := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"_HANDLER":                        f.def.Handler,
		"AWS_LAMBDA_FUNCTION_NAME":        f.def.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.def.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.def.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + strings.ReplaceAll(newRequestID(), "-", ""),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      h.opts.Region,
		"AWS_DEFAULT_REGION":              h.opts.Region,
		"LAMBDA_TASK_ROOT":                taskRoot,
		"LAMBDA_RUNTIME_DIR":              taskRoot,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
	}
	if f.def.LogFormat != "" {
		reserved["AWS_LAMBDA_LOG_FORMAT"] = f.def.LogFormat
	}
	if f.def.LogLevel != "" {
		reserved["AWS_LAMBDA_LOG_LEVEL"] = f.def.LogLevel
	}
	for k, v := range reserved {
		vars[k] = v
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// errorDoc is Lambda's error document.
func errorDoc(errorType, msg string) []byte {
	b, _ := json.Marshal(map[string]string{"errorType": errorType, "errorMessage": msg})
	return b
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func newTraceID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	var p [8]byte
	_, _ = rand.Read(p[:])
	return fmt.Sprintf("Root=1-%08x-%x;Parent=%x;Sampled=0", time.Now().Unix(), b, p)
}

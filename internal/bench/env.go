package bench

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/funchost"
	"github.com/signingflow/signing/internal/devstack/httpserve"
	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/devstack/sqsmap"
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/lambdaconf/wholeservice"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/workflow"
)

// Env is the local stack with the benchmark's meters around it:
//
//	functions ──► edge ──► DynamoMeter ──► DynamoDB Local
//	functions ──► PlatformMeter ──► platform emulator
//	edge Lambda Invoke and the SQS mapping ──► timed invoker ──► function host
//
// Its own observation calls (DescribeExecution, GetExecutionHistory) go to
// moto directly, so the edge counts only what the product does.
type Env struct {
	Stack    *devstack.Stack
	World    *World
	Groups   map[string][]int
	Platform *PlatformMeter
	Dynamo   *DynamoMeter
	Lambda   *LambdaTimer
	// Svc is the signing service in this process, wired with every port the functions use;
	// the sign-path benchmark prepares its tasks with it.
	Svc *signing.Service
	// SFN talks to moto directly (not counted by the edge).
	SFN      *sfn.Client
	Example  workflow.Input
	BuildDir string
	Started  time.Duration

	servers      []*httpserve.Server
	poller       *sqsmap.Poller
	maxProcesses int
	progress     func(string)
}

// EnvOptions configure StartEnv.
type EnvOptions struct {
	ModuleRoot   string
	World        WorldSpec
	MaxProcesses int
	// WaitTimeoutSeconds overrides the state machine's wait (a signature
	// always wakes the wait; the timeout only heals lost wake-ups).
	WaitTimeoutSeconds int
	Logs               io.Writer
	Progress           func(string)
}

// StartEnv generates the world, starts the stack on free ports with the
// meters in place and wires the in-process service.
func StartEnv(ctx context.Context, opts EnvOptions) (_ *Env, err error) {
	w, groups, err := NewWorld(opts.World)
	if err != nil {
		return nil, err
	}
	e := &Env{World: w, Groups: groups, Platform: NewPlatformMeter(), Lambda: newLambdaTimer(), maxProcesses: max(opts.MaxProcesses, 1), progress: opts.Progress}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	if e.Example, err = scenario.ExampleInput(opts.ModuleRoot); err != nil {
		return nil, err
	}
	ln, err := httpserve.Listen("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	platSrv := httpserve.Serve(ln, e.Platform)
	e.servers = append(e.servers, platSrv)
	if e.BuildDir, err = os.MkdirTemp("", "bench-build-"); err != nil {
		return nil, err
	}
	subs := map[string]string{}
	if opts.WaitTimeoutSeconds > 0 {
		subs["WaitTimeoutSeconds"] = fmt.Sprint(opts.WaitTimeoutSeconds)
	}
	t0 := time.Now()
	e.Stack, err = devstack.Up(ctx, devstack.Options{
		ModuleRoot: opts.ModuleRoot, EdgeAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", EmulatorAddr: "127.0.0.1:0",
		Fixture: &w.Fixture, BuildDir: e.BuildDir, MaxProcesses: opts.MaxProcesses, Logs: opts.Logs,
		Substitutions: subs,
		Parameters:    map[string]string{devstack.PlatformURLParameter: platSrv.URL},
		Progress:      opts.Progress,
	})
	if err != nil {
		return nil, err
	}
	e.Started = time.Since(t0)
	if err := e.Platform.SetUpstream(e.Stack.EmulatorURL); err != nil {
		return nil, err
	}
	ddbURL, motoURL := endpoint(e.Stack, "DynamoDB Local"), endpoint(e.Stack, "moto")
	if ddbURL == "" || motoURL == "" {
		return nil, errors.New("bench: the stack names no DynamoDB Local or moto endpoint")
	}
	if e.Dynamo, err = NewDynamoMeter(ddbURL); err != nil {
		return nil, err
	}
	ln, err = httpserve.Listen("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ddbSrv := httpserve.Serve(ln, e.Dynamo)
	e.servers = append(e.servers, ddbSrv)
	if err := e.Stack.Edge.SetDynamoDB(ddbSrv.URL); err != nil {
		return nil, err
	}
	// Time every invocation: the edge's Lambda Invoke (Step Functions tasks)
	// and the SQS mapping (the dispatcher); the HTTP API's invocations are
	// timed by the benchmark's client.
	e.Stack.Edge.SetLambda(e.Lambda.handler(e.Stack.Host))
	e.Stack.Poller.Stop()
	e.poller = sqsmap.New(sqs.NewFromConfig(e.Stack.AWSConfig()), e.Lambda.invoker(e.Stack.Host), nil)
	e.poller.Start(mappings(e.Stack)...)

	cfg := e.Stack.AWSConfig()
	direct := cfg.Copy()
	direct.BaseEndpoint = aws.String(motoURL)
	e.SFN = sfn.NewFromConfig(direct)

	// Each function's environment holds only what its ports read; the
	// whole service in this process reads them all.
	if len(e.Stack.Def.Functions) == 0 {
		return nil, errors.New("bench: the template has no functions")
	}
	all := map[string]string{}
	for _, f := range e.Stack.Def.Functions {
		for k, v := range f.Env {
			if all[k] == "" {
				all[k] = v
			}
		}
	}
	conf, err := lambdaconf.Load(func(k string) (string, bool) { v, ok := all[k]; return v, ok })
	if err != nil {
		return nil, err
	}
	if e.Svc, err = wholeservice.Service(ctx, conf, wholeservice.NewAWS(cfg)); err != nil {
		return nil, err
	}
	return e, nil
}

func endpoint(s *devstack.Stack, name string) string {
	for _, ep := range s.Endpoints() {
		if ep[0] == name {
			return ep[1]
		}
	}
	return ""
}

// mappings rebuilds the stack's SQS event source mappings (as devstack.Up does).
func mappings(s *devstack.Stack) []sqsmap.Mapping {
	var out []sqsmap.Mapping
	for _, m := range s.Def.SQSMappings {
		if !m.Enabled {
			continue
		}
		q, _ := s.Def.Queue(m.Queue)
		fn, _ := s.Def.Function(m.Function)
		out = append(out, sqsmap.Mapping{
			Function: fn.Name, QueueURL: q.URL, QueueARN: q.ARN, Region: s.Def.Region,
			BatchSize: m.BatchSize, MaxBatchingWindow: m.MaxBatchingWindow, ReportBatchItemFailures: m.ReportBatchItemFailures,
		})
	}
	return out
}

// Close stops everything.
func (e *Env) Close() {
	if e.poller != nil {
		e.poller.Stop()
	}
	if e.Stack != nil {
		_ = e.Stack.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range e.servers {
		_ = s.Shutdown(ctx)
	}
	if e.BuildDir != "" {
		_ = os.RemoveAll(e.BuildDir)
	}
}

// Bootstrap returns the path of a function's bootstrap by logical ID.
func (e *Env) Bootstrap(logicalID string) string {
	return filepath.Join(e.BuildDir, logicalID, "bootstrap")
}

// Run returns a scenario run on world task i.
func (e *Env) Run(i int) *scenario.Run {
	return scenario.New(e.Stack, e.World.Tasks[i].Instance, e.Example)
}

// LambdaTimer adds up invocation time per function (for GB-seconds) and
// counts function errors by function and error type.
type LambdaTimer struct {
	mu     sync.Mutex
	total  map[string]time.Duration
	count  map[string]int
	errors map[string]int
}

func newLambdaTimer() *LambdaTimer {
	return &LambdaTimer{total: map[string]time.Duration{}, count: map[string]int{}, errors: map[string]int{}}
}

func (t *LambdaTimer) failed(name, errorType string) {
	if errorType == "" {
		errorType = "unknown"
	}
	t.mu.Lock()
	t.errors[name+" "+errorType]++
	t.mu.Unlock()
}

// Errors returns the function errors so far, by "function errorType".
func (t *LambdaTimer) Errors() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.errors)
}

func (t *LambdaTimer) add(name string, d time.Duration) {
	t.mu.Lock()
	t.total[name] += d
	t.count[name]++
	t.mu.Unlock()
}

// Snapshot returns the total time and count per function.
func (t *LambdaTimer) Snapshot() (map[string]time.Duration, map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := make(map[string]time.Duration, len(t.total))
	n := make(map[string]int, len(t.count))
	for k, v := range t.total {
		d[k] = v
	}
	for k, v := range t.count {
		n[k] = v
	}
	return d, n
}

func (t *LambdaTimer) handler(h *funchost.Host) http.Handler {
	next := h.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recordingWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2015-03-31/functions/"), "/invocations")
		if fn, ok := h.Function(name); ok {
			name = fn.Name
		}
		t.add(name, time.Since(start))
		if w.Header().Get("X-Amz-Function-Error") != "" {
			var doc struct {
				ErrorType string `json:"errorType"`
			}
			_ = json.Unmarshal(rec.buf.Bytes(), &doc)
			t.failed(name, doc.ErrorType)
		}
	})
}

type timedInvoker struct {
	t *LambdaTimer
	h *funchost.Host
}

func (t *LambdaTimer) invoker(h *funchost.Host) sqsmap.Invoker { return timedInvoker{t: t, h: h} }

func (ti timedInvoker) Invoke(ctx context.Context, name string, payload []byte, opts funchost.InvokeOptions) (funchost.Result, error) {
	res, err := ti.h.Invoke(ctx, name, payload, opts)
	if err == nil {
		if fn, ok := ti.h.Function(name); ok {
			name = fn.Name
		}
		ti.t.add(name, res.Duration)
		if res.FunctionError != "" {
			ti.t.failed(name, res.ErrorType())
		}
	}
	return res, err
}

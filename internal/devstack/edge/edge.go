// Package edge is the local stack's single AWS endpoint (by default
// http://127.0.0.1:4566, as LocalStack's). It routes every call by the
// service name in its SigV4 credential scope: dynamodb to DynamoDB Local,
// Lambda Invoke to the function host, everything else to moto. Requests and
// responses stream through unchanged, Host header included (so moto builds
// queue URLs that point back at the edge).
//
// For tests it counts calls per operation and injects faults: drop a call
// (answer success without forwarding it), fail it with an AWS error, or
// delay it.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package edge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Service names as they appear in SigV4 credential scopes.
const (
	ServiceDynamoDB = "dynamodb"
	ServiceLambda   = "lambda"
	ServiceStates   = "states"
	ServiceSQS      = "sqs"
)

// Call is what the edge knows about a request before routing it.
type Call struct {
	// Service is the SigV4 signing name (dynamodb, states, sqs, lambda, …),
	// or "" when the request names none.
	Service string
	// Operation is the API operation when the request names it in
	// X-Amz-Target, the Action query parameter or a Lambda Invoke path
	// (e.g. "SendTaskSuccess", "Invoke"); else "".
	Operation string
	// Function is the function name or ARN of a Lambda Invoke.
	Function string
}

func (c Call) String() string {
	if c.Operation == "" {
		return c.Service
	}
	return c.Service + "." + c.Operation
}

// targetPrefixes maps X-Amz-Target prefixes to signing names, for unsigned requests.
var targetPrefixes = map[string]string{
	"DynamoDB_20120810":        ServiceDynamoDB,
	"DynamoDBStreams_20120810": ServiceDynamoDB,
	"AWSStepFunctions":         ServiceStates,
	"AmazonSQS":                ServiceSQS,
	"secretsmanager":           "secretsmanager",
	"AWSEvents":                "events",
	"Logs_20140328":            "logs",
}

const invokePrefix = "/2015-03-31/functions/"

// Classify reads the service and operation of an AWS request: the service
// from the SigV4 Authorization header's credential scope, else from a
// presigned URL's X-Amz-Credential, else from the X-Amz-Target prefix or a
// Lambda path; the operation from X-Amz-Target, the Action query parameter
// or the Lambda Invoke path.
func Classify(r *http.Request) Call {
	var c Call
	c.Service = scopeService(r.Header.Get("Authorization"))
	if c.Service == "" {
		c.Service = credentialService(r.URL.Query().Get("X-Amz-Credential"))
	}
	target := r.Header.Get("X-Amz-Target")
	if prefix, op, ok := strings.Cut(target, "."); ok {
		c.Operation = op
		if c.Service == "" {
			c.Service = targetPrefixes[prefix]
		}
	}
	if c.Operation == "" {
		c.Operation = r.URL.Query().Get("Action")
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, invokePrefix); ok {
		if c.Service == "" {
			c.Service = ServiceLambda
		}
		if name, ok := strings.CutSuffix(rest, "/invocations"); ok && name != "" && !strings.Contains(name, "/") && c.Service == ServiceLambda {
			c.Operation, c.Function = "Invoke", name
		}
	}
	return c
}

// scopeService returns the service of "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-north-1/dynamodb/aws4_request, …".
func scopeService(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ := strings.Cut(rest, ",")
	return credentialService(strings.TrimSpace(cred))
}

// credentialService returns the service of "AKID/20240101/eu-north-1/dynamodb/aws4_request".
func credentialService(cred string) string {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return ""
	}
	return parts[3]
}

// Fault changes what the edge does with matching calls.
type Fault struct {
	// Service and Operation select the calls ("" matches any).
	Service, Operation string
	// Count is how many calls it applies to; 0 means one.
	Count int
	// Drop answers 200 with an empty JSON object without forwarding the call:
	// the caller believes it succeeded (a lost request).
	Drop bool
	// Status and Code answer with an AWS JSON error instead (e.g. 500
	// "InternalServerError"), without forwarding.
	Status int
	Code   string
	// Delay holds the call this long before handling it.
	Delay time.Duration
}

func (f Fault) matches(c Call) bool {
	return (f.Service == "" || f.Service == c.Service) && (f.Operation == "" || f.Operation == c.Operation)
}

// Options configure New.
type Options struct {
	// DynamoDB and Moto are the upstream base URLs; they may be set later.
	DynamoDB, Moto string
	// Lambda serves Lambda Invoke calls (the function host).
	Lambda http.Handler
	// Logger logs one line per call at debug level; nil logs nothing.
	Logger *slog.Logger
}

// Edge routes AWS calls. It is an http.Handler; use Start to serve it.
type Edge struct {
	log *slog.Logger

	mu       sync.RWMutex
	dynamodb *httputil.ReverseProxy
	moto     *httputil.ReverseProxy
	upstream map[string]string
	lambda   http.Handler
	faults   []*Fault
	calls    map[string]int
}

// New returns an edge with the given upstreams.
func New(opts Options) (*Edge, error) {
	e := &Edge{log: opts.Logger, upstream: map[string]string{}, calls: map[string]int{}, lambda: opts.Lambda}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if opts.DynamoDB != "" {
		if err := e.SetDynamoDB(opts.DynamoDB); err != nil {
			return nil, err
		}
	}
	if opts.Moto != "" {
		if err := e.SetMoto(opts.Moto); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// SetDynamoDB points dynamodb calls at base.
func (e *Edge) SetDynamoDB(base string) error {
	p, err := e.proxy("dynamodb", base)
	if err != nil {
		return err
	}
	p.Transport = wholeTransport{next: http.DefaultTransport.(*http.Transport).Clone(), tries: 3}
	e.mu.Lock()
	e.dynamodb, e.upstream["dynamodb"] = p, base
	e.mu.Unlock()
	return nil
}

// SetMoto points every call that is neither DynamoDB nor Lambda Invoke at base.
func (e *Edge) SetMoto(base string) error {
	p, err := e.proxy("moto", base)
	if err != nil {
		return err
	}
	p.Transport = wholeTransport{next: http.DefaultTransport.(*http.Transport).Clone(), tries: 3}
	e.mu.Lock()
	e.moto, e.upstream["moto"] = p, base
	e.mu.Unlock()
	return nil
}

// SetLambda serves Lambda Invoke calls with h.
func (e *Edge) SetLambda(h http.Handler) {
	e.mu.Lock()
	e.lambda = h
	e.mu.Unlock()
}

func (e *Edge) proxy(name, base string) (*httputil.ReverseProxy, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("edge: %s upstream %q must be an absolute http URL", name, base)
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			// Keep the Host the client signed and moto builds URLs from.
			pr.Out.Host = pr.In.Host
		},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			writeError(w, http.StatusBadGateway, "ServiceUnavailable", fmt.Sprintf("edge: %s: %v", name, err))
		},
	}, nil
}

// InjectFault adds f; faults apply in the order they were added.
func (e *Edge) InjectFault(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	e.mu.Lock()
	e.faults = append(e.faults, &f)
	e.mu.Unlock()
}

// ClearFaults removes every fault.
func (e *Edge) ClearFaults() {
	e.mu.Lock()
	e.faults = nil
	e.mu.Unlock()
}

// PendingFaults returns how many fault applications are left.
func (e *Edge) PendingFaults() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	n := 0
	for _, f := range e.faults {
		n += f.Count
	}
	return n
}

// Calls returns how many calls of service and operation (e.g. "states",
// "SendTaskSuccess") the edge has seen; an empty operation counts all of
// the service's calls.
func (e *Edge) Calls(service, operation string) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if operation != "" {
		return e.calls[service+"."+operation]
	}
	return e.calls[service]
}

// takeFault returns the first fault matching c, using up one of its applications.
func (e *Edge) takeFault(c Call) (Fault, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls[c.Service]++
	if c.Operation != "" {
		e.calls[c.String()]++
	}
	for i, f := range e.faults {
		if f.matches(c) {
			out := *f
			if f.Count--; f.Count <= 0 {
				e.faults = append(e.faults[:i], e.faults[i+1:]...)
			}
			return out, true
		}
	}
	return Fault{}, false
}

// HealthPath answers GET with the upstreams the edge knows.
const HealthPath = "/_devstack/health"

// ServeHTTP routes one call.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == HealthPath && r.Method == http.MethodGet {
		e.health(w)
		return
	}
	c := Classify(r)
	start := time.Now()
	if f, ok := e.takeFault(c); ok {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case f.Drop:
			e.log.Debug("edge: dropped", "call", c.String())
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			_, _ = w.Write([]byte("{}"))
			return
		case f.Status != 0:
			e.log.Debug("edge: failed", "call", c.String(), "status", f.Status)
			writeError(w, f.Status, f.Code, "injected by the local stack's edge")
			return
		}
	}
	e.mu.RLock()
	var h http.Handler
	switch {
	case c.Service == ServiceDynamoDB:
		if e.dynamodb != nil {
			h = e.dynamodb
		}
	case c.Service == ServiceLambda && c.Operation == "Invoke":
		h = e.lambda
	default:
		if e.moto != nil {
			h = e.moto
		}
	}
	e.mu.RUnlock()
	if h == nil {
		writeError(w, http.StatusServiceUnavailable, "ServiceUnavailable", fmt.Sprintf("edge: no upstream for %s", c))
		return
	}
	h.ServeHTTP(w, r)
	e.log.Debug("edge", "call", c.String(), "ms", time.Since(start).Milliseconds())
}

func (e *Edge) health(w http.ResponseWriter) {
	e.mu.RLock()
	services := map[string]string{}
	for k, v := range e.upstream {
		services[k] = v
	}
	if e.lambda != nil {
		services["lambda"] = "function host"
	}
	e.mu.RUnlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"services": services})
}

// writeError answers in the AWS JSON protocol's error shape.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

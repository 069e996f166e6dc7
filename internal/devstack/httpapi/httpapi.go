// Package httpapi emulates an API Gateway HTTP API for the local stack: it
// matches each request to one of the template's HttpApi routes (literal
// segments before {parameters} before {greedy+}, a method before ANY, then
// $default), invokes the route's function with a payload format 2.0 event
// (events.APIGatewayV2HTTPRequest; the Cookie header in its cookies list,
// not among its headers) and maps its response back (a 2.0 response object,
// or any other JSON as a 200 body). It answers the API's CorsConfiguration
// as API Gateway does: preflights itself, the CORS headers on answers to an
// allowed origin, the function's own CORS headers dropped. Authorizers are
// not emulated: the template's API has none (its function verifies tokens).
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/devstack/funchost"
)

// MaxBody is API Gateway's payload limit (10 MB).
const MaxBody = 10 << 20

// Invoker runs a function; *funchost.Host is one.
type Invoker interface {
	Invoke(ctx context.Context, name string, payload []byte, opts funchost.InvokeOptions) (funchost.Result, error)
}

// CORS is an HTTP API's CorsConfiguration.
type CORS struct {
	AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders []string
	AllowCredentials                                        bool
	// MaxAge is in seconds; 0 sends none.
	MaxAge int
}

// Route is one route of the API.
type Route struct {
	// Method is upper case, or "ANY".
	Method string
	// Path is the route's path, e.g. "/{org}/{app}/instances/{id}", or "$default".
	Path string
	// Function is the name Invoker knows the function by.
	Function string
}

// Options configure New.
type Options struct {
	APIID, AccountID string
	Routes           []Route
	Invoker          Invoker
	// CORS is the API's CorsConfiguration; nil for none.
	CORS *CORS
	// Timeout is the integration timeout; default 30s, API Gateway's.
	Timeout time.Duration
	// Logger logs one line per request (method, route, status, duration), never a token.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// API serves the routes. It is an http.Handler.
type API struct {
	opts   Options
	routes []compiled
	log    *slog.Logger
}

type compiled struct {
	Route
	segs   []string
	greedy bool
}

// New checks the routes and returns the API.
func New(opts Options) (*API, error) {
	if opts.Invoker == nil {
		return nil, errors.New("httpapi: no invoker")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.APIID == "" {
		opts.APIID = "local"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	a := &API{opts: opts, log: opts.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	seen := map[string]bool{}
	for _, r := range opts.Routes {
		key := r.Method + " " + r.Path
		if seen[key] {
			return nil, fmt.Errorf("httpapi: route %s is defined twice", key)
		}
		seen[key] = true
		c := compiled{Route: r}
		if r.Path != "$default" {
			if !strings.HasPrefix(r.Path, "/") {
				return nil, fmt.Errorf("httpapi: route %s: the path must start with /", key)
			}
			c.segs = strings.Split(strings.Trim(r.Path, "/"), "/")
			for i, s := range c.segs {
				if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}") {
					if i != len(c.segs)-1 {
						return nil, fmt.Errorf("httpapi: route %s: a greedy parameter must be last", key)
					}
					c.greedy = true
				}
			}
		}
		a.routes = append(a.routes, c)
	}
	return a, nil
}

// match returns the best route for method and path with its path parameters.
func (a *API) match(method, path string) (*compiled, map[string]string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	type cand struct {
		c      *compiled
		params map[string]string
		score  []int
	}
	var best *cand
	var def *compiled
	pathExists := false
	for i := range a.routes {
		c := &a.routes[i]
		if c.Path == "$default" {
			if c.Method == "ANY" || c.Method == method {
				def = c
			}
			continue
		}
		params, score, ok := c.matchPath(segs)
		if !ok {
			continue
		}
		pathExists = true
		if c.Method != "ANY" && c.Method != method {
			continue
		}
		methodScore := 1
		if c.Method == "ANY" {
			methodScore = 0
		}
		score = append(score, methodScore)
		if best == nil || slices.Compare(score, best.score) > 0 {
			best = &cand{c: c, params: params, score: score}
		}
	}
	if best != nil {
		return best.c, best.params, true
	}
	if def != nil {
		return def, nil, true
	}
	return nil, nil, pathExists
}

// matchPath scores a match segment by segment: 2 literal, 1 parameter, 0 greedy.
func (c *compiled) matchPath(segs []string) (map[string]string, []int, bool) {
	params := map[string]string{}
	var score []int
	for i, s := range c.segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}") {
			if i >= len(segs) {
				return nil, nil, false
			}
			params[s[1:len(s)-2]] = strings.Join(segs[i:], "/")
			return params, append(score, 0), true
		}
		if i >= len(segs) {
			return nil, nil, false
		}
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			if segs[i] == "" {
				return nil, nil, false
			}
			params[s[1:len(s)-1]] = segs[i]
			score = append(score, 1)
			continue
		}
		if s != segs[i] {
			return nil, nil, false
		}
		score = append(score, 2)
	}
	if len(segs) != len(c.segs) {
		return nil, nil, false
	}
	return params, score, true
}

func message(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// ServeHTTP handles one request as API Gateway would.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := a.opts.Now()
	reqID := newRequestID()
	w.Header().Set("Apigw-Requestid", reqID)
	if a.preflight(w, r) {
		a.log.Info("httpapi", "method", r.Method, "route", "CORS preflight", "status", http.StatusNoContent, "ms", time.Since(start).Milliseconds())
		return
	}
	a.cors(w, r)
	rt, params, ok := a.match(r.Method, r.URL.EscapedPath())
	status := a.serve(w, r, rt, params, ok, reqID, start)
	route := "-"
	if rt != nil {
		route = rt.Method + " " + rt.Path
	}
	a.log.Info("httpapi", "method", r.Method, "route", route, "status", status, "ms", time.Since(start).Milliseconds())
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, rt *compiled, params map[string]string, ok bool, reqID string, start time.Time) int {
	if rt == nil {
		if ok {
			// The path exists with other methods only.
			message(w, http.StatusNotFound, "Not Found")
			return http.StatusNotFound
		}
		message(w, http.StatusNotFound, "Not Found")
		return http.StatusNotFound
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		message(w, http.StatusBadRequest, "Bad Request")
		return http.StatusBadRequest
	}
	if len(body) > MaxBody {
		message(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return http.StatusRequestEntityTooLarge
	}
	ev := a.event(r, rt, params, body, reqID, start)
	payload, err := json.Marshal(ev)
	if err != nil {
		message(w, http.StatusInternalServerError, "Internal Server Error")
		return http.StatusInternalServerError
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.opts.Timeout)
	defer cancel()
	type outcome struct {
		res funchost.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := a.opts.Invoker.Invoke(context.WithoutCancel(ctx), rt.Function, payload, funchost.InvokeOptions{})
		done <- outcome{res, err}
	}()
	var out outcome
	select {
	case out = <-done:
	case <-ctx.Done():
		message(w, http.StatusServiceUnavailable, "Service Unavailable")
		return http.StatusServiceUnavailable
	}
	if out.err != nil || out.res.FunctionError != "" {
		message(w, http.StatusInternalServerError, "Internal Server Error")
		return http.StatusInternalServerError
	}
	return writeResponse(w, out.res.Payload, a.opts.CORS != nil)
}

// allowedOrigin reports whether the CORS configuration allows origin.
func (c *CORS) allowedOrigin(origin string) bool {
	return origin != "" && (slices.Contains(c.AllowOrigins, origin) || (slices.Contains(c.AllowOrigins, "*") && !c.AllowCredentials))
}

// preflight answers a CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method) when the API has a CORS configuration, as
// API Gateway does without an OPTIONS route: 204, with the CORS headers
// only for an allowed origin, method and headers.
func (a *API) preflight(w http.ResponseWriter, r *http.Request) bool {
	c := a.opts.CORS
	if c == nil || r.Method != http.MethodOptions || r.Header.Get("Origin") == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	origin, method := r.Header.Get("Origin"), r.Header.Get("Access-Control-Request-Method")
	ok := c.allowedOrigin(origin) && (slices.Contains(c.AllowMethods, method) || slices.Contains(c.AllowMethods, "*"))
	for _, h := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
		if h = strings.TrimSpace(h); h != "" && !slices.ContainsFunc(c.AllowHeaders, func(a string) bool { return a == "*" || strings.EqualFold(a, h) }) {
			ok = false
		}
	}
	if ok {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		if len(c.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.ToLower(strings.Join(c.AllowHeaders, ",")))
		}
		if c.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
		}
		h.Add("Vary", "Origin")
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// cors sets the CORS headers of an answer to an allowed origin; the
// function's own are dropped (writeResponse) when the API has a CORS
// configuration, as API Gateway ignores them then.
func (a *API) cors(w http.ResponseWriter, r *http.Request) {
	c := a.opts.CORS
	if c == nil || !c.allowedOrigin(r.Header.Get("Origin")) {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.ToLower(strings.Join(c.ExposeHeaders, ",")))
	}
	h.Add("Vary", "Origin")
}

// event builds the payload format 2.0 event.
func (a *API) event(r *http.Request, rt *compiled, params map[string]string, body []byte, reqID string, now time.Time) events.APIGatewayV2HTTPRequest {
	routeKey := rt.Method + " " + rt.Path
	if rt.Path == "$default" {
		routeKey = "$default"
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       routeKey,
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
	}
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, c := range r.Header.Values(k) {
				for _, part := range strings.Split(c, ";") {
					if p := strings.TrimSpace(part); p != "" {
						ev.Cookies = append(ev.Cookies, p)
					}
				}
			}
			continue
		}
		ev.Headers[lk] = strings.Join(r.Header.Values(k), ",")
	}
	if r.Host != "" {
		ev.Headers["host"] = r.Host
	}
	if len(r.URL.Query()) > 0 {
		ev.QueryStringParameters = map[string]string{}
		for k, v := range r.URL.Query() {
			ev.QueryStringParameters[k] = strings.Join(v, ",")
		}
	}
	if len(params) > 0 {
		ev.PathParameters = params
	}
	if len(body) > 0 {
		// A body that is not UTF-8 is passed base64-encoded whatever its
		// type: as a Go string in the event's JSON its bytes would turn into
		// U+FFFD, and the function could not see what was sent.
		if isText(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	domain := r.Host
	if h, _, err := net.SplitHostPort(domain); err == nil {
		domain = h
	}
	prefix, _, _ := strings.Cut(domain, ".")
	ev.RequestContext = events.APIGatewayV2HTTPRequestContext{
		RouteKey:     routeKey,
		AccountID:    a.opts.AccountID,
		Stage:        "$default",
		RequestID:    reqID,
		APIID:        a.opts.APIID,
		DomainName:   domain,
		DomainPrefix: prefix,
		Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		TimeEpoch:    now.UnixMilli(),
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
			Method:    r.Method,
			Path:      r.URL.EscapedPath(),
			Protocol:  r.Proto,
			SourceIP:  sourceIP,
			UserAgent: r.UserAgent(),
		},
	}
	return ev
}

// isText reports whether API Gateway passes a body of this type as text.
func isText(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		mt == "application/xml" || strings.HasSuffix(mt, "+xml") || mt == "application/javascript" ||
		mt == "application/x-www-form-urlencoded"
}

// writeResponse maps a function's payload format 2.0 response; with
// dropCORS, the function's Access-Control-* headers are left out.
func writeResponse(w http.ResponseWriter, payload []byte, dropCORS bool) int {
	var probe map[string]json.RawMessage
	if json.Unmarshal(payload, &probe) == nil {
		if _, ok := probe["statusCode"]; ok {
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(payload, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
				message(w, http.StatusInternalServerError, "Internal Server Error")
				return http.StatusInternalServerError
			}
			isCORS := func(k string) bool {
				return dropCORS && strings.HasPrefix(strings.ToLower(k), "access-control-")
			}
			for k, v := range resp.Headers {
				if !isCORS(k) {
					w.Header().Set(k, v)
				}
			}
			for k, vs := range resp.MultiValueHeaders {
				for _, v := range vs {
					if !isCORS(k) {
						w.Header().Add(k, v)
					}
				}
			}
			for _, c := range resp.Cookies {
				w.Header().Add("Set-Cookie", c)
			}
			body := []byte(resp.Body)
			if resp.IsBase64Encoded {
				b, err := base64.StdEncoding.DecodeString(resp.Body)
				if err != nil {
					message(w, http.StatusInternalServerError, "Internal Server Error")
					return http.StatusInternalServerError
				}
				body = b
			}
			if w.Header().Get("Content-Type") == "" && len(body) > 0 {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			}
			w.WriteHeader(resp.StatusCode)
			_, _ = w.Write(body)
			return resp.StatusCode
		}
	}
	// Any other valid JSON: 200 with the JSON as the body.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(payload)
	return http.StatusOK
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

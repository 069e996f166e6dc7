package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/signingflow/signing/internal/altinntoken"
	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// The founders fixture's people, as the events carry them.
const (
	kariID     = "15838523428"
	olaID      = "02919043558"
	strangerID = "31129956715" // a valid birth number the fixture does not know
	perID      = "12847832280" // Per Hansen: in the register, named by no form (a signee's replacement)
	companyOrg = "312847612"
)

// secrets must never appear in a log line or (raw) in a response.
var secrets = []string{kariID, olaID, strangerID, perID, "Bearer ", "eyJhbGciOi", "AltinnStudioRuntime="}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
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

// env is the handler over the real service of a signingtest harness whose
// founders task is started, delegated and notified.
type env struct {
	h       *signingtest.Harness
	handler *Handler
	logs    *syncBuffer
}

// testIssuerURL is the test issuer's iss, an Altinn-shaped issuer URL.
const testIssuerURL = "https://platform.signing-test.example/authentication/api/v1/openid/"

// testIssuerFixture is the tests' token issuer: its key, its key set served
// over HTTP in Altinn's shape (localjwt.Server), and one verifier of it.
type testIssuerFixture struct {
	key      *rsa.PrivateKey
	jwksURL  string
	verifier *altinntoken.Verifier
}

var testIssuer = sync.OnceValues(func() (*testIssuerFixture, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	// Left running for the test binary's life, as the verifier that reads it.
	srv := httptest.NewServer(localjwt.NewServer(testIssuerURL, key))
	f := &testIssuerFixture{key: key, jwksURL: srv.URL + localjwt.JWKSPath}
	f.verifier, err = altinntoken.New(context.Background(), altinntoken.Options{Issuer: testIssuerURL, JWKSURL: f.jwksURL})
	return f, err
})

func mustTestIssuer() *testIssuerFixture {
	f, err := testIssuer()
	if err != nil {
		panic("test issuer: " + err.Error())
	}
	return f
}

// testConfig is the configuration the tests run with: defaults, synthetic
// IDs, and the test issuer.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.AllowSyntheticIDs = true
	f := mustTestIssuer()
	cfg.Issuer, cfg.JWKSURL, cfg.Verifier = testIssuerURL, f.jwksURL, f.verifier
	cfg.Bus = &recordingBus{}
	return cfg
}

// recordingBus records what the replay route puts; fail, when set, fails every put.
type recordingBus struct {
	mu   sync.Mutex
	got  []signing.CloudEvent
	fail error
}

func (b *recordingBus) Put(_ context.Context, evs []signing.CloudEvent) ([]error, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return nil, b.fail
	}
	b.got = append(b.got, evs...)
	return make([]error, len(evs)), nil
}

// registeredClaims are the claims the test issuer sets itself; a sample
// event's values for them are dropped.
var registeredClaims = map[string]bool{"iss": true, "aud": true, "exp": true, "iat": true, "nbf": true, "jti": true}

// mintToken signs a token of the test issuer, valid for an hour, with the
// given claims.
func mintToken(claims map[string]string) string {
	all := map[string]any{}
	for k, v := range claims {
		if !registeredClaims[k] {
			all[k] = v
		}
	}
	iss := &localjwt.Issuer{Key: mustTestIssuer().key, Issuer: testIssuerURL}
	tok, err := iss.Token(all, time.Hour)
	if err != nil {
		panic("mint: " + err.Error())
	}
	return tok
}

// withToken puts a bearer token with the event's claims in its
// Authorization header. The events keep the claims the token carries
// under requestContext.authorizer.jwt, which the handler no longer reads:
// it verifies the token itself.
func withToken(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
	az := ev.RequestContext.Authorizer
	if az == nil || az.JWT == nil {
		return ev
	}
	ev.Headers = cloneMap(ev.Headers)
	ev.Headers["authorization"] = "Bearer " + mintToken(az.JWT.Claims)
	return ev
}

// withoutToken removes the event's token and claims.
func withoutToken(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
	ev.RequestContext.Authorizer = nil
	ev.Headers = cloneMap(ev.Headers)
	delete(ev.Headers, "authorization")
	return ev
}

// newEnv returns a ready env. Its cleanup fails the test if the handler
// logged a national ID or a token.
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, testConfig())
}

// newEnvWith is newEnv with cfg, each prepare run on the harness before
// its task starts.
func newEnvWith(t *testing.T, cfg Config, prepare ...func(*testing.T, *signingtest.Harness)) *env {
	t.Helper()
	// Storage's sign endpoint takes the caller's own token: the test
	// issuer's, or the development key's of the harness's own signatures.
	h := signingtest.New(t, emulator.WithUserTokenKey(&mustTestIssuer().key.PublicKey, time.Now), emulator.WithUserTokenKey(emulator.DevUserKey(), nil))
	for _, p := range prepare {
		p(t, h)
	}
	h.Ready(t)
	logs := &syncBuffer{}
	// The production logger (lambdaconf.NewLogger), so the log scans see what CloudWatch would.
	logger := lambdaconf.NewLogger(logs)
	e := &env{h: h, handler: NewHandler(h.Svc, cfg, logger), logs: logs}
	t.Cleanup(func() { checkNoSecrets(t, "log", logs.String()) })
	return e
}

// checkNoSecrets fails the test if text contains a national ID or a token.
func checkNoSecrets(t testing.TB, what, text string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("the %s contains %q:\n%s", what, s, text)
		}
	}
}

// loadEvent reads events/<name>.json strictly into the upstream event type.
func loadEvent(t testing.TB, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(signingtest.ModuleRoot(t), "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("events/%s.json: %v", name, err)
	}
	return withToken(ev)
}

// do sends ev through the handler, checks the headers every answer carries,
// that the answer holds no raw national ID, and validates request (for a
// success) and response against api/openapi.yaml.
func (e *env) do(t *testing.T, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := e.handler.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle() error = %v; the handler answers every failure itself", err)
	}
	checkResponse(t, ev, resp)
	return resp
}

// checkResponse checks what every answer must satisfy.
func checkResponse(t *testing.T, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	if got := resp.Headers["Cache-Control"]; got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	wantType := "application/json"
	if resp.StatusCode >= 400 {
		wantType = "application/problem+json"
	}
	if got := resp.Headers["Content-Type"]; got != wantType {
		t.Errorf("Content-Type = %q, want %q", got, wantType)
	}
	if !json.Valid([]byte(resp.Body)) {
		t.Errorf("body is not JSON: %s", resp.Body)
	}
	checkNoSecrets(t, "response", resp.Body)
	validateAgainstSpec(t, ev, resp)
}

// spec is api/openapi.yaml, loaded and validated once.
var spec = sync.OnceValues(func() (*openapi3.T, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join(wd, "..", "..", "api", "openapi.yaml"))
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, err
	}
	return doc, nil
})

var specRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := spec()
	if err != nil {
		return nil, err
	}
	// Match any host: the tests rebuild requests without API Gateway's domain.
	d := *doc
	d.Servers = nil
	return gorillamux.NewRouter(&d)
})

// specHost is the host the rebuilt requests go to.
const specHost = "https://api.signing.example"

// httpRequest rebuilds the HTTP request API Gateway received.
func httpRequest(t *testing.T, ev events.APIGatewayV2HTTPRequest) *http.Request {
	t.Helper()
	method, path := requestLine(&ev)
	url := specHost + path
	if ev.RawQueryString != "" {
		url += "?" + ev.RawQueryString
	}
	body := ev.Body
	if ev.IsBase64Encoded {
		// A body that is not base64 goes on as it is; the handler refuses it.
		if b, err := base64.StdEncoding.DecodeString(body); err == nil {
			body = string(b)
		}
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatalf("rebuild request: %v", err)
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	return req
}

// validateAgainstSpec checks the response (and, for a success, the request)
// against the OpenAPI document.
func validateAgainstSpec(t *testing.T, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	router, err := specRouter()
	if err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	req := httpRequest(t, ev)
	route, params, err := router.FindRoute(req)
	if err != nil {
		// Only the handler's own 404/405 for routes the API lacks are outside the document.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s %s is not in api/openapi.yaml (%v), yet answered %d", req.Method, req.URL.Path, err, resp.StatusCode)
		}
		return
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if resp.StatusCode < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("a request answered %d does not match api/openapi.yaml: %v", resp.StatusCode, err)
		}
	}
	header := http.Header{}
	for k, v := range resp.Headers {
		header.Set(k, v)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 header,
		Body:                   io.NopCloser(strings.NewReader(resp.Body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("the %d response does not match api/openapi.yaml: %v\nbody: %s", resp.StatusCode, err, resp.Body)
	}
}

// withBody returns ev with a JSON body.
func withBody(ev events.APIGatewayV2HTTPRequest, body string) events.APIGatewayV2HTTPRequest {
	ev.Body = body
	ev.Headers = cloneMap(ev.Headers)
	ev.Headers["content-type"] = "application/json"
	return ev
}

// withClaims returns ev with its claims changed: a "" value removes the claim.
func withClaims(ev events.APIGatewayV2HTTPRequest, changes map[string]string) events.APIGatewayV2HTTPRequest {
	var jwt events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription
	if az := ev.RequestContext.Authorizer; az != nil && az.JWT != nil {
		jwt = *az.JWT
	}
	jwt.Claims = cloneMap(jwt.Claims)
	for k, v := range changes {
		if v == "" {
			delete(jwt.Claims, k)
		} else {
			jwt.Claims[k] = v
		}
	}
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &jwt}
	return withToken(ev)
}

// as returns ev with the claims of one of the fixture's people.
func as(ev events.APIGatewayV2HTTPRequest, who string) events.APIGatewayV2HTTPRequest {
	switch who {
	case "kari":
		return withClaims(ev, map[string]string{"pid": kariID, "urn:altinn:party:uuid": signingtest.KariUUID, "urn:altinn:partyid": "50001", "urn:altinn:userid": "1001", "name": "Kari Nordmann"})
	case "ola":
		return withClaims(ev, map[string]string{"pid": olaID, "urn:altinn:party:uuid": signingtest.OlaUUID, "urn:altinn:partyid": "50002", "urn:altinn:userid": "1002", "name": "Ola Johan Testesen"})
	case "app", "other-app", "app-read-scope", "app-no-scope", "app-altinn-scope":
		// A service owner's token (the app's org, or another): no person;
		// both service-owner instance scopes, the read one only, or none.
		org, number := "ttd", "991825827"
		if who == "other-app" {
			org, number = "nav", "889640782"
		}
		scope := ScopeInstancesRead + " " + ScopeInstancesWrite
		switch who {
		case "app-read-scope":
			scope = ScopeInstancesRead
		case "app-no-scope":
			scope = "altinn:correspondence.write"
		}
		noPerson := map[string]string{"urn:altinn:org": org, "urn:altinn:orgNumber": number, "urn:altinn:authlevel": "3", "scope": scope}
		if who == "app-altinn-scope" {
			// As localtest's exchange writes them: urn:altinn:scope, no scope.
			noPerson["urn:altinn:scope"], noPerson["scope"] = scope, ""
		}
		if az := ev.RequestContext.Authorizer; az != nil && az.JWT != nil {
			for k := range az.JWT.Claims {
				if _, keep := noPerson[k]; !keep {
					noPerson[k] = ""
				}
			}
		}
		return withClaims(ev, noPerson)
	case "stranger":
		return withClaims(ev, map[string]string{"pid": strangerID, "urn:altinn:party:uuid": "0b6c1f2e-3d4a-4b5c-8d6e-000000059999", "urn:altinn:partyid": "59999", "urn:altinn:userid": "1999", "name": "Sam Stranger"})
	}
	panic("unknown person " + who)
}

// withPath returns ev with another raw path (and the same route key).
func withPath(ev events.APIGatewayV2HTTPRequest, path string) events.APIGatewayV2HTTPRequest {
	ev.RawPath = path
	ev.RequestContext.HTTP.Path = path
	return ev
}

// withQuery returns ev with another raw query string.
func withQuery(ev events.APIGatewayV2HTTPRequest, query string) events.APIGatewayV2HTTPRequest {
	ev.RawQueryString = query
	ev.QueryStringParameters = nil
	return ev
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// decode decodes a response body into v.
func decode(t *testing.T, resp events.APIGatewayV2HTTPResponse, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(resp.Body), v); err != nil {
		t.Fatalf("decode %s: %v", resp.Body, err)
	}
}

// snapshot is what a refused request must leave unchanged.
type snapshot struct {
	Status     signing.TaskStatus
	Version    int64
	Counts     signing.Counts
	Signatures int
	Audit      int
	Resumed    int
	Failed     int
	DataItems  int
}

func (e *env) snapshot(t *testing.T) snapshot {
	t.Helper()
	ctx := context.Background()
	task, err := e.h.Repo.GetTask(ctx, signingtest.FoundersTask)
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := e.h.Repo.ListSignatures(ctx, signingtest.FoundersTask)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := e.h.Repo.Audit(ctx, signingtest.FoundersTask)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{
		Status: task.Status, Version: task.Version, Counts: task.Counts,
		Signatures: len(sigs), Audit: len(audit),
		Resumed: len(e.h.Workflow.Resumed), Failed: len(e.h.Workflow.Failed),
		DataItems: len(e.h.Emu.Data()),
	}
}

// signAll records every signee's signature through the service.
func (e *env) signAll(t *testing.T) {
	t.Helper()
	e.h.SignAll(t)
}

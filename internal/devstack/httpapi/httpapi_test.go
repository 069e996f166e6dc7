package httpapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/devstack/funchost"
	"github.com/signingflow/signing/internal/devstack/httpapi"
	"github.com/signingflow/signing/internal/devstack/localjwt"
)

// fakeInvoker records events and answers by function name.
type fakeInvoker struct {
	mu     sync.Mutex
	events map[string]events.APIGatewayV2HTTPRequest
}

func (f *fakeInvoker) Invoke(_ context.Context, name string, payload []byte, _ funchost.InvokeOptions) (funchost.Result, error) {
	var ev events.APIGatewayV2HTTPRequest
	_ = json.Unmarshal(payload, &ev)
	f.mu.Lock()
	f.events[ev.RequestContext.HTTP.Path] = ev
	f.mu.Unlock()
	switch name {
	case "fails":
		return funchost.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorType":"x"}`)}, nil
	case "plain":
		return funchost.Result{Payload: []byte(`{"hello":"world"}`)}, nil
	case "slow":
		time.Sleep(300 * time.Millisecond)
		return funchost.Result{Payload: []byte(`{}`)}, nil
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: 201, Headers: map[string]string{"Content-Type": "application/problem+json"}, Body: `{"route":"` + name + `"}`, Cookies: []string{"a=b"}}
	b, _ := json.Marshal(resp)
	return funchost.Result{Payload: b}, nil
}

func (f *fakeInvoker) event(path string) events.APIGatewayV2HTTPRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.events[path]
}

func TestAPI(t *testing.T) {
	t.Parallel()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	issuer := &localjwt.Issuer{Key: key, Issuer: "https://issuer.local", Audience: []string{"aud"}}
	auth := &httpapi.Authorizer{
		Name:           "Jwt",
		IdentitySource: "$request.header.Authorization",
		Verifier:       &localjwt.Verifier{Keys: map[string]*rsa.PublicKey{localjwt.KeyID(&key.PublicKey): &key.PublicKey}, Issuer: "https://issuer.local", Audience: []string{"aud"}},
	}
	inv := &fakeInvoker{events: map[string]events.APIGatewayV2HTTPRequest{}}
	api, err := httpapi.New(httpapi.Options{
		APIID:   "api1",
		Invoker: inv,
		Timeout: 100 * time.Millisecond,
		Routes: []httpapi.Route{
			{Method: "POST", Path: "/{org}/{app}/instances/{partyId}/{guid}/actions", Function: "actions", Authorizer: auth},
			{Method: "GET", Path: "/{org}/{app}/instances/{partyId}/{guid}/signing", Function: "state", Authorizer: auth},
			{Method: "GET", Path: "/ttd/{app}/instances/{partyId}/{guid}/signing", Function: "literal", Authorizer: auth},
			{Method: "ANY", Path: "/files/{proxy+}", Function: "plain"},
			{Method: "GET", Path: "/fails", Function: "fails"},
			{Method: "GET", Path: "/slow", Function: "slow"},
			{Method: "GET", Path: "/scoped", Function: "plain", Authorizer: auth, Scopes: []string{"signing:read"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	good, _ := issuer.Token(map[string]any{"pid": "x", "urn:altinn:partyid": 50001, "scope": "signing:read other"}, time.Hour)
	expired, _ := issuer.Token(nil, -time.Minute)
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		body       string
		headers    map[string]string
		wantStatus int
		wantBody   string
		check      func(t *testing.T, ev events.APIGatewayV2HTTPRequest)
	}{
		{
			name: "route_with_claims", method: "POST", path: "/ttd/founders/instances/50001/abc/actions?taskId=Task_1&x=1&x=2", token: good,
			body: `{"action":"sign"}`, wantStatus: 201, wantBody: `{"route":"actions"}`,
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				if ev.RouteKey != "POST /{org}/{app}/instances/{partyId}/{guid}/actions" || ev.Version != "2.0" {
					t.Errorf("routeKey %q version %q", ev.RouteKey, ev.Version)
				}
				if ev.PathParameters["partyId"] != "50001" || ev.PathParameters["guid"] != "abc" || ev.PathParameters["org"] != "ttd" {
					t.Errorf("pathParameters = %v", ev.PathParameters)
				}
				if ev.QueryStringParameters["taskId"] != "Task_1" || ev.QueryStringParameters["x"] != "1,2" || ev.RawQueryString != "taskId=Task_1&x=1&x=2" {
					t.Errorf("query = %v %q", ev.QueryStringParameters, ev.RawQueryString)
				}
				claims := ev.RequestContext.Authorizer.JWT.Claims
				if claims["pid"] != "x" || claims["urn:altinn:partyid"] != "50001" || claims["iss"] != "https://issuer.local" {
					t.Errorf("claims = %v", claims)
				}
				if ev.Body != `{"action":"sign"}` || ev.IsBase64Encoded || ev.RequestContext.APIID != "api1" || ev.RequestContext.Stage != "$default" {
					t.Errorf("event = %+v", ev)
				}
			},
		},
		{name: "literal_beats_parameter", method: "GET", path: "/ttd/founders/instances/1/g/signing", token: good, wantStatus: 201, wantBody: `{"route":"literal"}`},
		{name: "parameter_route", method: "GET", path: "/other/founders/instances/1/g/signing", token: good, wantStatus: 201, wantBody: `{"route":"state"}`},
		{name: "no_token", method: "POST", path: "/ttd/founders/instances/1/g/actions", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "expired_token", method: "POST", path: "/ttd/founders/instances/1/g/actions", token: expired, wantStatus: 401},
		{name: "garbage_token", method: "POST", path: "/ttd/founders/instances/1/g/actions", token: "abc.def.ghi", wantStatus: 401},
		{name: "greedy_any_open", method: "DELETE", path: "/files/a/b/c", wantStatus: 200, wantBody: `{"hello":"world"}`,
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				if ev.PathParameters["proxy"] != "a/b/c" || ev.RequestContext.Authorizer != nil {
					t.Errorf("event = %+v", ev)
				}
			}},
		{name: "no_route", method: "GET", path: "/nope", wantStatus: 404, wantBody: `{"message":"Not Found"}`},
		{name: "wrong_method", method: "DELETE", path: "/fails", wantStatus: 404},
		// No CORS (a README divergence): a preflight is an unknown route, without Access-Control-* headers.
		{name: "no_cors_preflight", method: "OPTIONS", path: "/fails", wantStatus: 404,
			headers: map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}},
		{name: "no_cors_headers", method: "GET", path: "/files/x", wantStatus: 200, headers: map[string]string{"Origin": "https://app.example"}},
		{name: "function_error", method: "GET", path: "/fails", wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "integration_timeout", method: "GET", path: "/slow", wantStatus: 503, wantBody: `{"message":"Service Unavailable"}`},
		{name: "scope_present", method: "GET", path: "/scoped", token: good, wantStatus: 200},
		{name: "scope_missing", method: "GET", path: "/scoped", token: expiredScopeless(t, issuer), wantStatus: 403, wantBody: `{"message":"Forbidden"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for k := range resp.Header {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("response header %s: %s, want no CORS headers", k, resp.Header.Get(k))
				}
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d (%s), want %d", resp.StatusCode, b, tt.wantStatus)
			}
			if tt.wantBody != "" && strings.TrimSpace(string(b)) != tt.wantBody {
				t.Errorf("body = %s, want %s", b, tt.wantBody)
			}
			if tt.check != nil {
				tt.check(t, inv.event(strings.SplitN(tt.path, "?", 2)[0]))
			}
		})
	}
}

// expiredScopeless returns a valid token without scopes.
func expiredScopeless(t *testing.T, issuer *localjwt.Issuer) string {
	t.Helper()
	s, err := issuer.Token(map[string]any{"pid": "y"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNew_errors(t *testing.T) {
	t.Parallel()
	inv := &fakeInvoker{}
	tests := []struct {
		name   string
		routes []httpapi.Route
	}{
		{name: "duplicate", routes: []httpapi.Route{{Method: "GET", Path: "/a"}, {Method: "GET", Path: "/a"}}},
		{name: "relative", routes: []httpapi.Route{{Method: "GET", Path: "a"}}},
		{name: "greedy_not_last", routes: []httpapi.Route{{Method: "GET", Path: "/{p+}/x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := httpapi.New(httpapi.Options{Invoker: inv, Routes: tt.routes}); err == nil {
				t.Error("New() error = nil")
			}
		})
	}
}

package httpapi_test

import (
	"context"
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
	case "cors":
		resp := events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Access-Control-Allow-Origin": "*", "X-Own": "1"}, Body: `{}`}
		b, _ := json.Marshal(resp)
		return funchost.Result{Payload: b}, nil
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
	inv := &fakeInvoker{events: map[string]events.APIGatewayV2HTTPRequest{}}
	api, err := httpapi.New(httpapi.Options{
		APIID:   "api1",
		Invoker: inv,
		Timeout: 100 * time.Millisecond,
		Routes: []httpapi.Route{
			{Method: "POST", Path: "/{org}/{app}/instances/{partyId}/{guid}/actions", Function: "actions"},
			{Method: "GET", Path: "/{org}/{app}/instances/{partyId}/{guid}/signing", Function: "state"},
			{Method: "GET", Path: "/ttd/{app}/instances/{partyId}/{guid}/signing", Function: "literal"},
			{Method: "ANY", Path: "/files/{proxy+}", Function: "plain"},
			{Method: "GET", Path: "/fails", Function: "fails"},
			{Method: "GET", Path: "/slow", Function: "slow"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		headers    map[string]string
		wantStatus int
		wantBody   string
		check      func(t *testing.T, ev events.APIGatewayV2HTTPRequest)
	}{
		{
			name: "route_with_headers_and_cookies", method: "POST", path: "/ttd/founders/instances/50001/abc/actions?taskId=Task_1&x=1&x=2",
			headers: map[string]string{"Authorization": "Bearer abc", "Cookie": "AltinnStudioRuntime=tok; XSRF-TOKEN=x", "X-Xsrf-Token": "x"},
			body:    `{"action":"sign"}`, wantStatus: 201, wantBody: `{"route":"actions"}`,
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
				// No authorizer: the token passes through to the function; API
				// Gateway's payload 2.0 moves the Cookie header into cookies.
				if ev.RequestContext.Authorizer != nil || ev.Headers["authorization"] != "Bearer abc" || ev.Headers["x-xsrf-token"] != "x" {
					t.Errorf("authorizer %+v, headers %v", ev.RequestContext.Authorizer, ev.Headers)
				}
				if _, ok := ev.Headers["cookie"]; ok || strings.Join(ev.Cookies, "|") != "AltinnStudioRuntime=tok|XSRF-TOKEN=x" {
					t.Errorf("cookies = %q, cookie header %q", ev.Cookies, ev.Headers["cookie"])
				}
				if ev.Body != `{"action":"sign"}` || ev.IsBase64Encoded || ev.RequestContext.APIID != "api1" || ev.RequestContext.Stage != "$default" {
					t.Errorf("event = %+v", ev)
				}
			},
		},
		{name: "literal_beats_parameter", method: "GET", path: "/ttd/founders/instances/1/g/signing", wantStatus: 201, wantBody: `{"route":"literal"}`},
		{name: "parameter_route", method: "GET", path: "/other/founders/instances/1/g/signing", wantStatus: 201, wantBody: `{"route":"state"}`},
		{name: "no_token_passes_to_the_function", method: "POST", path: "/ttd/founders/instances/1/g/actions", wantStatus: 201},
		{name: "greedy_any_open", method: "DELETE", path: "/files/a/b/c", wantStatus: 200, wantBody: `{"hello":"world"}`,
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				if ev.PathParameters["proxy"] != "a/b/c" || ev.RequestContext.Authorizer != nil {
					t.Errorf("event = %+v", ev)
				}
			}},
		{name: "no_route", method: "GET", path: "/nope", wantStatus: 404, wantBody: `{"message":"Not Found"}`},
		{name: "wrong_method", method: "DELETE", path: "/fails", wantStatus: 404},
		// Without a CORS configuration: a preflight is an unknown route, without Access-Control-* headers.
		{name: "no_cors_preflight", method: "OPTIONS", path: "/fails", wantStatus: 404,
			headers: map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}},
		{name: "no_cors_headers", method: "GET", path: "/files/x", wantStatus: 200, headers: map[string]string{"Origin": "https://app.example"}},
		{name: "function_error", method: "GET", path: "/fails", wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "integration_timeout", method: "GET", path: "/slow", wantStatus: 503, wantBody: `{"message":"Service Unavailable"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
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

// TestAPI_CORS: with a CorsConfiguration the API answers preflights itself
// and sets the CORS headers for allowed origins only, replacing the
// function's own, as API Gateway does.
func TestAPI_CORS(t *testing.T) {
	t.Parallel()
	inv := &fakeInvoker{events: map[string]events.APIGatewayV2HTTPRequest{}}
	api, err := httpapi.New(httpapi.Options{
		Invoker: inv,
		Routes:  []httpapi.Route{{Method: "POST", Path: "/actions", Function: "cors"}},
		CORS: &httpapi.CORS{AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET", "POST"},
			AllowHeaders: []string{"Content-Type", "X-XSRF-TOKEN"}, ExposeHeaders: []string{"Retry-After"}, AllowCredentials: true, MaxAge: 600},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	tests := []struct {
		name       string
		method     string
		headers    map[string]string
		wantStatus int
		want       map[string]string // "" means absent
	}{
		{name: "preflight_allowed", method: "OPTIONS", wantStatus: 204,
			headers: map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, x-xsrf-token"},
			want:    map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Credentials": "true", "Access-Control-Max-Age": "600", "Access-Control-Allow-Methods": "GET,POST"}},
		{name: "preflight_other_origin", method: "OPTIONS", wantStatus: 204,
			headers: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			want:    map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": ""}},
		{name: "preflight_header_not_allowed", method: "OPTIONS", wantStatus: 204,
			headers: map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-other"},
			want:    map[string]string{"Access-Control-Allow-Origin": ""}},
		{name: "request_allowed_origin", method: "POST", wantStatus: 200, headers: map[string]string{"Origin": "https://app.example"},
			want: map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": "retry-after", "X-Own": "1"}},
		// The request reaches the function (CORS does not refuse it); the
		// browser keeps the answer from the page without the headers.
		{name: "request_other_origin", method: "POST", wantStatus: 200, headers: map[string]string{"Origin": "https://evil.example"},
			want: map[string]string{"Access-Control-Allow-Origin": "", "X-Own": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tt.method, srv.URL+"/actions", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			for k, v := range tt.want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
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

package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/altinntoken"
	"github.com/signingflow/signing/internal/frontendcontract"
	"github.com/signingflow/signing/internal/signingtest"
)

// cookieEvent turns ev (with its claims' token) into a browser's request:
// no Authorization header, the token in the runtime cookie.
func cookieEvent(ev events.APIGatewayV2HTTPRequest, extra ...string) (events.APIGatewayV2HTTPRequest, string) {
	tok := strings.TrimPrefix(ev.Headers["authorization"], "Bearer ")
	ev = withoutToken(ev)
	ev.Cookies = append([]string{RuntimeCookie + "=" + tok}, extra...)
	return ev, tok
}

func TestHandler_Handle_cookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := testConfig()
	cfg.AllowedOrigins = []string{"https://ttd.apps.signing.example"}
	e.handler = NewHandler(e.h.Svc, cfg, nil)
	// A GET with the cookie only: answered, with the session's XSRF token
	// in a cookie the frontend's JavaScript can read.
	ev, tok := cookieEvent(loadEvent(t, "api-signing-state"))
	resp := e.do(t, ev)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET with the cookie: %d %s", resp.StatusCode, resp.Body)
	}
	want := xsrfToken(tok)
	if len(resp.Cookies) != 1 {
		t.Fatalf("Set-Cookie = %q, want the XSRF-TOKEN cookie", resp.Cookies)
	}
	c, err := http.ParseSetCookie(resp.Cookies[0])
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != XSRFCookie || c.Value != want || c.HttpOnly || !c.Secure || c.Path != "/" || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("Set-Cookie = %q, want %s=<the session's token>; Path=/; Secure; SameSite=Strict, not HttpOnly", resp.Cookies[0], XSRFCookie)
	}
	// Already carried: not set again.
	ev.Cookies = append(ev.Cookies, XSRFCookie+"="+want)
	if resp := e.do(t, ev); resp.StatusCode != http.StatusOK || len(resp.Cookies) != 0 {
		t.Errorf("GET with the XSRF cookie: %d, Set-Cookie %q; want 200 and none", resp.StatusCode, resp.Cookies)
	}
	// A refused GET gets none either.
	ev, _ = cookieEvent(as(loadEvent(t, "api-signing-state"), "stranger"))
	if resp := e.do(t, ev); resp.StatusCode != http.StatusForbidden || len(resp.Cookies) != 0 {
		t.Errorf("a stranger's GET with the cookie: %d, Set-Cookie %q; want 403 and none", resp.StatusCode, resp.Cookies)
	}
	// A bearer caller gets no XSRF cookie.
	if resp := e.do(t, loadEvent(t, "api-signing-state")); len(resp.Cookies) != 0 {
		t.Errorf("GET with a bearer token: Set-Cookie %q, want none", resp.Cookies)
	}
	// The sign, as the frontend sends it: the cookie, the XSRF cookie, the
	// header axios copies it to, the app's origin.
	ev, tok = cookieEvent(loadEvent(t, "api-sign"))
	ev.Cookies = append(ev.Cookies, XSRFCookie+"="+xsrfToken(tok))
	ev.Headers[strings.ToLower(XSRFHeader)] = xsrfToken(tok)
	if resp := e.do(t, ev); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign with the cookie and the XSRF token: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestHandler_Handle_cookieHeaderAndBearer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := testConfig()
	cfg.AllowedOrigins = []string{"https://ttd.apps.signing.example"}
	e.handler = NewHandler(e.h.Svc, cfg, nil)
	tests := []struct {
		name   string
		change func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest
		want   int
	}{
		// An event without API Gateway's cookies list (hand-made, sam local
		// invoke) is read from its Cookie header.
		{name: "cookie_header", want: http.StatusOK, change: func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
			ev, tok := cookieEvent(ev)
			ev.Cookies = nil
			ev.Headers["cookie"] = "other=1; " + RuntimeCookie + "=" + tok + "; " + XSRFCookie + "=" + xsrfToken(tok)
			ev.Headers[strings.ToLower(XSRFHeader)] = xsrfToken(tok)
			return ev
		}},
		// A planted second XSRF-TOKEN cookie does not hide the right one.
		{name: "tossed_xsrf_cookie_beside_the_right_one", want: http.StatusOK, change: func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
			ev, tok := cookieEvent(ev, XSRFCookie+"=planted")
			ev.Cookies = append(ev.Cookies, XSRFCookie+"="+xsrfToken(tok))
			ev.Headers[strings.ToLower(XSRFHeader)] = xsrfToken(tok)
			return ev
		}},
		// The reference checks the XSRF token whenever the runtime cookie is
		// sent, a bearer token or not.
		{name: "bearer_and_cookie_without_xsrf", want: http.StatusBadRequest, change: func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
			ev.Cookies = []string{RuntimeCookie + "=" + strings.TrimPrefix(ev.Headers["authorization"], "Bearer ")}
			return ev
		}},
		// A bearer token alone needs no XSRF token, from any origin.
		{name: "bearer_from_another_origin", want: http.StatusOK, change: func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
			ev.Headers = cloneMap(ev.Headers)
			ev.Headers["origin"] = "https://evil.example"
			return ev
		}},
		{name: "bearer_scheme_in_lower_case", want: http.StatusOK, change: func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
			ev.Headers = cloneMap(ev.Headers)
			ev.Headers["authorization"] = "bearer " + strings.TrimPrefix(ev.Headers["authorization"], "Bearer ")
			return ev
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.handler = NewHandler(e.h.Svc, cfg, nil)
			resp := e.do(t, tt.change(loadEvent(t, "api-sign")))
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d: %s", resp.StatusCode, tt.want, resp.Body)
			}
		})
	}
}

// unavailableVerifier is a verifier whose issuer's keys cannot be fetched.
type unavailableVerifier struct{}

func (unavailableVerifier) Verify(context.Context, string) (jwt.MapClaims, error) {
	return nil, altinntoken.ErrUnavailable
}

func TestHandler_Handle_keysUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := testConfig()
	cfg.Verifier = unavailableVerifier{}
	e.handler = NewHandler(e.h.Svc, cfg, nil)
	resp := e.do(t, loadEvent(t, "api-sign"))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Headers["Retry-After"] == "" {
		t.Errorf("status = %d (Retry-After %q), want 503 with Retry-After: %s", resp.StatusCode, resp.Headers["Retry-After"], resp.Body)
	}
}

// browser is one person's browser session with the app frontend: the
// runtime cookie Altinn set at login, the XSRF-TOKEN cookie the API's GET
// answers set, and the frontend's origin.
type browser struct {
	runtime, xsrf string
}

// newBrowser logs who in: one token for the whole session.
func newBrowser(t *testing.T, who string) *browser {
	t.Helper()
	ev := as(loadEvent(t, "api-signing-state"), who)
	return &browser{runtime: strings.TrimPrefix(ev.Headers["authorization"], "Bearer ")}
}

// send sends ev as the browser does: no Authorization header, the cookies
// it holds, Origin, and on a write the X-XSRF-TOKEN header axios copies
// from the cookie; it keeps the XSRF-TOKEN cookie an answer sets.
func (b *browser) send(t *testing.T, e *env, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	ev = withoutToken(ev)
	ev.Headers["origin"] = "https://ttd.apps.signing.example"
	ev.Cookies = []string{RuntimeCookie + "=" + b.runtime}
	if b.xsrf != "" {
		ev.Cookies = append(ev.Cookies, XSRFCookie+"="+b.xsrf)
		if !safeMethod(ev.RequestContext.HTTP.Method) {
			ev.Headers[strings.ToLower(XSRFHeader)] = b.xsrf
		}
	}
	resp := e.do(t, ev)
	for _, raw := range resp.Cookies {
		if c, err := http.ParseSetCookie(raw); err == nil && c.Name == XSRFCookie {
			b.xsrf = c.Value
		}
	}
	return resp
}

// TestFrontend_callSequence_cookieOnly runs the app frontend's signing step
// as a browser sends it: the runtime cookie only, the XSRF token from the
// first GET answer on every write, no taskId; every answer is one the
// frontend's schemas accept.
func TestFrontend_callSequence_cookieOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := testConfig()
	cfg.AllowedOrigins = []string{"https://ttd.apps.signing.example"}
	e.handler = NewHandler(e.h.Svc, cfg, slog.New(slog.NewJSONHandler(e.logs, nil)))
	kari, ola := newBrowser(t, "kari"), newBrowser(t, "ola")
	for _, step := range []struct {
		b                  *browser
		event, query, body string
		schema             string
	}{
		{kari, "api-signing-state", "", "", frontendcontract.SigneeList},
		{kari, "api-data-elements", "", "", frontendcontract.SigningDocuments},
		{kari, "api-organizations", "", "", frontendcontract.AuthorizedOrganizations},
		{kari, "api-sign", "language=nb", `{"action":"sign"}`, frontendcontract.UserActionResponse},
		{kari, "api-sign", "language=nb", `{"action":"sign","onBehalfOf":"` + signingtest.CompanyOrg + `"}`, frontendcontract.UserActionResponse},
		{ola, "api-signing-state", "", "", frontendcontract.SigneeList},
		{ola, "api-sign", "language=nb", `{"action":"sign"}`, frontendcontract.UserActionResponse},
		{kari, "api-process-next", "language=nb", "null", frontendcontract.ProcessState},
	} {
		who := "kari"
		if step.b == ola {
			who = "ola"
		}
		resp := step.b.send(t, e, frontendCall(t, step.event, who, step.query, step.body))
		checkFrontend(t, resp, http.StatusOK, step.schema)
		if step.b.xsrf == "" {
			t.Fatalf("%s: no XSRF-TOKEN cookie after %s", who, step.event)
		}
	}
	if got := e.snapshot(t).Signatures; got != 3 {
		t.Errorf("signatures = %d, want 3", got)
	}
}

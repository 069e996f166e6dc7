package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/scenario"
)

// TestAPI_unauthenticated: the API function answers 401 without a valid
// token, by header or by Altinn's runtime cookie; the HTTP API has no
// authorizer (template.yaml), so the function verifies against the local
// issuer's key set, fetched over HTTP as it fetches Altinn's.
func TestAPI_unauthenticated(t *testing.T) {
	r := newRun(t)
	kari, _, _ := scenario.Founders(fixture)
	tests := []struct {
		name   string
		token  string
		cookie bool
	}{
		{name: "no_token"},
		{name: "garbage", token: "not.a.token"},
		{name: "foreign_issuer", token: localToken(t, kari, map[string]any{"iss": "https://someone-else.example/"}, time.Hour)},
		{name: "expired", token: localToken(t, kari, nil, -time.Minute)},
		{name: "cookie_for_another_audience", token: localToken(t, kari, map[string]any{"aud": "another-api"}, time.Hour), cookie: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(within(t, 10*time.Second), http.MethodGet, r.Stack.APIURL+"/signing-requests", nil)
			switch {
			case tt.cookie:
				req.AddCookie(&http.Cookie{Name: "AltinnStudioRuntime", Value: tt.token})
			case tt.token != "":
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var p struct{ Type string }
			_ = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasSuffix(p.Type, "/unauthenticated") {
				t.Errorf("status = %d (%s), want 401 unauthenticated", resp.StatusCode, p.Type)
			}
		})
	}
}

// localToken is a token of the local issuer for p with extra claims.
func localToken(t *testing.T, p scenario.Party, extra map[string]any, ttl time.Duration) string {
	t.Helper()
	claims := scenario.AltinnUserClaims(p.UserID, p.PartyID, p.PartyUUID, p.SSN)
	for k, v := range extra {
		claims[k] = v
	}
	tok, err := stack.Issuer.Token(claims, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestAPI_browser: the calls as Altinn's app frontend makes them in a
// browser: no Authorization header, the runtime cookie; a GET answer sets
// the JavaScript-readable XSRF-TOKEN cookie, which axios sends back as
// X-XSRF-TOKEN on the sign; the HTTP API answers the CORS preflight for the
// configured origin only. A sign without the XSRF token, from another
// origin, or from a login below the app's level is refused, and nothing is
// signed until the right one.
func TestAPI_browser(t *testing.T) {
	r := newRun(t)
	started(t, r)
	_, ola, _ := scenario.Founders(fixture)
	session := localToken(t, ola, nil, time.Hour)
	path := "/" + r.Instance.Org + "/" + r.Instance.App + "/instances/" + strconv.FormatInt(r.Instance.PartyID, 10) + "/" + r.Instance.InstanceGUID
	call := func(t *testing.T, method, suffix, origin, xsrf string, cookies ...*http.Cookie) *http.Response {
		t.Helper()
		var body io.Reader
		if method != http.MethodGet && method != http.MethodOptions {
			body = strings.NewReader(`{"action":"sign"}`)
		}
		req, _ := http.NewRequestWithContext(within(t, 30*time.Second), method, r.Stack.APIURL+path+suffix+"?taskId="+r.Input.TaskID, body)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if xsrf != "" {
			req.Header.Set("X-XSRF-TOKEN", xsrf)
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	runtime := &http.Cookie{Name: "AltinnStudioRuntime", Value: session}

	// The preflight, answered by the HTTP API itself.
	pre, _ := http.NewRequestWithContext(within(t, 10*time.Second), http.MethodOptions, r.Stack.APIURL+path+"/actions", nil)
	pre.Header.Set("Origin", devstack.LocalFrontendOrigin)
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "content-type,x-xsrf-token")
	resp, err := http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != devstack.LocalFrontendOrigin || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight = %d %v, want 204 allowing %s with credentials", resp.StatusCode, resp.Header, devstack.LocalFrontendOrigin)
	}

	// The signee list, with the cookie only: the XSRF token comes back.
	resp = call(t, http.MethodGet, "/signing", devstack.LocalFrontendOrigin, "", runtime)
	var xsrf *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "XSRF-TOKEN" {
			xsrf = c
		}
	}
	if resp.StatusCode != http.StatusOK || xsrf == nil || xsrf.HttpOnly || resp.Header.Get("Access-Control-Allow-Origin") != devstack.LocalFrontendOrigin {
		t.Fatalf("GET …/signing with the cookie = %d, XSRF-TOKEN %v, ACAO %q; want 200, a readable XSRF-TOKEN and CORS for the origin",
			resp.StatusCode, xsrf, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	weak := &http.Cookie{Name: "AltinnStudioRuntime", Value: localToken(t, ola, map[string]any{"urn:altinn:authlevel": 1}, time.Hour)}
	for _, tt := range []struct {
		name    string
		origin  string
		xsrf    string
		cookies []*http.Cookie
		want    int
	}{
		{name: "no_xsrf_token", origin: devstack.LocalFrontendOrigin, cookies: []*http.Cookie{runtime}, want: http.StatusBadRequest},
		{name: "xsrf_header_without_its_cookie", origin: devstack.LocalFrontendOrigin, xsrf: xsrf.Value, cookies: []*http.Cookie{runtime}, want: http.StatusBadRequest},
		{name: "another_origin", origin: "https://evil.example", xsrf: xsrf.Value, cookies: []*http.Cookie{runtime, xsrf}, want: http.StatusForbidden},
		{name: "weak_login", origin: devstack.LocalFrontendOrigin, xsrf: xsrf.Value, cookies: []*http.Cookie{weak, xsrf}, want: http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if resp := call(t, http.MethodPost, "/actions", tt.origin, tt.xsrf, tt.cookies...); resp.StatusCode != tt.want {
				t.Errorf("sign = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	if n := dataOfType(r, r.Input.Config.SignatureDataType); n != 0 {
		t.Fatalf("%d signature documents after the refused signs, want 0", n)
	}
	if resp := call(t, http.MethodPost, "/actions", devstack.LocalFrontendOrigin, xsrf.Value, runtime, &http.Cookie{Name: "XSRF-TOKEN", Value: xsrf.Value}); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign with the cookie and the XSRF token = %d, want 200", resp.StatusCode)
	}
}

package platformauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/signing"
)

// fakeMaskinportenToken looks like a JWT, so that scrubbing is tested too.
const fakeMaskinportenToken = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6Im1wIn0.c2lnbmF0dXJl"

// fake is a scripted Maskinporten and exchange that records what it saw.
type fake struct {
	token    http.HandlerFunc // nil: a good answer
	exchange http.HandlerFunc // nil: a good Altinn token

	mu        sync.Mutex
	assertion string
	altinn    string
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/token":
		_ = r.ParseForm()
		f.mu.Lock()
		f.assertion = r.PostForm.Get("assertion")
		f.mu.Unlock()
		if f.token != nil {
			f.token(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": fakeMaskinportenToken, "token_type": "Bearer", "expires_in": 120, "scope": testScope})
	case exchangePathForTest:
		if f.exchange != nil {
			f.exchange(w, r)
			return
		}
		_, _ = w.Write([]byte(f.altinnToken(time.Now().Add(time.Hour))))
	default:
		http.NotFound(w, r)
	}
}

// altinnToken makes (and remembers) an Altinn-like token expiring at exp.
func (f *fake) altinnToken(exp time.Time) string {
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": exp.Unix()}).SignedString([]byte("k"))
	f.mu.Lock()
	f.altinn = tok
	f.mu.Unlock()
	return tok
}

func (f *fake) secrets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return []string{f.assertion, f.altinn, fakeMaskinportenToken}
}

func oauthError(status int, code, description string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
	}
}

func TestMaskinporten_Token_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		fake          *fake
		cfg           func(cfg *MaskinportenConfig, srv *httptest.Server)
		wantTransient bool
		wantText      []string
	}{
		{name: "token_500", fake: &fake{token: oauthError(http.StatusInternalServerError, "server_error", "try later")},
			wantTransient: true, wantText: []string{"maskinporten token", "HTTP 500", "server_error", "try later"}},
		{name: "token_429", fake: &fake{token: oauthError(http.StatusTooManyRequests, "", "")},
			wantTransient: true, wantText: []string{"HTTP 429"}},
		{name: "token_503_html", fake: &fake{token: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "<html>down</html>", http.StatusServiceUnavailable)
		}}, wantTransient: true, wantText: []string{"HTTP 503"}},
		{name: "token_400_with_error_text", fake: &fake{token: oauthError(http.StatusBadRequest, "invalid_grant", "Invalid assertion. Client authentication failed.")},
			wantText: []string{"maskinporten token", "HTTP 400", "invalid_grant", "Invalid assertion. Client authentication failed."}},
		{name: "token_400_echoing_the_grant", fake: &fake{token: func(w http.ResponseWriter, r *http.Request) {
			oauthError(http.StatusBadRequest, "invalid_grant", "bad grant "+r.PostForm.Get("assertion"))(w, r)
		}}, wantText: []string{"invalid_grant", "bad grant [redacted]"}},
		{name: "token_not_json", fake: &fake{token: func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }},
			wantText: []string{"BadResponse"}},
		{name: "token_type_not_bearer", fake: &fake{token: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"` + fakeMaskinportenToken + `","token_type":"mac"}`))
		}}, wantText: []string{"token_type mac"}},
		{name: "exchange_401", fake: &fake{exchange: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }},
			wantText: []string{"altinn exchange", "HTTP 401"}},
		{name: "exchange_503_echoing_the_bearer", fake: &fake{exchange: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "cannot serve "+r.Header.Get("Authorization"), http.StatusServiceUnavailable)
		}}, wantTransient: true, wantText: []string{"altinn exchange", "HTTP 503", "cannot serve Bearer [redacted]"}},
		{name: "exchange_not_a_jwt", fake: &fake{exchange: func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) }},
			wantText: []string{"altinn exchange", "not a JWT"}},
		{name: "exchange_token_expires_within_margin", fake: func() *fake {
			f := &fake{}
			f.exchange = func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(f.altinnToken(time.Now().Add(20 * time.Second))))
			}
			return f
		}(), wantText: []string{"ExpiresTooSoon"}},
		{name: "http_client_timeout", fake: &fake{token: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}}, cfg: func(cfg *MaskinportenConfig, srv *httptest.Server) {
			cfg.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
		}, wantTransient: true, wantText: []string{"Timeout"}},
		{name: "refresh_timeout", fake: &fake{token: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}}, cfg: func(cfg *MaskinportenConfig, _ *httptest.Server) {
			cfg.Timeout = 100 * time.Millisecond
		}, wantTransient: true, wantText: []string{"Timeout"}},
		{name: "unreachable", fake: &fake{}, cfg: func(cfg *MaskinportenConfig, srv *httptest.Server) {
			srv.Close()
		}, wantTransient: true, wantText: []string{"maskinporten token", "Unreachable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.fake)
			t.Cleanup(srv.Close)
			cfg := MaskinportenConfig{ClientID: testClientID, Issuer: srv.URL + "/", TokenURL: srv.URL + "/token",
				AuthenticationURL: srv.URL + "/authentication/api/v1", Scopes: []string{testScope}, Signer: pemSigner(t)}
			if tt.cfg != nil {
				tt.cfg(&cfg, srv)
			}
			_, err := newMaskinporten(t, cfg).Token(t.Context())
			if err == nil {
				t.Fatal("Token() error = nil, want one")
			}
			if got := IsTransient(err); got != tt.wantTransient || errors.Is(err, signing.ErrTransient) != tt.wantTransient {
				t.Errorf("IsTransient(%v) = %v, want %v", err, got, tt.wantTransient)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if got := leaks(err.Error(), tt.fake.secrets()...); len(got) > 0 {
				t.Errorf("error %q leaks %q", err, got)
			}
		})
	}
}

// TestMaskinporten_Token_refusedByDouble: the double's 400 is permanent
// and carries its error text.
func TestMaskinporten_Token_refusedByDouble(t *testing.T) {
	t.Parallel()
	clk := &clock{t: t0}
	d := startDouble(t, clk, nil, "", false) // no client registered
	_, err := newMaskinporten(t, d.config(pemSigner(t), clk)).Token(t.Context())
	var pe *PermanentError
	if !errors.As(err, &pe) || IsTransient(err) {
		t.Fatalf("Token() error = %v, want a *PermanentError", err)
	}
	if pe.Status != 400 || pe.Code != "invalid_grant" || !strings.Contains(pe.Description, "Unknown client") {
		t.Errorf("error = {%d %q %q}, want {400 invalid_grant …Unknown client…}", pe.Status, pe.Code, pe.Description)
	}
	if got := leaks(err.Error()); len(got) > 0 {
		t.Errorf("error %q leaks %q", err, got)
	}
}

package idp_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/platform/emulator/idp"
)

// maskinportenToken gets a Maskinporten token for client-1 with scopes A and B.
func maskinportenToken(t *testing.T, p *idp.IDP) string {
	t.Helper()
	c := validClaims(p)
	c["scope"] = scopeA + " " + scopeB
	got := postToken(t, p, grantForm(sign(t, "RS256", keys()[0], map[string]any{"kid": kid}, c)))
	if got.Status != 200 {
		t.Fatalf("POST /token = %d %s", got.Status, got.ErrorDescription)
	}
	return got.AccessToken
}

// exchange GETs the exchange with authorization as the header and query.
func exchange(t *testing.T, p *idp.IDP, query, authorization string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.AuthenticationURL()+"/exchange/maskinporten"+query, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET exchange error = %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

func TestIDP_Exchange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		query      string
		auth       func(t *testing.T, p *idp.IDP, c *clock) string
		wantStatus int
		wantOrg    string
	}{
		{"maskinporten_token", "", func(t *testing.T, p *idp.IDP, _ *clock) string {
			return "Bearer " + maskinportenToken(t, p)
		}, 200, org},
		{"test_true_is_ttd", "?test=true", func(t *testing.T, p *idp.IDP, _ *clock) string {
			p.SetClientOrg(clientID, "digdir", orgNumber)
			return "Bearer " + maskinportenToken(t, p)
		}, 200, "ttd"},
		{"lowercase_bearer", "", func(t *testing.T, p *idp.IDP, _ *clock) string {
			return "bearer " + maskinportenToken(t, p)
		}, 200, org},
		{"test_not_boolean", "?test=maybe", func(t *testing.T, p *idp.IDP, _ *clock) string {
			return "Bearer " + maskinportenToken(t, p)
		}, 400, ""},
		{"no_authorization", "", func(*testing.T, *idp.IDP, *clock) string { return "" }, 401, ""},
		{"basic_scheme", "", func(t *testing.T, p *idp.IDP, _ *clock) string {
			return "Basic " + maskinportenToken(t, p)
		}, 401, ""},
		{"not_a_jwt", "", func(*testing.T, *idp.IDP, *clock) string { return "Bearer abc" }, 401, ""},
		{"altinn_token_instead", "", func(t *testing.T, p *idp.IDP, _ *clock) string {
			tok, err := p.AltinnToken(org, orgNumber, scopeA)
			if err != nil {
				t.Fatal(err)
			}
			return "Bearer " + tok
		}, 401, ""},
		{"expired_maskinporten_token", "", func(t *testing.T, p *idp.IDP, c *clock) string {
			tok := maskinportenToken(t, p)
			c.Set(t0.Add(120 * time.Second))
			return "Bearer " + tok
		}, 401, ""},
		{"grant_instead", "", func(t *testing.T, p *idp.IDP, _ *clock) string {
			return "Bearer " + sign(t, "RS256", keys()[0], map[string]any{"kid": kid}, validClaims(p))
		}, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, c := newDouble(t)
			status, ctype, body := exchange(t, p, tt.query, tt.auth(t, p, c))
			if status != tt.wantStatus {
				t.Fatalf("GET exchange = %d, want %d", status, tt.wantStatus)
			}
			if status != 200 {
				return
			}
			if ctype != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q, want text/plain", ctype)
			}
			got, err := p.VerifyAltinnToken(body)
			if err != nil {
				t.Fatalf("VerifyAltinnToken() error = %v", err)
			}
			want := idp.AltinnClaims{Org: tt.wantOrg, OrgNumber: orgNumber, Scope: scopeA + " " + scopeB,
				Issuer: p.AltinnIssuer(), IssuedAt: t0, ExpiresAt: t0.Add(30 * time.Minute)}
			if !got.IssuedAt.Equal(want.IssuedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
				t.Errorf("lifetime = %v..%v, want %v..%v", got.IssuedAt, got.ExpiresAt, want.IssuedAt, want.ExpiresAt)
			}
			got.IssuedAt, got.ExpiresAt, want.IssuedAt, want.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if got != want {
				t.Errorf("claims = %+v, want %+v", got, want)
			}
		})
	}
}

// TestIDP_Exchange_noOrganisation: a client with no organisation number
// has no consumer to name (inferred 401).
func TestIDP_Exchange_noOrganisation(t *testing.T) {
	t.Parallel()
	p, _ := newDouble(t)
	p.RegisterClient("client-2", &keys()[1].PublicKey, kid, []string{scopeA})
	c := validClaims(p)
	c["iss"] = "client-2"
	a := postToken(t, p, grantForm(sign(t, "RS256", keys()[1], map[string]any{"kid": kid}, c)))
	if a.Status != 200 {
		t.Fatalf("POST /token = %d %s", a.Status, a.ErrorDescription)
	}
	if status, _, _ := exchange(t, p, "", "Bearer "+a.AccessToken); status != 401 {
		t.Errorf("GET exchange = %d, want 401", status)
	}
}

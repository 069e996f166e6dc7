package idp

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims of Altinn tokens [ST src/Storage/Helpers/ClaimsPrincipalExtensions.cs].
const (
	ClaimOrg       = "urn:altinn:org"
	ClaimOrgNumber = "urn:altinn:orgNumber"
	ClaimApp       = "urn:altinn:app"
)

// testOrg is the org of ?test=true tokens, Testdepartementet [Altinn/altinn-studio-docs
// content/teknologi/…/altinn-platform/authentication/_index.md].
const testOrg = "ttd"

// serveExchange is Altinn authentication's
// GET /authentication/api/v1/exchange/maskinporten [AL MaskinportenClient.cs]:
// Bearer = a Maskinporten token → 200 text/plain Altinn JWT,
// 401 for anything else.
func (p *IDP) serveExchange(w http.ResponseWriter, r *http.Request) {
	test := false
	if v := r.URL.Query().Get("test"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			http.Error(w, "test must be true or false", http.StatusBadRequest) // inferred: model binding
			return
		}
		test = b
	}
	scheme, raw, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		unauthorized(w)
		return
	}
	now := p.now()
	claims, ok := p.verifyMaskinporten(raw, now)
	if !ok {
		unauthorized(w)
		return
	}
	orgNumber := consumerOrgNumber(claims["consumer"])
	if orgNumber == "" {
		unauthorized(w) // inferred: no organisation to name
		return
	}
	scope, _ := claims["scope"].(string)
	p.mu.Lock()
	org := p.orgs[orgNumber]
	p.mu.Unlock()
	if test {
		org = testOrg
	}
	tok, err := p.altinnToken(org, orgNumber, scope, now)
	if err != nil {
		http.Error(w, "signing failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(tok))
}

// AltinnToken issues an Altinn token as the exchange does, for tests and
// the local stack that need one without Maskinporten; org may be empty.
func (p *IDP) AltinnToken(org, orgNumber string, scopes ...string) (string, error) {
	return p.altinnToken(org, orgNumber, strings.Join(scopes, " "), p.now())
}

// altinnToken signs an Altinn token.
func (p *IDP) altinnToken(org, orgNumber, scope string, now time.Time) (string, error) {
	now = now.Truncate(time.Second)
	claims := jwt.MapClaims{
		ClaimOrgNumber: orgNumber,
		"scope":        scope,
		"iss":          p.AltinnIssuer(),
		"iat":          now.Unix(),
		"exp":          now.Add(p.altinnLifetime).Unix(),
	}
	if org != "" {
		claims[ClaimOrg] = org
	}
	return p.sign(claims, true)
}

// verifyMaskinporten checks a Maskinporten token of this double:
// signature, issuer, exp required, no clock skew.
func (p *IDP) verifyMaskinporten(raw string, now time.Time) (jwt.MapClaims, bool) {
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(p.Issuer()),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	).ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return &p.mpKey.PublicKey, nil })
	return claims, err == nil
}

// consumerOrgNumber reads "0192:<orgNumber>" from a consumer claim.
func consumerOrgNumber(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["ID"].(string)
	n, ok := strings.CutPrefix(id, "0192:")
	if !ok {
		return ""
	}
	return n
}

// unauthorized writes 401 with a Bearer challenge.
func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", "Bearer")
	w.WriteHeader(http.StatusUnauthorized)
}

package idp

import (
	"crypto/rand"
	"crypto/rsa"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzGrant feeds arbitrary assertions to the grant parser: it must not
// panic, and whatever it accepts must name a registered client and kid,
// only granted scopes, and a lifetime the rules allow.
func FuzzGrant(f *testing.F) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	p, err := New(Options{BaseURL: "http://127.0.0.1:1", Now: func() time.Time { return now }, MaskinportenKey: key, AltinnKey: key})
	if err != nil {
		f.Fatal(err)
	}
	p.RegisterClient("c", &key.PublicKey, "k", []string{"s1", "s2"})
	seed := func(header map[string]any, claims jwt.MapClaims) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		for k, v := range header {
			tok.Header[k] = v
		}
		s, err := tok.SignedString(key)
		if err != nil {
			f.Fatal(err)
		}
		return s
	}
	valid := jwt.MapClaims{"aud": p.Issuer(), "iss": "c", "iat": now.Unix(), "exp": now.Add(100 * time.Second).Unix(), "jti": "j", "scope": "s1 s2"}
	f.Add(seed(map[string]any{"kid": "k"}, valid))
	f.Add(seed(nil, valid))
	extra := jwt.MapClaims{"sub": "x"}
	for k, v := range valid {
		extra[k] = v
	}
	f.Add(seed(map[string]any{"kid": "k"}, extra))
	f.Add("e30.e30.")
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpYXQiOm51bGx9.AA")
	f.Add("...")
	f.Add("")
	f.Fuzz(func(t *testing.T, assertion string) {
		g, ref := p.parseGrant(assertion, now)
		if ref != nil {
			if ref.code == "" || ref.description == "" {
				t.Errorf("refusal without code or description: %+v", ref)
			}
			return
		}
		if g.clientID != "c" || g.kid != "k" {
			t.Errorf("accepted client %q kid %q", g.clientID, g.kid)
		}
		for _, s := range g.scopes {
			if !slices.Contains([]string{"s1", "s2"}, s) {
				t.Errorf("accepted scope %q not granted", s)
			}
		}
		if len(g.scopes) == 0 || !now.Before(g.exp) {
			t.Errorf("accepted grant with scopes %v, exp %v", g.scopes, g.exp)
		}
	})
}

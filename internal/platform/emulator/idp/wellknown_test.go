package idp_test

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestIDP_WellKnown(t *testing.T) {
	t.Parallel()
	p, _ := newDouble(t)
	var meta map[string]string
	getJSON(t, strings.TrimSuffix(p.Issuer(), "/")+"/.well-known/oauth-authorization-server", &meta)
	if meta["issuer"] != p.Issuer() || meta["token_endpoint"] != p.TokenURL() || meta["jwks_uri"] == "" {
		t.Fatalf("metadata = %v, want issuer %s, token_endpoint %s, a jwks_uri", meta, p.Issuer(), p.TokenURL())
	}
	var set struct {
		Keys []struct{ Kid, N, E string } `json:"keys"`
	}
	getJSON(t, meta["jwks_uri"], &set)
	if len(set.Keys) != 1 {
		t.Fatalf("jwks has %d keys, want 1", len(set.Keys))
	}
	n, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	e, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	tok := maskinportenToken(t, p)
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return pub, nil }, jwt.WithTimeFunc(func() time.Time { return t0 }))
	if err != nil {
		t.Fatalf("access token does not verify with the published key: %v", err)
	}
	if got := parsed.Header["kid"]; got != set.Keys[0].Kid {
		t.Errorf("token kid = %v, want %s", got, set.Keys[0].Kid)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s error = %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

package localjwt_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/altinntoken"
	"github.com/signingflow/signing/internal/devstack/localjwt"
)

const testIssuer = "http://127.0.0.1:5102/authentication/api/v1/openid/"

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func TestKeyID_isTheCertificateThumbprint(t *testing.T) {
	t.Parallel()
	k := testKey()
	kid, err := localjwt.KeyID(k)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := localjwt.JWKS(k)
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS() = %s (%v)", raw, err)
	}
	jwk := set.Keys[0]
	x5c, _ := jwk["x5c"].([]any)
	if len(x5c) != 1 {
		t.Fatalf("x5c = %v, want one certificate", jwk["x5c"])
	}
	der, err := base64.StdEncoding.DecodeString(x5c[0].(string))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if !k.PublicKey.Equal(cert.PublicKey) {
		t.Error("the certificate holds another key")
	}
	sum := sha1.Sum(der)
	if want := strings.ToUpper(hex.EncodeToString(sum[:])); kid != want || jwk["kid"] != want {
		t.Errorf("kid = %s (JWKS %v), want the thumbprint %s", kid, jwk["kid"], want)
	}
	if jwk["kty"] != "RSA" || jwk["use"] != "sig" || jwk["alg"] != nil {
		t.Errorf("kty, use, alg = %v, %v, %v; want RSA, sig and no alg, as Altinn's", jwk["kty"], jwk["use"], jwk["alg"])
	}
	if n, _ := jwk["n"].(string); !strings.HasSuffix(n, "=") && !strings.ContainsAny(n, "+/") {
		t.Errorf("n = %s, want standard base64 as Altinn writes it", n)
	}
	// Another process derives the same certificate from the same key.
	other := &rsa.PrivateKey{PublicKey: k.PublicKey, D: k.D, Primes: k.Primes}
	other.Precompute()
	if kid2, _ := localjwt.KeyID(other); kid2 != kid {
		t.Errorf("KeyID of the same key = %s, then %s", kid, kid2)
	}
}

func TestIssuer_Token(t *testing.T) {
	t.Parallel()
	k := testKey()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	iss := &localjwt.Issuer{Key: k, Issuer: testIssuer, Now: func() time.Time { return now }}
	tok, err := iss.Token(map[string]any{"pid": "02919043558", "jti": nil}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return &k.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := localjwt.KeyID(k)
	if parsed.Header["kid"] != kid {
		t.Errorf("kid = %v, want %s", parsed.Header["kid"], kid)
	}
	if claims["iss"] != testIssuer || claims["pid"] != "02919043558" || claims["aud"] != nil || claims["jti"] != nil {
		t.Errorf("claims = %v: want iss, pid, no aud (Altinn's have none), jti removed", claims)
	}
	if exp, _ := claims.GetExpirationTime(); exp == nil || !exp.Equal(now.Add(time.Hour)) {
		t.Errorf("exp = %v, want %v", exp, now.Add(time.Hour))
	}
}

// TestServer: the API's verifier reads the served key set, as it reads
// Altinn's, and follows SetKeys.
func TestServer(t *testing.T) {
	t.Parallel()
	k := testKey()
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := localjwt.NewServer(testIssuer, k)
	srv := httptest.NewServer(s)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := altinntoken.New(ctx, altinntoken.Options{Issuer: testIssuer, JWKSURL: srv.URL + localjwt.JWKSPath})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := (&localjwt.Issuer{Key: k, Issuer: testIssuer}).Token(nil, time.Minute)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	s.SetKeys(other)
	tok2, _ := (&localjwt.Issuer{Key: other, Issuer: testIssuer}).Token(nil, time.Minute)
	if _, err := v.Verify(ctx, tok2); err != nil {
		t.Fatalf("Verify() after SetKeys = %v", err)
	}
	resp, err := http.Get(srv.URL + localjwt.IssuerPath + ".well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc["issuer"] != testIssuer || doc["jwks_uri"] != srv.URL+localjwt.JWKSPath {
		t.Errorf("discovery document = %v", doc)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "issuer.pem")
	first, err := localjwt.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := localjwt.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Equal(second) {
		t.Error("LoadOrCreateKey returned a different key the second time")
	}
}

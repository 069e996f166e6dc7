package localjwt_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/localjwt"
)

var (
	keyOnce     sync.Once
	key, other  *rsa.PrivateKey
	testNow     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	testIssuer  = "http://127.0.0.1:3000/local-issuer"
	testAudence = []string{"signing-local"}
)

func keys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		key, _ = rsa.GenerateKey(rand.Reader, 2048)
		other, _ = rsa.GenerateKey(rand.Reader, 2048)
	})
	return key, other
}

func TestVerifier_Verify(t *testing.T) {
	t.Parallel()
	k, o := keys(t)
	issuer := &localjwt.Issuer{Key: k, Issuer: testIssuer, Audience: testAudence, Now: func() time.Time { return testNow }}
	v := &localjwt.Verifier{
		Keys:   map[string]*rsa.PublicKey{localjwt.KeyID(&k.PublicKey): &k.PublicKey},
		Issuer: testIssuer, Audience: testAudence,
		Now: func() time.Time { return testNow },
	}
	token := func(claims map[string]any, ttl time.Duration) string {
		s, err := issuer.Token(claims, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	foreign := &localjwt.Issuer{Key: o, Issuer: testIssuer, Audience: testAudence, Now: func() time.Time { return testNow }}
	foreignToken, _ := foreign.Token(nil, time.Hour)
	valid := token(map[string]any{"pid": "x"}, time.Hour)
	// withAlg is valid's claims under a header naming alg, signed RS256 by
	// the right key: only the header's alg tells it from a valid token.
	withAlg := func(alg string) string {
		header := `{"alg":"` + alg + `","typ":"JWT","kid":"` + localjwt.KeyID(&k.PublicKey) + `"}`
		signed := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + strings.Split(valid, ".")[1]
		digest := sha256.Sum256([]byte(signed))
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{name: "valid", token: valid},
		{name: "client_id_instead_of_aud", token: token(map[string]any{"aud": nil, "client_id": "signing-local"}, time.Hour)},
		{name: "audience_list", token: token(map[string]any{"aud": []string{"other", "signing-local"}}, time.Hour)},
		{name: "expired", token: token(nil, -time.Second), want: localjwt.ErrExpired},
		{name: "not_yet_valid", token: token(map[string]any{"nbf": testNow.Add(time.Hour).Unix()}, 2*time.Hour), want: localjwt.ErrNotYet},
		{name: "issued_in_the_future", token: token(map[string]any{"iat": testNow.Add(time.Hour).Unix()}, 2*time.Hour), want: localjwt.ErrNotYet},
		{name: "wrong_issuer", token: token(map[string]any{"iss": "https://evil.example"}, time.Hour), want: localjwt.ErrIssuer},
		{name: "wrong_audience", token: token(map[string]any{"aud": "someone-else"}, time.Hour), want: localjwt.ErrAudience},
		{name: "no_expiry", token: token(map[string]any{"exp": nil}, time.Hour), want: localjwt.ErrExpired},
		{name: "other_key", token: foreignToken, want: localjwt.ErrSignature},
		{name: "tampered", token: valid[:len(valid)-4] + "AAAA", want: localjwt.ErrSignature},
		{name: "garbage", token: "not-a-token", want: localjwt.ErrMalformed},
		{name: "resigned_RS256", token: withAlg("RS256")},
		{name: "alg_RS512", token: withAlg("RS512"), want: localjwt.ErrSignature},
		{name: "alg_HS256", token: withAlg("HS256"), want: localjwt.ErrSignature},
		{name: "alg_none", token: withAlg("none"), want: localjwt.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Verify(tt.token)
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify() error = %v, want %v", err, tt.want)
			}
		})
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

func TestClaimStrings(t *testing.T) {
	t.Parallel()
	got := localjwt.ClaimStrings(map[string]any{"s": "x", "n": 12, "b": true, "l": []any{"a", "b"}})
	want := map[string]string{"s": "x", "n": "12", "b": "true", "l": "[a b]"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("ClaimStrings()[%s] = %q, want %q", k, got[k], w)
		}
	}
}

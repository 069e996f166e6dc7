package altinntoken_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/altinntoken"
	"github.com/signingflow/signing/internal/devstack/localjwt"
)

const issuer = "https://platform.test.example/authentication/api/v1/openid/"

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var testKeys = sync.OnceValue(func() [3]*rsa.PrivateKey {
	var out [3]*rsa.PrivateKey
	for i := range out {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		out[i] = k
	}
	return out
})

// jwksServer publishes keys through localjwt.Server (Altinn's shape: n and
// e in standard base64, x5c, kid the thumbprint) and counts key set fetches.
type jwksServer struct {
	*httptest.Server
	iss     *localjwt.Server
	fetches atomic.Int32
	fail    atomic.Bool
}

func newJWKSServer(t *testing.T, keys ...*rsa.PrivateKey) *jwksServer {
	t.Helper()
	s := &jwksServer{iss: localjwt.NewServer(issuer, keys...)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == localjwt.JWKSPath {
			s.fetches.Add(1)
			if s.fail.Load() {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
		}
		s.iss.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func newVerifier(t *testing.T, s *jwksServer, o altinntoken.Options) *altinntoken.Verifier {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	o.Issuer = issuer
	o.JWKSURL = s.URL + localjwt.JWKSPath
	if o.Now == nil {
		o.Now = func() time.Time { return testNow }
	}
	v, err := altinntoken.New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mint(t *testing.T, key *rsa.PrivateKey, claims map[string]any, ttl time.Duration) string {
	t.Helper()
	iss := &localjwt.Issuer{Key: key, Issuer: issuer, Now: func() time.Time { return testNow }}
	tok, err := iss.Token(claims, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifier_Verify(t *testing.T) {
	t.Parallel()
	keys := testKeys()
	srv := newJWKSServer(t, keys[0])
	v := newVerifier(t, srv, altinntoken.Options{})
	altinn := map[string]any{"urn:altinn:userid": "1002", "urn:altinn:partyid": 50002, "urn:altinn:authlevel": 3, "pid": "02919043558"}
	valid := mint(t, keys[0], altinn, time.Hour)
	hmac := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": issuer, "exp": testNow.Add(time.Hour).Unix()})
		kid, _ := localjwt.KeyID(keys[0])
		tok.Header["kid"] = kid
		s, err := tok.SignedString([]byte("secret"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	unsigned := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": issuer, "exp": testNow.Add(time.Hour).Unix()})
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	tampered := func() string {
		parts := strings.Split(valid, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), "02919043558", "15838523428", 1)))
		return strings.Join(parts, ".")
	}()
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{name: "valid", token: valid},
		{name: "expired_within_skew", token: mint(t, keys[0], nil, -5*time.Second)},
		{name: "expired", token: mint(t, keys[0], nil, -11*time.Second), want: altinntoken.ErrInvalid},
		{name: "not_yet_valid", token: mint(t, keys[0], map[string]any{"nbf": testNow.Add(time.Minute).Unix()}, time.Hour), want: altinntoken.ErrInvalid},
		{name: "not_yet_valid_within_skew", token: mint(t, keys[0], map[string]any{"nbf": testNow.Add(5 * time.Second).Unix()}, time.Hour)},
		{name: "no_expiry", token: mint(t, keys[0], map[string]any{"exp": nil}, time.Hour), want: altinntoken.ErrInvalid},
		{name: "wrong_issuer", token: mint(t, keys[0], map[string]any{"iss": "https://evil.example/"}, time.Hour), want: altinntoken.ErrInvalid},
		{name: "no_issuer", token: mint(t, keys[0], map[string]any{"iss": nil}, time.Hour), want: altinntoken.ErrInvalid},
		{name: "names_an_audience", token: mint(t, keys[0], map[string]any{"aud": "another-api"}, time.Hour), want: altinntoken.ErrInvalid},
		{name: "unknown_key", token: mint(t, keys[1], nil, time.Hour), want: altinntoken.ErrInvalid},
		{name: "tampered", token: tampered, want: altinntoken.ErrInvalid},
		{name: "alg_HS256_with_the_kid", token: hmac, want: altinntoken.ErrInvalid},
		{name: "alg_none", token: unsigned, want: altinntoken.ErrInvalid},
		{name: "garbage", token: "not-a-token", want: altinntoken.ErrInvalid},
		{name: "empty", token: "", want: altinntoken.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			claims, err := v.Verify(context.Background(), tt.token)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify() error = %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), tt.token) && tt.token != "" {
				t.Errorf("the error repeats the token: %v", err)
			}
			if tt.name == "valid" {
				for name, want := range map[string]string{"urn:altinn:userid": "1002", "urn:altinn:partyid": "50002", "urn:altinn:authlevel": "3", "pid": "02919043558", "absent": ""} {
					if got := altinntoken.ClaimText(claims, name); got != want {
						t.Errorf("ClaimText(%s) = %q, want %q", name, got, want)
					}
				}
			}
		})
	}
}

func TestVerifier_Verify_audience(t *testing.T) {
	t.Parallel()
	keys := testKeys()
	v := newVerifier(t, newJWKSServer(t, keys[0]), altinntoken.Options{Audience: "signing-api"})
	tests := []struct {
		name string
		aud  any
		want error
	}{
		{name: "the_audience", aud: "signing-api"},
		{name: "among_others", aud: []string{"other", "signing-api"}},
		{name: "another_audience", aud: "another-api", want: altinntoken.ErrInvalid},
		{name: "none", aud: nil, want: altinntoken.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Verify(context.Background(), mint(t, keys[0], map[string]any{"aud": tt.aud}, time.Hour))
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify() error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestVerifier_Verify_rotation: a token by a key the cached set does not
// know makes the verifier fetch the set again (once per interval); a key
// the issuer dropped is refused once the set was fetched again.
func TestVerifier_Verify_rotation(t *testing.T) {
	t.Parallel()
	keys := testKeys()
	srv := newJWKSServer(t, keys[0])
	v := newVerifier(t, srv, altinntoken.Options{RefreshUnknownKIDEvery: time.Hour})
	ctx := context.Background()
	if _, err := v.Verify(ctx, mint(t, keys[0], nil, time.Hour)); err != nil {
		t.Fatalf("old key before rotation: %v", err)
	}
	fetches := srv.fetches.Load()
	srv.iss.SetKeys(keys[1])
	if _, err := v.Verify(ctx, mint(t, keys[1], nil, time.Hour)); err != nil {
		t.Fatalf("new key after rotation: %v", err)
	}
	if got := srv.fetches.Load(); got != fetches+1 {
		t.Errorf("key set fetched %d times for the new kid, want once", got-fetches)
	}
	if _, err := v.Verify(ctx, mint(t, keys[0], nil, time.Hour)); !errors.Is(err, altinntoken.ErrInvalid) {
		t.Errorf("rotated-out key: Verify() error = %v, want %v", err, altinntoken.ErrInvalid)
	}
	// The next unknown kid within the interval does not fetch again.
	srv.iss.SetKeys(keys[1], keys[2])
	if _, err := v.Verify(ctx, mint(t, keys[2], nil, time.Hour)); !errors.Is(err, altinntoken.ErrInvalid) {
		t.Errorf("unknown kid within the refresh interval: Verify() error = %v, want %v", err, altinntoken.ErrInvalid)
	}
	if got := srv.fetches.Load(); got != fetches+1 {
		t.Errorf("key set fetched %d times, want the rate limit to hold it at 1", got-fetches)
	}
}

func TestVerifier_Verify_unavailable(t *testing.T) {
	t.Parallel()
	keys := testKeys()
	srv := newJWKSServer(t, keys[0])
	srv.fail.Store(true)
	v := newVerifier(t, srv, altinntoken.Options{RefreshUnknownKIDEvery: time.Millisecond})
	if _, err := v.Verify(context.Background(), mint(t, keys[0], nil, time.Hour)); !errors.Is(err, altinntoken.ErrUnavailable) {
		t.Fatalf("Verify() without a key set: error = %v, want %v", err, altinntoken.ErrUnavailable)
	}
	srv.fail.Store(false)
	time.Sleep(5 * time.Millisecond)
	if _, err := v.Verify(context.Background(), mint(t, keys[0], nil, time.Hour)); err != nil {
		t.Fatalf("Verify() once the key set is back: %v", err)
	}
}

func TestNew_errors(t *testing.T) {
	t.Parallel()
	for _, o := range []altinntoken.Options{{JWKSURL: "https://x.example/jwks"}, {Issuer: issuer, JWKSURL: "not a url"}, {Issuer: issuer}} {
		if _, err := altinntoken.New(context.Background(), o); err == nil {
			t.Errorf("New(%+v) = nil error", o)
		}
	}
}

func TestNormalizeJWKS(t *testing.T) {
	t.Parallel()
	in := `{"keys":[{"kty":"RSA","kid":"A","e":"AQAB","n":"+/8="}]}`
	got := string(altinntoken.NormalizeJWKS([]byte(in)))
	if !strings.Contains(got, `"n":"-_8"`) || !strings.Contains(got, `"e":"AQAB"`) {
		t.Errorf("NormalizeJWKS() = %s", got)
	}
	for _, s := range []string{`not json`, `{"keys":[{"n":"abc_-"}]}`} {
		if got := string(altinntoken.NormalizeJWKS([]byte(s))); got != s {
			t.Errorf("NormalizeJWKS(%s) = %s, want it unchanged", s, got)
		}
	}
}

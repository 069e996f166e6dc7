package idp_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/platform/emulator/idp"
)

// Test fixtures.
const (
	clientID  = "client-1"
	kid       = "key-1"
	org       = "ttd"
	orgNumber = "991825827"
	scopeA    = "altinn:serviceowner"
	scopeB    = "altinn:serviceowner/instances.read"
)

// t0 is the double's clock in most tests (a whole second).
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// keys are generated once: [0] the client, [1] another, [2], [3] the double's.
var keys = sync.OnceValue(func() []*rsa.PrivateKey {
	out := make([]*rsa.PrivateKey, 4)
	for i := range out {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		out[i] = k
	}
	return out
})

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newDouble starts a double at t0 with client-1 registered (key 0, kid
// key-1, scopes A and B) for org ttd.
func newDouble(t *testing.T) (*idp.IDP, *clock) {
	t.Helper()
	c := &clock{t: t0}
	srv := httptest.NewUnstartedServer(nil)
	p, err := idp.New(idp.Options{BaseURL: "http://" + srv.Listener.Addr().String(), Now: c.Now, MaskinportenKey: keys()[2], AltinnKey: keys()[3]})
	if err != nil {
		srv.Listener.Close()
		t.Fatalf("New() error = %v", err)
	}
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	p.RegisterClient(clientID, &keys()[0].PublicKey, kid, []string{scopeA, scopeB})
	p.SetClientOrg(clientID, org, orgNumber)
	return p, c
}

// validClaims are the claims of an acceptable grant at t0.
func validClaims(p *idp.IDP) jwt.MapClaims {
	return jwt.MapClaims{
		"aud":   p.Issuer(),
		"iss":   clientID,
		"iat":   t0.Unix(),
		"exp":   t0.Add(110 * time.Second).Unix(),
		"jti":   "jti-" + rand.Text(),
		"scope": scopeA,
	}
}

// sign signs claims with alg and key, with the header fields given (nil
// values are removed).
func sign(t *testing.T, alg string, key *rsa.PrivateKey, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(alg), claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("SignedString() error = %v", err)
	}
	return s
}

// oauthAnswer is a token endpoint answer.
type oauthAnswer struct {
	Status           int
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	Scope            string `json:"scope"`
}

// postToken POSTs form to the double's token endpoint.
func postToken(t *testing.T, p *idp.IDP, form url.Values) oauthAnswer {
	t.Helper()
	resp, err := http.Post(p.TokenURL(), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("POST /token error = %v", err)
	}
	defer resp.Body.Close()
	var a oauthAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("decode /token answer: %v", err)
	}
	a.Status = resp.StatusCode
	return a
}

// grantForm is the form of a JWT-bearer grant.
func grantForm(assertion string) url.Values {
	return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}}
}

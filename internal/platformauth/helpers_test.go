package platformauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/platform/emulator/idp"
)

// Test fixtures.
const (
	testClientID  = "signing-client"
	testOrg       = "ttd"
	testOrgNumber = "991825827"
	testScope     = "altinn:serviceowner"
)

// t0 is the clock of most tests (a whole second).
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// testKeys are generated once: [0] the client's, [1] another, [2], [3] the double's.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
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

// clock is a settable clock shared by client and double.
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

// calls counts requests by path and can hold /token requests at a gate.
type calls struct {
	mu     sync.Mutex
	n      map[string]int
	gate   chan struct{} // nil: no gate
	inside chan struct{} // receives when a held request arrives
}

func (c *calls) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[path]
}

func (c *calls) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n[r.URL.Path]++
		c.mu.Unlock()
		if c.gate != nil && r.URL.Path == "/token" {
			select {
			case c.inside <- struct{}{}:
			default:
			}
			<-c.gate
		}
		h.ServeHTTP(w, r)
	})
}

// double is the idp test double on an httptest server.
type double struct {
	*idp.IDP
	srv   *httptest.Server
	calls *calls
}

// startDouble starts the double on clk with the test client registered
// for signer's key; gated holds /token requests until the gate closes.
func startDouble(t *testing.T, clk *clock, pub *rsa.PublicKey, kid string, gated bool) *double {
	t.Helper()
	c := &calls{n: map[string]int{}}
	if gated {
		c.gate, c.inside = make(chan struct{}), make(chan struct{}, 1)
	}
	srv := httptest.NewUnstartedServer(nil)
	p, err := idp.New(idp.Options{BaseURL: "http://" + srv.Listener.Addr().String(), Now: clk.Now,
		MaskinportenKey: testKeys()[2], AltinnKey: testKeys()[3]})
	if err != nil {
		t.Fatalf("idp.New() error = %v", err)
	}
	if pub != nil {
		p.RegisterClient(testClientID, pub, kid, []string{testScope})
		p.SetClientOrg(testClientID, testOrg, testOrgNumber)
	}
	srv.Config.Handler = c.wrap(p.Handler())
	srv.Start()
	t.Cleanup(srv.Close)
	return &double{IDP: p, srv: srv, calls: c}
}

// pemSigner returns a signer for testKeys()[0].
func pemSigner(t *testing.T) *PEMSigner {
	t.Helper()
	s, err := NewPEMSigner(testKeys()[0], "")
	if err != nil {
		t.Fatalf("NewPEMSigner() error = %v", err)
	}
	return s
}

// config is a Maskinporten config for d.
func (d *double) config(s Signer, clk *clock) MaskinportenConfig {
	return MaskinportenConfig{
		ClientID:          testClientID,
		Issuer:            d.Issuer(),
		TokenURL:          d.TokenURL(),
		AuthenticationURL: d.AuthenticationURL(),
		Scopes:            []string{testScope},
		Signer:            s,
		HTTPClient:        d.srv.Client(),
		Now:               clk.Now,
	}
}

// newMaskinporten builds the source or fails t.
func newMaskinporten(t *testing.T, cfg MaskinportenConfig) *Maskinporten {
	t.Helper()
	m, err := NewMaskinporten(cfg)
	if err != nil {
		t.Fatalf("NewMaskinporten() error = %v", err)
	}
	return m
}

// gatedSigner counts signatures and may hold them at a gate.
type gatedSigner struct {
	Signer
	mu   sync.Mutex
	n    int
	gate chan struct{}
}

func (s *gatedSigner) Sign(ctx context.Context, digest []byte) ([]byte, error) {
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	if s.gate != nil {
		<-s.gate
	}
	return s.Signer.Sign(ctx, digest)
}

func (s *gatedSigner) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// leaks reports which secrets (or anything JWT-like) text contains.
func leaks(text string, secrets ...string) []string {
	var out []string
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			out = append(out, s)
		}
	}
	if strings.Contains(text, "eyJ") {
		out = append(out, "eyJ…")
	}
	return out
}

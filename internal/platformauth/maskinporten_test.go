package platformauth

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/signing"
)

func TestMaskinporten_Token(t *testing.T) {
	t.Parallel()
	clk := &clock{t: t0}
	s := pemSigner(t)
	d := startDouble(t, clk, s.Public(), s.KeyID(), false)
	tests := []struct {
		name    string
		test    bool
		wantOrg string
	}{
		{"service_owner", false, testOrg},
		{"test_department", true, "ttd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := d.config(s, clk)
			cfg.Test = tt.test
			tok, err := newMaskinporten(t, cfg).Token(t.Context())
			if err != nil {
				t.Fatalf("Token() error = %v", err)
			}
			got, err := d.VerifyAltinnToken(tok)
			if err != nil {
				t.Fatalf("VerifyAltinnToken() error = %v", err)
			}
			if got.Org != tt.wantOrg || got.OrgNumber != testOrgNumber || got.Scope != testScope {
				t.Errorf("claims = %+v, want org %s, orgNumber %s, scope %s", got, tt.wantOrg, testOrgNumber, testScope)
			}
		})
	}
}

// TestMaskinporten_grant checks the grant against the protocol: header
// alg and kid, exactly the six claims, exp = iat + 110 s, a UUID jti.
func TestMaskinporten_grant(t *testing.T) {
	t.Parallel()
	clk := &clock{t: t0.Add(300 * time.Millisecond)}
	s := pemSigner(t)
	m := newMaskinporten(t, MaskinportenConfig{ClientID: testClientID, Issuer: "https://test.maskinporten.no/",
		TokenURL: "https://test.maskinporten.no/token", AuthenticationURL: "https://platform.tt02.altinn.no/authentication/api/v1",
		Scopes: []string{"altinn:serviceowner", "altinn:correspondence.write"}, Signer: s, Now: clk.Now})
	g1, err := m.grant(t.Context())
	if err != nil {
		t.Fatalf("grant() error = %v", err)
	}
	g2, _ := m.grant(t.Context())
	claims := jwt.MapClaims{}
	tok, err := jwt.NewParser(jwt.WithTimeFunc(clk.Now), jwt.WithValidMethods([]string{"RS256"})).
		ParseWithClaims(g1, claims, func(*jwt.Token) (any, error) { return s.Public(), nil })
	if err != nil {
		t.Fatalf("grant does not verify: %v", err)
	}
	if tok.Header["kid"] != s.KeyID() || tok.Header["alg"] != "RS256" {
		t.Errorf("header = %v, want alg RS256, kid %s", tok.Header, s.KeyID())
	}
	var names []string
	for k := range claims {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"aud", "exp", "iat", "iss", "jti", "scope"}; !slices.Equal(names, want) {
		t.Errorf("claims = %v, want exactly %v", names, want)
	}
	want := jwt.MapClaims{"aud": "https://test.maskinporten.no/", "iss": testClientID,
		"iat": float64(t0.Unix()), "exp": float64(t0.Unix() + 110), "scope": "altinn:serviceowner altinn:correspondence.write"}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	jti, _ := claims["jti"].(string)
	other := jwt.MapClaims{}
	_, _, _ = jwt.NewParser().ParseUnverified(g2, other)
	if len(jti) != 36 || jti[14] != '4' || other["jti"] == jti {
		t.Errorf("jti = %q (next %v), want a fresh v4 UUID per grant", jti, other["jti"])
	}
}

// TestMaskinporten_Token_cache: the second call makes no HTTP call; the
// token is replaced at exp − 30 s, not before.
func TestMaskinporten_Token_cache(t *testing.T) {
	t.Parallel()
	clk := &clock{t: t0}
	s := pemSigner(t)
	d := startDouble(t, clk, s.Public(), s.KeyID(), false)
	m := newMaskinporten(t, d.config(s, clk))
	first, err := m.Token(t.Context())
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	tests := []struct {
		name      string
		at        time.Time
		wantCalls int
		wantSame  bool
	}{
		{"second_call", t0, 1, true},
		{"31s_before_exp", t0.Add(30*time.Minute - 31*time.Second), 1, true},
		{"30s_before_exp", t0.Add(30*time.Minute - 30*time.Second), 2, false},
	}
	for _, tt := range tests { // sequential: each row moves the clock
		t.Run(tt.name, func(t *testing.T) {
			clk.Set(tt.at)
			got, err := m.Token(t.Context())
			if err != nil {
				t.Fatalf("Token() error = %v", err)
			}
			if grants, exchanges := d.calls.count("/token"), d.calls.count(exchangePathForTest); grants != tt.wantCalls || exchanges != tt.wantCalls {
				t.Errorf("calls = %d grants, %d exchanges, want %d each", grants, exchanges, tt.wantCalls)
			}
			if (got == first) != tt.wantSame {
				t.Errorf("same token = %v, want %v", got == first, tt.wantSame)
			}
		})
	}
}

const exchangePathForTest = "/authentication/api/v1/exchange/maskinporten"

// TestMaskinporten_Token_concurrent: callers arriving during a refresh
// share it.
func TestMaskinporten_Token_concurrent(t *testing.T) {
	t.Parallel()
	clk := &clock{t: t0}
	s := pemSigner(t)
	d := startDouble(t, clk, s.Public(), s.KeyID(), true)
	m := newMaskinporten(t, d.config(s, clk))
	const callers = 16
	var wg sync.WaitGroup
	got := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() { got[i], errs[i] = m.Token(t.Context()) })
	}
	<-d.calls.inside                  // the refresh is at Maskinporten
	time.Sleep(50 * time.Millisecond) // let the other callers queue behind it
	close(d.calls.gate)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || got[i] != got[0] {
			t.Errorf("caller %d: token equal to caller 0's = %v, error = %v", i, got[i] == got[0], errs[i])
		}
	}
	if n := d.calls.count("/token"); n != 1 {
		t.Errorf("grants = %d, want 1", n)
	}
}

// TestMaskinporten_Token_callerGivesUp: a caller whose context ends gets
// an error at once; the refresh goes on for the others.
func TestMaskinporten_Token_callerGivesUp(t *testing.T) {
	t.Parallel()
	clk := &clock{t: t0}
	s := pemSigner(t)
	d := startDouble(t, clk, s.Public(), s.KeyID(), true)
	m := newMaskinporten(t, d.config(s, clk))
	ctx, cancel := context.WithCancel(t.Context())
	quitter := make(chan error, 1)
	go func() { _, err := m.Token(ctx); quitter <- err }()
	<-d.calls.inside
	patient := make(chan error, 1)
	go func() { _, err := m.Token(t.Context()); patient <- err }()
	cancel()
	if err := <-quitter; !errors.Is(err, context.Canceled) || IsTransient(err) {
		t.Errorf("cancelled caller: error = %v, want context.Canceled, not transient", err)
	}
	close(d.calls.gate)
	if err := <-patient; err != nil {
		t.Errorf("patient caller: error = %v, want nil", err)
	}
}

// tokenSource is platform.TokenSource, restated so that this package need
// not import the clients it serves.
type tokenSource interface {
	Token(ctx context.Context) (string, error)
}

var (
	_ tokenSource = (*Maskinporten)(nil)
	_ tokenSource = (*PlatformAccessToken)(nil)
)

// slowSigner moves the clock on by d while it signs, the first slow times:
// a grant whose signing took longer than Maskinporten's 10 s iat window.
type slowSigner struct {
	Signer
	clk  *clock
	d    time.Duration
	slow int
	n    int
}

func (s *slowSigner) Sign(ctx context.Context, digest []byte) ([]byte, error) {
	s.n++
	if s.n <= s.slow {
		s.clk.Set(s.clk.Now().Add(s.d))
	}
	return s.Signer.Sign(ctx, digest)
}

// A grant refused for its iat (it took more than 10 s to sign and send)
// is made again at once; refused again, the failure is transient, not a
// configuration error that fails the task.
func TestMaskinporten_Token_staleGrant(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		slow      int
		wantErr   bool
		wantSigns int
	}{
		{"once", 1, false, 2},
		{"twice", 2, true, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{t: t0}
			base := pemSigner(t)
			d := startDouble(t, clk, base.Public(), base.KeyID(), false)
			s := &slowSigner{Signer: base, clk: clk, d: 11 * time.Second, slow: tt.slow}
			_, err := newMaskinporten(t, d.config(s, clk)).Token(t.Context())
			switch {
			case !tt.wantErr && err != nil:
				t.Fatalf("Token() error = %v, want a token from the second grant", err)
			case tt.wantErr && !errors.Is(err, signing.ErrTransient):
				t.Fatalf("Token() error = %v, want a transient failure", err)
			}
			if s.n != tt.wantSigns {
				t.Errorf("grants signed = %d, want %d", s.n, tt.wantSigns)
			}
		})
	}
}

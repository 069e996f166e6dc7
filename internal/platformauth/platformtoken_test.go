package platformauth

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func newPlatformToken(t *testing.T, s Signer, clk *clock) *PlatformAccessToken {
	t.Helper()
	p, err := NewPlatformAccessToken(PlatformAccessTokenConfig{Org: testOrg, App: "signing", Signer: s, Now: clk.Now})
	if err != nil {
		t.Fatalf("NewPlatformAccessToken() error = %v", err)
	}
	return p
}

// TestPlatformAccessToken_Token checks the token as AccessTokenGenerator
// makes it and as the receiver (the double) verifies it.
func TestPlatformAccessToken_Token(t *testing.T) {
	t.Parallel()
	clk := &clock{t: t0}
	s := pemSigner(t)
	d := startDouble(t, clk, nil, "", false)
	d.RegisterPlatformIssuer(testOrg, s.Public())
	tok, err := newPlatformToken(t, s, clk).Token(t.Context())
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	got, err := d.VerifyPlatformAccessToken([]string{tok})
	if err != nil {
		t.Fatalf("VerifyPlatformAccessToken() error = %v", err)
	}
	if got.Issuer != testOrg || got.App != "signing" || !slices.Equal(got.Audience, []string{PlatformAudience}) ||
		!got.NotBefore.Equal(t0.Add(-5*time.Second)) || !got.ExpiresAt.Equal(t0.Add(300*time.Second)) {
		t.Errorf("claims = %+v, want iss ttd, app signing, aud platform.altinn.no, nbf t0-5s, exp t0+300s", got)
	}
	claims := jwt.MapClaims{}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, claims)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range claims {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"aud", "exp", "iat", "iss", "nbf", AppClaim}; !slices.Equal(names, want) {
		t.Errorf("claims = %v, want exactly %v", names, want)
	}
	if parsed.Header["alg"] != "RS256" || parsed.Header["kid"] != s.KeyID() {
		t.Errorf("header = %v, want alg RS256, kid %s", parsed.Header, s.KeyID())
	}
}

// TestPlatformAccessToken_Token_cache: reused until 5 s before exp.
func TestPlatformAccessToken_Token_cache(t *testing.T) {
	t.Parallel()
	clk := &clock{t: t0}
	s := &gatedSigner{Signer: pemSigner(t)}
	p := newPlatformToken(t, s, clk)
	first, err := p.Token(t.Context())
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	tests := []struct {
		name      string
		at        time.Time
		wantSigns int
		wantSame  bool
	}{
		{"second_call", t0, 1, true},
		{"6s_before_exp", t0.Add(294 * time.Second), 1, true},
		{"5s_before_exp", t0.Add(295 * time.Second), 2, false},
	}
	for _, tt := range tests { // sequential: each row moves the clock
		t.Run(tt.name, func(t *testing.T) {
			clk.Set(tt.at)
			got, err := p.Token(t.Context())
			if err != nil {
				t.Fatalf("Token() error = %v", err)
			}
			if n := s.count(); n != tt.wantSigns {
				t.Errorf("signatures = %d, want %d", n, tt.wantSigns)
			}
			if (got == first) != tt.wantSame {
				t.Errorf("same token = %v, want %v", got == first, tt.wantSame)
			}
		})
	}
}

// TestPlatformAccessToken_Token_concurrent: one signing for all callers.
func TestPlatformAccessToken_Token_concurrent(t *testing.T) {
	t.Parallel()
	clk := &clock{t: t0}
	s := &gatedSigner{Signer: pemSigner(t), gate: make(chan struct{})}
	p := newPlatformToken(t, s, clk)
	var wg sync.WaitGroup
	got := make([]string, 16)
	for i := range got {
		wg.Go(func() { got[i], _ = p.Token(t.Context()) })
	}
	time.Sleep(50 * time.Millisecond)
	close(s.gate)
	wg.Wait()
	for i := range got {
		if got[i] == "" || got[i] != got[0] {
			t.Errorf("caller %d got a different or no token", i)
		}
	}
	if n := s.count(); n != 1 {
		t.Errorf("signatures = %d, want 1", n)
	}
}

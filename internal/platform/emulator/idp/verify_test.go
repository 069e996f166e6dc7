package idp_test

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/platform/emulator/idp"
)

func TestIDP_VerifyAltinnToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		token   func(t *testing.T, p *idp.IDP) string
		at      time.Time
		wantErr error
	}{
		{"valid", altinnToken, t0.Add(29 * time.Minute), nil},
		{"expired_no_skew", altinnToken, t0.Add(30 * time.Minute), idp.ErrInvalidToken},
		{"empty", func(*testing.T, *idp.IDP) string { return "" }, t0, idp.ErrNoToken},
		{"garbage", func(*testing.T, *idp.IDP) string { return "a.b.c" }, t0, idp.ErrInvalidToken},
		{"foreign_key", func(t *testing.T, p *idp.IDP) string {
			return sign(t, "RS256", keys()[1], nil, jwt.MapClaims{idp.ClaimOrg: org, "exp": t0.Add(time.Hour).Unix()})
		}, t0, idp.ErrInvalidToken},
		{"maskinporten_token", func(t *testing.T, p *idp.IDP) string { return maskinportenToken(t, p) }, t0, idp.ErrInvalidToken},
		{"no_exp", func(t *testing.T, p *idp.IDP) string {
			return sign(t, "RS256", keys()[3], nil, jwt.MapClaims{idp.ClaimOrg: org})
		}, t0, idp.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, c := newDouble(t)
			tok := tt.token(t, p)
			c.Set(tt.at)
			got, err := p.VerifyAltinnToken(tok)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifyAltinnToken() error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (got.Org != org || !got.HasScope(scopeA) || got.HasScope("altinn")) {
				t.Errorf("claims = %+v, want org %s with scope %s", got, org, scopeA)
			}
		})
	}
}

func altinnToken(t *testing.T, p *idp.IDP) string {
	t.Helper()
	tok, err := p.AltinnToken(org, orgNumber, scopeA)
	if err != nil {
		t.Fatalf("AltinnToken() error = %v", err)
	}
	return tok
}

// TestIDP_VerifyPlatformAccessToken follows AccessTokenHandler.cs.
func TestIDP_VerifyPlatformAccessToken(t *testing.T) {
	t.Parallel()
	app := keys()[1]
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": org, idp.ClaimApp: "signing", "aud": "platform.altinn.no",
			"nbf": t0.Add(-5 * time.Second).Unix(), "iat": t0.Unix(), "exp": t0.Add(300 * time.Second).Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	valid := sign(t, "RS256", app, map[string]any{"kid": "k"}, claims(nil))
	tests := []struct {
		name    string
		header  []string
		at      time.Time
		wantErr error
	}{
		{"valid", []string{valid}, t0, nil},
		{"expired_within_skew", []string{valid}, t0.Add(309 * time.Second), nil},
		{"expired_beyond_skew", []string{valid}, t0.Add(311 * time.Second), idp.ErrInvalidToken},
		{"nbf_within_skew", []string{valid}, t0.Add(-14 * time.Second), nil},
		{"nbf_beyond_skew", []string{valid}, t0.Add(-16 * time.Second), idp.ErrInvalidToken},
		{"no_header", nil, t0, idp.ErrNoToken},
		{"repeated_header", []string{valid, valid}, t0, idp.ErrRepeatedToken},
		{"empty_value", []string{""}, t0, idp.ErrInvalidToken},
		{"unknown_issuer", []string{sign(t, "RS256", app, nil, claims(func(c jwt.MapClaims) { c["iss"] = "acme" }))}, t0, idp.ErrUnknownIssuer},
		{"other_issuers_key", []string{sign(t, "RS256", keys()[0], nil, claims(nil))}, t0, idp.ErrInvalidToken},
		{"no_exp", []string{sign(t, "RS256", app, nil, claims(func(c jwt.MapClaims) { delete(c, "exp") }))}, t0, idp.ErrInvalidToken},
		{"aud_not_validated", []string{sign(t, "RS256", app, nil, claims(func(c jwt.MapClaims) { c["aud"] = "elsewhere" }))}, t0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, c := newDouble(t)
			p.RegisterPlatformIssuer(org, &app.PublicKey)
			c.Set(tt.at)
			got, err := p.VerifyPlatformAccessToken(tt.header)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifyPlatformAccessToken() error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (got.Issuer != org || got.App != "signing") {
				t.Errorf("claims = %+v, want iss %s, app signing", got, org)
			}
		})
	}
}

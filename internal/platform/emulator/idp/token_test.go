package idp_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/platform/emulator/idp"
)

// TestIDP_Token_refusals has one row per refusal of POST /token (see the
// package doc for the upstream source of each).
func TestIDP_Token_refusals(t *testing.T) {
	t.Parallel()
	client, other := keys()[0], keys()[1]
	kidHeader := map[string]any{"kid": kid}
	tests := []struct {
		name     string
		form     func(p *idp.IDP) url.Values
		wantCode string
		wantDesc string
	}{
		{"wrong_grant_type", func(p *idp.IDP) url.Values {
			f := grantForm(sign(t, "RS256", client, kidHeader, validClaims(p)))
			f.Set("grant_type", "client_credentials")
			return f
		}, "unsupported_grant_type", "grant_type"},
		{"no_assertion", func(*idp.IDP) url.Values { return grantForm("") }, "invalid_request", "Missing assertion"},
		{"not_a_jwt", func(*idp.IDP) url.Values { return grantForm("not-a-jwt") }, "invalid_grant", "Not a signed JWT"},
		{"alg_ps256", func(p *idp.IDP) url.Values {
			return grantForm(sign(t, "PS256", client, kidHeader, validClaims(p)))
		}, "invalid_grant", "alg must be"},
		{"alg_none", func(p *idp.IDP) url.Values {
			tok, _ := jwt.NewWithClaims(jwt.SigningMethodNone, validClaims(p)).SignedString(jwt.UnsafeAllowNoneSignatureType)
			return grantForm(tok)
		}, "invalid_grant", "alg must be"},
		{"no_kid", func(p *idp.IDP) url.Values {
			return grantForm(sign(t, "RS256", client, nil, validClaims(p)))
		}, "invalid_grant", "neither kid nor x5c"},
		{"x5c_without_kid", func(p *idp.IDP) url.Values {
			return grantForm(sign(t, "RS256", client, map[string]any{"x5c": []string{"MIIB"}}, validClaims(p)))
		}, "invalid_grant", "x5c"},
		{"unknown_client", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			c["iss"] = "client-unknown"
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "Unknown client"},
		{"kid_not_registered", func(p *idp.IDP) url.Values {
			return grantForm(sign(t, "RS256", client, map[string]any{"kid": "key-2"}, validClaims(p)))
		}, "invalid_grant", "kid is not registered"},
		{"bad_signature", func(p *idp.IDP) url.Values {
			return grantForm(sign(t, "RS256", other, kidHeader, validClaims(p)))
		}, "invalid_grant", "Bad signature"},
		{"aud_not_issuer", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			c["aud"] = p.TokenURL() // the token endpoint is no longer a valid audience
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "Invalid JWT claim aud"},
		{"aud_two_values", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			c["aud"] = []string{p.Issuer(), "https://other.example/"}
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "Invalid JWT claim aud"},
		{"iat_11s_ahead", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			c["iat"], c["exp"] = t0.Add(11*time.Second).Unix(), t0.Add(60*time.Second).Unix()
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "iat is more than 10 seconds"},
		{"iat_11s_behind", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			c["iat"] = t0.Add(-11 * time.Second).Unix()
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "iat is more than 10 seconds"},
		{"lifetime_121s", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			c["exp"] = t0.Add(121 * time.Second).Unix()
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "exceeds 120 seconds"},
		{"expired", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			c["iat"], c["exp"] = t0.Add(-5*time.Second).Unix(), t0.Unix()
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "expired"},
		{"no_iat", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			delete(c, "iat")
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "claim iat"},
		{"no_exp", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			delete(c, "exp")
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "claim exp"},
		{"extra_claim_sub", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			c["sub"] = clientID
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "Unknown claim"},
		{"no_scope", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			delete(c, "scope")
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_grant", "claim scope"},
		{"scope_not_granted", func(p *idp.IDP) url.Values {
			c := validClaims(p)
			c["scope"] = scopeA + " altinn:correspondence.write"
			return grantForm(sign(t, "RS256", client, kidHeader, c))
		}, "invalid_scope", "not granted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, _ := newDouble(t)
			got := postToken(t, p, tt.form(p))
			if got.Status != 400 || got.Error != tt.wantCode || !strings.Contains(got.ErrorDescription, tt.wantDesc) {
				t.Errorf("POST /token = %d %q %q, want 400 %q containing %q", got.Status, got.Error, got.ErrorDescription, tt.wantCode, tt.wantDesc)
			}
			if got.AccessToken != "" {
				t.Errorf("refusal carries an access_token")
			}
		})
	}
}

// TestIDP_Token_jtiReused pins single use: the same grant twice.
func TestIDP_Token_jtiReused(t *testing.T) {
	t.Parallel()
	p, _ := newDouble(t)
	g := sign(t, "RS256", keys()[0], map[string]any{"kid": kid}, validClaims(p))
	if got := postToken(t, p, grantForm(g)); got.Status != 200 {
		t.Fatalf("first POST /token = %d %s, want 200", got.Status, got.ErrorDescription)
	}
	got := postToken(t, p, grantForm(g))
	if got.Status != 400 || got.Error != "invalid_grant" || !strings.Contains(got.ErrorDescription, "jti") {
		t.Errorf("second POST /token = %d %q %q, want 400 invalid_grant about jti", got.Status, got.Error, got.ErrorDescription)
	}
}

// TestIDP_Token_accepted lists what Maskinporten accepts and a strict
// double must not refuse.
func TestIDP_Token_accepted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		alg    string
		claims func(p *idp.IDP) jwt.MapClaims
	}{
		{"typical", "RS256", validClaims},
		{"rs384", "RS384", validClaims},
		{"rs512", "RS512", validClaims},
		{"lifetime_120s", "RS256", func(p *idp.IDP) jwt.MapClaims {
			c := validClaims(p)
			c["exp"] = t0.Add(120 * time.Second).Unix()
			return c
		}},
		{"iat_10s_ahead", "RS256", func(p *idp.IDP) jwt.MapClaims {
			c := validClaims(p)
			c["iat"] = t0.Add(10 * time.Second).Unix()
			return c
		}},
		{"no_jti", "RS256", func(p *idp.IDP) jwt.MapClaims {
			c := validClaims(p)
			delete(c, "jti")
			return c
		}},
		{"aud_one_element_array", "RS256", func(p *idp.IDP) jwt.MapClaims {
			c := validClaims(p)
			c["aud"] = []string{p.Issuer()}
			return c
		}},
		{"resource", "RS256", func(p *idp.IDP) jwt.MapClaims {
			c := validClaims(p)
			c["resource"] = "https://api.example/"
			return c
		}},
		{"two_scopes", "RS256", func(p *idp.IDP) jwt.MapClaims {
			c := validClaims(p)
			c["scope"] = scopeA + " " + scopeB
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, _ := newDouble(t)
			claims := tt.claims(p)
			got := postToken(t, p, grantForm(sign(t, tt.alg, keys()[0], map[string]any{"kid": kid}, claims)))
			if got.Status != 200 {
				t.Fatalf("POST /token = %d %q %q, want 200", got.Status, got.Error, got.ErrorDescription)
			}
			if got.TokenType != "Bearer" || got.ExpiresIn != 120 || got.Scope != claims["scope"] || got.AccessToken == "" {
				t.Errorf("answer = {token_type %q, expires_in %d, scope %q}, want {Bearer, 120, %q} with a token",
					got.TokenType, got.ExpiresIn, got.Scope, claims["scope"])
			}
		})
	}
}

// TestIDP_Token_accessTokenClaims checks the Maskinporten token's claims.
func TestIDP_Token_accessTokenClaims(t *testing.T) {
	t.Parallel()
	p, _ := newDouble(t)
	got := postToken(t, p, grantForm(sign(t, "RS256", keys()[0], map[string]any{"kid": kid}, validClaims(p))))
	claims := jwt.MapClaims{}
	if _, err := jwt.Parse(got.AccessToken, func(*jwt.Token) (any, error) { return &keys()[2].PublicKey, nil },
		jwt.WithTimeFunc(func() time.Time { return t0 })); err != nil {
		t.Fatalf("access token does not verify with the double's key: %v", err)
	}
	_, _, _ = jwt.NewParser().ParseUnverified(got.AccessToken, claims)
	consumer, _ := claims["consumer"].(map[string]any)
	if claims["iss"] != p.Issuer() || claims["client_id"] != clientID || claims["scope"] != scopeA ||
		consumer["ID"] != "0192:"+orgNumber || consumer["authority"] != "iso6523-actorid-upis" {
		t.Errorf("claims = %v, want iss %s, client_id %s, scope %s, consumer 0192:%s", claims, p.Issuer(), clientID, scopeA, orgNumber)
	}
}

package main

import (
	"reflect"
	"strings"
	"testing"
)

// Altinn's production issuer and key set (internal/altinntoken's package doc).
const (
	altinnIssuer = "https://platform.altinn.no/authentication/api/v1/openid/"
	altinnJWKS   = altinnIssuer + ".well-known/openid-configuration/jwks"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    func(*Config)
		wantErr []string
	}{
		{name: "defaults", env: map[string]string{"JWT_ISSUER": altinnIssuer, "JWKS_URL": altinnJWKS}, want: func(c *Config) {
			c.Issuer, c.JWKSURL = altinnIssuer, altinnJWKS
		}},
		{
			name: "every_variable",
			env: map[string]string{
				"NATIONAL_ID_CLAIMS": " urn:altinn:ssn , pid ,", "USER_ID_CLAIM": "", "PARTY_ID_CLAIM": "party",
				"PARTY_UUID_CLAIM": "party_uuid", "NAME_CLAIM": "full_name", "ALLOW_SYNTHETIC_IDS": "true",
				"JWT_ISSUER": " " + altinnIssuer, "JWKS_URL": altinnJWKS, "JWT_AUDIENCE": "signing-api",
				"CORS_ALLOWED_ORIGINS": "https://ttd.apps.altinn.no, http://127.0.0.1:8080,", "MINIMUM_AUTHENTICATION_LEVEL": "3",
			},
			want: func(c *Config) {
				c.NationalIDClaims = []string{"urn:altinn:ssn", "pid"}
				c.UserIDClaim, c.PartyIDClaim, c.PartyUUIDClaim, c.NameClaim = "", "party", "party_uuid", "full_name"
				c.AllowSyntheticIDs = true
				c.Issuer, c.JWKSURL, c.Audience = altinnIssuer, altinnJWKS, "signing-api"
				c.AllowedOrigins = []string{"https://ttd.apps.altinn.no", "http://127.0.0.1:8080"}
				c.MinAuthLevel = 3
			},
		},
		{
			name: "every_error_at_once",
			env: map[string]string{"NATIONAL_ID_CLAIMS": " , ", "ALLOW_SYNTHETIC_IDS": "sometimes",
				"JWKS_URL": "/jwks", "CORS_ALLOWED_ORIGINS": "https://ok.example,https://a.example/path", "MINIMUM_AUTHENTICATION_LEVEL": "5"},
			wantErr: []string{"NATIONAL_ID_CLAIMS", "ALLOW_SYNTHETIC_IDS", "JWT_ISSUER", "JWKS_URL", "https://a.example/path", "MINIMUM_AUTHENTICATION_LEVEL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := LoadConfig(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("LoadConfig() = %+v, want an error", got)
				}
				for _, name := range tt.wantErr {
					if !strings.Contains(err.Error(), name) {
						t.Errorf("LoadConfig() error = %v, want it to name %s", err, name)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig() error = %v", err)
			}
			want := DefaultConfig()
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("LoadConfig() = %+v, want %+v", got, want)
			}
		})
	}
}

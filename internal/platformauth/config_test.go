package platformauth

import (
	"errors"
	"slices"
	"testing"
)

// fields returns the bad fields named by a *ConfigError.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want a *ConfigError", err)
	}
	var out []string
	for _, f := range ce.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestMaskinportenConfig_Validate(t *testing.T) {
	t.Parallel()
	s := pemSigner(t)
	valid := MaskinportenConfig{ClientID: "c", Issuer: "https://test.maskinporten.no/", TokenURL: "https://test.maskinporten.no/token",
		AuthenticationURL: "https://platform.tt02.altinn.no/authentication/api/v1", Scopes: []string{"altinn:serviceowner"}, Signer: s}
	tests := []struct {
		name   string
		modify func(c *MaskinportenConfig)
		want   []string
	}{
		{"valid", func(*MaskinportenConfig) {}, nil},
		{"loopback_http", func(c *MaskinportenConfig) { c.TokenURL = "http://127.0.0.1:8080/token" }, nil},
		{"empty", func(c *MaskinportenConfig) { *c = MaskinportenConfig{} },
			[]string{"ClientID", "Issuer", "TokenURL", "AuthenticationURL", "Scopes", "Signer"}},
		{"remote_http", func(c *MaskinportenConfig) { c.TokenURL = "http://maskinporten.no/token" }, []string{"TokenURL"}},
		{"relative_url", func(c *MaskinportenConfig) { c.AuthenticationURL = "/authentication/api/v1" }, []string{"AuthenticationURL"}},
		{"url_with_query", func(c *MaskinportenConfig) { c.Issuer = "https://maskinporten.no/?x=1" }, []string{"Issuer"}},
		{"scope_with_space", func(c *MaskinportenConfig) { c.Scopes = []string{"a b"} }, []string{"Scopes"}},
		{"client_id_with_space", func(c *MaskinportenConfig) { c.ClientID = "a b" }, []string{"ClientID"}},
		{"negative_timeout", func(c *MaskinportenConfig) { c.Timeout = -1 }, []string{"Timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := valid
			tt.modify(&c)
			if got := fields(t, c.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("Validate() bad fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPlatformAccessTokenConfig_Validate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  PlatformAccessTokenConfig
		want []string
	}{
		{"valid", PlatformAccessTokenConfig{Org: "ttd", App: "signing", Signer: pemSigner(t)}, nil},
		{"empty", PlatformAccessTokenConfig{}, []string{"Org", "App", "Signer"}},
		{"org_with_space", PlatformAccessTokenConfig{Org: "t d", App: "signing", Signer: pemSigner(t)}, []string{"Org"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := fields(t, tt.cfg.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("Validate() bad fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewKMSSigner(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		client KMSSignAPI
		keyID  string
		kid    string
		want   []string
	}{
		{"valid", &fakeKMS{}, "alias/signing", "kid", nil},
		{"missing_all", nil, "", "", []string{"client", "keyID", "kid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewKMSSigner(tt.client, tt.keyID, tt.kid)
			if got := fields(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("NewKMSSigner() bad fields = %v, want %v", got, tt.want)
			}
		})
	}
}

package platformauth

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
)

// altinnMargin is how long before its exp the Altinn token is replaced
// (MaskinportenClient.TokenExpirationMargin in app-lib-dotnet).
const altinnMargin = 30 * time.Second

// MaskinportenConfig configures Maskinporten.
type MaskinportenConfig struct {
	// ClientID is the Maskinporten client ID: the grant's iss.
	ClientID string
	// Issuer is Maskinporten's issuer identifier, the grant's aud, e.g.
	// "https://test.maskinporten.no/" (the "issuer" of its
	// /.well-known/oauth-authorization-server).
	Issuer string
	// TokenURL is Maskinporten's token endpoint, e.g.
	// "https://test.maskinporten.no/token".
	TokenURL string
	// AuthenticationURL is the Altinn authentication API base, e.g.
	// "https://platform.tt02.altinn.no/authentication/api/v1".
	AuthenticationURL string
	// Scopes are requested in the grant, e.g. "altinn:serviceowner".
	Scopes []string
	// Signer signs the grant with the key registered for ClientID.
	Signer Signer
	// SubscriptionKey, when set, is sent as Ocp-Apim-Subscription-Key on
	// the exchange, as app-lib does.
	SubscriptionKey string
	// Test adds ?test=true to the exchange (a token for Testdepartementet).
	Test bool
	// HTTPClient sends the requests; nil means a client with a 30 s
	// timeout that does not follow redirects.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Timeout bounds one refresh (grant and exchange); 0 means 30 s.
	Timeout time.Duration
}

// Validate reports every bad field at once.
func (c MaskinportenConfig) Validate() error {
	p := problems{config: "MaskinportenConfig"}
	p.required("ClientID", c.ClientID)
	p.url("Issuer", c.Issuer)
	p.url("TokenURL", c.TokenURL)
	p.url("AuthenticationURL", c.AuthenticationURL)
	switch {
	case len(c.Scopes) == 0:
		p.add("Scopes", "at least one scope is required")
	case slices.ContainsFunc(c.Scopes, func(s string) bool { return s == "" || strings.ContainsAny(s, " \t\r\n") }):
		p.add("Scopes", "a scope is empty or contains whitespace")
	}
	if c.Signer == nil {
		p.add("Signer", "is required")
	} else if _, err := hashOf(c.Signer.Alg()); err != nil {
		p.add("Signer", "alg must be RS256, RS384 or RS512 (Maskinporten)")
	}
	if strings.ContainsAny(c.SubscriptionKey, " \t\r\n") {
		p.add("SubscriptionKey", "must not contain whitespace")
	}
	if c.Timeout < 0 {
		p.add("Timeout", "must not be negative")
	}
	return p.err()
}

// Maskinporten supplies Altinn tokens: it obtains a Maskinporten token
// with a JWT-bearer grant, exchanges it at Altinn authentication and keeps
// the Altinn token until 30 s before it expires.
type Maskinporten struct {
	cfg   MaskinportenConfig
	http  *http.Client
	now   func() time.Time
	cache tokenCache
}

// NewMaskinporten validates cfg and returns the token source.
func NewMaskinporten(cfg MaskinportenConfig) (*Maskinporten, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Scopes = slices.Clone(cfg.Scopes)
	m := &Maskinporten{cfg: cfg, http: cfg.HTTPClient, now: cfg.Now}
	if m.http == nil {
		m.http = defaultHTTPClient()
	}
	m.now = orNow(m.now)
	m.cache = newTokenCache(opMaskinporten, m.now, cfg.Timeout, m.fetch)
	return m, nil
}

// Token returns an Altinn token valid for at least 30 s.
func (m *Maskinporten) Token(ctx context.Context) (string, error) {
	return m.cache.get(ctx)
}

// fetch runs the grant and the exchange.
func (m *Maskinporten) fetch(ctx context.Context) (string, time.Time, error) {
	mp, err := m.maskinportenToken(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	tok, exp, err := m.exchange(ctx, mp)
	if err != nil {
		return "", time.Time{}, err
	}
	until := exp.Add(-altinnMargin)
	if !m.now().Before(until) {
		return "", time.Time{}, &PermanentError{Op: opExchange, Code: "ExpiresTooSoon",
			Description: "the Altinn token expires within " + altinnMargin.String()}
	}
	return tok, until, nil
}

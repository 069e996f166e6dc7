package idp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Defaults of Options.
const (
	// DefaultAccessTokenLifetime is Maskinporten's default token lifetime
	// (expires_in 120) [DG token].
	DefaultAccessTokenLifetime = 120 * time.Second
	// DefaultAltinnTokenLifetime is the lifetime of exchanged Altinn tokens.
	DefaultAltinnTokenLifetime = 30 * time.Minute
)

// Options configure New.
type Options struct {
	// BaseURL is where Handler is served: scheme and host, no path, e.g.
	// an httptest.Server's URL.
	BaseURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// AccessTokenLifetime of Maskinporten tokens; 0 means 120 s.
	AccessTokenLifetime time.Duration
	// AltinnTokenLifetime of exchanged Altinn tokens; 0 means 30 min.
	AltinnTokenLifetime time.Duration
	// MaskinportenKey signs Maskinporten tokens; nil generates one.
	MaskinportenKey *rsa.PrivateKey
	// AltinnKey signs Altinn tokens; nil generates one.
	AltinnKey *rsa.PrivateKey
}

// IDP is the double. Its methods are safe for concurrent use.
type IDP struct {
	base           string
	now            func() time.Time
	accessLifetime time.Duration
	altinnLifetime time.Duration
	mpKey          *rsa.PrivateKey
	mpKid          string
	altinnKey      *rsa.PrivateKey
	altinnKid      string

	mu        sync.Mutex
	clients   map[string]*client
	orgs      map[string]string // organisation number → org code
	platforms map[string]*rsa.PublicKey
	usedJTI   map[string]time.Time // client ID + "\x00" + jti → grant exp
}

// client is a registered Maskinporten client.
type client struct {
	keys      map[string]*rsa.PublicKey // by kid
	scopes    map[string]bool
	orgNumber string
}

// New returns a double with no clients.
func New(opts Options) (*IDP, error) {
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("idp: BaseURL %q must be an absolute http(s) URL without path", opts.BaseURL)
	}
	p := &IDP{
		base:           u.Scheme + "://" + u.Host,
		now:            opts.Now,
		accessLifetime: opts.AccessTokenLifetime,
		altinnLifetime: opts.AltinnTokenLifetime,
		mpKey:          opts.MaskinportenKey,
		altinnKey:      opts.AltinnKey,
		clients:        map[string]*client{},
		orgs:           map[string]string{},
		platforms:      map[string]*rsa.PublicKey{},
		usedJTI:        map[string]time.Time{},
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.accessLifetime <= 0 {
		p.accessLifetime = DefaultAccessTokenLifetime
	}
	if p.altinnLifetime <= 0 {
		p.altinnLifetime = DefaultAltinnTokenLifetime
	}
	for _, k := range []**rsa.PrivateKey{&p.mpKey, &p.altinnKey} {
		if *k == nil {
			if *k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				return nil, fmt.Errorf("idp: %w", err)
			}
		}
	}
	p.mpKid = thumbprint(&p.mpKey.PublicKey)
	p.altinnKid = thumbprint(&p.altinnKey.PublicKey)
	return p, nil
}

// Handler serves the routes of the package doc.
func (p *IDP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", p.serveWellKnown)
	mux.HandleFunc("GET /jwk", p.serveJWKS)
	mux.HandleFunc("POST /token", p.serveToken)
	mux.HandleFunc("GET "+exchangePath, p.serveExchange)
	return mux
}

// exchangePath is the Altinn authentication exchange route [AL].
const exchangePath = "/authentication/api/v1/exchange/maskinporten"

// Issuer is the Maskinporten issuer, the aud grants must carry.
func (p *IDP) Issuer() string { return p.base + "/" }

// TokenURL is the Maskinporten token endpoint.
func (p *IDP) TokenURL() string { return p.base + "/token" }

// AuthenticationURL is the Altinn authentication API base, to which the
// client appends /exchange/maskinporten.
func (p *IDP) AuthenticationURL() string { return p.base + "/authentication/api/v1" }

// AltinnIssuer is the iss of exchanged Altinn tokens.
func (p *IDP) AltinnIssuer() string { return p.base + "/authentication/api/v1/openid/" }

// RegisterClient registers a Maskinporten client's public key under kid
// and grants it scopes. Calling it again for the same client adds a key
// (or replaces the one under kid) and grants more scopes. It panics on an
// empty client ID or kid or a nil key, as a programming error.
func (p *IDP) RegisterClient(clientID string, pub *rsa.PublicKey, kid string, scopes []string) {
	if clientID == "" || kid == "" || pub == nil {
		panic("idp: RegisterClient needs a client ID, a key and a kid")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.clients[clientID]
	if c == nil {
		c = &client{keys: map[string]*rsa.PublicKey{}, scopes: map[string]bool{}}
		p.clients[clientID] = c
	}
	c.keys[kid] = pub
	for _, s := range scopes {
		c.scopes[s] = true
	}
}

// SetClientOrg records the organisation owning a client: its organisation
// number (Maskinporten's consumer) and, for a service owner, its org code
// (urn:altinn:org of exchanged tokens). It panics for an unknown client.
func (p *IDP) SetClientOrg(clientID, org, orgNumber string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.clients[clientID]
	if c == nil || orgNumber == "" {
		panic("idp: SetClientOrg needs a registered client and an organisation number")
	}
	c.orgNumber = orgNumber
	if org != "" {
		p.orgs[orgNumber] = org
	}
}

// RegisterPlatformIssuer registers the key of an org's platform access
// tokens, found by their iss [AT AccessTokenHandler.cs].
func (p *IDP) RegisterPlatformIssuer(org string, pub *rsa.PublicKey) {
	if org == "" || pub == nil {
		panic("idp: RegisterPlatformIssuer needs an org and a key")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.platforms[org] = pub
}

// lookupKey returns the key of a client's kid, or why there is none.
func (p *IDP) lookupKey(clientID, kid string) (*rsa.PublicKey, []string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.clients[clientID]
	if c == nil {
		return nil, nil, errUnknownClient
	}
	pub := c.keys[kid]
	if pub == nil {
		return nil, nil, errUnknownKid
	}
	scopes := make([]string, 0, len(c.scopes))
	for s := range c.scopes {
		scopes = append(scopes, s)
	}
	slices.Sort(scopes)
	return pub, scopes, nil
}

var (
	errUnknownClient = errors.New("unknown client")
	errUnknownKid    = errors.New("kid not registered for the client")
)

// thumbprint is the RFC 7638 JWK thumbprint of pub.
func thumbprint(pub *rsa.PublicKey) string {
	e := base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	n := base64.RawURLEncoding.EncodeToString(pub.N.Bytes())
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

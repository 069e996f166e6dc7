// Package localjwt is the local stack's stand-in for Altinn Authentication
// as an issuer of users' tokens: RS256 tokens signed with
// github.com/golang-jwt/jwt/v5 by a key kept in a file (so `signing dev
// token` and a running `signing dev up` agree), and the issuer's key set
// served over HTTP at Altinn's paths and in Altinn's shape, so the API
// verifies local tokens exactly as it verifies Altinn's
// (internal/altinntoken). Facts from Altinn/altinn-authentication at
// ad4f6f36:
//
//   - paths: {issuer}.well-known/openid-configuration and
//     {issuer}.well-known/openid-configuration/jwks, the issuer being
//     {base}/authentication/api/v1/openid/
//     (src/Authentication/Controllers/OpenIdController.cs,
//     src/Authentication/Configuration/GeneralSettings.cs AltinnOidcIssuerUrl);
//   - keys: a certificate per key, kid its thumbprint (SHA-1 of the DER, upper
//     case hex, as .NET's X509Certificate2.Thumbprint), kty "RSA", use "sig",
//     n and e in standard base64 (Convert.ToBase64String), x5c the chain, no
//     alg (OpenIdController.cs GetJsonWebKeySetAsync);
//   - tokens: kid in the header, iat, nbf and exp, no aud
//     (src/Authentication/Controllers/AuthenticationController.cs GenerateToken).
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package localjwt

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// LoadOrCreateKey reads the RSA key in PEM (PKCS#8) at path, creating a
// 2048-bit one (mode 0600) when the file does not exist.
func LoadOrCreateKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		block, _ := pem.Decode(b)
		if block == nil {
			return nil, fmt.Errorf("localjwt: %s: no PEM block", path)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("localjwt: %s: %w", path, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("localjwt: %s: not an RSA key", path)
		}
		return rk, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("localjwt: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("localjwt: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("localjwt: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("localjwt: %w", err)
	}
	// Write then link, so two processes racing end with one key.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".key-")
	if err != nil {
		return nil, fmt.Errorf("localjwt: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("localjwt: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("localjwt: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return LoadOrCreateKey(path)
		}
		return nil, fmt.Errorf("localjwt: %w", err)
	}
	return key, nil
}

// certificate returns a self-signed certificate for key, the same bytes for
// the same key in every process (fixed validity and a serial number from the
// key), as Altinn publishes its keys as certificates.
func certificate(key *rsa.PrivateKey) ([]byte, error) {
	pub := x509.MarshalPKCS1PublicKey(&key.PublicKey)
	sum := sha256.Sum256(pub)
	tpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(sum[:16]),
		Subject:               pkix.Name{CommonName: "signing-local token issuer"},
		NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		SubjectKeyId:          sum[:20],
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("localjwt: certificate: %w", err)
	}
	return der, nil
}

var certs sync.Map // *rsa.PrivateKey → []byte

func certOf(key *rsa.PrivateKey) ([]byte, error) {
	if c, ok := certs.Load(key); ok {
		return c.([]byte), nil
	}
	der, err := certificate(key)
	if err != nil {
		return nil, err
	}
	certs.Store(key, der)
	return der, nil
}

// KeyID is the kid of key: its certificate's thumbprint, as Altinn's.
func KeyID(key *rsa.PrivateKey) (string, error) {
	der, err := certOf(key)
	if err != nil {
		return "", err
	}
	sum := sha1.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:])), nil
}

// IssuerPath is the path of Altinn's issuer below its platform URL.
const IssuerPath = "/authentication/api/v1/openid/"

// JWKSPath is the path of the key set below the platform URL.
const JWKSPath = IssuerPath + ".well-known/openid-configuration/jwks"

// Issuer signs tokens.
type Issuer struct {
	Key *rsa.PrivateKey
	// Issuer is the iss claim.
	Issuer string
	// Audience is the aud claim; empty for none, as Altinn's tokens.
	Audience []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (i *Issuer) now() time.Time {
	if i.Now != nil {
		return i.Now()
	}
	return time.Now()
}

// Token returns a signed token with claims plus iss, aud (if any), iat,
// nbf, exp (now + ttl) and jti; claims may override any of them, and a nil
// value removes one.
func (i *Issuer) Token(claims map[string]any, ttl time.Duration) (string, error) {
	now := i.now()
	var jti [12]byte
	_, _ = rand.Read(jti[:])
	all := jwt.MapClaims{
		"iss": i.Issuer,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(ttl).Unix(),
		"jti": base64.RawURLEncoding.EncodeToString(jti[:]),
	}
	switch len(i.Audience) {
	case 0:
	case 1:
		all["aud"] = i.Audience[0]
	default:
		all["aud"] = i.Audience
	}
	for k, v := range claims {
		if v == nil {
			delete(all, k)
			continue
		}
		all[k] = v
	}
	return Sign(i.Key, all)
}

// Sign returns an RS256 token with exactly claims, its kid the key's.
func Sign(key *rsa.PrivateKey, claims map[string]any) (string, error) {
	kid, err := KeyID(key)
	if err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("localjwt: sign: %w", err)
	}
	return s, nil
}

// JWKS returns the key set of keys in Altinn's shape.
func JWKS(keys ...*rsa.PrivateKey) ([]byte, error) {
	type jwk struct {
		Kty string   `json:"kty"`
		Use string   `json:"use"`
		Kid string   `json:"kid"`
		E   string   `json:"e"`
		N   string   `json:"n"`
		X5c []string `json:"x5c"`
	}
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range keys {
		der, err := certOf(k)
		if err != nil {
			return nil, err
		}
		kid, _ := KeyID(k)
		set.Keys = append(set.Keys, jwk{
			Kty: "RSA", Use: "sig", Kid: kid,
			E:   base64.StdEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
			N:   base64.StdEncoding.EncodeToString(k.N.Bytes()),
			X5c: []string{base64.StdEncoding.EncodeToString(der)},
		})
	}
	return json.Marshal(set)
}

// Server publishes an issuer's discovery document and key set. The keys
// can change while it runs (SetKeys), to show rotation.
type Server struct {
	issuer string
	mu     sync.Mutex
	keys   []*rsa.PrivateKey
}

// NewServer returns a server for the issuer (its iss) publishing keys.
func NewServer(issuer string, keys ...*rsa.PrivateKey) *Server {
	return &Server{issuer: issuer, keys: keys}
}

// SetKeys replaces the published keys.
func (s *Server) SetKeys(keys ...*rsa.PrivateKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

// ServeHTTP answers GET {IssuerPath}.well-known/openid-configuration (the
// discovery document: issuer, jwks_uri, RS256) and GET JWKSPath.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case IssuerPath + ".well-known/openid-configuration":
		base := "http://" + r.Host
		writeJSON(w, map[string]any{
			"issuer":                                s.issuer,
			"jwks_uri":                              base + JWKSPath,
			"response_types_supported":              []string{"token"},
			"subject_types_supported":               []string{"pairwise"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	case JWKSPath:
		s.mu.Lock()
		keys := s.keys
		s.mu.Unlock()
		b, err := JWKS(keys...)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Package localjwt is the local stack's token issuer and the check the
// HTTP API's JWT authorizer makes, without outside libraries: RS256 tokens
// signed with a key kept in a file (so `signing dev token` and a running
// `signing dev up` agree), verified as API Gateway verifies them: the
// signature with the issuer's key (by kid), iss, aud (or client_id), exp,
// nbf and iat.
package localjwt

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Errors of Verify; every one means 401.
var (
	ErrMalformed = errors.New("localjwt: malformed token")
	ErrSignature = errors.New("localjwt: bad signature")
	ErrIssuer    = errors.New("localjwt: wrong issuer")
	ErrAudience  = errors.New("localjwt: wrong audience")
	ErrExpired   = errors.New("localjwt: token expired")
	ErrNotYet    = errors.New("localjwt: token not valid yet")
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

// KeyID is the kid of a public key: the start of its SHA-256 thumbprint.
func KeyID(pub *rsa.PublicKey) string {
	sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(pub))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// Issuer signs tokens.
type Issuer struct {
	Key *rsa.PrivateKey
	// Issuer is the iss claim; Audience the aud claim.
	Issuer   string
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

// Token returns a signed token with claims plus iss, aud, iat, nbf, exp
// (now + ttl) and jti; claims may override any of them.
func (i *Issuer) Token(claims map[string]any, ttl time.Duration) (string, error) {
	now := i.now()
	var jti [12]byte
	_, _ = rand.Read(jti[:])
	all := map[string]any{
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
		all[k] = v
	}
	return Sign(i.Key, all)
}

// Sign returns an RS256 token with exactly claims.
func Sign(key *rsa.PrivateKey, claims map[string]any) (string, error) {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": KeyID(&key.PublicKey)})
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("localjwt: claims: %w", err)
	}
	signing := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("localjwt: sign: %w", err)
	}
	return signing + "." + b64(sig), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Verifier checks tokens as API Gateway's JWT authorizer does.
type Verifier struct {
	// Keys are the issuer's public keys by kid (its JWKS).
	Keys     map[string]*rsa.PublicKey
	Issuer   string
	Audience []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify returns the token's claims when it is valid.
func (v *Verifier) Verify(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, ErrMalformed
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, ErrMalformed
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if json.Unmarshal(hb, &header) != nil {
		return nil, ErrMalformed
	}
	if header.Alg != "RS256" {
		return nil, fmt.Errorf("%w: alg %q (the local issuer signs RS256)", ErrSignature, header.Alg)
	}
	key, ok := v.Keys[header.Kid]
	if !ok {
		return nil, fmt.Errorf("%w: unknown kid", ErrSignature)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig) != nil {
		return nil, ErrSignature
	}
	dec := json.NewDecoder(strings.NewReader(string(pb)))
	dec.UseNumber()
	var claims map[string]any
	if dec.Decode(&claims) != nil || claims == nil {
		return nil, ErrMalformed
	}
	if iss, _ := claims["iss"].(string); iss != v.Issuer {
		return nil, ErrIssuer
	}
	if !audienceOK(claims, v.Audience) {
		return nil, ErrAudience
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	exp, ok := unix(claims["exp"])
	if !ok || !now.Before(exp) {
		return nil, ErrExpired
	}
	if nbf, ok := unix(claims["nbf"]); ok && now.Before(nbf) {
		return nil, ErrNotYet
	}
	if iat, ok := unix(claims["iat"]); ok && now.Before(iat.Add(-time.Minute)) {
		return nil, ErrNotYet
	}
	return claims, nil
}

// audienceOK: aud (a string or a list) or, failing that, client_id must
// name one of the configured audiences.
func audienceOK(claims map[string]any, want []string) bool {
	var got []string
	switch a := claims["aud"].(type) {
	case string:
		got = []string{a}
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok {
				got = append(got, s)
			}
		}
	}
	if len(got) == 0 {
		if c, ok := claims["client_id"].(string); ok {
			got = []string{c}
		}
	}
	for _, g := range got {
		if slices.Contains(want, g) {
			return true
		}
	}
	return false
}

func unix(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, 0).Add(time.Duration(f * float64(time.Second))), true
}

// JWKS returns the JSON Web Key Set of the public keys.
func JWKS(keys ...*rsa.PublicKey) []byte {
	type jwk struct {
		Kty string `json:"kty"`
		Use string `json:"use"`
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		N   string `json:"n"`
		E   string `json:"e"`
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	for _, k := range keys {
		set.Keys = append(set.Keys, jwk{Kty: "RSA", Use: "sig", Alg: "RS256", Kid: KeyID(k), N: b64(k.N.Bytes()), E: b64(big.NewInt(int64(k.E)).Bytes())})
	}
	b, _ := json.Marshal(set)
	return b
}

// ClaimStrings renders claims as API Gateway passes them to a function in
// requestContext.authorizer.jwt.claims: strings as they are, numbers and
// booleans as their JSON text, lists as "[a b]".
func ClaimStrings(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		out[k] = claimString(v)
	}
	return out
}

func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = claimString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Scopes returns the token's scopes (scope, space-separated, or scp).
func Scopes(claims map[string]any) []string {
	if s, ok := claims["scope"].(string); ok {
		return strings.Fields(s)
	}
	var out []string
	switch x := claims["scp"].(type) {
	case string:
		out = strings.Fields(x)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

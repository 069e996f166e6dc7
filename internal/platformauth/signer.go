package platformauth

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// AlgRS256 is the JWS algorithm the signers produce: RSASSA-PKCS1-v1_5
// with SHA-256.
const AlgRS256 = "RS256"

// Signer signs JWTs with an RSA private key it may keep elsewhere.
type Signer interface {
	// Sign returns the signature of digest, the hash of the JWT's signing
	// input under Alg (SHA-256 for RS256).
	Sign(ctx context.Context, digest []byte) ([]byte, error)
	// Alg is the JWS "alg", e.g. "RS256".
	Alg() string
	// KeyID is the JWS "kid" naming the key to the verifier.
	KeyID() string
}

// hashOf returns the hash of a JWS RSASSA-PKCS1-v1_5 algorithm.
func hashOf(alg string) (crypto.Hash, error) {
	switch alg {
	case "RS256":
		return crypto.SHA256, nil
	case "RS384":
		return crypto.SHA384, nil
	case "RS512":
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("unsupported alg %q", alg)
}

// signJWT builds header and claims with the JWT library (header alg and
// kid from s) and signs the signing input through s.
func signJWT(ctx context.Context, s Signer, claims jwt.MapClaims) (string, error) {
	alg := s.Alg()
	h, err := hashOf(alg)
	if err != nil {
		return "", err
	}
	method := jwt.GetSigningMethod(alg)
	if method == nil {
		return "", fmt.Errorf("unsupported alg %q", alg)
	}
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = s.KeyID()
	input, err := tok.SigningString()
	if err != nil {
		return "", fmt.Errorf("encode JWT: %w", err)
	}
	hasher := h.New()
	hasher.Write([]byte(input))
	sig, err := s.Sign(ctx, hasher.Sum(nil))
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}

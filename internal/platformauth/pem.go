package platformauth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// minRSABits is the smallest key the signers accept.
const minRSABits = 2048

// PEMSigner signs with a local RSA private key: for a developer running
// against a real environment with a key file, and for tests.
type PEMSigner struct {
	key *rsa.PrivateKey
	kid string
}

var _ Signer = (*PEMSigner)(nil)

// NewPEMSigner returns a signer for key; an empty kid means the key's
// RFC 7638 thumbprint (Thumbprint).
func NewPEMSigner(key *rsa.PrivateKey, kid string) (*PEMSigner, error) {
	if key == nil {
		return nil, errors.New("platformauth: PEM signer: no key")
	}
	if key.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("platformauth: PEM signer: RSA key of %d bits, want at least %d", key.N.BitLen(), minRSABits)
	}
	if kid == "" {
		kid = Thumbprint(&key.PublicKey)
	}
	return &PEMSigner{key: key, kid: kid}, nil
}

// ParsePEMSigner reads an RSA private key in PEM, PKCS#1 ("RSA PRIVATE
// KEY") or PKCS#8 ("PRIVATE KEY"), and returns a signer for it.
func ParsePEMSigner(data []byte, kid string) (*PEMSigner, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("platformauth: PEM signer: no PEM block")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("platformauth: PEM signer: %w", err)
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("platformauth: PEM signer: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("platformauth: PEM signer: %T is not an RSA key", k)
		}
		key = rk
	default:
		return nil, fmt.Errorf("platformauth: PEM signer: PEM block %q is not a private key", block.Type)
	}
	return NewPEMSigner(key, kid)
}

// LoadPEMSigner reads the key file at path, as ParsePEMSigner does.
func LoadPEMSigner(path, kid string) (*PEMSigner, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("platformauth: PEM signer: %w", err)
	}
	return ParsePEMSigner(data, kid)
}

// Sign signs a SHA-256 digest with RSASSA-PKCS1-v1_5.
func (s *PEMSigner) Sign(_ context.Context, digest []byte) ([]byte, error) {
	if len(digest) != crypto.SHA256.Size() {
		return nil, fmt.Errorf("platformauth: PEM signer: digest of %d bytes, want %d", len(digest), crypto.SHA256.Size())
	}
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, digest)
	if err != nil {
		return nil, fmt.Errorf("platformauth: PEM signer: %w", err)
	}
	return sig, nil
}

// Alg returns "RS256".
func (s *PEMSigner) Alg() string { return AlgRS256 }

// KeyID returns the kid.
func (s *PEMSigner) KeyID() string { return s.kid }

// Public returns the public key, to register with a verifier.
func (s *PEMSigner) Public() *rsa.PublicKey { return &s.key.PublicKey }

package platformauth

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMSPublicKeyAPI is the part of the KMS client KMSPublicKey uses.
type KMSPublicKeyAPI interface {
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

// KMSPublicKey fetches the public half of the KMS key keyID, checks that
// KMSSigner can sign with it (RSA, SIGN_VERIFY, RSASSA_PKCS1_V1_5_SHA_256)
// and returns it with its Thumbprint, a kid to register with Maskinporten
// and to give NewKMSSigner.
func KMSPublicKey(ctx context.Context, client KMSPublicKeyAPI, keyID string) (*rsa.PublicKey, string, error) {
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, "", fmt.Errorf("platformauth: kms get public key %s: %w", keyID, err)
	}
	if out.KeyUsage != types.KeyUsageTypeSignVerify {
		return nil, "", fmt.Errorf("platformauth: kms key %s: usage %s, want SIGN_VERIFY", keyID, out.KeyUsage)
	}
	if !slices.Contains(out.SigningAlgorithms, types.SigningAlgorithmSpecRsassaPkcs1V15Sha256) {
		return nil, "", fmt.Errorf("platformauth: kms key %s (%s) cannot sign with RSASSA_PKCS1_V1_5_SHA_256", keyID, out.KeySpec)
	}
	pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, "", fmt.Errorf("platformauth: kms key %s: %w", keyID, err)
	}
	rpub, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, "", fmt.Errorf("platformauth: kms key %s: %T is not an RSA key", keyID, pub)
	}
	return rpub, Thumbprint(rpub), nil
}

// Thumbprint returns the RFC 7638 JWK thumbprint of pub: base64url of the
// SHA-256 of {"e":…,"kty":"RSA","n":…}.
func Thumbprint(pub *rsa.PublicKey) string {
	e := base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	n := base64.RawURLEncoding.EncodeToString(pub.N.Bytes())
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

package platformauth

import (
	"context"
	"crypto"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

// KMSSignAPI is the part of the KMS client KMSSigner uses.
type KMSSignAPI interface {
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
}

// KMSSigner signs with an asymmetric RSA key (KeyUsage SIGN_VERIFY) kept in
// AWS KMS: kms:Sign with RSASSA_PKCS1_V1_5_SHA_256 on the digest (MessageType
// DIGEST), so the private key never leaves KMS. Its IAM policy needs
// kms:Sign on that one key.
type KMSSigner struct {
	client KMSSignAPI
	keyID  string
	kid    string
}

var _ Signer = (*KMSSigner)(nil)

// NewKMSSigner returns a signer for the KMS key keyID (an ID, ARN or alias)
// that names itself kid in JWT headers (KMSPublicKey derives one).
func NewKMSSigner(client KMSSignAPI, keyID, kid string) (*KMSSigner, error) {
	p := problems{config: "KMSSigner"}
	if client == nil {
		p.add("client", "is required")
	}
	p.required("keyID", keyID)
	p.required("kid", kid)
	if err := p.err(); err != nil {
		return nil, err
	}
	return &KMSSigner{client: client, keyID: keyID, kid: kid}, nil
}

// Sign asks KMS to sign a SHA-256 digest.
func (s *KMSSigner) Sign(ctx context.Context, digest []byte) ([]byte, error) {
	if len(digest) != crypto.SHA256.Size() {
		return nil, fmt.Errorf("platformauth: kms sign: digest of %d bytes, want %d", len(digest), crypto.SHA256.Size())
	}
	out, err := s.client.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.keyID),
		Message:          digest,
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecRsassaPkcs1V15Sha256,
	})
	if err != nil {
		return nil, kmsError(s.keyID, err)
	}
	if len(out.Signature) == 0 {
		return nil, &PermanentError{Op: "kms sign", Code: "EmptySignature", Description: "key " + s.keyID}
	}
	return out.Signature, nil
}

// Alg returns "RS256".
func (s *KMSSigner) Alg() string { return AlgRS256 }

// KeyID returns the kid (not the KMS key ID).
func (s *KMSSigner) KeyID() string { return s.kid }

// kmsTransient are the KMS error codes a retry may cure.
var kmsTransient = map[string]bool{
	"ThrottlingException":        true,
	"KMSInternalException":       true,
	"DependencyTimeoutException": true,
	"KeyUnavailableException":    true,
}

// kmsError classifies a KMS failure.
func kmsError(keyID string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if kmsTransient[ae.ErrorCode()] {
			return &TransientError{Op: "kms sign", Code: ae.ErrorCode(), Description: "key " + keyID, Err: err}
		}
		return &PermanentError{Op: "kms sign", Code: ae.ErrorCode(), Description: "key " + keyID, Err: err}
	}
	return callError("kms sign", err)
}

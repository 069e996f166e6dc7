package motoserver_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

// TestStart_kmsSignDigest pins the launcher's fix of getmoto/moto#10202:
// Sign with MessageType DIGEST signs the digest itself (moto 5.2.1 hashes
// it again), refuses a digest of the wrong length as KMS does, and RAW
// messages are hashed as before.
func TestStart_kmsSignDigest(t *testing.T) {
	t.Parallel()
	srv := startMoto(t)
	client := kms.New(kms.Options{
		Region:       "eu-north-1",
		BaseEndpoint: aws.String(srv.Endpoint()),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	ctx := t.Context()
	key, err := client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatalf("CreateKey() error = %v", err)
	}
	keyID := key.KeyMetadata.KeyId
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: keyID})
	if err != nil {
		t.Fatalf("GetPublicKey() error = %v", err)
	}
	parsed, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub := parsed.(*rsa.PublicKey)
	message := []byte("header.claims")
	digest := sha256.Sum256(message)

	tests := []struct {
		name    string
		message []byte
		typ     types.MessageType
		wantErr string
	}{
		{name: "digest", message: digest[:], typ: types.MessageTypeDigest},
		{name: "raw", message: message, typ: types.MessageTypeRaw},
		{name: "digest_of_wrong_length", message: digest[:31], typ: types.MessageTypeDigest, wantErr: "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sig, err := client.Sign(ctx, &kms.SignInput{
				KeyId: keyID, Message: tt.message, MessageType: tt.typ,
				SigningAlgorithm: types.SigningAlgorithmSpecRsassaPkcs1V15Sha256,
			})
			var ae smithy.APIError
			if tt.wantErr != "" {
				if !errors.As(err, &ae) || ae.ErrorCode() != tt.wantErr {
					t.Errorf("Sign() error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Sign() error = %v", err)
			}
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig.Signature); err != nil {
				t.Errorf("the signature does not verify over sha256(message): %v", err)
			}
		})
	}
}

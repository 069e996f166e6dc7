package platformauth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/signingflow/signing/internal/signing"
)

// fakeKMS signs with testKeys()[1] as KMS would; function fields inject faults.
type fakeKMS struct {
	signErr error
	lastIn  *kms.SignInput
	pubOut  *kms.GetPublicKeyOutput
}

func (f *fakeKMS) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	f.lastIn = in
	if f.signErr != nil {
		return nil, f.signErr
	}
	sig, err := rsa.SignPKCS1v15(nil, testKeys()[1], crypto.SHA256, in.Message)
	return &kms.SignOutput{Signature: sig, KeyId: in.KeyId, SigningAlgorithm: in.SigningAlgorithm}, err
}

func (f *fakeKMS) GetPublicKey(context.Context, *kms.GetPublicKeyInput, ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	return f.pubOut, nil
}

func TestKMSSigner_Sign(t *testing.T) {
	t.Parallel()
	digest := sha256.Sum256([]byte("header.claims"))
	tests := []struct {
		name          string
		err           error
		digest        []byte
		wantErr       bool
		wantTransient bool
	}{
		{"signs_the_digest", nil, digest[:], false, false},
		{"throttled", &smithy.GenericAPIError{Code: "ThrottlingException"}, digest[:], true, true},
		{"key_disabled", &types.DisabledException{Message: aws.String("disabled")}, digest[:], true, false},
		{"wrong_digest_length", nil, digest[:20], true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeKMS{signErr: tt.err}
			s, err := NewKMSSigner(f, "alias/signing", "kid-1")
			if err != nil {
				t.Fatal(err)
			}
			sig, err := s.Sign(t.Context(), tt.digest)
			if (err != nil) != tt.wantErr || errors.Is(err, signing.ErrTransient) != tt.wantTransient {
				t.Fatalf("Sign() error = %v, want error %v (transient %v)", err, tt.wantErr, tt.wantTransient)
			}
			if err != nil {
				return
			}
			in := f.lastIn
			if aws.ToString(in.KeyId) != "alias/signing" || in.MessageType != types.MessageTypeDigest ||
				in.SigningAlgorithm != types.SigningAlgorithmSpecRsassaPkcs1V15Sha256 || string(in.Message) != string(digest[:]) {
				t.Errorf("SignInput = {%s %s %s}, want {alias/signing DIGEST RSASSA_PKCS1_V1_5_SHA_256} with the digest",
					aws.ToString(in.KeyId), in.MessageType, in.SigningAlgorithm)
			}
			if rsa.VerifyPKCS1v15(&testKeys()[1].PublicKey, crypto.SHA256, digest[:], sig) != nil {
				t.Error("signature does not verify")
			}
		})
	}
}

func TestKMSPublicKey(t *testing.T) {
	t.Parallel()
	der, _ := x509.MarshalPKIXPublicKey(&testKeys()[1].PublicKey)
	good := kms.GetPublicKeyOutput{PublicKey: der, KeyUsage: types.KeyUsageTypeSignVerify, KeySpec: types.KeySpecRsa2048,
		SigningAlgorithms: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecRsassaPkcs1V15Sha256}}
	tests := []struct {
		name    string
		modify  func(o *kms.GetPublicKeyOutput)
		wantErr bool
	}{
		{"rsa_sign_verify", func(*kms.GetPublicKeyOutput) {}, false},
		{"encrypt_decrypt_key", func(o *kms.GetPublicKeyOutput) { o.KeyUsage = types.KeyUsageTypeEncryptDecrypt }, true},
		{"no_pkcs1_sha256", func(o *kms.GetPublicKeyOutput) {
			o.SigningAlgorithms = []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecRsassaPssSha256}
		}, true},
		{"bad_der", func(o *kms.GetPublicKeyOutput) { o.PublicKey = []byte{1, 2} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := good
			tt.modify(&out)
			pub, kid, err := KMSPublicKey(t.Context(), &fakeKMS{pubOut: &out}, "alias/signing")
			if (err != nil) != tt.wantErr {
				t.Fatalf("KMSPublicKey() error = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (!pub.Equal(&testKeys()[1].PublicKey) || kid != Thumbprint(pub)) {
				t.Errorf("KMSPublicKey() = another key or kid %q", kid)
			}
		})
	}
}

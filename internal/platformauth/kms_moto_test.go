package platformauth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/devstack/devtest"
	"github.com/signingflow/signing/internal/devstack/motoserver"
)

// startKMS starts moto through the local stack's launcher, whose fix of
// getmoto/moto#10202 makes Sign honour MessageType=DIGEST, and returns a
// KMS client for it.
func startKMS(t *testing.T) *kms.Client {
	t.Helper()
	devtest.Short(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	srv, err := motoserver.Start(ctx, motoserver.Options{})
	if errors.Is(err, motoserver.ErrUnavailable) {
		devtest.Unavailable(t, err)
	}
	if err != nil {
		t.Fatalf("motoserver.Start() error = %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("Stop() error = %v", err)
		}
	})
	return kms.New(kms.Options{
		Region:       "eu-north-1",
		BaseEndpoint: aws.String(srv.Endpoint()),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

// TestKMSSigner_moto signs a Maskinporten grant and a platform access
// token with a KMS key in moto, verifies both signatures here with the
// public key from GetPublicKey, and has the idp double accept them.
func TestKMSSigner_moto(t *testing.T) {
	t.Parallel()
	client := startKMS(t)
	ctx := t.Context()
	key, err := client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatalf("CreateKey() error = %v", err)
	}
	keyID := aws.ToString(key.KeyMetadata.KeyId)
	pub, kid, err := KMSPublicKey(ctx, client, keyID)
	if err != nil {
		t.Fatalf("KMSPublicKey() error = %v", err)
	}
	signer, err := NewKMSSigner(client, keyID, kid)
	if err != nil {
		t.Fatalf("NewKMSSigner() error = %v", err)
	}
	clk := &clock{t: time.Now().Truncate(time.Second)}
	d := startDouble(t, clk, pub, kid, false)
	d.RegisterPlatformIssuer(testOrg, pub)
	m := newMaskinporten(t, d.config(signer, clk))
	pat, err := NewPlatformAccessToken(PlatformAccessTokenConfig{Org: testOrg, App: "signing", Signer: signer, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		build   func() (string, error)
		accepts func(tok string) error
	}{
		{"maskinporten_grant", func() (string, error) { return m.grant(ctx) }, func(string) error {
			tok, err := m.Token(ctx) // a fresh grant through the double's /token and the exchange
			if err == nil {
				_, err = d.VerifyAltinnToken(tok)
			}
			return err
		}},
		{"platform_access_token", func() (string, error) { return pat.Token(ctx) }, func(tok string) error {
			_, err := d.VerifyPlatformAccessToken([]string{tok})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.build()
			if err != nil {
				t.Fatalf("build error = %v", err)
			}
			parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return pub, nil },
				jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(clk.Now))
			if err != nil {
				t.Fatalf("signature made in KMS does not verify with GetPublicKey's key: %v", err)
			}
			if parsed.Header["kid"] != kid {
				t.Errorf("kid = %v, want %s", parsed.Header["kid"], kid)
			}
			if err := tt.accepts(tok); err != nil {
				t.Errorf("the double refuses it: %v", err)
			}
		})
	}
}

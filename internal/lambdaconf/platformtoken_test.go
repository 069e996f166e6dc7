package lambdaconf_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/lambdaconf/wholeservice"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/emulator/idp"
	"github.com/signingflow/signing/internal/signing"
)

// fakeKMS signs digests with key, as kms:Sign with MessageType DIGEST does.
type fakeKMS struct {
	key   *rsa.PrivateKey
	keyID string
}

func (f fakeKMS) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	if aws.ToString(in.KeyId) != f.keyID || in.MessageType != types.MessageTypeDigest ||
		in.SigningAlgorithm != types.SigningAlgorithmSpecRsassaPkcs1V15Sha256 {
		return nil, errors.New("fakeKMS: unexpected request")
	}
	sig, err := rsa.SignPKCS1v15(nil, f.key, crypto.SHA256, in.Message)
	return &kms.SignOutput{Signature: sig}, err
}

// TestConfig_Service_platformAccessToken wires the service with each
// signer and has an emulator that trusts only that key accept its
// delegation: the token names PLATFORM_ACCESS_TOKEN_ORG and _APP.
func TestConfig_Service_platformAccessToken(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "platform-access-token.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	const keyARN = "arn:aws:kms:eu-north-1:123456789012:key/0b6c1f2e-3d4a-4b5c-8d6e-0000000000aa"
	tests := []struct {
		name string
		vars map[string]string
	}{
		{name: "kms", vars: map[string]string{"PLATFORM_ACCESS_TOKEN_KEY_FILE": "", "PLATFORM_ACCESS_TOKEN_KMS_KEY_ID": keyARN}},
		{name: "key_file", vars: map[string]string{"PLATFORM_ACCESS_TOKEN_KEY_FILE": keyFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := idp.New(idp.Options{BaseURL: "http://idp.invalid", MaskinportenKey: key, AltinnKey: key})
			if err != nil {
				t.Fatal(err)
			}
			p.RegisterPlatformIssuer("digdir", &key.PublicKey)
			emu := emulator.New(emulator.Founders(), emulator.WithIDP(p))
			srv := httptest.NewServer(emu.Handler())
			t.Cleanup(srv.Close)

			vars := complete()
			vars["PLATFORM_URL"] = srv.URL
			vars["MASKINPORTEN_KEY_FILE"] = keyFile
			vars["PLATFORM_ACCESS_TOKEN_ORG"] = "digdir"
			vars["PLATFORM_ACCESS_TOKEN_APP"] = "signing"
			for k, v := range tt.vars {
				if v == "" {
					delete(vars, k)
				} else {
					vars[k] = v
				}
			}
			cfg, err := lambdaconf.Load(env(vars))
			if err != nil {
				t.Fatal(err)
			}
			a := wholeservice.NewAWS(aws.Config{Region: "eu-north-1"})
			a.KMS = fakeKMS{key: key, keyID: keyARN}
			svc, err := wholeservice.Service(t.Context(), cfg, a)
			if err != nil {
				t.Fatalf("Service() error = %v", err)
			}
			err = svc.Access.Delegate(t.Context(), signing.Delegation{
				Instance:      signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001, InstanceGUID: "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},
				TaskID:        "SigningTask",
				FromPartyUUID: "0b6c1f2e-3d4a-4b5c-8d6e-000000050001", ToPartyUUID: "0b6c1f2e-3d4a-4b5c-8d6e-000000050002",
				Actions: []string{"read", "sign"},
			})
			if err != nil {
				t.Fatalf("Delegate() error = %v", err)
			}
			if recs := emu.Delegations(); len(recs) != 2 || recs[0].Performer != "app_digdir_signing" {
				t.Errorf("delegations = %+v, want two by app_digdir_signing", recs)
			}
		})
	}
}

func TestConfig_Service_platformAccessTokenKeyFile(t *testing.T) {
	t.Parallel()
	notPEM := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(notPEM, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{filepath.Join(t.TempDir(), "missing.pem"), notPEM} {
		vars := complete()
		vars["MASKINPORTEN_KEY_FILE"] = writeKey(t, newKey(t))
		vars["PLATFORM_ACCESS_TOKEN_KEY_FILE"] = file
		cfg, err := lambdaconf.Load(env(vars))
		if err != nil {
			t.Fatal(err)
		}
		_, err = wholeservice.Service(t.Context(), cfg, wholeservice.NewAWS(aws.Config{Region: "eu-north-1"}))
		if err == nil || !strings.Contains(err.Error(), "PLATFORM_ACCESS_TOKEN_KEY_FILE") {
			t.Errorf("Service() with key file %s error = %v, want one naming PLATFORM_ACCESS_TOKEN_KEY_FILE", filepath.Base(file), err)
		}
	}
}

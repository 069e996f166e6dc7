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
	"github.com/signingflow/signing/internal/platformauth"
	"github.com/signingflow/signing/internal/signing"
)

func newKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeKey writes key as a PKCS#1 PEM file and returns its path.
func writeKey(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// kmsKeys signs digests with the key of each key ID, as kms:Sign with
// MessageType DIGEST does.
type kmsKeys map[string]*rsa.PrivateKey

func (k kmsKeys) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	key := k[aws.ToString(in.KeyId)]
	if key == nil || in.MessageType != types.MessageTypeDigest || in.SigningAlgorithm != types.SigningAlgorithmSpecRsassaPkcs1V15Sha256 {
		return nil, errors.New("kmsKeys: unexpected request")
	}
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, in.Message)
	return &kms.SignOutput{Signature: sig}, err
}

// platformWithIDP serves an emulator whose IDP (Maskinporten, the
// exchange and the verifiers) is on the emulator's own URL, as in the
// local stack; it trusts patKey for the platform access tokens of digdir.
func platformWithIDP(t *testing.T, patKey *rsa.PrivateKey) (*emulator.Emulator, *idp.IDP, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	p, err := idp.New(idp.Options{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	p.RegisterPlatformIssuer("digdir", &patKey.PublicKey)
	emu := emulator.New(emulator.Founders(), emulator.WithIDP(p))
	srv.Config.Handler = emu.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return emu, p, base
}

var foundersInstance = signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001, InstanceGUID: "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"}

// TestConfig_Service_maskinporten wires the service as a function does and
// has it read an instance with the bearer it got from Maskinporten: a grant
// signed in KMS (kid = the key's ID) or with the key file (kid = the
// thumbprint), for the client and scopes of the environment, exchanged
// for an Altinn token at {PLATFORM_URL}/authentication/api/v1. A client of
// an organisation that is no service owner gets an org token only with
// ALTINN_EXCHANGE_TEST (Testdepartementet); without it Storage refuses.
func TestConfig_Service_maskinporten(t *testing.T) {
	t.Parallel()
	const mpKeyARN = "arn:aws:kms:eu-north-1:123456789012:key/0b6c1f2e-3d4a-4b5c-8d6e-0000000000bb"
	tests := []struct {
		name      string
		kms       bool
		org       string // the client's org code at the exchange; "" for none
		test      string // ALTINN_EXCHANGE_TEST
		wantError error
	}{
		{name: "kms", kms: true, org: "ttd"},
		{name: "key_file", org: "ttd"},
		{name: "test_exchange", kms: true, test: "true"},
		{name: "no_service_owner", kms: true, wantError: signing.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mpKey, patKey := newKey(t), newKey(t)
			emu, p, base := platformWithIDP(t, patKey)
			kid := lambdaconf.KMSKeyID(mpKeyARN)
			vars := complete()
			vars["PLATFORM_URL"] = base
			vars["MASKINPORTEN_URL"] = base
			vars["PLATFORM_ACCESS_TOKEN_ORG"] = "digdir"
			vars["PLATFORM_ACCESS_TOKEN_KEY_FILE"] = writeKey(t, patKey)
			if tt.kms {
				delete(vars, "MASKINPORTEN_KEY_FILE")
				vars["MASKINPORTEN_KMS_KEY_ID"] = mpKeyARN
			} else {
				vars["MASKINPORTEN_KEY_FILE"] = writeKey(t, mpKey)
				kid = platformauth.Thumbprint(&mpKey.PublicKey)
			}
			if tt.test != "" {
				vars["ALTINN_EXCHANGE_TEST"] = tt.test
			}
			p.RegisterClient("signing-client", &mpKey.PublicKey, kid, lambdaconf.ServiceScopes)
			p.SetClientOrg("signing-client", tt.org, emulator.DevServiceOwnerOrgNumber)

			cfg, err := lambdaconf.Load(env(vars))
			if err != nil {
				t.Fatal(err)
			}
			a := wholeservice.NewAWS(aws.Config{Region: "eu-north-1"})
			a.KMS = kmsKeys{mpKeyARN: mpKey}
			svc, err := wholeservice.Service(t.Context(), cfg, a)
			if err != nil {
				t.Fatalf("Service() error = %v", err)
			}
			_, err = svc.Storage.GetInstance(t.Context(), foundersInstance)
			if !errors.Is(err, tt.wantError) || (tt.wantError == nil && err != nil) {
				t.Fatalf("GetInstance() error = %v, want %v", err, tt.wantError)
			}
			if err != nil {
				return
			}
			// The same token serves the other services: a party from
			// Register (with the platform access token) and a message.
			if _, err := svc.Register.GetParty(t.Context(), 50002); err != nil {
				t.Errorf("GetParty() error = %v", err)
			}
			if got := emu.Calls(emulator.OpGetInstance); got != 1 {
				t.Errorf("GetInstance calls = %d, want 1", got)
			}
		})
	}
}

// TestConfig_Service_maskinportenRefused: a grant the IDP refuses (a key
// not registered for the client, a scope not granted) fails the call as
// unauthenticated, without the grant or a token in the error.
func TestConfig_Service_maskinportenRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		register func(p *idp.IDP, key *rsa.PrivateKey)
	}{
		{name: "unknown_key", register: func(p *idp.IDP, _ *rsa.PrivateKey) {
			other := newKey(t)
			p.RegisterClient("signing-client", &other.PublicKey, platformauth.Thumbprint(&other.PublicKey), lambdaconf.ServiceScopes)
		}},
		{name: "scope_not_granted", register: func(p *idp.IDP, key *rsa.PrivateKey) {
			p.RegisterClient("signing-client", &key.PublicKey, platformauth.Thumbprint(&key.PublicKey), lambdaconf.ServiceScopes[:1])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mpKey, patKey := newKey(t), newKey(t)
			_, p, base := platformWithIDP(t, patKey)
			tt.register(p, mpKey)
			vars := complete()
			vars["PLATFORM_URL"], vars["MASKINPORTEN_URL"] = base, base
			vars["MASKINPORTEN_KEY_FILE"] = writeKey(t, mpKey)
			vars["PLATFORM_ACCESS_TOKEN_KEY_FILE"] = writeKey(t, patKey)
			cfg, err := lambdaconf.Load(env(vars))
			if err != nil {
				t.Fatal(err)
			}
			svc, err := wholeservice.Service(t.Context(), cfg, wholeservice.NewAWS(aws.Config{Region: "eu-north-1"}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = svc.Storage.GetInstance(t.Context(), foundersInstance)
			if !errors.Is(err, signing.ErrUnauthenticated) {
				t.Fatalf("GetInstance() error = %v, want ErrUnauthenticated", err)
			}
			if strings.Contains(err.Error(), "eyJ") {
				t.Errorf("error %q holds a JWT", err)
			}
		})
	}
}

// TestKMSKeyID: the kid of a KMS key is its ID, whatever names it.
func TestKMSKeyID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"arn:aws:kms:eu-north-1:123456789012:key/0b6c1f2e-3d4a-4b5c-8d6e-0000000000bb": "0b6c1f2e-3d4a-4b5c-8d6e-0000000000bb",
		"0b6c1f2e-3d4a-4b5c-8d6e-0000000000bb":                                         "0b6c1f2e-3d4a-4b5c-8d6e-0000000000bb",
		"alias/signing":                                                                "alias/signing",
	} {
		if got := lambdaconf.KMSKeyID(in); got != want {
			t.Errorf("KMSKeyID(%q) = %q, want %q", in, got, want)
		}
	}
}

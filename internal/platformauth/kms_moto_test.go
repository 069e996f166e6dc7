package platformauth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// digestFix makes moto's KMS Sign honour MessageType=DIGEST, as AWS does
// and as getmoto/moto#10202 (open) implements: moto 5.2.1 parses
// MessageType and ignores it, hashing the digest again, so a signature
// made through KMSSigner would verify against sha256(digest) instead of
// the digest. It is loaded as sitecustomize before moto's launcher runs;
// without moto it does nothing and the launcher reports what is missing.
const digestFix = `
try:
    import threading
    from cryptography.hazmat.primitives.asymmetric import utils as _asym
    from moto.kms import responses as _responses
    from moto.kms import utils as _utils
except Exception:
    pass
else:
    _state = threading.local()
    _sign_response = _responses.KmsResponse.sign

    def _sign(self):
        _state.digest = self._get_param("MessageType") == "DIGEST"
        try:
            return _sign_response(self)
        finally:
            _state.digest = False

    def _rsa_sign(self, message, signing_algorithm):
        _utils.validate_signing_algorithm(signing_algorithm, _utils.SigningAlgorithm.rsa_signing_algorithms())
        pad, algorithm = self._RSAPrivateKey__padding_and_hash_algorithm(signing_algorithm)
        if getattr(_state, "digest", False):
            if len(message) != algorithm.digest_size:
                raise _utils.ValidationException("Digest is invalid length for algorithm " + signing_algorithm)
            algorithm = _asym.Prehashed(algorithm)
        return self.private_key.sign(message, pad, algorithm)

    _responses.KmsResponse.sign = _sign
    _utils.RSAPrivateKey.sign = _rsa_sign
`

// pythonWithDigestFix returns an interpreter wrapper that loads digestFix.
func pythonWithDigestFix(t *testing.T) string {
	t.Helper()
	python, err := motoserver.FindPython()
	if err == nil {
		python, err = exec.LookPath(python)
	}
	if err != nil {
		devtest.Unavailable(t, fmt.Errorf("%w: %v", motoserver.ErrUnavailable, err))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sitecustomize.py"), []byte(digestFix), 0o600); err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(dir, "python")
	script := "#!/bin/sh\nPYTHONPATH='" + dir + "'${PYTHONPATH:+:$PYTHONPATH}\nexport PYTHONPATH\nexec '" + python + "' \"$@\"\n"
	if strings.ContainsRune(dir+python, '\'') {
		t.Fatalf("cannot quote %q or %q for sh", dir, python)
	}
	if err := os.WriteFile(wrapper, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return wrapper
}

// startKMS starts moto, with digestFix when fix is set, and returns a KMS
// client for it.
func startKMS(t *testing.T, fix bool) *kms.Client {
	t.Helper()
	devtest.Short(t)
	opts := motoserver.Options{}
	if fix {
		opts.Python = pythonWithDigestFix(t)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	srv, err := motoserver.Start(ctx, opts)
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
	client := startKMS(t, true)
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

// TestKMSSigner_motoDivergence pins what digestFix works around, so that
// it is dropped once moto honours DIGEST: unpatched moto 5.2.1 signs
// sha256(digest), not the digest.
func TestKMSSigner_motoDivergence(t *testing.T) {
	t.Parallel()
	client := startKMS(t, false)
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
	signer, _ := NewKMSSigner(client, keyID, kid)
	digest := sha256.Sum256([]byte("header.claims"))
	sig, err := signer.Sign(ctx, digest[:])
	if err != nil {
		t.Fatalf("Sign() error = %v", err)
	}
	again := sha256.Sum256(digest[:])
	gotDigest := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil
	gotAgain := rsa.VerifyPKCS1v15(pub, crypto.SHA256, again[:], sig) == nil
	if gotDigest || !gotAgain {
		t.Errorf("unpatched moto signed the digest = %v, sha256(digest) = %v, want false, true; "+
			"if moto now honours MessageType=DIGEST (getmoto/moto#10202), drop digestFix and this test", gotDigest, gotAgain)
	}
}

package devstack

import (
	"context"
	"crypto/rsa"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platformauth"
	"github.com/signingflow/signing/internal/samtemplate"
)

// PlatformAccessTokenKeyParameter is the template parameter of the KMS key
// that signs the functions' platform access token, and
// PlatformAccessTokenOrgParameter the org the token names (its iss).
const (
	PlatformAccessTokenKeyParameter = "PlatformAccessTokenKmsKeyArn"
	PlatformAccessTokenOrgParameter = "PlatformAccessTokenOrg"
)

// KMSKeyParameters returns, sorted, the template's parameters that hold a
// KMS key's ARN: those whose AllowedPattern names kms, or whose name ends
// in KmsKeyArn. Up creates a key in moto for each (unless
// Options.Parameters names one) and passes its ARN; keyUse says what the
// local stack does with the key's public half.
func KMSKeyParameters(tpl *samtemplate.Template) []string {
	var out []string
	for name, p := range tpl.Parameters {
		m, _ := p.(map[string]any)
		pattern, _ := m["AllowedPattern"].(string)
		if strings.Contains(pattern, ":kms:") || strings.HasSuffix(name, "KmsKeyArn") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// pendingKeyARN stands in for a KMS key parameter's ARN until moto has
// made the key; no function ever sees it.
func pendingKeyARN(region, accountID, param string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/pending-%s", region, accountID, strings.ToLower(param))
}

// keyUse returns what the local stack does with the public key of a KMS
// key parameter (keyARN names the key): the platform access token's key is
// the one the emulator trusts for the token's org, as Altinn trusts the key
// registered for an org (Altinn/altinn-accesstoken
// src/Altinn.Common.AccessToken/AccessTokenHandler.cs finds the key by
// iss); the Maskinporten key is registered with the emulator's IDP for
// the client MaskinportenClientId, under the kid the functions name
// (lambdaconf.KMSKeyID), granted the scopes the template's functions ask
// for, and owned by the platform access token's org (as Testdepartementet's
// organisation number). Against a real platform (no emulator) nothing is
// registered: Stack.MaskinportenJWK says what to register with Maskinporten.
// A parameter without a use is an error, so a template that gains one
// fails Up (and TestKMSKeyParameters_projectTemplate).
func keyUse(param string) (func(s *Stack, params map[string]string, pub *rsa.PublicKey, keyARN string) error, error) {
	switch param {
	case PlatformAccessTokenKeyParameter:
		return func(s *Stack, params map[string]string, pub *rsa.PublicKey, _ string) error {
			org := params[PlatformAccessTokenOrgParameter]
			if org == "" {
				return fmt.Errorf("devstack: parameter %s has no value", PlatformAccessTokenOrgParameter)
			}
			if s.Emulator != nil {
				s.Emulator.IDP().RegisterPlatformIssuer(org, pub)
			}
			return nil
		}, nil
	case MaskinportenKeyParameter:
		return func(s *Stack, params map[string]string, pub *rsa.PublicKey, keyARN string) error {
			client, org := params[MaskinportenClientParameter], params[PlatformAccessTokenOrgParameter]
			if client == "" || org == "" {
				return fmt.Errorf("devstack: parameters %s and %s need values", MaskinportenClientParameter, PlatformAccessTokenOrgParameter)
			}
			kid := lambdaconf.KMSKeyID(keyARN)
			jwk, err := JWK(pub, kid)
			if err != nil {
				return err
			}
			s.MaskinportenJWK = jwk
			if s.Emulator != nil {
				p := s.Emulator.IDP()
				p.RegisterClient(client, pub, kid, s.maskinportenScopes())
				p.SetClientOrg(client, org, emulator.DevServiceOwnerOrgNumber)
			}
			return nil
		}, nil
	}
	return nil, fmt.Errorf("devstack: parameter %s holds a KMS key ARN, but the local stack does not know what the key is for (add it to keyUse)", param)
}

// createKeys makes an RSA signing key in moto (whose KMS signs digests
// correctly only through the launcher's fix of getmoto/moto#10202) for each
// KMS key parameter that Options.Parameters does not name, names it with
// KeyAlias, puts its ARN in params, and applies the key's use to its
// public half.
func (s *Stack) createKeys(ctx context.Context, params map[string]string) error {
	client := kms.NewFromConfig(s.cfg)
	for _, p := range s.keys {
		use, err := keyUse(p)
		if err != nil {
			return err
		}
		if _, given := s.opts.Parameters[p]; !given {
			out, err := client.CreateKey(ctx, &kms.CreateKeyInput{
				KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify,
				Description: aws.String(s.opts.StackName + " " + p),
			})
			if err != nil {
				return fmt.Errorf("devstack: create the KMS key of %s: %w", p, err)
			}
			params[p] = aws.ToString(out.KeyMetadata.Arn)
			if _, err := client.CreateAlias(ctx, &kms.CreateAliasInput{
				AliasName: aws.String(KeyAlias(s.opts.StackName, p)), TargetKeyId: out.KeyMetadata.KeyId,
			}); err != nil {
				return fmt.Errorf("devstack: name the KMS key of %s: %w", p, err)
			}
		}
		pub, _, err := platformauth.KMSPublicKey(ctx, client, params[p])
		if err != nil {
			return fmt.Errorf("devstack: %s: %w", p, err)
		}
		if err := use(s, params, pub, params[p]); err != nil {
			return err
		}
	}
	return nil
}

// MaskinportenKeyJWK reads, through the edge cfg names, the public JWK of
// the Maskinporten key a running local stack made (KeyAlias of
// MaskinportenKmsKeyArn), with the kid its functions name: what
// `signing dev jwk` prints.
func MaskinportenKeyJWK(ctx context.Context, cfg aws.Config, stackName string) ([]byte, error) {
	client := kms.NewFromConfig(cfg)
	alias := KeyAlias(stackName, MaskinportenKeyParameter)
	d, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	if err != nil {
		return nil, fmt.Errorf("devstack: the stack's Maskinporten key (%s): %w", alias, err)
	}
	arn := aws.ToString(d.KeyMetadata.Arn)
	pub, _, err := platformauth.KMSPublicKey(ctx, client, arn)
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	return JWK(pub, lambdaconf.KMSKeyID(arn))
}

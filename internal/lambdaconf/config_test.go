package lambdaconf_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/lambdaconf/wholeservice"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func complete() map[string]string {
	return map[string]string{
		"TABLE_NAME":                     "signing-SigningTable",
		"HASH_KEY":                       strings.Repeat("ab", 32),
		"PLATFORM_URL":                   "http://127.0.0.1:5101",
		"MASKINPORTEN_URL":               "http://127.0.0.1:5101",
		"MASKINPORTEN_CLIENT_ID":         "signing-client",
		"MASKINPORTEN_SCOPES":            strings.Join(lambdaconf.ServiceScopes, " "),
		"MASKINPORTEN_KEY_FILE":          "/nonexistent/maskinporten.pem",
		"PLATFORM_ACCESS_TOKEN_ORG":      "ttd",
		"PLATFORM_ACCESS_TOKEN_APP":      "founders",
		"PLATFORM_ACCESS_TOKEN_KEY_FILE": "/nonexistent/platform-access-token.pem",
		"ENVIRONMENT":                    "local",
		"INSTANCE_URL":                   "http://local/{org}/{app}/#/instance/{partyId}/{instanceGuid}",
		"ALLOW_SYNTHETIC_IDS":            "true",
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		change  map[string]string
		wantErr []string
	}{
		{name: "complete"},
		{name: "secret_instead_of_value", change: map[string]string{"HASH_KEY": "", "HASH_KEY_SECRET_ARN": "arn:aws:secretsmanager:eu-north-1:1:secret:k"}},
		{name: "kms_instead_of_key_files", change: map[string]string{"PLATFORM_ACCESS_TOKEN_KEY_FILE": "", "MASKINPORTEN_KEY_FILE": "", "ALTINN_EXCHANGE_TEST": "true",
			"PLATFORM_ACCESS_TOKEN_KMS_KEY_ID": "arn:aws:kms:eu-north-1:1:key/0b6c1f2e-3d4a-4b5c-8d6e-0000000000aa",
			"MASKINPORTEN_KMS_KEY_ID":          "arn:aws:kms:eu-north-1:1:key/0b6c1f2e-3d4a-4b5c-8d6e-0000000000bb"}},
		{name: "maskinporten_missing", change: map[string]string{"MASKINPORTEN_URL": "", "MASKINPORTEN_CLIENT_ID": "", "MASKINPORTEN_SCOPES": "", "MASKINPORTEN_KEY_FILE": ""},
			wantErr: []string{"MASKINPORTEN_URL: must be set", "MASKINPORTEN_CLIENT_ID: must be set", "MASKINPORTEN_SCOPES: must be set", "MASKINPORTEN_KMS_KEY_ID: must be set, or MASKINPORTEN_KEY_FILE"}},
		{name: "maskinporten_malformed", change: map[string]string{"MASKINPORTEN_URL": "https://test.maskinporten.no/token", "MASKINPORTEN_CLIENT_ID": "a b",
			"MASKINPORTEN_SCOPES": `altinn:serviceowner "x"`, "MASKINPORTEN_KMS_KEY_ID": "alias/k", "ALTINN_EXCHANGE_TEST": "sometimes"},
			wantErr: []string{"MASKINPORTEN_URL: must be Maskinporten's base URL", "MASKINPORTEN_CLIENT_ID: must not contain spaces", "MASKINPORTEN_SCOPES: must be OAuth scopes",
				"MASKINPORTEN_KMS_KEY_ID: set either it or MASKINPORTEN_KEY_FILE", "ALTINN_EXCHANGE_TEST: must be true or false"}},
		{name: "platform_access_token_missing", change: map[string]string{"PLATFORM_ACCESS_TOKEN_ORG": "", "PLATFORM_ACCESS_TOKEN_APP": "", "PLATFORM_ACCESS_TOKEN_KEY_FILE": ""},
			wantErr: []string{"PLATFORM_ACCESS_TOKEN_ORG: must be set", "PLATFORM_ACCESS_TOKEN_APP: must be set", "PLATFORM_ACCESS_TOKEN_KMS_KEY_ID: must be set, or PLATFORM_ACCESS_TOKEN_KEY_FILE"}},
		{name: "platform_access_token_both_keys", change: map[string]string{"PLATFORM_ACCESS_TOKEN_KMS_KEY_ID": "alias/x", "PLATFORM_ACCESS_TOKEN_ORG": "TTD", "PLATFORM_ACCESS_TOKEN_APP": "my app"},
			wantErr: []string{"PLATFORM_ACCESS_TOKEN_KMS_KEY_ID: set either it or PLATFORM_ACCESS_TOKEN_KEY_FILE", "PLATFORM_ACCESS_TOKEN_ORG: must be a lowercase name", "PLATFORM_ACCESS_TOKEN_APP: must be a lowercase name"}},
		{name: "everything_missing_at_once", change: map[string]string{"TABLE_NAME": "", "HASH_KEY": "", "PLATFORM_URL": "", "MASKINPORTEN_CLIENT_ID": "", "ENVIRONMENT": ""},
			wantErr: []string{"TABLE_NAME: must be set", "HASH_KEY: must be set, or HASH_KEY_SECRET_ARN", "PLATFORM_URL: must be set", "MASKINPORTEN_CLIENT_ID: must be set", "ENVIRONMENT: must be set"}},
		{name: "malformed", change: map[string]string{"HASH_KEY": "short", "PLATFORM_URL": "ftp://x", "ALLOW_SYNTHETIC_IDS": "maybe", "LANGUAGE": "de",
			"INSTANCE_URL": "http://local/", "PLATFORM_TIMEOUT": "forever", "SIGNEE_PROVIDERS": `{"providers":[{"id":""}]}`, "HASH_KEY_SECRET_ARN": "arn:aws:x"},
			wantErr: []string{"HASH_KEY: set either it or HASH_KEY_SECRET_ARN", "PLATFORM_URL", "ALLOW_SYNTHETIC_IDS", "LANGUAGE", "INSTANCE_URL", "PLATFORM_TIMEOUT", "SIGNEE_PROVIDERS"}},
		{name: "platform_url_with_query", change: map[string]string{"PLATFORM_URL": "https://platform.tt02.altinn.no?x=1"}, wantErr: []string{"PLATFORM_URL: must not have a query"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vars := complete()
			for k, v := range tt.change {
				if v == "" {
					delete(vars, k)
				} else {
					vars[k] = v
				}
			}
			_, err := lambdaconf.Load(env(vars))
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Load() error = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Load() error = nil")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not report %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "short") || strings.Contains(err.Error(), "sometimes") {
				t.Errorf("error echoes a value: %v", err)
			}
		})
	}
}

// fakeSecrets answers from values; an unknown secret is
// ResourceNotFoundException, and failWith, when set, answers every read.
type fakeSecrets struct {
	values   map[string]string
	failWith error
}

func (f fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if f.failWith != nil {
		return nil, f.failWith
	}
	v, ok := f.values[aws.ToString(in.SecretId)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "no such secret"}
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

func TestConfig_Service(t *testing.T) {
	t.Parallel()
	vars := complete()
	delete(vars, "HASH_KEY")
	delete(vars, "PLATFORM_ACCESS_TOKEN_KEY_FILE")
	delete(vars, "MASKINPORTEN_KEY_FILE")
	vars["PLATFORM_ACCESS_TOKEN_KMS_KEY_ID"] = "alias/platform-access-token"
	vars["MASKINPORTEN_KMS_KEY_ID"] = "arn:aws:kms:eu-north-1:1:key/0b6c1f2e-3d4a-4b5c-8d6e-0000000000bb"
	vars["HASH_KEY_SECRET_ARN"] = "arn:aws:secretsmanager:eu-north-1:1:secret:k"
	vars["SIGNEE_PROVIDERS"] = `{"providers":[{"id":"board","dataType":"model","persons":[{"path":"board","nationalId":"ssn","lastName":"last"}]}]}`
	cfg, err := lambdaconf.Load(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	secrets := fakeSecrets{values: map[string]string{"arn:aws:secretsmanager:eu-north-1:1:secret:k": strings.Repeat("cd", 32)}}
	svc, err := wholeservice.Service(context.Background(), cfg, wholeservice.NewAWS(aws.Config{Region: "eu-north-1"}).WithSecrets(secrets))
	if err != nil {
		t.Fatalf("Service() error = %v", err)
	}
	if svc.Repo == nil || svc.Signees == nil || svc.Workflow == nil || svc.Apps == nil || svc.Identities == nil || svc.PDF == nil || svc.Settings.Environment != "local" {
		t.Errorf("Service() = %+v, want every port wired", svc)
	}
	if _, err := wholeservice.Service(context.Background(), cfg, wholeservice.NewAWS(aws.Config{Region: "eu-north-1"}).WithSecrets(fakeSecrets{})); err == nil {
		t.Error("Service() with an unreadable secret: error = nil")
	}
}

package lambdaconf_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func complete() map[string]string {
	return map[string]string{
		"TABLE_NAME":                     "signing-SigningTable",
		"HASH_KEY":                       strings.Repeat("ab", 32),
		"PLATFORM_STORAGE_URL":           "http://127.0.0.1:5101/storage/api/v1",
		"PLATFORM_ACCESS_URL":            "http://127.0.0.1:5101/accessmanagement/api/v1",
		"PLATFORM_CORRESPONDENCE_URL":    "http://127.0.0.1:5101",
		"PLATFORM_REGISTER_URL":          "http://127.0.0.1:5101",
		"PLATFORM_TOKEN":                 "dev-token",
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
		{name: "secrets_instead_of_values", change: map[string]string{"HASH_KEY": "", "HASH_KEY_SECRET_ARN": "arn:aws:secretsmanager:eu-north-1:1:secret:k",
			"PLATFORM_TOKEN": "", "PLATFORM_TOKEN_SECRET_ARN": "arn:aws:secretsmanager:eu-north-1:1:secret:t"}},
		{name: "kms_instead_of_key_file", change: map[string]string{"PLATFORM_ACCESS_TOKEN_KEY_FILE": "",
			"PLATFORM_ACCESS_TOKEN_KMS_KEY_ID": "arn:aws:kms:eu-north-1:1:key/0b6c1f2e-3d4a-4b5c-8d6e-0000000000aa"}},
		{name: "platform_access_token_missing", change: map[string]string{"PLATFORM_ACCESS_TOKEN_ORG": "", "PLATFORM_ACCESS_TOKEN_APP": "", "PLATFORM_ACCESS_TOKEN_KEY_FILE": ""},
			wantErr: []string{"PLATFORM_ACCESS_TOKEN_ORG: must be set", "PLATFORM_ACCESS_TOKEN_APP: must be set", "PLATFORM_ACCESS_TOKEN_KMS_KEY_ID: must be set, or PLATFORM_ACCESS_TOKEN_KEY_FILE"}},
		{name: "platform_access_token_both_keys", change: map[string]string{"PLATFORM_ACCESS_TOKEN_KMS_KEY_ID": "alias/x", "PLATFORM_ACCESS_TOKEN_ORG": "TTD", "PLATFORM_ACCESS_TOKEN_APP": "my app"},
			wantErr: []string{"PLATFORM_ACCESS_TOKEN_KMS_KEY_ID: set either it or PLATFORM_ACCESS_TOKEN_KEY_FILE", "PLATFORM_ACCESS_TOKEN_ORG: must be a lowercase name", "PLATFORM_ACCESS_TOKEN_APP: must be a lowercase name"}},
		{name: "everything_missing_at_once", change: map[string]string{"TABLE_NAME": "", "HASH_KEY": "", "PLATFORM_STORAGE_URL": "", "PLATFORM_TOKEN": "", "ENVIRONMENT": ""},
			wantErr: []string{"TABLE_NAME: must be set", "HASH_KEY: must be set, or HASH_KEY_SECRET_ARN", "PLATFORM_STORAGE_URL: must be set", "PLATFORM_TOKEN: must be set", "ENVIRONMENT: must be set"}},
		{name: "malformed", change: map[string]string{"HASH_KEY": "short", "PLATFORM_ACCESS_URL": "ftp://x", "ALLOW_SYNTHETIC_IDS": "maybe", "LANGUAGE": "de",
			"INSTANCE_URL": "http://local/", "PLATFORM_TIMEOUT": "forever", "SIGNEE_PROVIDERS": `{"providers":[{"id":""}]}`, "HASH_KEY_SECRET_ARN": "arn:aws:x"},
			wantErr: []string{"HASH_KEY: set either it or HASH_KEY_SECRET_ARN", "PLATFORM_ACCESS_URL", "ALLOW_SYNTHETIC_IDS", "LANGUAGE", "INSTANCE_URL", "PLATFORM_TIMEOUT", "SIGNEE_PROVIDERS"}},
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
			if strings.Contains(err.Error(), "short") || strings.Contains(err.Error(), "dev-token") {
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

// TestSecretToken_errors: a missing secret or permission is permanent, a
// throttled or unreachable Secrets Manager is transient (retried).
func TestSecretToken_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		api           fakeSecrets
		wantTransient bool
	}{
		{name: "not_found", api: fakeSecrets{}},
		{name: "access_denied", api: fakeSecrets{failWith: &smithy.GenericAPIError{Code: "AccessDeniedException"}}},
		{name: "throttled", api: fakeSecrets{failWith: &smithy.GenericAPIError{Code: "ThrottlingException"}}, wantTransient: true},
		{name: "network", api: fakeSecrets{failWith: errors.New("dial tcp: connection refused")}, wantTransient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := (&lambdaconf.SecretToken{API: tt.api, ARN: "arn:s"}).Token(context.Background())
			if err == nil || errors.Is(err, signing.ErrTransient) != tt.wantTransient {
				t.Errorf("Token() error = %v, want transient %v", err, tt.wantTransient)
			}
		})
	}
}

func TestConfig_Service(t *testing.T) {
	t.Parallel()
	vars := complete()
	delete(vars, "HASH_KEY")
	delete(vars, "PLATFORM_TOKEN")
	delete(vars, "PLATFORM_ACCESS_TOKEN_KEY_FILE")
	vars["PLATFORM_ACCESS_TOKEN_KMS_KEY_ID"] = "alias/platform-access-token"
	vars["HASH_KEY_SECRET_ARN"] = "arn:aws:secretsmanager:eu-north-1:1:secret:k"
	vars["PLATFORM_TOKEN_SECRET_ARN"] = "arn:aws:secretsmanager:eu-north-1:1:secret:t"
	vars["SIGNEE_PROVIDERS"] = `{"providers":[{"id":"board","dataType":"model","persons":[{"path":"board","nationalId":"ssn","lastName":"last"}]}]}`
	cfg, err := lambdaconf.Load(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	secrets := fakeSecrets{values: map[string]string{"arn:aws:secretsmanager:eu-north-1:1:secret:k": strings.Repeat("cd", 32), "arn:aws:secretsmanager:eu-north-1:1:secret:t": "tok"}}
	svc, err := cfg.Service(context.Background(), lambdaconf.NewAWS(aws.Config{Region: "eu-north-1"}).WithSecrets(secrets))
	if err != nil {
		t.Fatalf("Service() error = %v", err)
	}
	if svc.Repo == nil || svc.Signees == nil || svc.Workflow == nil || svc.Apps == nil || svc.Identities == nil || svc.PDF == nil || svc.Settings.Environment != "local" {
		t.Errorf("Service() = %+v, want every port wired", svc)
	}
	if _, err := cfg.Service(context.Background(), lambdaconf.NewAWS(aws.Config{Region: "eu-north-1"}).WithSecrets(fakeSecrets{})); err == nil {
		t.Error("Service() with an unreadable secret: error = nil")
	}
}

func TestSecretToken_Token(t *testing.T) {
	t.Parallel()
	s := &lambdaconf.SecretToken{API: fakeSecrets{values: map[string]string{"arn:s": " tok \n"}}, ARN: "arn:s"}
	for range 2 {
		got, err := s.Token(context.Background())
		if err != nil || got != "tok" {
			t.Errorf("Token() = %q, %v; want tok", got, err)
		}
	}
}

package lambdaconf

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/lambdaconf/awsenv"
	"github.com/signingflow/signing/internal/lambdaconf/awsevents"
	"github.com/signingflow/signing/internal/lambdaconf/awsqueue"
	"github.com/signingflow/signing/internal/lambdaconf/awssecrets"
	"github.com/signingflow/signing/internal/lambdaconf/awssfn"
	"github.com/signingflow/signing/internal/signing"
)

// linkAll links every adapter.
var linkAll = Linked{Secrets: awssecrets.Reader, StepFunctions: awssfn.New, Events: awsevents.New, Queues: awsqueue.New}

// TestPorts_readAndCall checks Ports against the Wiring methods: each
// reads exactly the variables its Port lists, builds the AWS clients its
// actions need and no others, and returns a port.
func TestPorts_readAndCall(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var targets []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		targets = append(targets, r.Header.Get("X-Amz-Target"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if body, _ := io.ReadAll(r.Body); strings.Contains(string(body), ":secret:w") {
			_, _ = w.Write([]byte(`{"SecretString":"{\"case-system\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}"}`))
			return
		}
		_, _ = w.Write([]byte(`{"SecretString":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}`))
	}))
	defer srv.Close()
	env := map[string]string{
		"AWS_REGION": "eu-north-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_ENDPOINT_URL": srv.URL,
		EnvTableName: "t", EnvHashKeySecretARN: "arn:aws:secretsmanager:eu-north-1:123456789012:secret:h",
		EnvPlatformURL: "https://platform.example", EnvMaskinportenURL: "https://maskinporten.example",
		EnvMaskinportenClientID: "c", EnvMaskinportenScopes: "a:b", EnvMaskinportenKMSKeyID: "arn:aws:kms:eu-north-1:123456789012:key/m",
		EnvPlatformAccessTokenOrg: "ttd", EnvPlatformAccessTokenApp: "app", EnvPlatformAccessTokenKMSKeyID: "arn:aws:kms:eu-north-1:123456789012:key/p",
		EnvEnvironment: "tt02", EnvInstanceURL: "https://x/{instanceGuid}",
		EnvEventBusName: "bus", EnvEventsDLQURL: "https://sqs.eu-north-1.amazonaws.com/123456789012/dlq",
		EnvWebhookSecretsARN: "arn:aws:secretsmanager:eu-north-1:123456789012:secret:w", EnvWebhookQueueURL: "https://sqs.eu-north-1.amazonaws.com/123456789012/w",
		EnvWebhookDLQURL: "https://sqs.eu-north-1.amazonaws.com/123456789012/wdlq",
	}
	e, err := awsenv.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	wt := reflect.TypeFor[*Wiring]()
	for i := range wt.NumMethod() {
		m := wt.Method(i)
		if m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || m.Name == "Err" || m.Name == "Fail" {
			continue
		}
		if _, ok := Ports[m.Name]; !ok {
			t.Errorf("Wiring.%s has no entry in Ports", m.Name)
		}
	}
	for name, port := range Ports {
		mu.Lock()
		targets = nil
		mu.Unlock()
		read := map[string]bool{}
		w := NewWiring(context.Background(), func(k string) (string, bool) {
			read[k] = true
			v, ok := env[k]
			return v, ok
		}, e, linkAll)
		mv := reflect.ValueOf(w).MethodByName(name)
		if !mv.IsValid() {
			t.Errorf("Ports names %s, which is no Wiring method", name)
			continue
		}
		out := mv.Call(nil)[0]
		if err := w.Err(); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if out.Kind() == reflect.Interface && out.IsNil() {
			t.Errorf("%s returned nil", name)
		}
		var want, got []string
		for _, v := range port.Vars {
			want = append(want, v.Name)
		}
		for k := range read {
			got = append(got, k)
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s reads %v; Ports lists %v", name, got, want)
		}
		has := func(prefix string) bool {
			return slices.ContainsFunc(port.Actions, func(a string) bool { return strings.HasPrefix(a, prefix) })
		}
		for _, c := range []struct {
			what  string
			built bool
			want  bool
		}{
			{"a DynamoDB client", w.ddb != nil, has("dynamodb")},
			{"the Step Functions adapter", w.flow != nil, has("states:")},
			{"a KMS client", w.kms != nil, has("kms:Sign")},
			{"the Maskinporten token source", w.maskp != nil, slices.Contains(port.Actions, ActionSignMaskinporten)},
			{"the platform access token source", w.pat != nil, slices.Contains(port.Actions, ActionSignPlatformToken)},
		} {
			if c.built != c.want {
				t.Errorf("%s: built %s: %v; Ports says %v", name, c.what, c.built, c.want)
			}
		}
		mu.Lock()
		calledSecrets := slices.Contains(targets, "secretsmanager.GetSecretValue")
		mu.Unlock()
		if calledSecrets != slices.Contains(port.Actions, ActionGetSecretValue) {
			t.Errorf("%s: called GetSecretValue: %v; Ports says %v", name, calledSecrets, !calledSecrets)
		}
	}
}

// TestWiring_Identities_secret checks the hash key read in the background:
// Err waits for it, the hasher hashes as one built from the key, and a
// missing secret is a permanent problem naming the variable.
func TestWiring_Identities_secret(t *testing.T) {
	t.Parallel()
	const keyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	for _, tt := range []struct {
		name   string
		status int
		body   string
		want   string // "" for no error
	}{
		{name: "read", status: 200, body: `{"SecretString":"` + keyHex + `"}`},
		{name: "missing", status: 400, body: `{"__type":"ResourceNotFoundException","message":"no"}`, want: EnvHashKeySecretARN},
		{name: "not_a_key", status: 200, body: `{"SecretString":"short"}`, want: EnvHashKeySecretARN},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			env := map[string]string{"AWS_REGION": "eu-north-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_ENDPOINT_URL": srv.URL,
				EnvHashKeySecretARN: "arn:aws:secretsmanager:eu-north-1:123456789012:secret:h"}
			lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
			e, err := awsenv.Load(lookup)
			if err != nil {
				t.Fatal(err)
			}
			w := NewWiring(context.Background(), lookup, e, linkAll)
			ids := w.Identities()
			err = w.Err()
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, signing.ErrTransient) {
					t.Fatalf("Err() = %v, want a permanent problem naming %s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			key, _ := ident.ParseHasherKey(keyHex)
			want, err := ident.NewHasher(key)
			if err != nil {
				t.Fatal(err)
			}
			org, err := ident.ParseOrgNumber("312847612")
			if err != nil {
				t.Fatal(err)
			}
			if got := ids.Organisation(org); got != want.Organisation(org) {
				t.Errorf("Organisation() = %q, want %q", got, want.Organisation(org))
			}
		})
	}
}

// TestWiring_unlinked checks that a port whose adapter the function does
// not link is a problem naming the port and the adapter, not a nil port
// met at the first call.
func TestWiring_unlinked(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AWS_REGION": "eu-north-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
		EnvHashKeySecretARN: "arn:aws:secretsmanager:eu-north-1:123456789012:secret:h"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	e, err := awsenv.Load(lookup)
	if err != nil {
		t.Fatal(err)
	}
	for name, port := range Ports {
		if len(port.Links) == 0 {
			continue
		}
		w := NewWiring(context.Background(), lookup, e, Linked{})
		reflect.ValueOf(w).MethodByName(name).Call(nil)
		err := w.Err()
		for _, l := range port.Links {
			if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), l) {
				t.Errorf("%s unlinked: Err() = %v, want a problem naming %s and %s", name, err, name, l)
			}
		}
	}
}

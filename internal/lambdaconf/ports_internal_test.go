package lambdaconf

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/signingflow/signing/internal/lambdaconf/awsenv"
)

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
	}
	e, err := awsenv.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	wt := reflect.TypeFor[*Wiring]()
	for i := range wt.NumMethod() {
		m := wt.Method(i)
		if m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || m.Name == "Err" {
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
		}, e)
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
			{"a Step Functions client", w.sfn != nil, has("states:")},
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

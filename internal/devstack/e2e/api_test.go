package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/scenario"
)

// TestAPI_unauthenticated: the HTTP API answers 401 without a valid token,
// before the function runs.
func TestAPI_unauthenticated(t *testing.T) {
	r := newRun(t)
	kari, _, _ := scenario.Founders(fixture)
	before, _ := r.Stack.Host.Stats("ApiFunction")
	tests := []struct {
		name  string
		token string
	}{
		{name: "no_token"},
		{name: "garbage", token: "not.a.token"},
		{name: "foreign_issuer", token: foreignToken(t, kari)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(within(t, 10*time.Second), http.MethodGet, r.Stack.APIURL+"/signing-requests", nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", resp.StatusCode)
			}
		})
	}
	if after, _ := r.Stack.Host.Stats("ApiFunction"); after.Invocations != before.Invocations {
		t.Errorf("the API function ran %d times for unauthenticated requests", after.Invocations-before.Invocations)
	}
}

// foreignToken is signed by the right key but names another issuer.
func foreignToken(t *testing.T, p scenario.Party) string {
	t.Helper()
	iss := *stack.Issuer
	iss.Issuer = "https://someone-else.example"
	tok, err := iss.Token(map[string]any{"name": p.Name}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

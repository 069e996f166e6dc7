package platform_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/platformauth"
	"github.com/signingflow/signing/internal/signing"
)

// rights summarises the delegations in force as "to/task/action".
func rights(recs []emulator.DelegationRecord) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.To+"/"+r.TaskID+"/"+r.Action)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAccessClient_Delegate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := e.cfg
	cfg.SubscriptionKey = "apim-key"
	c := e.clients(t, cfg)

	d := delegation(olaUUID, "read", "sign", "reject", "sign")
	for i := range 2 {
		if err := c.Access.Delegate(t.Context(), d); err != nil {
			t.Fatalf("Delegate() #%d error = %v", i+1, err)
		}
	}
	if err := c.Access.Delegate(t.Context(), delegation(holdingUUID, "read", "sign")); err != nil {
		t.Fatalf("Delegate() to org error = %v", err)
	}
	got := rights(e.emu.Delegations())
	want := []string{
		olaUUID + "/SigningTask/read", olaUUID + "/SigningTask/sign", olaUUID + "/SigningTask/reject",
		holdingUUID + "/SigningTask/read", holdingUUID + "/SigningTask/sign",
	}
	if !equal(got, want) {
		t.Errorf("delegations = %v, want %v", got, want)
	}
	// AccessManagementClient.cs sends the platform access token alone.
	h := e.header("/accessmanagement/api/v1/app/delegations/resource/app_ttd_founders/instance/" + instanceGUID)
	if h.Get("PlatformAccessToken") == "" || h.Get("Authorization") != "" || h.Get("Ocp-Apim-Subscription-Key") != "" {
		t.Errorf("headers = %v, want PlatformAccessToken without Authorization or Ocp-Apim-Subscription-Key", h)
	}
	rec := e.emu.Delegations()[0]
	if rec.From != kariUUID || rec.ResourceID != "app_ttd_founders" || rec.InstanceID != "50001/"+instanceGUID ||
		rec.Performer != "app_"+emulator.DevPlatformOrg+"_"+emulator.DevPlatformApp {
		t.Errorf("delegation = %+v", rec)
	}
}

func TestAccessClient_Revoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	if err := e.c.Access.Delegate(t.Context(), delegation(olaUUID, "read", "sign", "reject")); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Access.Delegate(t.Context(), delegation(holdingUUID, "read", "sign")); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := e.c.Access.Revoke(t.Context(), delegation(olaUUID, "read", "sign", "reject")); err != nil {
			t.Fatalf("Revoke() #%d error = %v", i+1, err)
		}
	}
	if got, want := rights(e.emu.Delegations()), []string{holdingUUID + "/SigningTask/read", holdingUUID + "/SigningTask/sign"}; !equal(got, want) {
		t.Errorf("delegations = %v, want %v", got, want)
	}
}

func TestAccessClient_Delegate_errors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	otherApp := foundersRef
	otherApp.App = "other"

	tests := []struct {
		name       string
		d          signing.Delegation
		want       error
		code       string
		wantStatus int
	}{
		{name: "unknown_party", d: delegation("00000000-0000-4000-8000-000000000000", "read"),
			want: signing.ErrInvalid, code: wire.CodeAMInvalidPartyURN, wantStatus: 400},
		{name: "unknown_app", d: signing.Delegation{Instance: otherApp, TaskID: "SigningTask", FromPartyUUID: kariUUID, ToPartyUUID: olaUUID, Actions: []string{"read"}},
			want: signing.ErrInvalid, code: wire.CodeAMInvalidResource, wantStatus: 400},
		{name: "action_not_delegable", d: delegation(olaUUID, "write"), want: signing.ErrForbidden, code: "Right" + wire.RightNotDelegated, wantStatus: 206},
		{name: "task_not_delegable", d: signing.Delegation{Instance: foundersRef, TaskID: "Task_1", FromPartyUUID: kariUUID, ToPartyUUID: olaUUID, Actions: []string{"read"}},
			want: signing.ErrForbidden, code: "Right" + wire.RightNotDelegated, wantStatus: 206},
		{name: "no_actions_not_sent", d: delegation(olaUUID), want: signing.ErrInvalid, code: "InvalidRequest"},
		{name: "bad_uuid_not_sent", d: delegation("ola", "read"), want: signing.ErrInvalid, code: "InvalidRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			err := e.c.Access.Delegate(t.Context(), tt.d)
			var pe *platform.PermanentError
			if !errors.As(err, &pe) || !errors.Is(err, tt.want) || pe.Code != tt.code || pe.Status != tt.wantStatus {
				t.Errorf("Delegate() error = %v, want *PermanentError %s (status %d) matching %v", err, tt.code, tt.wantStatus, tt.want)
			}
		})
	}
	if got := e.emu.Delegations(); len(got) != 0 {
		t.Errorf("delegations = %v, want none", got)
	}
}

// TestAccessClient_Delegate_partial: a 206 with one right NotDelegated
// fails the call; the delegable right before it is in force, and a retry
// without the refused action succeeds.
func TestAccessClient_Delegate_partial(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	err := e.c.Access.Delegate(t.Context(), delegation(olaUUID, "read", "write"))
	var pe *platform.PermanentError
	if !errors.As(err, &pe) || pe.Status != 206 || pe.Code != "RightNotDelegated" || !strings.Contains(pe.Detail, `"write"`) {
		t.Fatalf("Delegate() error = %v, want 206 RightNotDelegated naming write", err)
	}
	if got, want := rights(e.emu.Delegations()), []string{olaUUID + "/SigningTask/read"}; !equal(got, want) {
		t.Errorf("delegations = %v, want %v", got, want)
	}
	if err := e.c.Access.Delegate(t.Context(), delegation(olaUUID, "read")); err != nil {
		t.Errorf("Delegate(read) again error = %v", err)
	}
}

// TestAccessClient_platformToken: access management authenticates the app
// by its platform access token alone; one it cannot verify is 401.
func TestAccessClient_platformToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	tests := []struct {
		name   string
		tokens platform.TokenSource
		want   error
	}{
		{name: "not_a_jwt", tokens: platform.StaticToken("app-token"), want: signing.ErrUnauthenticated},
		{name: "unknown_issuer_key", tokens: foreignPlatformTokens(t), want: signing.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := e.cfg
			cfg.PlatformTokens = tt.tokens
			err := e.clients(t, cfg).Access.Delegate(t.Context(), delegation(olaUUID, "read"))
			var pe *platform.PermanentError
			if !errors.As(err, &pe) || pe.Status != 401 || !errors.Is(err, tt.want) {
				t.Errorf("Delegate() error = %v, want 401 matching %v", err, tt.want)
			}
		})
	}
	if _, err := platform.NewAccessClient(platform.Config{AccessURL: e.url, Tokens: platform.StaticToken("t")}); err == nil ||
		!strings.Contains(err.Error(), "Config.PlatformTokens: must be set") {
		t.Errorf("NewAccessClient() without PlatformTokens error = %v", err)
	}
}

// foreignPlatformTokens signs platform access tokens for the dev org with a
// key the emulator does not know.
func foreignPlatformTokens(t *testing.T) platform.TokenSource {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := platformauth.NewPEMSigner(key, "")
	if err != nil {
		t.Fatal(err)
	}
	pat, err := platformauth.NewPlatformAccessToken(platformauth.PlatformAccessTokenConfig{Org: emulator.DevPlatformOrg, App: emulator.DevPlatformApp, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	return pat
}

// TestAccessClient_Delegate_rightNotDelegated covers a 200 answer that
// refuses one right, which access management does not give (it answers 206).
func TestAccessClient_Delegate_rightNotDelegated(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req wire.DelegationRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		resp := wire.DelegationResponse{From: req.From, To: req.To}
		for i, right := range req.Rights {
			right.Status = wire.RightDelegated
			if i == 1 {
				right.Status = wire.RightNotDelegated
			}
			resp.Rights = append(resp.Rights, right)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	c, err := platform.NewAccessClient(platform.Config{AccessURL: srv.URL, Tokens: platform.StaticToken("t"), PlatformTokens: platform.StaticToken("p")})
	if err != nil {
		t.Fatal(err)
	}

	err = c.Delegate(t.Context(), delegation(olaUUID, "read", "sign"))
	var pe *platform.PermanentError
	if !errors.As(err, &pe) || !errors.Is(err, signing.ErrForbidden) || pe.Code != "RightNotDelegated" {
		t.Errorf("Delegate() error = %v, want *PermanentError RightNotDelegated matching ErrForbidden", err)
	}
}

package platform_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/wire"
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

	d := delegation(olaUUID, "read", "sign", "reject", "sign")
	for i := range 2 {
		if err := e.c.Access.Delegate(t.Context(), d); err != nil {
			t.Fatalf("Delegate() #%d error = %v", i+1, err)
		}
	}
	if err := e.c.Access.Delegate(t.Context(), delegation(holdingUUID, "read", "sign")); err != nil {
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
	h := e.header("/accessmanagement/api/v1/app/delegations/resource/app_ttd_founders/instance/" + instanceGUID)
	if h.Get("PlatformAccessToken") == "" || h.Get("Authorization") == "" {
		t.Errorf("headers = %v, want PlatformAccessToken and Authorization", h)
	}
	rec := e.emu.Delegations()[0]
	if rec.From != kariUUID || rec.ResourceID != "app_ttd_founders" || rec.InstanceID != "50001/"+instanceGUID {
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

	tests := []struct {
		name string
		d    signing.Delegation
		want error
		code string
	}{
		{name: "unknown_instance", d: signing.Delegation{Instance: unknownRef, TaskID: "SigningTask", FromPartyUUID: kariUUID, ToPartyUUID: olaUUID, Actions: []string{"read"}},
			want: signing.ErrNotFound, code: wire.CodeInstanceNotFound},
		{name: "from_not_owner", d: signing.Delegation{Instance: foundersRef, TaskID: "SigningTask", FromPartyUUID: olaUUID, ToPartyUUID: holdingUUID, Actions: []string{"read"}},
			want: signing.ErrInvalid, code: wire.CodeValidation},
		{name: "unknown_party", d: delegation("00000000-0000-4000-8000-000000000000", "read"), want: signing.ErrInvalid, code: wire.CodeValidation},
		{name: "no_actions_not_sent", d: delegation(olaUUID), want: signing.ErrInvalid, code: "InvalidRequest"},
		{name: "bad_uuid_not_sent", d: delegation("ola", "read"), want: signing.ErrInvalid, code: "InvalidRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			err := e.c.Access.Delegate(t.Context(), tt.d)
			var pe *platform.PermanentError
			if !errors.As(err, &pe) || !errors.Is(err, tt.want) || pe.Code != tt.code {
				t.Errorf("Delegate() error = %v, want *PermanentError %s matching %v", err, tt.code, tt.want)
			}
		})
	}
	if got := e.emu.Delegations(); len(got) != 0 {
		t.Errorf("delegations = %v, want none", got)
	}
}

// TestAccessClient_Delegate_rightNotDelegated covers a 200 answer that
// refuses one right, which the emulator never gives.
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
	c, err := platform.NewAccessClient(platform.Config{AccessURL: srv.URL, Tokens: platform.StaticToken("t")})
	if err != nil {
		t.Fatal(err)
	}

	err = c.Delegate(t.Context(), delegation(olaUUID, "read", "sign"))
	var pe *platform.PermanentError
	if !errors.As(err, &pe) || !errors.Is(err, signing.ErrForbidden) || pe.Code != "RightNotDelegated" {
		t.Errorf("Delegate() error = %v, want *PermanentError RightNotDelegated matching ErrForbidden", err)
	}
}

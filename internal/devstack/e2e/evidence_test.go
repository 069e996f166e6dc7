package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/scenario"
)

// TestEvidence_verify signs the founders' task on the local stack, reads
// its audit trail and evidence as the owner, has the signed data verified
// (intact), changes one signed document in Storage and has it verified
// again: the change is caught and named. A signee may read none of it.
func TestEvidence_verify(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	started(t, r)
	sign(t, r, ola, "", http.StatusOK)
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	call := func(p scenario.Party, method, path string) scenario.Response {
		t.Helper()
		resp, err := r.SigningCall(within(t, 30*time.Second), p, method, path)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for _, path := range []string{"/audit", "/evidence"} {
		if resp := call(ola, http.MethodGet, path); resp.Status != http.StatusForbidden {
			t.Errorf("GET %s as a signee = %s, want 403", path, resp)
		}
	}
	var audit struct {
		Entries []struct{ Action string } `json:"entries"`
	}
	if resp := call(kari, http.MethodGet, "/audit"); resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &audit) != nil || len(audit.Entries) < 6 {
		t.Errorf("audit = %s, want the trail", resp)
	}
	var ev struct {
		Signatures []struct {
			Digests []struct {
				DataElementID string `json:"dataElementId"`
			} `json:"digests"`
		} `json:"signatures"`
	}
	resp := call(kari, http.MethodGet, "/evidence")
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &ev) != nil || len(ev.Signatures) != 3 || len(ev.Signatures[0].Digests) == 0 {
		t.Fatalf("evidence = %s, want three signatures with digests", resp)
	}
	var v struct {
		Intact   bool `json:"intact"`
		Elements []struct {
			DataElementID string `json:"dataElementId"`
			Changed       bool   `json:"changed"`
		} `json:"elements"`
	}
	if resp := call(kari, http.MethodPost, "/verify"); resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &v) != nil || !v.Intact {
		t.Fatalf("verify = %s, want intact", resp)
	}
	changed := ev.Signatures[0].Digests[0].DataElementID
	if !r.Stack.Emulator.ChangeData(r.Instance.InstanceGUID, changed, []byte("changed after signing")) {
		t.Fatalf("no data element %s to change", changed)
	}
	resp = call(kari, http.MethodPost, "/verify")
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &v) != nil || v.Intact {
		t.Fatalf("verify after the change = %s, want not intact", resp)
	}
	for _, el := range v.Elements {
		if el.Changed != (el.DataElementID == changed) {
			t.Errorf("element %s changed = %v, want only %s changed", el.DataElementID, el.Changed, changed)
		}
	}
}

package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/signing"
)

// TestGroups_inOrder runs the founders in two signing groups on the local
// stack: the company signs first, and Kari and Ola are neither delegated
// nor told, and are refused, until it has; then the workflow delegates and
// tells them on its own, they sign, and the task completes.
func TestGroups_inOrder(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	r.Input.Config.SigneeProviderID = inOrder
	if _, err := r.Start(within(t, 30*time.Second)); err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		told, delegated := r.ToldAndDelegated(company)
		return told && delegated, nil
	})
	if err != nil {
		t.Fatalf("the company was not delegated and told: %v", err)
	}
	settle()
	for _, p := range []scenario.Party{kari, ola} {
		if told, delegated := r.ToldAndDelegated(p); told || delegated {
			t.Errorf("%s before the company signed: told %v, delegated %v; want neither", p.Name, told, delegated)
		}
	}
	resp, err := r.Sign(within(t, 30*time.Second), ola, "")
	if err != nil || resp.Status != http.StatusForbidden || !strings.Contains(string(resp.Body), "/problems/group-not-open") {
		t.Errorf("Ola signs before the company = %s %v, want 403 group-not-open", resp, err)
	}
	state, err := r.State(within(t, 30*time.Second), kari)
	if err != nil || state.Status != http.StatusOK || !strings.Contains(string(state.Body), `"openGroup":1`) {
		t.Errorf("signing state = %s %v, want open group 1", state, err)
	}

	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	err = scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		kt, _ := r.ToldAndDelegated(kari)
		ot, od := r.ToldAndDelegated(ola)
		return kt && ot && od, nil
	})
	if err != nil {
		t.Fatalf("Kari and Ola were not delegated and told once the company signed: %v", err)
	}
	sign(t, r, ola, "", http.StatusOK)
	sign(t, r, kari, "", http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
}

// TestGroups_twoOfThree runs a task that needs any 2 of its 3 signatures
// on the local stack: once Ola and Kari have signed, the company's rights
// are revoked and it is told, once, that it is no longer needed; its
// signature is refused; the owner submits and the task ends signed.
func TestGroups_twoOfThree(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	r.Input.Config.RequiredSignatures = []signing.GroupRequirement{{Group: 1, Required: 2}}
	started(t, r)
	sign(t, r, ola, "", http.StatusOK)
	sign(t, r, kari, "", http.StatusOK)
	err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		for _, d := range r.Delegations() {
			if d.To == company.PartyUUID {
				return false, nil
			}
		}
		return len(messagesByParty(r, "not-needed")[company.PartyUUID]) == 1, nil
	})
	if err != nil {
		t.Fatalf("the company was not released once two had signed: %v (not-needed messages %v)", err, messagesByParty(r, "not-needed"))
	}
	resp, err := r.Sign(within(t, 30*time.Second), kari, company.OrgNumber)
	if err != nil || resp.Status != http.StatusConflict || !strings.Contains(string(resp.Body), "/problems/signature-not-needed") {
		t.Errorf("sign for the company after 2 of 3 = %s %v, want 409 signature-not-needed", resp, err)
	}
	complete(t, r, kari)
	outcome(t, r, "signed")
	settle()
	if n := len(messagesByParty(r, "not-needed")[company.PartyUUID]); n != 1 {
		t.Errorf("the company was told %d times it is no longer needed, want once", n)
	}
}

// TestGroups_replace replaces Ola, who has not signed, by Per Hansen on
// the local stack after Kari signed: Ola loses his rights and is told once,
// Per is delegated and told, Ola's signature is refused, Per and the
// company sign, Kari's earlier signature still counts, and the task ends
// signed with a receipt for each of the three signatures.
func TestGroups_replace(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	per := scenario.Per(fixture)
	if per.PartyUUID == "" {
		t.Fatal("the fixture has no Per Hansen")
	}
	started(t, r)
	sign(t, r, kari, "", http.StatusOK)
	state, err := r.State(within(t, 30*time.Second), kari)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		SigneeStates []struct {
			SigneeKey string `json:"signeeKey"`
			PartyID   int64  `json:"partyId"`
		} `json:"signeeStates"`
	}
	if err := json.Unmarshal(state.Body, &st); err != nil {
		t.Fatal(err)
	}
	var olaKey string
	for _, s := range st.SigneeStates {
		if s.PartyID == ola.PartyID {
			olaKey = s.SigneeKey
		}
	}
	if resp, err := r.Replace(within(t, 30*time.Second), ola, olaKey, per, "Hansen"); err != nil || resp.Status != http.StatusForbidden {
		t.Errorf("replace by Ola himself = %s %v, want 403", resp, err)
	}
	resp, err := r.Replace(within(t, 30*time.Second), kari, olaKey, per, "Hansen")
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("replace Ola by Per = %s %v", resp, err)
	}
	err = scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		olaHolds, perHolds := false, false
		for _, d := range r.Delegations() {
			olaHolds = olaHolds || d.To == ola.PartyUUID
			perHolds = perHolds || (d.To == per.PartyUUID && d.Action == "sign")
		}
		perTold := len(messagesByParty(r, "cta")[per.PartyUUID]) == 1
		return !olaHolds && perHolds && perTold && len(messagesByParty(r, "replaced")[ola.PartyUUID]) == 1, nil
	})
	if err != nil {
		t.Fatalf("Ola was not released and Per not delegated and told: %v", err)
	}
	if resp, err := r.Sign(within(t, 30*time.Second), ola, ""); err != nil || resp.Status != http.StatusForbidden {
		t.Errorf("Ola signs once replaced = %s %v, want 403", resp, err)
	}
	sign(t, r, per, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
	settle()
	if got := receipts(r); got[kari.PartyUUID] != 2 || got[per.PartyUUID] != 1 || got[ola.PartyUUID] != 0 {
		t.Errorf("receipts = %v, want Kari's two (hers and the company's), Per's one, none for Ola", got)
	}
}

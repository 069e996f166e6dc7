package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/signingflow/signing/internal/devstack/scenario"
)

// keyAttempt returns the attempt in an idempotency key
// "<kind>:<instanceGuid>:<taskId>:<attempt>:<subject>", or "".
func keyAttempt(key string) string {
	parts := strings.Split(key, ":")
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

// messagesOf counts the messages of one kind (the key's prefix) per
// recipient and attempt ("<partyUuid>/<attempt>").
func messagesOf(r *scenario.Run, kind string) map[string]int {
	out := map[string]int{}
	for _, m := range r.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, kind+":") {
			out[m.RecipientPartyUUID+"/"+keyAttempt(m.IdempotencyKey)]++
		}
	}
	return out
}

// toldAgain waits until attempt 2 has delegated to and told every signee.
func toldAgain(t *testing.T, r *scenario.Run) {
	t.Helper()
	kari, ola, company := scenario.Founders(fixture)
	err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		cta := messagesOf(r, "cta")
		delegated := map[string]bool{}
		for _, d := range r.Delegations() {
			if d.Action == "sign" {
				delegated[d.To] = true
			}
		}
		return cta[kari.PartyUUID+"/2"] == 1 && cta[ola.PartyUUID+"/2"] == 1 && cta[company.PartyUUID+"/2"] == 1 &&
			delegated[ola.PartyUUID] && delegated[company.PartyUUID], nil
	})
	if err != nil {
		t.Fatalf("attempt 2 did not delegate to and tell every signee: %v (calls to action %v, delegations %d)", err, messagesOf(r, "cta"), len(r.Delegations()))
	}
}

// openRequests counts Ola's open signing requests on this instance.
func openRequests(t *testing.T, r *scenario.Run, p scenario.Party) int {
	t.Helper()
	resp, err := r.Call(within(t, 10*time.Second), p, http.MethodGet, "/signing-requests", nil)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("signing requests = %s %v", resp, err)
	}
	return strings.Count(string(resp.Body), r.Instance.InstanceGUID)
}

// TestFlow_reentryAfterReject follows the reference's process: reject
// routes back to form filling, and when the filler submits again the
// process engine starts attempt 2 of the same signing task. Attempt 2
// starts from a clean state: everyone is delegated and told again (new
// idempotency keys), Ola's signature of attempt 1 no longer counts, and
// the task ends signed with three new signatures.
func TestFlow_reentryAfterReject(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	started(t, r)
	sign(t, r, ola, "", http.StatusOK)
	reject(t, r, kari)
	outcome(t, r, "rejected")
	first := r.ExecutionARN
	if n := openRequests(t, r, ola); n != 0 {
		t.Errorf("Ola's open requests on the instance after the reject = %d, want 0", n)
	}

	r.Input.Attempt = 2
	second, err := r.Start(within(t, 30*time.Second))
	if err != nil {
		t.Fatalf("Start(attempt 2) error = %v", err)
	}
	if second == first {
		t.Fatalf("attempt 2 runs in the execution of attempt 1 (%s)", first)
	}
	toldAgain(t, r)
	if n := openRequests(t, r, ola); n != 1 {
		t.Errorf("Ola's open requests on the instance in attempt 2 = %d, want 1", n)
	}
	state, err := r.State(within(t, 10*time.Second), kari)
	if err != nil || state.Status != http.StatusOK {
		t.Fatalf("signing state = %s %v", state, err)
	}
	var body struct {
		SigneeStates []struct {
			SignedTime *string `json:"signedTime"`
			Status     string  `json:"status"`
		} `json:"signeeStates"`
	}
	if err := json.Unmarshal(state.Body, &body); err != nil || len(body.SigneeStates) != 3 {
		t.Fatalf("signing state %s: %v, want 3 signees", state.Body, err)
	}
	for _, row := range body.SigneeStates {
		if row.SignedTime != nil || row.Status == "signed" || row.Status == "receipt_sent" {
			t.Errorf("signing state of attempt 2 = %s, want nobody signed: old signatures are discarded", state.Body)
			break
		}
	}

	sign(t, r, ola, "", http.StatusOK) // not 409: the signature of attempt 1 does not count
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
	settle()

	r.ExecutionARN = first
	if status, got, err := r.Outcome(within(t, 10*time.Second)); err != nil || status != sfntypes.ExecutionStatusSucceeded || got != "rejected" {
		t.Errorf("attempt 1's execution = %s %q %v, want it to stay SUCCEEDED rejected", status, got, err)
	}
	wantCTA := map[string]int{
		kari.PartyUUID + "/1": 1, ola.PartyUUID + "/1": 1, company.PartyUUID + "/1": 1,
		kari.PartyUUID + "/2": 1, ola.PartyUUID + "/2": 1, company.PartyUUID + "/2": 1,
	}
	if got := messagesOf(r, "cta"); !sameCounts(got, wantCTA) {
		t.Errorf("calls to action by recipient/attempt = %v, want %v", got, wantCTA)
	}
	// Kari receives the receipts of her own and the company's signature.
	wantReceipts := map[string]int{ola.PartyUUID + "/1": 1, ola.PartyUUID + "/2": 1, kari.PartyUUID + "/2": 2}
	if got := messagesOf(r, "receipt"); !sameCounts(got, wantReceipts) {
		t.Errorf("receipts by recipient/attempt = %v, want %v", got, wantReceipts)
	}
	// Storage replaces Ola's document of attempt 1 when Ola signs attempt 2
	// (the same signee): one document per signee and organisation.
	if got := dataOfType(r, r.Input.Config.SignatureDataType); got != 3 {
		t.Errorf("%d %s data elements, want 3 (Ola's of attempt 1 replaced by attempt 2's)", got, r.Input.Config.SignatureDataType)
	}
	if got := dataOfType(r, r.Input.Config.SigningPDFDataType); got != 1 {
		t.Errorf("%d signing PDFs, want 1", got)
	}
}

func sameCounts(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, n := range want {
		if got[k] != n {
			return false
		}
	}
	return true
}

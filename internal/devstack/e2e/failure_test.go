package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/platform/emulator"
)

// TestFlow_stepFailsForGood: storage refuses the signing PDF (a 400, which
// no retry cures), so Finalize fails for good. The failure path revokes
// every delegation before the execution fails with Signing.Failed, so no
// signee keeps rights on the instance.
func TestFlow_stepFailsForGood(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	started(t, r)
	if len(r.Delegations()) == 0 {
		t.Fatal("no delegations in force; the test proves nothing")
	}
	sign(t, r, ola, "", http.StatusOK)
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	if err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		got := receipts(r)
		return got[kari.PartyUUID] == 2 && got[ola.PartyUUID] == 1, nil
	}); err != nil {
		t.Fatalf("receipts = %v: %v", receipts(r), err)
	}
	if err := r.Stack.Emulator.InjectFault(emulator.Fault{Operation: emulator.OpCreateData, Status: http.StatusBadRequest}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stack.Emulator.ClearFaults)
	complete(t, r, kari)

	status, got, err := r.Outcome(within(t, 60*time.Second))
	if err != nil {
		t.Fatalf("the execution did not end: %v", err)
	}
	if status != sfntypes.ExecutionStatusFailed || !strings.HasPrefix(got, "Signing.Failed") {
		t.Fatalf("execution = %s %q, want FAILED Signing.Failed", status, got)
	}
	if left := r.Delegations(); len(left) != 0 {
		t.Errorf("delegations in force after the failure = %d, want none", len(left))
	}
	if n := dataOfType(r, r.Input.Config.SigningPDFDataType); n != 0 {
		t.Errorf("%d signing PDFs, want none (storage refused it)", n)
	}
}

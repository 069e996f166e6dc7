package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/signingflow/signing/internal/devstack/edge"
	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/platform/emulator"
)

// outcomeOf waits for the execution arn to end and checks its outcome.
func outcomeOf(t *testing.T, r *scenario.Run, arn, want string) {
	t.Helper()
	saved := r.ExecutionARN
	r.ExecutionARN = arn
	defer func() { r.ExecutionARN = saved }()
	status, got, err := r.Outcome(within(t, 90*time.Second))
	if err != nil {
		states, _ := statesEntered(r)
		t.Fatalf("execution %s did not end: %v; states entered: %v", arn, err, states)
	}
	if status != sfntypes.ExecutionStatusSucceeded || got != want {
		states, _ := statesEntered(r)
		t.Fatalf("execution %s = %s %q, want SUCCEEDED %q; states entered: %v", arn, status, got, want, states)
	}
}

// stateEntered waits until execution arn has entered state.
func stateEntered(t *testing.T, r *scenario.Run, arn, state string, d time.Duration) {
	t.Helper()
	saved := r.ExecutionARN
	r.ExecutionARN = arn
	defer func() { r.ExecutionARN = saved }()
	entered(t, r, state, d)
}

// ofAttempt returns the messages of one kind whose idempotency key names attempt.
func ofAttempt(r *scenario.Run, kind, attempt string) []emulator.MessageRecord {
	var out []emulator.MessageRecord
	for _, m := range r.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, kind+":") && keyAttempt(m.IdempotencyKey) == attempt {
			out = append(out, m)
		}
	}
	return out
}

// loseStop drops the StopExecution that starting the next attempt sends
// for the previous attempt's execution, so the test shows that nothing
// relies on it; the returned check fails the test unless it was sent.
func loseStop(t *testing.T, r *scenario.Run) (sent func()) {
	t.Helper()
	e := r.Stack.Edge
	before := e.Calls(edge.ServiceStates, "StopExecution")
	e.InjectFault(edge.Fault{Service: edge.ServiceStates, Operation: "StopExecution", Drop: true})
	t.Cleanup(e.ClearFaults)
	return func() {
		t.Helper()
		if n := e.Calls(edge.ServiceStates, "StopExecution") - before; n != 1 || e.PendingFaults() != 0 {
			t.Errorf("StopExecution calls = %d (fault pending: %d), want the one the start of attempt 2 sends", n, e.PendingFaults())
		}
	}
}

// signAttempt2 has every signee sign attempt 2 and the owner complete it.
func signAttempt2(t *testing.T, r *scenario.Run) {
	t.Helper()
	kari, ola, company := scenario.Founders(fixture)
	sign(t, r, ola, "", http.StatusOK)
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
	settle()
}

// TestAttempt_slowRejectOutlivesItsAttempt: the owner rejects attempt 1
// while access management answers 503, so Handle Reject (and after it the
// failure path) is still retrying its revocations when the filler submits
// again and attempt 2 starts. When access management is back, the retried
// step of attempt 1 must not act on attempt 2: no revocation of the new
// signees' rights, no "cancelled" message about attempt 2, and attempt 2
// stays open, is signed and ends signed. Attempt 1's execution ends with
// the outcome superseded, not on attempt 2's behalf, when the StopExecution
// the start of attempt 2 sends is lost; when it arrives, it is stopped
// (unless its own retry ended it superseded first).
func TestAttempt_slowRejectOutlivesItsAttempt(t *testing.T) {
	for _, stopArrives := range []bool{false, true} {
		name := "stop_lost"
		if stopArrives {
			name = "stop_arrives"
		}
		t.Run(name, func(t *testing.T) { slowReject(t, stopArrives) })
	}
}

func slowReject(t *testing.T, stopArrives bool) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	started(t, r)
	first := r.ExecutionARN
	fault(t, r, emulator.OpRevoke)
	reject(t, r, kari)
	stateEntered(t, r, first, "Handle Reject", 30*time.Second)

	stopSent := func() {}
	if !stopArrives {
		stopSent = loseStop(t, r)
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
	stopSent()
	r.Stack.Emulator.ClearFaults()

	if stopArrives {
		// Stopped, unless its retry came between the restart and the stop
		// and ended it superseded first.
		r.ExecutionARN = first
		status, got, err := r.Outcome(within(t, 60*time.Second))
		r.ExecutionARN = second
		if err != nil || (status != sfntypes.ExecutionStatusAborted && (status != sfntypes.ExecutionStatusSucceeded || got != "superseded")) {
			t.Fatalf("attempt 1's execution = %s %q %v, want ABORTED by the start of attempt 2 (or SUCCEEDED superseded)", status, got, err)
		}
	} else {
		outcomeOf(t, r, first, "superseded")
	}
	settle()
	if got := ofAttempt(r, "cancel", "2"); len(got) != 0 {
		t.Errorf("%d cancel messages about attempt 2, want none: nobody rejected it", len(got))
	}
	delegated := map[string]bool{}
	for _, d := range r.Delegations() {
		if d.Action == "sign" {
			delegated[d.To] = true
		}
	}
	if !delegated[ola.PartyUUID] || !delegated[company.PartyUUID] {
		t.Errorf("sign delegations in force after attempt 1 ended = %v, want Ola's and the company's (attempt 2's)", delegated)
	}
	signAttempt2(t, r)
}

// TestAttempt_receiptRetryOutlivesItsAttempt: Ola signs attempt 1 (200)
// while the receipt cannot be sent (correspondence refuses its
// attachments), so the execution goes round its receipt retry wait. The
// owner rejects and attempt 2 starts while the receipt is still owed.
// Attempt 1's execution must not collect attempt 2's signatures or end on
// its behalf: it ends superseded (its StopExecution is lost). What was answered 200 still happens:
// Ola's signature document is in Storage from the moment she signed, and
// her receipt of attempt 1 is sent once after the outage (with attempt 1's
// idempotency key), besides her receipt of attempt 2.
func TestAttempt_receiptRetryOutlivesItsAttempt(t *testing.T) {
	r := newRun(t)
	kari, ola, _ := scenario.Founders(fixture)
	started(t, r)
	waiting(t, r)
	first := r.ExecutionARN
	fault(t, r, emulator.OpInitializeAttachment)
	sign(t, r, ola, "", http.StatusOK)
	if got := dataOfType(r, r.Input.Config.SignatureDataType); got != 1 {
		t.Fatalf("%d %s data elements right after Ola's 200, want 1: the document is written before the signature counts", got, r.Input.Config.SignatureDataType)
	}
	stateEntered(t, r, first, "Wait Before Retry", 90*time.Second)
	reject(t, r, kari)

	stopSent := loseStop(t, r)
	r.Input.Attempt = 2
	if _, err := r.Start(within(t, 30*time.Second)); err != nil {
		t.Fatalf("Start(attempt 2) error = %v", err)
	}
	toldAgain(t, r)
	stopSent()
	if got := dataOfType(r, r.Input.Config.SignatureDataType); got != 1 {
		t.Errorf("%d %s data elements after the restart, want Ola's of attempt 1 kept", got, r.Input.Config.SignatureDataType)
	}
	r.Stack.Emulator.ClearFaults()
	if err := scenario.Eventually(within(t, 60*time.Second), func() (bool, error) {
		return len(ofAttempt(r, "receipt", "1")) == 1, nil
	}); err != nil {
		t.Fatalf("receipts of attempt 1 = %d, want Ola's, owed since her 200: %v", len(ofAttempt(r, "receipt", "1")), err)
	}
	outcomeOf(t, r, first, "superseded")

	signAttempt2(t, r)
	wantReceipts := map[string]int{ola.PartyUUID + "/1": 1, ola.PartyUUID + "/2": 1, kari.PartyUUID + "/2": 2}
	if got := messagesOf(r, "receipt"); !sameCounts(got, wantReceipts) {
		t.Errorf("receipts by recipient/attempt = %v, want %v", got, wantReceipts)
	}
	if got := ofAttempt(r, "cancel", "2"); len(got) != 0 {
		t.Errorf("%d cancel messages about attempt 2, want none", len(got))
	}
}

// TestAttempt_waitOutlivesItsAttempt: attempt 1's execution waits for a
// signature (its token on the task item) when the owner rejects; the
// SendTaskFailure that would end the wait is lost, so the execution leaves
// its wait only on the timeout, and its next step (held at the edge) runs
// after attempt 2 started. It must not take attempt 2's task for its own:
// it ends superseded, attempt 2 is signed and ends signed.
func TestAttempt_waitOutlivesItsAttempt(t *testing.T) {
	r := newRun(t)
	kari, _, _ := scenario.Founders(fixture)
	started(t, r)
	waiting(t, r)
	first := r.ExecutionARN
	e := r.Stack.Edge
	// The reject's SendTaskFailure is lost, and the next function call through
	// the edge (attempt 1's Collect Signatures after its wait timed out; the
	// HTTP API calls its function directly) is held until attempt 2 started.
	e.InjectFault(edge.Fault{Service: edge.ServiceStates, Operation: "SendTaskFailure", Drop: true})
	e.InjectFault(edge.Fault{Service: edge.ServiceLambda, Delay: 25 * time.Second})
	t.Cleanup(e.ClearFaults)
	reject(t, r, kari)
	if err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) { return e.PendingFaults() == 0, nil }); err != nil {
		t.Fatalf("attempt 1 did not leave its wait (faults pending: %d): %v", e.PendingFaults(), err)
	}
	stopSent := loseStop(t, r)
	r.Input.Attempt = 2
	second, err := r.Start(within(t, 30*time.Second))
	if err != nil {
		t.Fatalf("Start(attempt 2) error = %v", err)
	}
	toldAgain(t, r)
	stopSent()

	outcomeOf(t, r, first, "superseded")
	r.ExecutionARN = first
	states, err := statesEntered(r)
	r.ExecutionARN = second
	if err != nil {
		t.Fatal(err)
	}
	// The step held past attempt 2's start is Collect Signatures, or, when the
	// hold ran out first on a loaded machine, the Handle Reject after it:
	// either way the first step that runs after the start ends the execution.
	n := len(states)
	ended := n >= 3 && states[n-1] == "Superseded" &&
		((states[n-3] == "Wait For Signature" && states[n-2] == "Collect Signatures") ||
			(states[n-3] == "Collect Signatures" && states[n-2] == "Handle Reject"))
	if !ended || !slices.Contains(states, "Wait For Signature") {
		t.Errorf("attempt 1's states = %v, want it to end superseded at its first step after its wait (Collect Signatures, or the Handle Reject it led to)", states)
	}
	if got := ofAttempt(r, "cancel", "2"); len(got) != 0 {
		t.Errorf("%d cancel messages about attempt 2, want none", len(got))
	}
	signAttempt2(t, r)
}

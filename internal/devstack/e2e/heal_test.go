package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/platform/emulator"
)

// statesEntered lists the states the execution has entered, in order.
func statesEntered(r *scenario.Run) ([]string, error) {
	client := sfn.NewFromConfig(r.Stack.AWSConfig())
	var out []string
	p := sfn.NewGetExecutionHistoryPaginator(client, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(r.ExecutionARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			return nil, err
		}
		for _, e := range page.Events {
			if d := e.StateEnteredEventDetails; d != nil {
				out = append(out, aws.ToString(d.Name))
			}
		}
	}
	return out, nil
}

// entered waits until the execution's history shows the state entered.
func entered(t *testing.T, r *scenario.Run, state string, d time.Duration) {
	t.Helper()
	err := scenario.Poll(within(t, d), 250*time.Millisecond, func() (bool, error) {
		states, err := statesEntered(r)
		return slices.Contains(states, state), err
	})
	if err != nil {
		states, _ := statesEntered(r)
		t.Fatalf("the execution did not enter %q: %v; states entered: %v", state, err, states)
	}
}

// fault makes every call of op fail with 503 until the test clears it.
func fault(t *testing.T, r *scenario.Run, op string) {
	t.Helper()
	if err := r.Stack.Emulator.InjectFault(emulator.Fault{Operation: op, Status: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stack.Emulator.ClearFaults)
}

// TestFlow_delegationHealed: access management is down for longer than the
// delegate step's retries, so the first Map leaves Ola and the company
// undelegated. The loop finds them (Collect Signatures, needDelegation),
// runs their steps again (Retry Delegations) after the outage, and the task
// completes; without the retry they could never sign.
func TestFlow_delegationHealed(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	fault(t, r, emulator.OpDelegate)
	if _, err := r.Start(within(t, 30*time.Second)); err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	entered(t, r, "Retry Delegations", 90*time.Second)
	if n := len(r.Delegations()); n != 0 {
		t.Fatalf("%d delegations in force during the outage, want none", n)
	}
	r.Stack.Emulator.ClearFaults()
	if err := scenario.Eventually(within(t, 60*time.Second), func() (bool, error) { return len(r.Delegations()) == 4, nil }); err != nil {
		states, _ := statesEntered(r)
		t.Fatalf("delegations after the outage = %d, want 4 (read and sign for Ola and the company): %v; states entered: %v", len(r.Delegations()), err, states)
	}
	delegatedAndTold(t, r)
	sign(t, r, ola, "", http.StatusOK)
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
	ctas := map[string]int{}
	for _, m := range r.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, "cta:") {
			ctas[m.RecipientPartyUUID]++
		}
	}
	for _, p := range []scenario.Party{kari, ola, company} {
		if ctas[p.PartyUUID] != 1 {
			t.Errorf("call-to-action messages = %v, want exactly one each", ctas)
			break
		}
	}
}

// TestFlow_receiptHealed: correspondence is down when Ola signs, for longer
// than the receipt step's retries. The round is retried after
// RetryWaitSeconds instead of going on without the receipt; after the
// outage Ola gets exactly one receipt and the task completes.
func TestFlow_receiptHealed(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	started(t, r)
	delegatedAndTold(t, r)
	waiting(t, r)
	fault(t, r, emulator.OpSend)
	sign(t, r, ola, "", http.StatusOK)
	entered(t, r, "Wait Before Retry", 90*time.Second)
	if got := receipts(r); got[ola.PartyUUID] != 0 {
		t.Fatalf("receipts during the outage = %v, want none", got)
	}
	r.Stack.Emulator.ClearFaults()
	if err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) { return receipts(r)[ola.PartyUUID] == 1, nil }); err != nil {
		t.Fatalf("receipts = %v, want one for Ola after the outage: %v", receipts(r), err)
	}
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
	settle()
	if got := receipts(r); got[ola.PartyUUID] != 1 || got[kari.PartyUUID] != 2 {
		t.Errorf("receipts = %v, want one for Ola and two for Kari", got)
	}
}

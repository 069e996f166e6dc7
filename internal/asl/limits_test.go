package asl_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/asl"
	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/workflow"
)

// retryMargin is the history kept free for retries in every execution:
// 500 retries of any task, 3 events each.
const retryMargin = 500 * asl.RetryEvents

// budgetUnits reads the round budget from the Choice states: the execution
// continues in a fresh history once $.budget.units reaches it. Check All
// Signed, Check Retries and Check Retry Budget each repeat it (the
// language has no constants), so they must agree.
func budgetUnits(t *testing.T, def *asl.Definition) int {
	t.Helper()
	found := map[string]float64{}
	var scan func(state string, c asl.Choice)
	scan = func(state string, c asl.Choice) {
		var v string
		if json.Unmarshal(c.Rule["Variable"], &v) == nil && v == "$.budget.units" {
			var n float64
			if err := json.Unmarshal(c.Rule["NumericGreaterThanEquals"], &n); err != nil {
				t.Fatalf("%s: the budget rule is not NumericGreaterThanEquals: %v", state, err)
			}
			if prev, ok := found[state]; ok && prev != n {
				t.Errorf("%s: budget %v and %v", state, prev, n)
			}
			found[state] = n
		}
		for _, op := range []string{"And", "Or"} {
			var rules []asl.Choice
			if raw, ok := c.Rule[op]; ok && json.Unmarshal(raw, &rules) == nil {
				for _, r := range rules {
					scan(state, r)
				}
			}
		}
		var not asl.Choice
		if raw, ok := c.Rule["Not"]; ok && json.Unmarshal(raw, &not) == nil {
			scan(state, not)
		}
	}
	for name, s := range def.States {
		for _, c := range s.Choices {
			scan(name, c)
		}
	}
	budget, ok := found["Check All Signed"]
	if !ok {
		t.Fatalf("Check All Signed has no budget rule")
	}
	for name, n := range found {
		if n != budget {
			t.Errorf("%s: budget %v units, Check All Signed %v; want the same", name, n, budget)
		}
	}
	if len(found) < 3 {
		t.Errorf("budget rules in %v, want Check All Signed, Check Retries and Check Retry Budget", found)
	}
	return int(budget)
}

// model counts history events along paths of the definition.
type model struct {
	t   *testing.T
	def *asl.Definition
}

// states returns the events of a path of the definition; each state must
// go to the next (Next, Default, a Choice rule or a Catch), so a state
// added to a modelled path, or a path rewired, fails the model instead of
// going uncounted.
func (m model) states(names ...string) int {
	return m.path(m.def, "", names)
}

// item is one iteration of a Map along the given path of inner states.
func (m model) item(mapState string, names ...string) int {
	p := m.def.States[mapState].ItemProcessor
	if p == nil {
		m.t.Fatalf("%s is not a Map", mapState)
	}
	return asl.IterationEvents + m.path(p, mapState+" / ", names)
}

func (m model) path(d *asl.Definition, scope string, names []string) int {
	m.t.Helper()
	n := 0
	for i, name := range names {
		// Errorf, not Fatalf: the subtests count on the parent's model.
		s, ok := d.States[name]
		if !ok {
			m.t.Errorf("no state %s%s", scope, name)
			continue
		}
		if i+1 < len(names) && !slices.Contains(s.Targets(), names[i+1]) {
			m.t.Errorf("the model goes from %s%s to %s, which the definition does not (it goes to %v)", scope, name, names[i+1], s.Targets())
		}
		n += asl.Events(s)
	}
	return n
}

// joins are the transitions by which run strings the modelled paths
// together: the first round after the delegations or at a continuation's
// start, the wait, the retried delegations and the retry wait after a failed
// receipt, each back into the loop.
var joins = [][2]string{
	{"Check Continuation", "Resolve Signees"},
	{"Count Delegations", "Collect Signatures"},
	{"Check Continuation", "Collect Signatures"},
	{"Check All Signed", "Wait For Signature"},
	{"Wait For Signature", "Collect Signatures"},
	{"Check Retries", "Retry Delegations"},
	{"Retry Delegations", "Check Releases"},
	{"Check Releases", "Release Signees"},
	{"Check Retries", "Release Signees"},
	{"Release Signees", "Check All Signed"},
	{"Send Receipts", "Check Retry Budget"},
	{"Wait Before Retry", "Collect Signatures"},
	{"Check All Signed", "Send Reminders"},
	{"Send Reminders", "Wait For Signature"},
	{"Check All Signed", "Collect Signatures"},
}

// ending is the most a finished execution spends after its last round's
// Check All Signed: the longest path from there to an end (Continue As
// New Execution, an outcome, or the failure path) that does not start
// another round at Collect Signatures, read from the definition.
func (m model) ending() int {
	var longest func(name string, seen map[string]bool) int
	longest = func(name string, seen map[string]bool) int {
		if name == "Collect Signatures" || seen[name] {
			return -1
		}
		s := m.def.States[name]
		seen[name] = true
		defer delete(seen, name)
		best := 0
		if s.Next != "" || s.Type == "Choice" || len(s.Catch) > 0 {
			best = -1 // a state that goes on counts only along a path that ends
		}
		if s.End || s.Type == "Fail" || s.Type == "Succeed" {
			best = 0
		}
		for _, t := range s.Targets() {
			best = max(best, longest(t, seen))
		}
		if best < 0 {
			return -1
		}
		return asl.Events(s) + best
	}
	best := 0
	for _, t := range m.def.States["Check All Signed"].Targets() {
		best = max(best, longest(t, map[string]bool{}))
	}
	if best <= 0 {
		m.t.Fatal("no path from Check All Signed ends without another round")
	}
	return best
}

// round is one pass of the collect loop with k receipts, each costing receipt.
func (m model) round(k, receipt int) int {
	return m.states("Collect Signatures", "Count Round", "Send Receipts", "Check Retries", "Check All Signed") + k*receipt
}

// step is what one round of a modelled execution does: k receipts costing
// receipt each, r signees retried costing retry each, and m reminders
// costing reminder each (sent only in a round without retries: Check All
// Signed takes the retry first). A round with a failure waits
// RetryWaitSeconds before the next one instead of a signature; a round
// that opened a signing group with more signees left to hand out (more)
// goes straight on to the next.
type step struct {
	k, receipt, r, retry, m, reminder, rel, release int
	failing, more                                   bool
}

// run simulates the collect loop of one execution: rounds as given until
// Check All Signed continues (units ≥ budget, and for a continuation at
// least two rounds), returning the events spent.
func (m model) run(units int, continuation bool, budget int, rounds func(round int) step) (events, n int) {
	wait := m.states("Wait For Signature")
	retryWait := m.states("Check Retry Budget", "Count Retry", "Wait Before Retry")
	for n = 1; ; n++ {
		st := rounds(n)
		st.r = min(st.r, signing.MaxRetryPerRound)
		st.m = min(st.m, signing.MaxRetryPerRound)
		st.rel = min(st.rel, signing.MaxRetryPerRound)
		events += m.round(st.k, st.receipt)
		units += 1 + st.k + st.r + st.m + st.rel
		if units >= budget && (!continuation || n >= 2) {
			return events + m.ending(), n // Check Retries skips the retries
		}
		if st.r > 0 {
			events += m.states("Retry Delegations", "Check Releases") + st.r*st.retry
		}
		if st.rel > 0 {
			events += m.states("Release Signees") + st.rel*st.release
		}
		if st.more && st.r > 0 {
			continue // Check All Signed → Collect Signatures
		}
		if st.m > 0 && st.r == 0 && !st.failing {
			events += m.states("Send Reminders") + st.m*st.reminder
		}
		if st.failing {
			events += retryWait
		} else {
			events += wait
		}
	}
}

// TestLimits_historyEvents models the worst cases of the history limit
// (25,000 events per execution) at the most signees a task accepts.
func TestLimits_historyEvents(t *testing.T) {
	t.Parallel()
	def, _, _, _ := project(t)
	m := model{t: t, def: def}
	for _, j := range joins {
		m.states(j[0], j[1])
	}
	t.Logf("the most after the last round: %d events", m.ending())
	n := signees.DefaultMax
	budget := budgetUnits(t, def)

	// ExecutionStarted/Succeeded; an input without attempt passes Default Attempt too.
	start := 2 + m.states("Check Attempt", "Default Attempt", "Load Settings", "Check Continuation")
	delegate := m.item("Delegate And Notify", "Delegate Signee", "Notify Signee")
	delegateFailing := m.item("Delegate And Notify", "Delegate Signee", "Notify Signee", "Record Signee Failure")
	retryFailing := m.item("Retry Delegations", "Delegate Signee Again", "Notify Signee Again", "Record Signee Failure Again")
	retried := m.item("Retry Delegations", "Delegate Signee Again", "Notify Signee Again")
	releaseFailing := m.item("Release Signees", "Release Signee", "Release Not Done")
	receipt := m.item("Send Receipts", "Send Receipt")
	receiptFailing := m.item("Send Receipts", "Send Receipt", "Receipt Failed")
	reminderFailing := m.item("Send Reminders", "Remind Signee", "Reminder Not Sent")
	root := func(item int) int {
		return start + m.states("Resolve Signees", "Delegate And Notify", "Count Delegations") + n*item
	}
	alone := func(int) step { return step{k: 1, receipt: receipt} }

	tests := []struct {
		name string
		got  func() (events, rounds int)
	}{
		{name: "first_execution_each_signature_alone", got: func() (int, int) {
			e, r := m.run(n, false, budget, alone)
			return root(delegate) + e, r
		}},
		{name: "first_execution_everyone_signed_during_delegation_every_step_failing", got: func() (int, int) {
			e, r := m.run(n, false, budget, func(int) step { return step{k: n, receipt: receiptFailing, failing: true} })
			return root(delegateFailing) + e, r
		}},
		{name: "first_execution_every_delegation_failing_and_retried", got: func() (int, int) {
			e, r := m.run(n, false, budget, func(int) step { return step{r: n, retry: retryFailing, failing: true} })
			return root(delegateFailing) + e, r
		}},
		{name: "first_execution_signing_groups_opening_in_rounds", got: func() (int, int) {
			// signing.MaxGroups groups, the first of one signee: each later
			// group opens at a signature and is handed out a round's worth at
			// a time, each such round going straight on to the next
			// (moreToDelegate), the last of them handing out nobody; then its
			// signatures come one by one.
			size := (n - 1) / (signing.MaxGroups - 1)
			left, opening := 0, false
			// Resolve Signees hands out the first group alone (its count).
			e, r := m.run(1, false, budget, func(int) step {
				switch {
				case left > 0:
					h := min(left, signing.MaxRetryPerRound)
					left -= h
					return step{r: h, retry: retried, more: true}
				case opening:
					opening = false
					return step{}
				}
				left, opening = size, true
				return step{k: 1, receipt: receipt}
			})
			return start + m.states("Resolve Signees", "Delegate And Notify", "Count Delegations") + delegate + e, r
		}},
		{name: "continuation_every_release_failing_every_round", got: func() (int, int) {
			// Any k of n: a group has its signatures and every release of
			// its other signees fails after its retries, round after round
			// (each retried from needRelease at the next signature wait).
			e, r := m.run(0, true, budget, func(int) step { return step{rel: n, release: releaseFailing} })
			return start + e, r
		}},
		{name: "first_execution_reminders_every_round_every_one_failing", got: func() (int, int) {
			e, r := m.run(n, false, budget, func(int) step { return step{m: n, reminder: reminderFailing} })
			return root(delegate) + e, r
		}},
		{name: "continuation_reminders_every_round_every_one_failing", got: func() (int, int) {
			e, r := m.run(0, true, budget, func(int) step { return step{m: n, reminder: reminderFailing} })
			return start + e, r
		}},
		{name: "continuation_each_signature_alone_with_reminders", got: func() (int, int) {
			e, r := m.run(0, true, budget, func(int) step { return step{k: 1, receipt: receipt, m: n, reminder: reminderFailing} })
			return start + e, r
		}},
		{name: "continuation_each_signature_alone", got: func() (int, int) {
			e, r := m.run(0, true, budget, alone)
			return start + e, r
		}},
		{name: "continuation_timeouts_only", got: func() (int, int) {
			e, r := m.run(0, true, budget, func(int) step { return step{} })
			return start + e, r
		}},
		{name: "continuation_timeouts_then_every_receipt_failing", got: func() (int, int) {
			e, r := m.run(0, true, budget, func(round int) step {
				if round < budget-1 {
					return step{}
				}
				return step{k: n, receipt: receiptFailing, failing: true}
			})
			return start + e, r
		}},
		{name: "continuation_two_rounds_of_every_receipt_failing", got: func() (int, int) {
			e, r := m.run(0, true, budget, func(int) step { return step{k: n, receipt: receiptFailing, failing: true} })
			return start + e, r
		}},
		{name: "continuation_every_delegation_failing", got: func() (int, int) {
			e, r := m.run(0, true, budget, func(int) step { return step{r: n, retry: retryFailing, failing: true} })
			return start + e, r
		}},
		{name: "continuation_two_rounds_of_every_delegation_and_receipt_failing", got: func() (int, int) {
			e, r := m.run(0, true, budget, func(int) step {
				return step{k: n, receipt: receiptFailing, r: n, retry: retryFailing, failing: true}
			})
			return start + e, r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			events, rounds := tt.got()
			t.Logf("%d signees, budget %d units: %d events in %d rounds (limit %d, %d kept for retries)", n, budget, events, rounds, asl.MaxHistoryEvents, retryMargin)
			if events > asl.MaxHistoryEvents-retryMargin {
				t.Errorf("%d events, want at most %d", events, asl.MaxHistoryEvents-retryMargin)
			}
		})
	}
}

// TestLimits_payloads builds the largest state input of the workflow at the
// most signees a task accepts and checks it, and the Maps' result arrays,
// against the 256 KiB payload limit.
func TestLimits_payloads(t *testing.T) {
	t.Parallel()
	n := signees.DefaultMax
	keys := make([]signing.SigneeKey, n)
	for i := range keys {
		keys[i] = signing.SigneeKey(fmt.Sprintf("p-%024x", i))
	}
	cfg := signing.Config{SignatureDataType: "signatures", SigneeProviderID: "founders", SigneeStatesDataTypeID: "signeeState",
		SigningPDFDataType: "signing-step-pdf", CompleteAutomatically: true, KeepReadAccess: true, MaxSignees: n}
	for i := range 50 {
		cfg.DataTypesToSign = append(cfg.DataTypesToSign, fmt.Sprintf("data-type-to-sign-%02d-%s", i, strings.Repeat("x", 60)))
		cfg.UniqueFromSignaturesInDataTypes = append(cfg.UniqueFromSignaturesInDataTypes, fmt.Sprintf("other-signatures-%02d-%s", i, strings.Repeat("y", 60)))
	}
	for i := range 10 {
		cfg.Reminders = append(cfg.Reminders, fmt.Sprintf("-P%dDT%dH%dM%dS", 1000+i, 1000, 1000, 1000))
	}
	cfg.SMSWindow, cfg.ResendInterval = "08:00-21:00", "P1000DT1000H1000M1000S"
	due := time.Date(2027, 1, 1, 0, 0, 0, 123456789, time.UTC)
	for _, env := range []string{"", "development", "staging", "production"} {
		cfg.CorrespondenceResources = append(cfg.CorrespondenceResources, signing.CorrespondenceResource{Env: env, Value: strings.Repeat("r", 200)})
	}
	in := workflow.Input{Version: 1, Instance: signing.InstanceRef{Org: strings.Repeat("o", 100), App: strings.Repeat("a", 100), PartyID: 1 << 40,
		InstanceGUID: "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"}, TaskID: strings.Repeat("T", 128), Config: cfg,
		Deadline: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Attempt: workflow.MaxAttempt,
		Continuation: &workflow.Continuation{ParentExecutionARN: strings.Repeat("e", 300)}, StartedBy: strings.Repeat("e", 300)}
	cause := strings.Repeat("c", 2000) // stepfn.Error cuts messages to 2,000 bytes
	lambdaError := map[string]string{"Error": "Signing.Transient", "Cause": `{"errorMessage":"` + cause + `","errorType":"Signing.Transient"}`}
	state := map[string]any{
		"input":    in,
		"task":     in.Key(),
		"settings": map[string]int{"waitTimeoutSeconds": 86400, "retryWaitSeconds": 86400},
		"retries":  map[string]int{"n": 24},
		"budget":   map[string]int{"units": 1 << 20, "rounds": 1 << 20},
		"next":     map[string]any{"continuation": workflow.Continuation{ParentExecutionARN: strings.Repeat("e", 300)}, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": strings.Repeat("e", 300)},
		"resolved": map[string]any{"signees": keys, "count": n},
		"collected": signing.Collected{Status: signing.TaskCollecting, NeedReceipt: keys, NeedDelegation: keys, NeedReminder: keys[:signing.MaxRetryPerRound],
			ReminderDue: &due, AllSigned: true, Signed: n, Total: n, WaitSeconds: 86400},
		"receiptFailure": lambdaError,
		"markFailure":    lambdaError,
		"wake":           lambdaError,
		"failure":        lambdaError,
		"result":         map[string]string{"outcome": "signed"},
	}
	item := map[string]string{"signee": string(keys[0]), "error": "Signing.Transient"}
	sizes := map[string]any{
		"largest_state":         state,
		"map_results":           slicesOf(item, n),
		"resolve_signees_reply": map[string]any{"task": in.Key(), "signees": keys, "count": n},
	}
	for name, v := range sizes {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s at %d signees: %d bytes (limit %d)", name, n, len(b), asl.MaxPayloadBytes)
		if len(b) > asl.MaxPayloadBytes/2 {
			t.Errorf("%s is %d bytes, want at most half the limit (%d)", name, len(b), asl.MaxPayloadBytes/2)
		}
	}
}

func slicesOf[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

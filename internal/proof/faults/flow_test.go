package faults_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
)

// flow is one way a signing task goes, start to outcome.
type flow string

const (
	// signFlow: everyone signs (Kari for herself and for the company), the
	// receipts go out, Kari completes, Finalize writes the signing PDF.
	signFlow flow = "sign"
	// rejectFlow: Ola signs, Kari rejects before the workflow has collected
	// it, Collect Signatures fails with Signing.Rejected, Handle Reject ends it.
	rejectFlow flow = "reject"
	// remindFlow: the task has a reminder an hour after the invitation;
	// nobody signs for that hour, the reminder goes to all three, then as
	// signFlow.
	remindFlow flow = "remind"
	// twoOfThreeFlow: the task needs any 2 of its 3 signatures
	// (requiredSignatures); Ola and Kari sign, the company is released
	// (its rights revoked, told it is no longer needed), Kari completes.
	twoOfThreeFlow flow = "two-of-three"
	// replaceFlow: Kari replaces Ola, who has not signed, by Per Hansen;
	// Ola is released (rights revoked, told once), Per is delegated and
	// told; Per, Kari and Kari for the company sign; Kari completes.
	replaceFlow flow = "replace"
)

// remindAfter is remindFlow's reminder offset (PT1H).
const remindAfter = time.Hour

var flows = []flow{signFlow, rejectFlow, remindFlow, twoOfThreeFlow, replaceFlow}

// maxAttempts is the state machine's budget per Task: the first attempt and MaxAttempts 4 retries.
const maxAttempts = 5

const (
	companyOrg   = "312847612"
	executionARN = "arn:aws:states:eu-north-1:123456789012:execution:signing:1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d-SigningTask-1"
)

var task = signingtest.FoundersTask

// stepTask is the task key the state machine gives its steps: qualified
// with the execution's attempt.
var stepTask = task.At(1)

// attempt runs one invocation of a step or an API call and reports its
// error; a process that died loses its result.
func (r *run) attempt(ctx context.Context, name string, fn func(context.Context) error) (err error, died bool) {
	r.clock.Advance(time.Second)
	r.attempts++
	r.w.begin(name)
	err = fn(ctx)
	if r.w.end() {
		return fmt.Errorf("%s: %w (the step's own result: %v)", name, errDied, err), true
	}
	return err, false
}

// logFailure logs a failed attempt as the functions do (stepfn.Fail), and
// the raw error at debug level, so the log scan sees both.
func (r *run) logFailure(ctx context.Context, name string, attempt int, err error) {
	_ = stepfn.Fail(ctx, name, err, "attempt", attempt)
	r.log.DebugContext(ctx, "attempt failed", "step", name, "attempt", attempt, "raw_error", err.Error())
}

// step runs a state machine Task: again after Signing.Transient and after a
// crash (Runtime.ExitError), as the Task's Retry does, at most maxAttempts
// times. Another error is returned for the Task's Catch.
func (r *run) step(ctx context.Context, name string, fn func(context.Context) error) error {
	for n := 1; ; n++ {
		err, died := r.attempt(ctx, name, fn)
		if err == nil {
			return nil
		}
		r.logFailure(ctx, name, n, err)
		if (!died && stepfn.Name(err) != stepfn.ErrorTransient) || n == maxAttempts {
			return err
		}
	}
}

// api runs an API operation as a client does: again after a 503 (a
// transient error) or a lost answer. A retry refused with 409 is accepted
// when done reports that an earlier attempt took effect.
func (r *run) api(ctx context.Context, name string, fn func(context.Context) error, done func() bool) error {
	for n := 1; ; n++ {
		err, died := r.attempt(ctx, name, fn)
		if err == nil {
			return nil
		}
		r.logFailure(ctx, name, n, err)
		if n > 1 && !died && errors.Is(err, signing.ErrConflict) && done() {
			return nil
		}
		transient := errors.Is(err, signing.ErrTransient) || errors.Is(err, context.DeadlineExceeded)
		if (!died && !transient) || n == maxAttempts {
			return err
		}
	}
}

// signeeKey returns the key of the signee with a party UUID, from the store itself.
func (r *run) signeeKey(uuid string) signing.SigneeKey {
	list, _, err := r.mem.ListSignees(context.Background(), task, signing.Page{})
	if err != nil {
		r.t.Fatal(err)
	}
	for _, sg := range list {
		if sg.PartyUUID == uuid {
			return sg.Key
		}
	}
	r.t.Fatalf("no signee with party %s", uuid)
	return ""
}

func (r *run) signed(uuid string) func() bool {
	return func() bool {
		_, err := r.mem.GetSignature(context.Background(), task, r.signeeKey(uuid))
		return err == nil
	}
}

func (r *run) taskIs(status signing.TaskStatus) func() bool {
	return func() bool {
		got, err := r.mem.GetTask(context.Background(), task)
		return err == nil && got.Status == status
	}
}

// want is what a flow leaves behind.
type want struct {
	outcome signing.Outcome
	status  signing.TaskStatus
	// signatures is also the number of sign documents and receipts.
	signatures int
	// messages by idempotency-key kind: cta, receipt, cancel.
	messages map[string]int
	orders   int
	pdfs     int
	// delegated is the rights in force after Delegate And Notify: Ola and the
	// company, read and sign each (Kari owns the instance).
	delegated int
	signees   map[string]signing.SigneeStatus
}

var wants = map[flow]want{
	signFlow: {
		outcome: signing.OutcomeSigned, status: signing.TaskCompleted, signatures: 3,
		messages: map[string]int{"cta": 3, "receipt": 3}, orders: 3, pdfs: 1, delegated: 4,
		signees: map[string]signing.SigneeStatus{
			signingtest.KariUUID: signing.SigneeReceiptSent, signingtest.OlaUUID: signing.SigneeReceiptSent, signingtest.CompanyUUID: signing.SigneeReceiptSent,
		},
	},
	remindFlow: {
		outcome: signing.OutcomeSigned, status: signing.TaskCompleted, signatures: 3,
		messages: map[string]int{"cta": 3, "remind": 3, "receipt": 3}, orders: 6, pdfs: 1, delegated: 4,
		signees: map[string]signing.SigneeStatus{
			signingtest.KariUUID: signing.SigneeReceiptSent, signingtest.OlaUUID: signing.SigneeReceiptSent, signingtest.CompanyUUID: signing.SigneeReceiptSent,
		},
	},
	twoOfThreeFlow: {
		outcome: signing.OutcomeSigned, status: signing.TaskCompleted, signatures: 2,
		messages: map[string]int{"cta": 3, "receipt": 2, "not-needed": 1}, orders: 3, pdfs: 1, delegated: 4,
		signees: map[string]signing.SigneeStatus{
			signingtest.KariUUID: signing.SigneeReceiptSent, signingtest.OlaUUID: signing.SigneeReceiptSent, signingtest.CompanyUUID: signing.SigneeRevoked,
		},
	},
	replaceFlow: {
		outcome: signing.OutcomeSigned, status: signing.TaskCompleted, signatures: 3,
		messages: map[string]int{"cta": 4, "receipt": 3, "replaced": 1}, orders: 4, pdfs: 1, delegated: 4,
		signees: map[string]signing.SigneeStatus{
			signingtest.KariUUID: signing.SigneeReceiptSent, signingtest.OlaUUID: signing.SigneeRevoked,
			signingtest.CompanyUUID: signing.SigneeReceiptSent, signingtest.PerUUID: signing.SigneeReceiptSent,
		},
	},
	rejectFlow: {
		outcome: signing.OutcomeRejected, status: signing.TaskRejected, signatures: 1,
		messages: map[string]int{"cta": 3, "receipt": 1, "cancel": 2}, orders: 3, delegated: 4,
		signees: map[string]signing.SigneeStatus{
			signingtest.KariUUID: signing.SigneeRevoked, signingtest.OlaUUID: signing.SigneeReceiptSent, signingtest.CompanyUUID: signing.SigneeRevoked,
		},
	},
}

// check runs the flow and reports everything that is not exactly once or
// not the flow's outcome.
func (r *run) check(f flow) []string {
	outcome, delegated, err := r.drive(context.Background(), f)
	return r.verify(f, outcome, delegated, err)
}

// verify reports what the flow left that is not exactly once or not its outcome.
func (r *run) verify(f flow, outcome signing.Outcome, delegated int, err error) []string {
	ctx := context.Background()
	w := wants[f]
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if err != nil {
		bad("the flow stopped: %s", stepfn.Redact(err.Error()))
	}
	if outcome != w.outcome {
		bad("outcome = %q, want %q", outcome, w.outcome)
	}
	if delegated != w.delegated {
		bad("rights in force after Delegate And Notify = %d, want %d (one per signee and action)", delegated, w.delegated)
	}
	if got := len(r.emu.Delegations()); got != 0 {
		bad("rights in force at the end = %d, want 0 (all revoked)", got)
	}
	t, err := r.mem.GetTask(ctx, task)
	if err != nil {
		bad("task: %v", err)
	}
	if t.Status != w.status {
		bad("task status = %s, want %s", t.Status, w.status)
	}

	// Messages: one per idempotency key, as many of each kind as wanted.
	byKind := map[string]int{}
	seen := map[string]int{}
	for _, m := range r.emu.Messages() {
		if m.IdempotencyKey == "" {
			bad("message %q without an idempotency key", m.Title)
			continue
		}
		seen[m.IdempotencyKey]++
		kind, _, _ := strings.Cut(m.IdempotencyKey, ":")
		byKind[kind]++
	}
	for key, n := range seen {
		if n != 1 {
			bad("message %s sent %d times", key, n)
		}
	}
	kinds := []string{"cta", "receipt", "cancel"}
	for kind := range w.messages {
		if !slices.Contains(kinds, kind) {
			kinds = append(kinds, kind)
		}
	}
	for _, kind := range kinds {
		if byKind[kind] != w.messages[kind] {
			bad("%s messages = %d, want %d", kind, byKind[kind], w.messages[kind])
		}
	}
	if len(byKind) > 3 {
		bad("messages of unexpected kinds: %v", byKind)
	}

	// Notification orders, placed by the platform from each call-to-action's
	// notification block: one per signee.
	orders := map[string]int{}
	notes := r.emu.Notifications()
	for _, n := range notes {
		orders[n.CorrespondenceID]++
		if n.Source != "correspondence" {
			bad("notification order %s not from a correspondence", n.OrderID)
		}
	}
	if len(notes) != w.orders {
		bad("notification orders = %d, want %d", len(notes), w.orders)
	}
	for id, n := range orders {
		if n != 1 {
			bad("correspondence %s ordered %d notifications", id, n)
		}
	}

	// Data written through storage: one sign document per signature
	// (Storage's sign writes them), one PDF.
	docs, pdfs := 0, 0
	for _, d := range r.emu.Data() {
		switch {
		case d.Source == "fixture":
		case d.DataType == r.cfg.SignatureDataType:
			docs++
		case d.Source == "api" && d.DataType == r.cfg.SigningPDFDataType:
			pdfs++
		default:
			bad("unexpected data element of type %s from %s", d.DataType, d.Source)
		}
	}
	if docs != w.signatures || pdfs != w.pdfs {
		bad("sign documents = %d, PDFs = %d, want %d and %d", docs, pdfs, w.signatures, w.pdfs)
	}

	// The store: one signature per signer, one audit entry per event.
	sigs, err := r.mem.ListSignatures(ctx, task)
	if err != nil || len(sigs) != w.signatures {
		bad("signatures = %d (%v), want %d", len(sigs), err, w.signatures)
	}
	audit, err := r.mem.Audit(ctx, task)
	if err != nil {
		bad("audit: %v", err)
	}
	actions := map[string]int{}
	for _, e := range audit {
		actions[e.Action]++
	}
	if actions["signature.recorded"] != w.signatures || actions["task."+string(w.status)] != 1 || actions["task.created"] != 1 {
		bad("audit = %v, want %d signature.recorded and one task.created and task.%s", actions, w.signatures, w.status)
	}
	for uuid, want := range w.signees {
		sg, err := r.mem.GetSignee(ctx, task, r.signeeKey(uuid))
		if err != nil || sg.Status != want {
			bad("signee %s is %s (%v), want %s", sg.Key, sg.Status, err, want)
		}
	}
	slices.Sort(problems)
	return problems
}

// runFlow runs one flow with at most one fault and fails t with what is wrong.
func runFlow(t *testing.T, f flow, plan *fault) *run {
	t.Helper()
	r := newRun(t, plan)
	for _, p := range r.check(f) {
		t.Error(p)
	}
	if plan != nil && !r.w.Fired() {
		t.Errorf("the fault was never injected: %s does not reach call %d of %s", plan.step, plan.nth, plan.boundary)
	}
	if plan != nil && (plan.kind == crash || plan.pos == afterState) && r.w.Deaths() == 0 {
		t.Errorf("no step invocation died, so the crash was not modelled")
	}
	return r
}

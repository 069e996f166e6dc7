package faults_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/asl"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
)

// The "outlives its attempt" boundaries: a step of attempt 1 whose retry
// (after a transient failure, a retry wait or a wait) comes after the owner
// rejected attempt 1 and the process engine started attempt 2. Each row
// runs attempt 1 to the step, starts attempt 2 (everyone delegated and told
// again), then runs attempt 1's step: it must change nothing and send
// nothing (signing.ErrSuperseded, Signing.Superseded for the state
// machine), and what attempt 1 answered 200 to (Ola's signature) still gets
// its receipt, once, from attempt 2's receipts step.
type outliving struct {
	// step is the state machine step that outlives attempt 1.
	step string
	// boundary is where the step last failed before attempt 2 started.
	boundary string
	// run is attempt 1's step, retried after attempt 2 started.
	run func(ctx context.Context, r *run, olaKey, companyKey signing.SigneeKey) error
}

var outlivingSteps = []outliving{
	{"Resolve Signees", "repo.CreateTask", func(ctx context.Context, r *run, _, _ signing.SigneeKey) error {
		_, err := r.svc.Start(ctx, signing.StartInput{Instance: signingtest.FoundersInstance, TaskID: task.TaskID, Config: r.cfg, Attempt: 1, ExecutionARN: executionARN})
		return err
	}},
	{"Delegate And Notify / Delegate Signee", "access.delegate", func(ctx context.Context, r *run, _, company signing.SigneeKey) error {
		_, err := r.svc.Delegate(ctx, stepTask, company)
		return err
	}},
	{"Delegate And Notify / Notify Signee", "correspondence.send", func(ctx context.Context, r *run, _, company signing.SigneeKey) error {
		_, err := r.svc.Notify(ctx, stepTask, company)
		return err
	}},
	{"Handle Reject", "access.revoke", func(ctx context.Context, r *run, _, _ signing.SigneeKey) error {
		_, err := r.svc.Finish(ctx, stepTask, signing.TaskRejected, "rejected")
		return err
	}},
	{"Handle Expiry", "access.revoke", func(ctx context.Context, r *run, _, _ signing.SigneeKey) error {
		_, err := r.svc.Finish(ctx, stepTask, signing.TaskExpired, "the deadline passed")
		return err
	}},
	{"Clean Up Failed Task", "access.revoke", func(ctx context.Context, r *run, _, _ signing.SigneeKey) error {
		_, err := r.svc.Abandon(ctx, stepTask, "a step failed for good")
		return err
	}},
	{"Collect Signatures", "after Wait Before Retry", func(ctx context.Context, r *run, _, _ signing.SigneeKey) error {
		_, err := r.svc.Collect(ctx, stepTask, signing.CollectOptions{Scan: true})
		return err
	}},
	{"Wait For Signature", "its conditional write", func(ctx context.Context, r *run, _, _ signing.SigneeKey) error {
		return r.svc.Repo.RegisterWait(ctx, stepTask, "wait-of-attempt-1")
	}},
	{"Await Completion", "its conditional write", func(ctx context.Context, r *run, _, _ signing.SigneeKey) error {
		return r.svc.Repo.RegisterCompletionWait(ctx, stepTask, "completion-of-attempt-1")
	}},
	{"Release Signees / Release Signee", "access.revoke", func(ctx context.Context, r *run, _, company signing.SigneeKey) error {
		_, err := r.svc.ReleaseSignee(ctx, stepTask, company)
		return err
	}},
	{"Send Reminders / Remind Signee", "correspondence.send", func(ctx context.Context, r *run, _, company signing.SigneeKey) error {
		_, err := r.svc.Remind(ctx, stepTask, company, r.clock.Now())
		return err
	}},
	{"Send Receipts / Send Receipt", "correspondence.send", func(ctx context.Context, r *run, ola, _ signing.SigneeKey) error {
		_, err := r.svc.SendReceipt(ctx, stepTask, ola)
		return err
	}},
	{"Retry Delegations / Delegate Signee Again", "access.delegate", func(ctx context.Context, r *run, _, company signing.SigneeKey) error {
		_, err := r.svc.Delegate(ctx, stepTask, company)
		return err
	}},
	{"Retry Delegations / Notify Signee Again", "correspondence.send", func(ctx context.Context, r *run, _, company signing.SigneeKey) error {
		_, err := r.svc.Notify(ctx, stepTask, company)
		return err
	}},
	{"Finalize Task", "storage.createData", func(ctx context.Context, r *run, _, _ signing.SigneeKey) error {
		_, err := r.svc.Finalize(ctx, stepTask)
		return err
	}},
}

// worldState is what a superseded step must leave as it was.
type worldState struct {
	Task        signing.Task
	Signees     []signing.Signee
	Audit       int
	Owed        []signing.OwedReceipt
	Messages    []string
	Delegations []string
	Data        int
}

func (r *run) worldState(t *testing.T) worldState {
	t.Helper()
	ctx := context.Background()
	var s worldState
	var err error
	if s.Task, err = r.mem.GetTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	if s.Signees, _, err = r.mem.ListSignees(ctx, task, signing.Page{}); err != nil {
		t.Fatal(err)
	}
	audit, err := r.mem.Audit(ctx, task)
	if err != nil {
		t.Fatal(err)
	}
	s.Audit = len(audit)
	if s.Owed, err = r.mem.OwedReceipts(ctx, task); err != nil {
		t.Fatal(err)
	}
	for _, m := range r.emu.Messages() {
		s.Messages = append(s.Messages, m.IdempotencyKey)
	}
	for _, d := range r.emu.Delegations() {
		s.Delegations = append(s.Delegations, d.To+"/"+d.Action)
	}
	slices.Sort(s.Delegations)
	s.Data = len(r.emu.Data())
	return s
}

// attempt1ThenAttempt2 runs attempt 1 until Ola signed (her receipt not yet
// sent) and the owner rejected it, then starts attempt 2 and delegates to
// and tells everyone again, as attempt 2's execution does.
func (r *run) attempt1ThenAttempt2(ctx context.Context) (ola, company signing.SigneeKey, err error) {
	start := func(attempt int) error {
		return r.step(ctx, "Start", func(ctx context.Context) error {
			res, err := r.svc.Start(ctx, signing.StartInput{Instance: signingtest.FoundersInstance, TaskID: task.TaskID, Config: r.cfg, Attempt: attempt,
				ExecutionARN: strings.TrimSuffix(executionARN, "1") + fmt.Sprint(attempt)})
			r.keys = res.Signees
			return err
		})
	}
	// Each signee's steps, in the state machine's order.
	_, perSignee := signingtest.BeforeCollect(r.t)
	delegate := func(key signing.TaskKey) error {
		for _, sk := range r.keys {
			for _, fn := range perSignee {
				if err := signingtest.SigneeStep(ctx, r.svc, fn, key, sk); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := start(1); err != nil {
		return "", "", err
	}
	if err := delegate(stepTask); err != nil {
		return "", "", err
	}
	ola, company = r.signeeKey(signingtest.OlaUUID), r.signeeKey(signingtest.CompanyUUID)
	if _, err := r.svc.Sign(ctx, signing.SignInput{Task: task, Caller: signingtest.Ola(r.t)}); err != nil {
		return "", "", fmt.Errorf("Ola signs attempt 1: %w", err)
	}
	if _, err := r.svc.Reject(ctx, signing.RejectInput{Task: task, Caller: signingtest.Kari(r.t), Reason: "the documents are wrong"}); err != nil {
		return "", "", fmt.Errorf("Kari rejects attempt 1: %w", err)
	}
	if err := start(2); err != nil {
		return "", "", err
	}
	return ola, company, delegate(task.At(2))
}

// TestOutlivesItsAttempt runs every step that can outlive its attempt
// after the next attempt started: each changes nothing, sends nothing and
// ends its execution as superseded; attempt 2 then owes, and sends once,
// the receipt of Ola's signature of attempt 1. With -v it prints the rows.
func TestOutlivesItsAttempt(t *testing.T) {
	t.Parallel()
	for _, o := range outlivingSteps {
		t.Run(strings.NewReplacer(" / ", "_", " ", "_").Replace(o.step), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRun(t, nil)
			ola, company, err := r.attempt1ThenAttempt2(ctx)
			if err != nil {
				t.Fatal(err)
			}
			before := r.worldState(t)
			if len(before.Owed) != 1 || before.Owed[0].Attempt != 1 || before.Owed[0].Signature.SigneeKey != ola {
				t.Fatalf("owed receipts after the restart = %+v, want Ola's of attempt 1", before.Owed)
			}
			err = o.run(ctx, r, ola, company)
			if !errors.Is(err, signing.ErrSuperseded) || stepfn.Name(err) != stepfn.ErrorSuperseded {
				t.Errorf("%s of attempt 1 (last failed at %s) error = %v (%s), want %s", o.step, o.boundary, err, stepfn.Name(err), stepfn.ErrorSuperseded)
			}
			after := r.worldState(t)
			if b, a := mustJSON(t, before), mustJSON(t, after); b != a {
				t.Errorf("%s of attempt 1 changed the world:\nbefore %s\nafter  %s", o.step, b, a)
			}

			// Attempt 2 keeps attempt 1's promise: Ola's receipt, once, with attempt 1's key.
			for range 2 {
				got, err := r.svc.Collect(ctx, task.At(2), signing.CollectOptions{})
				if err != nil {
					t.Fatal(err)
				}
				for _, sk := range got.NeedReceipt {
					if _, err := r.svc.SendReceipt(ctx, task.At(2), sk); err != nil {
						t.Fatalf("SendReceipt(attempt 2, %s) error = %v", sk, err)
					}
				}
			}
			var receipts []string
			for _, m := range r.emu.Messages() {
				if strings.HasPrefix(m.IdempotencyKey, "receipt:") {
					receipts = append(receipts, m.IdempotencyKey)
				}
			}
			want := []string{"receipt:" + task.InstanceGUID + ":" + task.TaskID + ":1:" + string(ola)}
			if !slices.Equal(receipts, want) {
				t.Errorf("receipts = %v, want %v", receipts, want)
			}
			if owed, err := r.mem.OwedReceipts(ctx, task); err != nil || len(owed) != 0 {
				t.Errorf("owed receipts after attempt 2 sent them = %+v, %v; want none", owed, err)
			}
			t.Logf("%-45s %-25s superseded: nothing changed, nothing sent; the owed receipt sent once by attempt 2", o.step, o.boundary)
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// notOutliving are the Task states of the state machine without a row in
// outlivingSteps, and why.
var notOutliving = map[string]string{
	"Continue As New Execution": "starts a child execution with the same attempt and writes nothing itself; the child's steps are the rows",
}

// TestOutlivesItsAttempt_rows checks the rows against the state machine:
// every row is a Task state, and every Task state has a row or a reason in
// notOutliving, so a step added to the definition is tested here too.
func TestOutlivesItsAttempt_rows(t *testing.T) {
	t.Parallel()
	rows := map[string]bool{}
	for _, o := range outlivingSteps {
		rows[o.step] = true
	}
	tasks := map[string]bool{}
	machine(t).Walk(func(scope, name string, s asl.State) {
		if s.Type != "Task" {
			return
		}
		where := statePath(scope, name)
		tasks[where] = true
		if !rows[where] && notOutliving[where] == "" {
			t.Errorf("%s has no row in outlivingSteps: a step of a replaced attempt must change nothing", where)
		}
	})
	for where := range rows {
		if !tasks[where] {
			t.Errorf("outlivingSteps row %q is no Task state of the state machine", where)
		}
	}
	for where := range notOutliving {
		if !tasks[where] || rows[where] {
			t.Errorf("notOutliving names %q, which is no Task state or has a row", where)
		}
	}
}

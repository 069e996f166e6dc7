package signing_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/repotest"
)

// executionARN is the ARN of attempt's execution, named as internal/workflow names it.
func executionARN(attempt int) string {
	return fmt.Sprintf("arn:aws:states:eu-north-1:123456789012:execution:signing:%s-SigningTask-%d", foundersTask.InstanceGUID, attempt)
}

// startAttempt starts attempt of the founders task as its execution does.
func startAttempt(h *harness, attempt int) (signing.StartResult, error) {
	return h.Svc.Start(context.Background(), signing.StartInput{
		Instance: foundersInstance, TaskID: "SigningTask", Config: h.Cfg, Attempt: attempt, ExecutionARN: executionARN(max(attempt, 1)),
	})
}

// mustStart starts attempt and fails the test on error.
func mustStart(t *testing.T, h *harness, attempt int) signing.StartResult {
	t.Helper()
	got, err := startAttempt(h, attempt)
	if err != nil {
		t.Fatalf("Start(attempt %d) error = %v", attempt, err)
	}
	return got
}

// delegateAndNotify runs Delegate and Notify for every signee, as the Map does.
func delegateAndNotify(t *testing.T, h *harness, signees []signing.SigneeKey) {
	t.Helper()
	for _, sk := range signees {
		if _, err := h.Svc.Delegate(context.Background(), foundersTask, sk); err != nil {
			t.Fatalf("Delegate(%s) error = %v", sk, err)
		}
		if _, err := h.Svc.Notify(context.Background(), foundersTask, sk); err != nil {
			t.Fatalf("Notify(%s) error = %v", sk, err)
		}
	}
}

// rejectAfterOlaSigned runs attempt 1 until Ola signed, then Kari rejects
// and Handle Reject finishes it.
func rejectAfterOlaSigned(t *testing.T, h *harness) {
	t.Helper()
	ctx := context.Background()
	delegateAndNotify(t, h, mustStart(t, h, 1).Signees)
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.Reject(ctx, signing.RejectInput{Task: foundersTask, Caller: kari(t), Reason: "wrong share capital"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.Finish(ctx, foundersTask, signing.TaskRejected, "rejected"); err != nil {
		t.Fatal(err)
	}
}

func TestService_Start_attempts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup prepares the stored task; nil stores none.
		setup   func(t *testing.T, h *harness)
		attempt int
		wantErr error
		// wantAttempt is the stored task's attempt after Start; 0 when it must be unchanged.
		wantAttempt int
		// wantFresh says Start began the attempt from a clean state.
		wantFresh bool
	}{
		{name: "no_task_creates_attempt_1", attempt: 0, wantAttempt: 1, wantFresh: true},
		{name: "no_task_creates_the_given_attempt", attempt: 3, wantAttempt: 3, wantFresh: true},
		{
			name:    "same_attempt_repeats",
			setup:   func(t *testing.T, h *harness) { mustStart(t, h, 2) },
			attempt: 2,
		},
		{
			name: "same_attempt_other_config_is_conflict",
			setup: func(t *testing.T, h *harness) {
				mustStart(t, h, 1)
				h.Cfg.RunDefaultValidator = !h.Cfg.RunDefaultValidator
			},
			attempt: 1, wantErr: signing.ErrConflict,
		},
		{
			name:    "same_attempt_closed_repeats",
			setup:   rejectAfterOlaSigned,
			attempt: 1,
		},
		{name: "lower_attempt_rejected_restarts", setup: rejectAfterOlaSigned, attempt: 2, wantAttempt: 2, wantFresh: true},
		{
			name: "lower_attempt_expired_restarts",
			setup: func(t *testing.T, h *harness) {
				ctx := context.Background()
				in := signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: h.Cfg, Deadline: h.Clock.Now().Add(time.Hour)}
				started, err := h.Svc.Start(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				delegateAndNotify(t, h, started.Signees)
				if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); err != nil {
					t.Fatal(err)
				}
				h.Clock.Advance(2 * time.Hour)
				if _, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{}); !errors.Is(err, signing.ErrExpired) {
					t.Fatalf("Collect() after the deadline: %v, want ErrExpired", err)
				}
			},
			attempt: 2, wantAttempt: 2, wantFresh: true,
		},
		{
			name: "lower_attempt_restarts_with_a_later_config",
			setup: func(t *testing.T, h *harness) {
				rejectAfterOlaSigned(t, h)
				h.Cfg.RunDefaultValidator = !h.Cfg.RunDefaultValidator
			},
			attempt: 2, wantAttempt: 2, wantFresh: true,
		},
		{
			name: "lower_attempt_failed_restarts",
			setup: func(t *testing.T, h *harness) {
				h.Ready(t)
				if _, err := h.Svc.Abandon(context.Background(), foundersTask, "a step failed for good"); err != nil {
					t.Fatal(err)
				}
			},
			attempt: 2, wantAttempt: 2, wantFresh: true,
		},
		{
			name:    "lower_attempt_collecting_is_conflict",
			setup:   func(t *testing.T, h *harness) { h.Ready(t) },
			attempt: 2, wantErr: signing.ErrConflict,
		},
		{
			name: "lower_attempt_completed_is_conflict",
			setup: func(t *testing.T, h *harness) {
				h.Ready(t)
				h.SignAll(t)
				if _, err := h.Svc.Complete(context.Background(), signing.CompleteInput{Task: foundersTask, Caller: kari(t)}); err != nil {
					t.Fatal(err)
				}
			},
			attempt: 2, wantErr: signing.ErrConflict,
		},
		{
			name:    "higher_stored_attempt_is_superseded",
			setup:   func(t *testing.T, h *harness) { mustStart(t, h, 3) },
			attempt: 2, wantErr: signing.ErrSuperseded,
		},
		{
			name: "higher_stored_attempt_closed_is_superseded",
			setup: func(t *testing.T, h *harness) {
				rejectAfterOlaSigned(t, h)
				mustStart(t, h, 3)
				if _, err := h.Svc.Reject(context.Background(), signing.RejectInput{Task: foundersTask, Caller: kari(t)}); err != nil {
					t.Fatal(err)
				}
			},
			attempt: 2, wantErr: signing.ErrSuperseded,
		},
		{name: "negative_attempt_is_invalid", attempt: -1, wantErr: signing.ErrInvalid},
		{name: "attempt_above_max_is_invalid", attempt: signing.MaxAttempt + 1, wantErr: signing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			ctx := context.Background()
			if tt.setup != nil {
				tt.setup(t, h)
			}
			before, beforeErr := h.Repo.GetTask(ctx, foundersTask)
			beforeSigs, _ := h.Repo.ListSignatures(ctx, foundersTask)
			got, err := startAttempt(h, tt.attempt)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Start(attempt %d) error = %v, want %v", tt.attempt, err, tt.wantErr)
				}
				after, afterErr := h.Repo.GetTask(ctx, foundersTask)
				if (afterErr == nil) != (beforeErr == nil) {
					t.Fatalf("GetTask() after a refused start: error = %v, want %v", afterErr, beforeErr)
				}
				repotest.SameJSON(t, "task after a refused start", after, before)
				return
			}
			if err != nil {
				t.Fatalf("Start(attempt %d) error = %v", tt.attempt, err)
			}
			task, err := h.Repo.GetTask(ctx, foundersTask)
			if err != nil {
				t.Fatal(err)
			}
			signees, _, err := h.Repo.ListSignees(ctx, foundersTask, signing.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var keys []signing.SigneeKey
			for _, sg := range signees {
				keys = append(keys, sg.Key)
			}
			if gotKeys := slices.Sorted(slices.Values(got.Signees)); !slices.Equal(gotKeys, keys) || got.Task != foundersTask {
				t.Errorf("Start() = %+v, want the stored signees %v", got, keys)
			}
			if !tt.wantFresh {
				repotest.SameJSON(t, "task after a repeated start", task, before)
				return
			}
			if task.Attempt != tt.wantAttempt || task.Status != signing.TaskCollecting || task.Counts != (signing.Counts{Total: 3}) ||
				task.ExecutionARN != executionARN(tt.wantAttempt) || task.ConfigDigest != h.Cfg.Digest() {
				t.Errorf("task = attempt %d %s %+v execution %q, want attempt %d collecting, 3 signees, execution %q",
					task.Attempt, task.Status, task.Counts, task.ExecutionARN, tt.wantAttempt, executionARN(tt.wantAttempt))
			}
			for _, sg := range signees {
				if sg.Status != signing.SigneeResolved || !sg.DelegatedAt.IsZero() || !sg.SignedAt.IsZero() || sg.CorrespondenceID != "" {
					t.Errorf("signee %s = %s (delegated %v, signed %v), want resolved from a clean state", sg.Key, sg.Status, sg.DelegatedAt, sg.SignedAt)
				}
			}
			if sigs, err := h.Repo.ListSignatures(ctx, foundersTask); err != nil || len(sigs) != 0 {
				t.Errorf("signatures = %d, %v; want none (the %d of the old attempt are discarded)", len(sigs), err, len(beforeSigs))
			}
		})
	}
}

// TestService_newAttempt runs the reference's re-entry: attempt 1 is
// rejected after Ola signed; attempt 2 delegates and tells everyone again
// (new idempotency keys), Ola's old signature no longer counts, and the
// task completes with three new signatures.
func TestService_newAttempt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	rejectAfterOlaSigned(t, h)
	if got := h.Emu.Delegations(); len(got) != 0 {
		t.Fatalf("delegations after the reject = %d, want none", len(got))
	}
	first := len(h.Emu.Messages())

	h.Clock.Advance(time.Hour) // the filler corrects the form and submits again
	started := mustStart(t, h, 2)
	again := mustStart(t, h, 2) // a retried Resolve Signees
	if !slices.Equal(slices.Sorted(slices.Values(again.Signees)), slices.Sorted(slices.Values(started.Signees))) {
		t.Errorf("repeated Start(attempt 2) = %v, want %v", again.Signees, started.Signees)
	}
	for range 2 { // every step may run twice
		delegateAndNotify(t, h, started.Signees)
	}
	if got := len(h.Emu.Delegations()); got != 4 {
		t.Errorf("delegations in force = %d, want Ola and the company delegated read and sign again", got)
	}
	cta := map[string][]string{} // recipient → idempotency keys
	for _, m := range h.Emu.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, "cta:") {
			cta[m.RecipientPartyUUID] = append(cta[m.RecipientPartyUUID], m.IdempotencyKey)
		}
	}
	for _, who := range []string{kariUUID, olaUUID, companyUUID} {
		keys := cta[who]
		if len(keys) != 2 || !strings.Contains(keys[0], ":SigningTask:1:") || !strings.Contains(keys[1], ":SigningTask:2:") {
			t.Errorf("call-to-action keys for %s = %q, want one of attempt 1 and one of attempt 2", who, keys)
		}
	}
	if n := len(h.Emu.Notifications()); n != 6 {
		t.Errorf("notification orders = %d, want 6: one per call-to-action, 3 per attempt", n)
	}

	// Ola's signature of attempt 1 does not count: Ola signs again.
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); err != nil {
		t.Fatalf("Sign(Ola, attempt 2) error = %v", err)
	}
	signedBefore := dataOfType(h, h.Cfg.SignatureDataType)
	for _, in := range []signing.SignInput{{Task: foundersTask, Caller: kari(t)}, {Task: foundersTask, Caller: kari(t), OnBehalfOf: companyOrg}} {
		if _, err := h.Svc.Sign(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	col, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{})
	if err != nil || !col.AllSigned || len(col.NeedReceipt) != 3 {
		t.Fatalf("Collect() = %+v, %v; want all 3 signed, 3 receipts owed", col, err)
	}
	for _, sk := range col.NeedReceipt {
		if _, err := h.Svc.SendReceipt(ctx, foundersTask, sk); err != nil {
			t.Fatal(err)
		}
	}
	// Storage replaces a signee's earlier document (same signeeInfo): Ola's
	// of attempt 1 gives way to attempt 2's; Kari's two are new.
	if got := dataOfType(h, h.Cfg.SignatureDataType); got != signedBefore+2 {
		t.Errorf("sign documents = %d, want %d: Ola's replaced, Kari's two new", got, signedBefore+2)
	}
	h.Clock.Advance(time.Minute)
	if _, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: foundersTask, Caller: kari(t)}); err != nil {
		t.Fatal(err)
	}
	if outcome, err := h.Svc.Finalize(ctx, foundersTask); err != nil || outcome != signing.OutcomeSigned {
		t.Fatalf("Finalize() = %q, %v", outcome, err)
	}
	keys := map[string]int{}
	for _, d := range h.Emu.Data() {
		if d.Source != "fixture" {
			keys[d.Source+" "+d.DataType]++
		}
	}
	want := map[string]int{"api " + h.Cfg.SigningPDFDataType: 1, "sign " + h.Cfg.SignatureDataType: 3}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("data elements written by kind and attempt = %v, want %v", keys, want)
	}
	receipts := map[string]int{}
	for _, m := range h.Emu.Messages()[first:] {
		if strings.HasPrefix(m.IdempotencyKey, "receipt:") {
			receipts[m.RecipientPartyUUID]++
		}
	}
	if receipts[olaUUID] != 1 || receipts[kariUUID] != 2 {
		t.Errorf("receipts of attempt 2 = %v, want one for Ola and two for Kari", receipts)
	}
	audit, err := h.Repo.Audit(ctx, foundersTask)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range audit {
		if strings.HasPrefix(e.Action, "task.") {
			actions = append(actions, e.Action)
		}
	}
	if want := []string{"task.created", "task.rejected", "task.restarted", "task.completed"}; !slices.Equal(actions, want) {
		t.Errorf("task audit entries = %v, want %v", actions, want)
	}
}

func TestTask_Restartable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status signing.TaskStatus
		want   bool
	}{
		{signing.TaskCollecting, false},
		{signing.TaskCompleted, false},
		{signing.TaskRejected, true},
		{signing.TaskExpired, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			t.Parallel()
			if got := (signing.Task{Status: tt.status}).Restartable(); got != tt.want {
				t.Errorf("Restartable() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPrepareRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		attempt     int
		previous    int
		wantAttempt int
		wantField   string
	}{
		{name: "next_attempt", attempt: 2, previous: 1, wantAttempt: 2},
		{name: "skips_attempts", attempt: 5, previous: 2, wantAttempt: 5},
		{name: "unset_attempt_is_1_so_not_above_previous", attempt: 0, previous: 1, wantField: "previousAttempt"},
		{name: "same_attempt", attempt: 2, previous: 2, wantField: "previousAttempt"},
		{name: "lower_attempt", attempt: 2, previous: 3, wantField: "previousAttempt"},
		{name: "no_previous", attempt: 2, previous: 0, wantField: "previousAttempt"},
		{name: "negative_attempt", attempt: -2, previous: 1, wantField: "attempt"},
		{name: "attempt_above_max", attempt: signing.MaxAttempt + 1, previous: 1, wantField: "attempt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			task, signees := repotest.NewTask(t, 2)
			task.Attempt = tt.attempt
			got, err := signing.PrepareRestart(task, signees, tt.previous, repotest.T0)
			if tt.wantField != "" {
				if !errors.Is(err, signing.ErrInvalid) || !strings.Contains(err.Error(), tt.wantField) {
					t.Fatalf("PrepareRestart() error = %v, want ErrInvalid naming %s", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("PrepareRestart() error = %v", err)
			}
			if got.Attempt != tt.wantAttempt {
				t.Errorf("attempt = %d, want %d", got.Attempt, tt.wantAttempt)
			}
		})
	}
}

// heldAccess holds the first Revoke until released, as a call to access
// management still in flight when the next attempt starts.
type heldAccess struct {
	signing.AccessManagement
	entered, release chan struct{}
	once             *sync.Once
}

func (a heldAccess) Revoke(ctx context.Context, d signing.Delegation) error {
	held := false
	a.once.Do(func() { held = true })
	if held {
		close(a.entered)
		<-a.release
	}
	return a.AccessManagement.Revoke(ctx, d)
}

// A release of attempt 1 whose revoke is still in flight when attempt 2
// starts must not take back attempt 2's new delegation of the same person:
// attempt 2 delegates only once the revoke can no longer land.
func TestService_releaseInFlight(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	delegateAndNotify(t, h, mustStart(t, h, 1).Signees)
	if _, err := h.Svc.Reject(ctx, signing.RejectInput{Task: foundersTask, Caller: kari(t), Reason: "wrong share capital"}); err != nil {
		t.Fatal(err)
	}
	access := heldAccess{AccessManagement: h.Svc.Access, entered: make(chan struct{}), release: make(chan struct{}), once: &sync.Once{}}
	h.Svc.Access = access
	finished := make(chan error, 1)
	go func() {
		_, err := h.Svc.Finish(ctx, foundersTask.At(1), signing.TaskRejected, "rejected")
		finished <- err
	}()
	<-access.entered // Handle Reject of attempt 1 has a revoke on its way

	h.Clock.Advance(time.Second) // the filler submits again at once
	started := mustStart(t, h, 2)
	var refused int
	for _, sk := range started.Signees {
		_, err := h.Svc.Delegate(ctx, foundersTask.At(2), sk)
		switch {
		case errors.Is(err, signing.ErrTransient):
			refused++
		case err != nil:
			t.Fatalf("Delegate(%s, attempt 2) error = %v", sk, err)
		}
	}
	if refused == 0 {
		t.Errorf("every Delegate of attempt 2 went ahead while attempt 1's revoke was in flight")
	}
	close(access.release) // the revoke lands now
	if err := <-finished; err != nil && !errors.Is(err, signing.ErrSuperseded) {
		t.Fatalf("Finish(attempt 1) error = %v, want nil or superseded", err)
	}

	h.Clock.Advance(signing.ReleaseWindow)
	delegateAndNotify(t, h, started.Signees) // the step's retries, or Collect's needDelegation
	if got := len(h.Emu.Delegations()); got != 4 {
		t.Errorf("delegations in force = %d, want 4: Ola and the company delegated read and sign by attempt 2", got)
	}
}

func TestTask_DelegateAfter(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		releaseAt time.Time
		want      time.Time
	}{
		{"no release", time.Time{}, time.Time{}},
		{"release of the replaced attempt", created.Add(-time.Second), created.Add(-time.Second).Add(signing.ReleaseWindow)},
		{"release of this attempt", created.Add(time.Minute), time.Time{}},
	}
	for _, tt := range tests {
		task := signing.Task{CreatedAt: created, ReleaseAt: tt.releaseAt}
		if got := task.DelegateAfter(); !got.Equal(tt.want) {
			t.Errorf("%s: DelegateAfter() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

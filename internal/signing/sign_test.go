package signing_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/signing"
)

const companyOrg = "312847612"

func TestService_Sign(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	if err := h.Repo.RegisterWait(ctx, foundersTask, "wait-token-1"); err != nil {
		t.Fatal(err)
	}

	got, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)})
	if err != nil {
		t.Fatalf("Sign() error = %v", err)
	}
	if got.WakeErr != nil || len(h.Workflow.Resumed) != 1 || h.Workflow.Resumed[0] != "wait-token-1" {
		t.Errorf("the waiting workflow was not resumed: %v %v", got.WakeErr, h.Workflow.Resumed)
	}
	sig := got.Signature
	if sig.OnBehalfOf != "" || sig.Signer.MaskedID != "029190*****" || sig.Signer.PartyUUID != olaUUID || len(sig.Digests) != 1 {
		t.Errorf("signature = %+v", sig)
	}
	// The digest is the SHA-256 of the stored PDF.
	for _, d := range h.Emu.Data() {
		if d.ID == sig.Digests[0].DataElementID {
			sum := sha256.Sum256(d.Bytes)
			if want := hex.EncodeToString(sum[:]); sig.Digests[0].SHA256 != want || sig.Digests[0].DataType != "ref-data-as-pdf" {
				t.Errorf("digest = %+v, want sha256 %s of ref-data-as-pdf", sig.Digests[0], want)
			}
		}
	}

	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); !errors.Is(err, signing.ErrConflict) {
		t.Errorf("second Sign() error = %v, want ErrConflict", err)
	}
	forCompany, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: kari(t), OnBehalfOf: "312 847 612"})
	if err != nil || forCompany.Signature.OnBehalfOf != companyOrg {
		t.Fatalf("Sign() for the company = %+v, %v", forCompany, err)
	}
	task, _ := h.Repo.GetTask(ctx, foundersTask)
	if task.Counts.Signed != 2 || task.Counts.Pending != 2 {
		t.Errorf("counts = %+v, want 2 signed, 2 pending", task.Counts)
	}
}

func TestService_Sign_refused(t *testing.T) {
	t.Parallel()
	otherInstance := foundersInstance
	otherInstance.PartyID = 50002
	tests := []struct {
		name    string
		setup   func(t *testing.T, h *harness)
		in      func(t *testing.T) signing.SignInput
		wantErr error
	}{
		{
			name:    "no_person_in_token",
			in:      func(*testing.T) signing.SignInput { return signing.SignInput{Task: foundersTask} },
			wantErr: signing.ErrUnauthenticated,
		},
		{
			name: "unknown_task",
			in: func(t *testing.T) signing.SignInput {
				return signing.SignInput{Task: signing.TaskKey{InstanceGUID: foundersTask.InstanceGUID, TaskID: "Other"}, Caller: ola(t)}
			},
			wantErr: signing.ErrNotFound,
		},
		{
			name: "tampered_party_id",
			in: func(t *testing.T) signing.SignInput {
				return signing.SignInput{Task: foundersTask, Caller: ola(t), Instance: &otherInstance}
			},
			wantErr: signing.ErrNotFound,
		},
		{
			name: "not_a_signee",
			in: func(t *testing.T) signing.SignInput {
				return signing.SignInput{Task: foundersTask, Caller: caller(t, "31129956715", "", "Someone Else")}
			},
			wantErr: signing.ErrForbidden,
		},
		{
			name: "no_role_for_the_organisation",
			in: func(t *testing.T) signing.SignInput {
				return signing.SignInput{Task: foundersTask, Caller: ola(t), OnBehalfOf: companyOrg}
			},
			wantErr: signing.ErrForbidden,
		},
		{
			name: "organisation_not_a_signee",
			in: func(t *testing.T) signing.SignInput {
				return signing.SignInput{Task: foundersTask, Caller: kari(t), OnBehalfOf: "974760673"}
			},
			wantErr: signing.ErrForbidden,
		},
		{
			name: "malformed_org_number",
			in: func(t *testing.T) signing.SignInput {
				return signing.SignInput{Task: foundersTask, Caller: kari(t), OnBehalfOf: "12345"}
			},
			wantErr: signing.ErrInvalid,
		},
		{
			name: "task_rejected",
			setup: func(t *testing.T, h *harness) {
				if _, err := h.Svc.Reject(context.Background(), signing.RejectInput{Task: foundersTask, Caller: kari(t)}); err != nil {
					t.Fatal(err)
				}
			},
			in:      func(t *testing.T) signing.SignInput { return signing.SignInput{Task: foundersTask, Caller: ola(t)} },
			wantErr: signing.ErrRejected,
		},
		{
			name: "storage_down",
			setup: func(t *testing.T, h *harness) {
				if err := h.Emu.InjectFault(emulator.Fault{Operation: emulator.OpReadData, Status: 503}); err != nil {
					t.Fatal(err)
				}
			},
			in:      func(t *testing.T) signing.SignInput { return signing.SignInput{Task: foundersTask, Caller: ola(t)} },
			wantErr: signing.ErrTransient,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.Ready(t)
			if tt.setup != nil {
				tt.setup(t, h)
			}
			_, err := h.Svc.Sign(context.Background(), tt.in(t))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Sign() error = %v, want %v", err, tt.wantErr)
			}
			sigs, _ := h.Repo.ListSignatures(context.Background(), foundersTask)
			if len(sigs) != 0 {
				t.Errorf("a refused Sign() recorded %d signatures", len(sigs))
			}
		})
	}
}

func TestService_Sign_beforeDelegation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Start(t)
	if _, err := h.Svc.Sign(context.Background(), signing.SignInput{Task: foundersTask, Caller: ola(t)}); !errors.Is(err, signing.ErrForbidden) {
		t.Errorf("Sign() before delegation: err = %v, want ErrForbidden", err)
	}
}

func TestService_Sign_concurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Ready(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, conflicts int
	for range 20 {
		wg.Go(func() {
			_, err := h.Svc.Sign(context.Background(), signing.SignInput{Task: foundersTask, Caller: ola(t)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, signing.ErrConflict):
				conflicts++
			default:
				t.Errorf("Sign() error = %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || conflicts != 19 {
		t.Errorf("%d signed, %d conflicts; want 1 and 19", ok, conflicts)
	}
}

func TestService_Reject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		caller  func(t *testing.T) signing.Caller
		actions []string
		wantErr error
	}{
		{name: "owner_may_reject", caller: kari},
		{name: "signee_without_reject_action", caller: ola, wantErr: signing.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.Ready(t)
			ctx := context.Background()
			if err := h.Repo.RegisterWait(ctx, foundersTask, "wait-token"); err != nil {
				t.Fatal(err)
			}
			_, err := h.Svc.Reject(ctx, signing.RejectInput{Task: foundersTask, Caller: tt.caller(t)})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Reject() error = %v, want %v", err, tt.wantErr)
			}
			task, _ := h.Repo.GetTask(ctx, foundersTask)
			if tt.wantErr != nil {
				if task.Status != signing.TaskCollecting || len(h.Workflow.Failed) != 0 {
					t.Errorf("a refused Reject() changed the task: %s, failed %v", task.Status, h.Workflow.Failed)
				}
				return
			}
			if task.Status != signing.TaskRejected || h.Workflow.Failed["wait-token"] != signing.ErrorRejected {
				t.Errorf("after Reject(): status %s, failed tokens %v", task.Status, h.Workflow.Failed)
			}
			if _, err := h.Svc.Reject(ctx, signing.RejectInput{Task: foundersTask, Caller: kari(t)}); !errors.Is(err, signing.ErrTaskClosed) {
				t.Errorf("second Reject() error = %v, want ErrTaskClosed", err)
			}
		})
	}
}

func TestService_Reject_signeeWithRejectAction(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	spec := signees.Founders().Spec()
	spec.ID, spec.AdditionalActions = "founders-may-reject", []string{"reject"}
	withReject, err := signees.NewConfigured(spec)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := signees.NewRegistry(withReject)
	if err != nil {
		t.Fatal(err)
	}
	h.Svc.Signees.(*signees.Source).Registry = reg
	h.Cfg.SigneeProviderID = spec.ID
	h.Ready(t)
	if got := h.Emu.Delegations(); len(got) != 6 {
		t.Errorf("delegations = %d, want Ola and the company × (read, sign, reject)", len(got))
	}
	if _, err := h.Svc.Reject(context.Background(), signing.RejectInput{Task: foundersTask, Caller: ola(t), Reason: "wrong company name"}); err != nil {
		t.Fatalf("Reject() by a signee with the reject action: %v", err)
	}
	task, _ := h.Repo.GetTask(context.Background(), foundersTask)
	if task.Status != signing.TaskRejected || task.RejectReason != "wrong company name" || task.RejectedBy != signing.RejectedBySignee ||
		strings.Contains(task.CloseReason, "wrong") {
		t.Errorf("task = %s by %q (reason %q, close reason %q), want rejected by a signee with the reason kept apart from the close reason",
			task.Status, task.RejectedBy, task.RejectReason, task.CloseReason)
	}
	if o, _ := task.Outcome(); o != signing.OutcomeRejected {
		t.Errorf("Outcome() = %q, want rejected", o)
	}
	// Handle Reject tells the others why, and the owner.
	if _, err := h.Svc.Finish(context.Background(), foundersTask, signing.TaskRejected, "rejected"); err != nil {
		t.Fatal(err)
	}
	var cancels, owner int
	for _, m := range h.Emu.Messages() {
		switch {
		case strings.HasPrefix(m.IdempotencyKey, "cancel:"):
			cancels++
			if !strings.Contains(m.Body, "«wrong company name»") || !strings.Contains(m.Body, "avslo") {
				t.Errorf("cancellation to %s = %q, want the signee's reject and reason", m.RecipientPartyUUID, m.Body)
			}
		case strings.HasPrefix(m.IdempotencyKey, "owner-rejected:"):
			owner++
			if m.RecipientPartyUUID != kariUUID || !strings.Contains(m.Body, "«wrong company name»") {
				t.Errorf("owner message to %s = %q, want Kari told with the reason", m.RecipientPartyUUID, m.Body)
			}
		}
	}
	if cancels == 0 || owner != 1 {
		t.Errorf("cancellations %d, owner messages %d; want some and one", cancels, owner)
	}
}

func TestCleanReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		required bool
		want     string
		field    bool
	}{
		{"", false, "", false},
		{"  Feil\n\taksjekapital  ", false, "Feil aksjekapital", false},
		{"", true, "", true},
		{"   ", true, "", true},
		{strings.Repeat("æ", signing.MaxReasonLength), false, strings.Repeat("æ", signing.MaxReasonLength), false},
		{strings.Repeat("æ", signing.MaxReasonLength+1), false, "", true},
		{"bell\x07", false, "", true},
		{"bad \xff byte", false, "", true},
		{"c1 \u0085 control", false, "", true},
	}
	for _, tt := range tests {
		got, err := signing.CleanReason(tt.in, tt.required)
		var fe *signing.FieldError
		switch {
		case tt.field && (!errors.As(err, &fe) || fe.Field != "reason"):
			t.Errorf("CleanReason(%q) error = %v, want one naming reason", tt.in, err)
		case tt.field && strings.Contains(err.Error(), strings.TrimSpace(tt.in)) && strings.TrimSpace(tt.in) != "":
			t.Errorf("CleanReason(%q) error %q echoes the text", tt.in, err)
		case !tt.field && (err != nil || got != tt.want):
			t.Errorf("CleanReason(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// The owner's cancel is apart from a reject: only the owner may, and the
// task's outcome is cancelled.
func TestService_Cancel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Ready(t)
	ctx := context.Background()
	if _, err := h.Svc.Cancel(ctx, signing.CancelInput{Task: foundersTask, Caller: ola(t), Reason: "no"}); !errors.Is(err, signing.ErrForbidden) {
		t.Fatalf("Cancel() by a signee error = %v, want ErrForbidden", err)
	}
	if _, err := h.Svc.Cancel(ctx, signing.CancelInput{Task: foundersTask, Caller: kari(t), Reason: "Vi venter med stiftelsen"}); err != nil {
		t.Fatalf("Cancel() by the owner error = %v", err)
	}
	task, _ := h.Repo.GetTask(ctx, foundersTask)
	if o, _ := task.Outcome(); o != signing.OutcomeCancelled || task.RejectReason != "Vi venter med stiftelsen" {
		t.Errorf("task outcome %q reason %q, want cancelled with the reason", o, task.RejectReason)
	}
	if _, err := h.Svc.Reject(ctx, signing.RejectInput{Task: foundersTask, Caller: kari(t)}); !errors.Is(err, signing.ErrTaskClosed) {
		t.Errorf("Reject() after the cancel error = %v, want the task closed", err)
	}
}

func TestService_Complete(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	if _, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: foundersTask, Caller: kari(t)}); !errors.Is(err, signing.ErrConflict) {
		t.Fatalf("Complete() before anyone signed: err = %v, want ErrConflict", err)
	}
	h.SignAll(t)
	if err := h.Repo.RegisterCompletionWait(ctx, foundersTask, "completion-token"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: foundersTask, Caller: ola(t)}); !errors.Is(err, signing.ErrForbidden) {
		t.Errorf("Complete() by a signee who does not own the instance: err = %v, want ErrForbidden", err)
	}
	if _, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: foundersTask, Caller: kari(t)}); err != nil {
		t.Fatalf("Complete() error = %v", err)
	}
	task, _ := h.Repo.GetTask(ctx, foundersTask)
	if task.Status != signing.TaskCompleted || len(h.Workflow.Resumed) != 1 || h.Workflow.Resumed[0] != "completion-token" {
		t.Errorf("after Complete(): status %s, resumed %v", task.Status, h.Workflow.Resumed)
	}
}

func TestService_Reject_workflowGone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	if err := h.Repo.RegisterWait(ctx, foundersTask, "stale-token"); err != nil {
		t.Fatal(err)
	}
	h.Workflow.Err = errors.New("task token is no longer valid")
	got, err := h.Svc.Reject(ctx, signing.RejectInput{Task: foundersTask, Caller: kari(t)})
	if err != nil {
		t.Fatalf("Reject() error = %v, want the task rejected regardless", err)
	}
	if got.WakeErr == nil || got.Task.Status != signing.TaskRejected {
		t.Errorf("Reject() = %+v, want rejected with the wake-up failure reported", got)
	}
}

func TestService_submitterActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		actions      []string
		wantReject   error
		wantComplete error
	}{
		{name: "default_both", actions: nil},
		{name: "complete_only", actions: []string{signing.SubmitterComplete}, wantReject: signing.ErrForbidden},
		{name: "reject_only", actions: []string{signing.SubmitterReject}, wantComplete: signing.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := newHarness(t)
			h.Cfg.SubmitterActions = tt.actions
			h.Ready(t)
			h.SignAll(t)
			_, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: foundersTask, Caller: kari(t)})
			if !errors.Is(err, tt.wantComplete) || (tt.wantComplete == nil && err != nil) {
				t.Errorf("Complete() error = %v, want %v", err, tt.wantComplete)
			}
			h2 := newHarness(t)
			h2.Cfg.SubmitterActions = tt.actions
			h2.Ready(t)
			_, err = h2.Svc.Reject(ctx, signing.RejectInput{Task: foundersTask, Caller: kari(t)})
			if !errors.Is(err, tt.wantReject) || (tt.wantReject == nil && err != nil) {
				t.Errorf("Reject() error = %v, want %v", err, tt.wantReject)
			}
		})
	}
}

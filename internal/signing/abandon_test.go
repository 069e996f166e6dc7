package signing_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
)

// TestService_Abandon: the failure path closes a collecting task as failed,
// revokes every delegation, tells the signees who had not signed, and is
// safe to repeat; the task then takes no signature and no round.
func TestService_Abandon(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); err != nil {
		t.Fatal(err)
	}
	if len(h.Emu.Delegations()) == 0 {
		t.Fatal("no delegations in force before the failure; the test proves nothing")
	}
	for range 2 {
		status, err := h.Svc.Abandon(ctx, foundersTask, "a step failed for good")
		if err != nil || status != signing.TaskFailed {
			t.Fatalf("Abandon() = %q, %v; want failed", status, err)
		}
	}
	task, err := h.Repo.GetTask(ctx, foundersTask)
	if err != nil || task.Status != signing.TaskFailed || task.CloseReason != "a step failed for good" {
		t.Errorf("task = %s %q, %v; want failed with the reason", task.Status, task.CloseReason, err)
	}
	if got := h.Emu.Delegations(); len(got) != 0 {
		t.Errorf("delegations in force after the failure = %+v, want none", got)
	}
	if got := messagesTitled(h, "avbrutt"); got != 2 {
		t.Errorf("cancellation messages = %d, want 2 (Kari and the company had not signed)", got)
	}
	if got := h.SigneeByUUID(t, companyUUID); got.Status != signing.SigneeRevoked {
		t.Errorf("the company is %s, want revoked", got.Status)
	}
	if got := h.SigneeByUUID(t, olaUUID); got.Status != signing.SigneeReceiptSent {
		t.Errorf("Ola, who signed, is %s; want receipt_sent (what was answered 200 gets its receipt on the failure path too)", got.Status)
	}
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: kari(t)}); !errors.Is(err, signing.ErrTaskClosed) {
		t.Errorf("Sign() after the failure: err = %v, want ErrTaskClosed", err)
	}
	if _, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{}); !errors.Is(err, signing.ErrTaskClosed) {
		t.Errorf("Collect() after the failure: err = %v, want ErrTaskClosed", err)
	}
}

// TestService_Abandon_receiptOutage: on the failure path a receipt the
// platform refuses does not fail the cleanup; it stays due, and the next
// attempt's receipts step sends it, once, with the key of its attempt.
func TestService_Abandon_receiptOutage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); err != nil {
		t.Fatal(err)
	}
	h.Emu.InjectFault(emulator.Fault{Operation: emulator.OpInitializeAttachment, Status: 503, Count: 100})
	status, err := h.Svc.Abandon(ctx, foundersTask.At(1), "a step failed for good")
	if err != nil || status != signing.TaskFailed {
		t.Fatalf("Abandon() = %q, %v; want failed despite the receipt outage", status, err)
	}
	if got := h.SigneeByUUID(t, olaUUID); got.Status != signing.SigneeSigned {
		t.Fatalf("Ola is %s, want signed: her receipt is still due", got.Status)
	}
	h.Emu.ClearFaults()
	next := mustStart(t, h, 2)
	delegateAndNotify(t, h, next.Signees)
	got, err := h.Svc.Collect(ctx, foundersTask.At(2), signing.CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sk := range got.NeedReceipt {
		if _, err := h.Svc.SendReceipt(ctx, foundersTask.At(2), sk); err != nil {
			t.Fatal(err)
		}
	}
	var receipts []string
	for _, m := range h.Emu.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, "receipt:") {
			receipts = append(receipts, m.IdempotencyKey)
		}
	}
	if len(receipts) != 1 || !strings.Contains(receipts[0], ":SigningTask:1:") {
		t.Errorf("receipts = %v, want Ola's of attempt 1, once", receipts)
	}
}

// TestService_Abandon_completed: a completed task whose finalisation failed
// for good stays completed, and its delegations are revoked all the same.
func TestService_Abandon_completed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	h.CompleteAll(t)
	status, err := h.Svc.Abandon(ctx, foundersTask, "finalize failed")
	if err != nil || status != signing.TaskCompleted {
		t.Fatalf("Abandon() = %q, %v; want completed", status, err)
	}
	if got := h.Emu.Delegations(); len(got) != 0 {
		t.Errorf("delegations in force = %+v, want none", got)
	}
	if got := messagesTitled(h, "avbrutt"); got != 0 {
		t.Errorf("cancellation messages = %d, want none (everyone had signed)", got)
	}
}

func TestService_Abandon_unknownTask(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.Svc.Abandon(context.Background(), foundersTask, "x"); !errors.Is(err, signing.ErrNotFound) {
		t.Errorf("Abandon() of a task never started: err = %v, want ErrNotFound", err)
	}
}

package main

import (
	"context"
	"testing"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
	"github.com/signingflow/signing/internal/stepfn/stepfntest"
)

func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		event       string
		rejectByAPI bool
		want        signing.Outcome
	}{
		{name: "rejected_by_the_owner", event: "handle-reject-rejected", rejectByAPI: true, want: signing.OutcomeRejected},
		{name: "expired", event: "handle-reject-expired", want: signing.OutcomeExpired},
		{name: "failed_for_good", event: "handle-reject-failed", want: signing.OutcomeFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			h.Ready(t)
			ctx := context.Background()
			if tt.rejectByAPI {
				if _, err := h.Svc.Reject(ctx, signing.RejectInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
					t.Fatal(err)
				}
			}
			handler := NewHandler(h.Svc)
			for range 2 { // a repeated step is harmless
				got, err := handler.Handle(ctx, stepfntest.Event(t, tt.event))
				if err != nil {
					t.Fatalf("Handle() error = %v", err)
				}
				if got.Outcome != tt.want {
					t.Errorf("outcome = %q, want %q", got.Outcome, tt.want)
				}
			}
			if got := len(h.Emu.Delegations()); got != 0 {
				t.Errorf("%d rights still in force, want every delegation revoked", got)
			}
			if sg := h.SigneeByUUID(t, signingtest.OlaUUID); sg.Status != signing.SigneeRevoked {
				t.Errorf("Ola is %s, want revoked", sg.Status)
			}
		})
	}
}

func TestHandler_Handle_completedFirst(t *testing.T) {
	t.Parallel()
	h := signingtest.New(t)
	h.Ready(t)
	ctx := context.Background()
	h.CompleteAll(t)
	got, err := NewHandler(h.Svc).Handle(ctx, stepfntest.Event(t, "handle-reject-expired"))
	if err != nil || got.Outcome != signing.OutcomeSigned {
		t.Errorf("Handle() = %+v, %v; want outcome signed (Finalize ends it)", got, err)
	}
}

func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	for _, event := range []string{"handle-reject-bad-status", "collect-signatures-malformed", "finalize-unknown-task", "delegate-signee-bad-keys"} {
		t.Run(event, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			h.Start(t)
			_, err := NewHandler(h.Svc).Handle(context.Background(), stepfntest.Event(t, event))
			if name, msg := stepfntest.ErrorName(t, err); name != stepfn.ErrorInvalid {
				t.Errorf("error name = %q, want %q (%s)", name, stepfn.ErrorInvalid, msg)
			}
			task, err := h.Repo.GetTask(context.Background(), signingtest.FoundersTask)
			if err != nil || task.Status != signing.TaskCollecting {
				t.Errorf("task = %s, %v; want still collecting", task.Status, err)
			}
		})
	}
}

package main

import (
	"context"
	"encoding/json"
	"strings"
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

// badInput are the events Handle Reject refuses as Signing.Invalid, with the
// text the message must hold. They reach a task whose signees are delegated
// and notified, so a handler that acted on them anyway would close the task,
// revoke the rights and tell the signees.
var badInput = []signingtest.Refusal{
	{Event: "handle-reject-unknown-task", WantText: []string{"task", "00000000-0000-4000-8000-000000000000/SigningTask", "not found"}},
	{Event: "handle-reject-bad-status", WantText: []string{"status: must be \"rejected\", \"expired\" or \"failed\""}},
	{Event: "handle-reject-bad-keys", WantText: []string{"task.instanceGuid: must be a lowercase GUID", "task.taskId: must be a BPMN task ID"}},
	{Event: "handle-reject-malformed", WantText: []string{"status: must be a JSON string"}},
}

// TestHandler_Handle_badInput checks the error name, that the message names
// what is wrong, and that nothing was written: no repository change, no
// revocation, message, notification order or data element.
func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	signingtest.CheckRefusals(t, badInput, func(t *testing.T) *signingtest.Harness {
		h := signingtest.New(t)
		h.Ready(t)
		return h
	}, handle, func(t *testing.T, h *signingtest.Harness) {
		task, err := h.Repo.GetTask(context.Background(), signingtest.FoundersTask)
		if err != nil || task.Status != signing.TaskCollecting {
			t.Errorf("task = %s, %v; want still collecting", task.Status, err)
		}
	})
}

// TestHandler_Handle_events checks that every events/handle-reject-*.json has a test case.
func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	// TestHandler_Handle, TestHandler_Handle_completedFirst, TestHandler_Handle_release
	events := []string{"handle-reject-rejected", "handle-reject-expired", "handle-reject-failed", "handle-reject-release"}
	for _, tt := range badInput {
		events = append(events, tt.Event)
	}
	signingtest.CheckEventsCovered(t, "handle-reject", events...)
}

// TestHandler_Handle_superseded: Handle Reject of attempt 1, retried after
// the owner's reject and the start of attempt 2, changes nothing (attempt
// 2's rights, messages and state stay) and says Signing.Superseded, which
// the state machine ends as superseded.
func TestHandler_Handle_superseded(t *testing.T) {
	t.Parallel()
	for _, event := range []string{"handle-reject-rejected", "handle-reject-expired", "handle-reject-failed"} {
		t.Run(event, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			h.Ready(t)
			ctx := context.Background()
			if _, err := h.Svc.Reject(ctx, signing.RejectInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
				t.Fatal(err)
			}
			next, err := h.Svc.Start(ctx, signing.StartInput{Instance: signingtest.FoundersInstance, TaskID: "SigningTask", Config: h.Cfg, Attempt: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, sk := range next.Signees {
				if _, err := h.Svc.Delegate(ctx, signingtest.FoundersTask.At(2), sk); err != nil {
					t.Fatal(err)
				}
			}
			rights := len(h.Emu.Delegations())
			w := signingtest.WatchWrites(t, h)
			_, err = NewHandler(h.Svc).Handle(ctx, stepfntest.Event(t, event)) // attempt 1
			if name, msg := stepfntest.ErrorName(t, err); name != stepfn.ErrorSuperseded {
				t.Errorf("Handle(attempt 1) error name = %q (%s), want %s", name, msg, stepfn.ErrorSuperseded)
			}
			w.NothingWritten(t)
			if got := len(h.Emu.Delegations()); got != rights || rights == 0 {
				t.Errorf("rights in force = %d, want attempt 2's %d", got, rights)
			}
		})
	}
}

// handle is the handler over the harness's service.
func handle(h *signingtest.Harness) func(context.Context, json.RawMessage) (Result, error) {
	return NewHandler(h.Svc).Handle
}

// TestHandler_Handle_release runs Release Signees' step: in a task that
// needs any 2 of its 3 signatures, once Kari has signed for herself and the
// company, Ola loses his rights and is told once, however often it runs.
func TestHandler_Handle_release(t *testing.T) {
	t.Parallel()
	h := signingtest.New(t)
	h.Cfg.RequiredSignatures = []signing.GroupRequirement{{Group: 1, Required: 2}}
	h.Ready(t)
	ctx := context.Background()
	handler := NewHandler(h.Svc)
	// Before the group has its signatures, the step leaves Ola as he is.
	got, err := handler.Handle(ctx, stepfntest.Event(t, "handle-reject-release"))
	if err != nil || got.Status != signing.SigneeNotified || got.Outcome != "" {
		t.Fatalf("Handle() before 2 of 3 = %+v, %v; want Ola still notified", got, err)
	}
	for _, org := range []string{"", signingtest.CompanyOrg} {
		if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t), OnBehalfOf: org}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // a repeated step is harmless
		got, err := handler.Handle(ctx, stepfntest.Event(t, "handle-reject-release"))
		if err != nil || got.Status != signing.SigneeRevoked || got.Signee != "p-775735aa3661a2e57beb46a4" {
			t.Fatalf("Handle() = %+v, %v; want Ola revoked", got, err)
		}
	}
	for _, d := range h.Emu.Delegations() {
		if d.To == signingtest.OlaUUID {
			t.Errorf("Ola still holds %s", d.Action)
		}
	}
	told := 0
	for _, m := range h.Emu.Messages() {
		if m.RecipientPartyUUID == signingtest.OlaUUID && strings.HasPrefix(m.IdempotencyKey, "not-needed:") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("Ola was told %d times he is no longer needed, want once", told)
	}
}

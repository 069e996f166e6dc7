package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
	"github.com/signingflow/signing/internal/stepfn/stepfntest"
)

// delegated starts the task and delegates Ola.
func delegated(t *testing.T) *signingtest.Harness {
	t.Helper()
	h := signingtest.New(t)
	h.Start(t)
	if _, err := h.Svc.Delegate(context.Background(), signingtest.FoundersTask, "p-775735aa3661a2e57beb46a4"); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	h := delegated(t)
	handler := NewHandler(h.Svc)
	for range 2 { // a repeated step sends once
		got, err := handler.Handle(context.Background(), stepfntest.Event(t, "notify-signee-ola"))
		if err != nil {
			t.Fatalf("Handle() error = %v", err)
		}
		if got.Status != signing.SigneeNotified || got.Signee != "p-775735aa3661a2e57beb46a4" {
			t.Errorf("Handle() = %+v, want Ola notified", got)
		}
	}
	if got := len(h.Emu.Messages()); got != 1 {
		t.Errorf("messages = %d, want 1", got)
	}
	// The email/SMS order rides on the message: the platform places it once.
	if got := len(h.Emu.Notifications()); got != 1 {
		t.Errorf("notification orders = %d, want 1", got)
	}
}

func TestHandler_Handle_unavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event string
		fault *emulator.Fault
		want  string
	}{
		{name: "correspondence_unavailable", event: "notify-signee-ola", fault: &emulator.Fault{Operation: emulator.OpSend, Status: 502}, want: stepfn.ErrorTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := delegated(t)
			if tt.fault != nil {
				if err := h.Emu.InjectFault(*tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			_, err := NewHandler(h.Svc).Handle(context.Background(), stepfntest.Event(t, tt.event))
			if name, msg := stepfntest.ErrorName(t, err); name != tt.want {
				t.Errorf("error name = %q, want %q (%s)", name, tt.want, msg)
			}
			if got := len(h.Emu.Messages()) + len(h.Emu.Notifications()); got != 0 {
				t.Errorf("%d messages and orders, want none", got)
			}
		})
	}
}

// badInput are the events Notify Signee refuses as Signing.Invalid, with the
// text the message must hold. They reach a task whose Ola is delegated, so
// a handler that acted on them anyway would notify Ola.
var badInput = []signingtest.Refusal{
	{Event: "notify-signee-unknown-task", WantText: []string{"task", "00000000-0000-4000-8000-000000000000/SigningTask", "not found"}},
	{Event: "notify-signee-unknown-signee", WantText: []string{"p-000000000000000000000000", "not found"}},
	{Event: "notify-signee-bad-keys", WantText: []string{"task.instanceGuid: must be a lowercase GUID", "task.taskId: must be a BPMN task ID", "signee: must look like p-<hex> or o-<hex>"}},
	{Event: "notify-signee-malformed", WantText: []string{"signee: must be a JSON string"}},
	{Event: "notify-signee-reminder-bad-time", WantText: []string{"reminder"}},
}

// A reminder event sends the reminder to a told signee once, however often
// the step runs, and nothing to one who was not told.
func TestHandler_Handle_reminder(t *testing.T) {
	t.Parallel()
	h := delegated(t)
	handler := NewHandler(h.Svc)
	ctx := context.Background()
	got, err := handler.Handle(ctx, stepfntest.Event(t, "notify-signee-reminder"))
	if err != nil || got.Status != signing.SigneeDelegated {
		t.Fatalf("Handle(reminder to a signee not told) = %+v, %v; want nothing done", got, err)
	}
	if n := len(h.Emu.Messages()); n != 0 {
		t.Fatalf("messages = %d, want none before Ola was told", n)
	}
	if _, err := handler.Handle(ctx, stepfntest.Event(t, "notify-signee-ola")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := handler.Handle(ctx, stepfntest.Event(t, "notify-signee-reminder")); err != nil {
			t.Fatalf("Handle(reminder) error = %v", err)
		}
	}
	var reminders int
	for _, m := range h.Emu.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, "remind:") {
			reminders++
		}
	}
	if reminders != 1 {
		t.Errorf("reminders = %d, want 1", reminders)
	}
	sg, err := h.Repo.GetSignee(ctx, signingtest.FoundersTask, "p-775735aa3661a2e57beb46a4")
	if err != nil || sg.Reminders != 1 {
		t.Errorf("Ola's reminders = %d, %v; want 1", sg.Reminders, err)
	}
}

// TestHandler_Handle_badInput checks the error name, that the message names
// what is wrong, and that nothing was written: no repository change, no
// delegation, message, notification order or data element.
func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	signingtest.CheckRefusals(t, badInput, delegated, handle, nil)
}

// TestHandler_Handle_events checks that every events/notify-signee-*.json has a test case.
func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	events := []string{"notify-signee-ola", "notify-signee-reminder"} // TestHandler_Handle, _unavailable, _reminder
	for _, tt := range badInput {
		events = append(events, tt.Event)
	}
	signingtest.CheckEventsCovered(t, "notify-signee", events...)
}

// handle is the handler over the harness's service.
func handle(h *signingtest.Harness) func(context.Context, json.RawMessage) (stepfn.SigneeResult, error) {
	return NewHandler(h.Svc).Handle
}

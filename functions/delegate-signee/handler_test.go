package main

import (
	"context"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
	"github.com/signingflow/signing/internal/stepfn/stepfntest"
)

func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		event           string
		wantDelegations int // rights in force: read and sign per delegated signee
	}{
		// Kari owns the instance and holds every right already.
		{name: "owner", event: "delegate-signee-kari", wantDelegations: 0},
		{name: "other_person", event: "delegate-signee-ola", wantDelegations: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			h.Start(t)
			handler := NewHandler(h.Svc)
			for range 2 { // a repeated step is harmless
				got, err := handler.Handle(context.Background(), stepfntest.Event(t, tt.event))
				if err != nil {
					t.Fatalf("Handle() error = %v", err)
				}
				if got.Status != signing.SigneeDelegated {
					t.Errorf("status = %q, want %q", got.Status, signing.SigneeDelegated)
				}
			}
			if got := len(h.Emu.Delegations()); got != tt.wantDelegations {
				t.Errorf("delegations = %d, want %d", got, tt.wantDelegations)
			}
		})
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
		{name: "platform_unavailable", event: "delegate-signee-ola", fault: &emulator.Fault{Operation: emulator.OpDelegate, Status: 503}, want: stepfn.ErrorTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			h.Start(t)
			if tt.fault != nil {
				if err := h.Emu.InjectFault(*tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			_, err := NewHandler(h.Svc).Handle(context.Background(), stepfntest.Event(t, tt.event))
			if name, msg := stepfntest.ErrorName(t, err); name != tt.want {
				t.Errorf("error name = %q, want %q (%s)", name, tt.want, msg)
			}
			if got := len(h.Emu.Delegations()); got != 0 {
				t.Errorf("delegations = %d, want none", got)
			}
		})
	}
}

// badInput are the events Delegate Signee refuses as Signing.Invalid, with
// the text the message must hold. They reach a started task, so a handler
// that acted on them anyway would delegate Ola's rights.
var badInput = []struct {
	event    string
	wantText []string
}{
	{event: "delegate-signee-unknown-task", wantText: []string{"task", "00000000-0000-4000-8000-000000000000/SigningTask", "not found"}},
	{event: "delegate-signee-unknown-signee", wantText: []string{"p-000000000000000000000000", "not found"}},
	// The signee key is a national ID: named as the field, never echoed.
	{event: "delegate-signee-bad-keys", wantText: []string{"task.instanceGuid: must be a lowercase GUID", "task.taskId: must be a BPMN task ID", "signee: must look like p-<hex> or o-<hex>"}},
	{event: "delegate-signee-malformed", wantText: []string{"event: ends before the JSON value is complete"}},
}

// TestHandler_Handle_badInput checks the error name, that the message names
// what is wrong without echoing a national ID, and that nothing was
// written: no repository change, no delegation, message, notification
// order or data element.
func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	for _, tt := range badInput {
		t.Run(tt.event, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			h.Start(t)
			w := signingtest.WatchWrites(t, h)
			_, err := NewHandler(h.Svc).Handle(context.Background(), stepfntest.Event(t, tt.event))
			name, msg := stepfntest.ErrorName(t, err)
			if name != stepfn.ErrorInvalid {
				t.Errorf("error name = %q, want %q (%s)", name, stepfn.ErrorInvalid, msg)
			}
			for _, text := range tt.wantText {
				if !strings.Contains(msg, text) {
					t.Errorf("message %q does not name %q", msg, text)
				}
			}
			if strings.Contains(msg, "15838523428") {
				t.Errorf("message %q echoes a national ID", msg)
			}
			w.NothingWritten(t)
		})
	}
}

// TestHandler_Handle_events checks that every events/delegate-signee-*.json has a test case.
func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	events := []string{"delegate-signee-kari", "delegate-signee-ola"} // TestHandler_Handle, TestHandler_Handle_unavailable
	for _, tt := range badInput {
		events = append(events, tt.event)
	}
	signingtest.CheckEventsCovered(t, "delegate-signee", events...)
}

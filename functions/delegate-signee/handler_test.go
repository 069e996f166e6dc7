package main

import (
	"context"
	"encoding/json"
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
var badInput = []signingtest.Refusal{
	{Event: "delegate-signee-unknown-task", WantText: []string{"task", "00000000-0000-4000-8000-000000000000/SigningTask", "not found"}},
	{Event: "delegate-signee-unknown-signee", WantText: []string{"p-000000000000000000000000", "not found"}},
	// The signee key is a national ID: named as the field, never echoed.
	{Event: "delegate-signee-bad-keys", WantText: []string{"task.instanceGuid: must be a lowercase GUID", "task.taskId: must be a BPMN task ID", "signee: must look like p-<hex> or o-<hex>"}},
	{Event: "delegate-signee-malformed", WantText: []string{"event: ends before the JSON value is complete"}},
}

// TestHandler_Handle_badInput checks the error name, that the message names
// what is wrong without echoing a national ID, and that nothing was
// written: no repository change, no delegation, message, notification
// order or data element.
func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	signingtest.CheckRefusals(t, badInput, func(t *testing.T) *signingtest.Harness {
		h := signingtest.New(t)
		h.Start(t)
		return h
	}, handle, nil)
}

// TestHandler_Handle_events checks that every events/delegate-signee-*.json has a test case.
func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	events := []string{"delegate-signee-kari", "delegate-signee-ola"} // TestHandler_Handle, TestHandler_Handle_unavailable
	for _, tt := range badInput {
		events = append(events, tt.Event)
	}
	signingtest.CheckEventsCovered(t, "delegate-signee", events...)
}

// handle is the handler over the harness's service.
func handle(h *signingtest.Harness) func(context.Context, json.RawMessage) (stepfn.SigneeResult, error) {
	return NewHandler(h.Svc).Handle
}

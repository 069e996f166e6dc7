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

func TestHandler_Handle_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		event    string
		fault    *emulator.Fault
		want     string
		wantText []string
	}{
		{name: "unknown_task", event: "delegate-signee-unknown-task", want: stepfn.ErrorInvalid},
		{name: "bad_keys", event: "delegate-signee-bad-keys", want: stepfn.ErrorInvalid, wantText: []string{"task.instanceGuid", "task.taskId", "signee"}},
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
			name, msg := stepfntest.ErrorName(t, err)
			if name != tt.want {
				t.Errorf("error name = %q, want %q (%s)", name, tt.want, msg)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not name %q", msg, w)
				}
			}
			if strings.Contains(msg, "15838523428") {
				t.Errorf("message %q echoes a national ID", msg)
			}
			if got := len(h.Emu.Delegations()); got != 0 {
				t.Errorf("delegations = %d, want none", got)
			}
		})
	}
}

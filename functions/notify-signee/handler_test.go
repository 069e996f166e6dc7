package main

import (
	"context"
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
	if got := len(h.Queue.Orders); got != 1 {
		t.Errorf("queued orders = %d, want 1", got)
	}
}

func TestHandler_Handle_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event string
		fault *emulator.Fault
		want  string
	}{
		{name: "unknown_signee", event: "notify-signee-unknown-signee", want: stepfn.ErrorInvalid},
		{name: "malformed", event: "collect-signatures-malformed", want: stepfn.ErrorInvalid},
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
			if got := len(h.Emu.Messages()) + len(h.Queue.Orders); got != 0 {
				t.Errorf("%d messages and orders, want none", got)
			}
		})
	}
}

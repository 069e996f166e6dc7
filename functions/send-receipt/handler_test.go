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

// signed readies the task and records Kari's signature.
func signed(t *testing.T) *signingtest.Harness {
	t.Helper()
	h := signingtest.New(t)
	h.Ready(t)
	if _, err := h.Svc.Sign(context.Background(), signing.SignInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	h := signed(t)
	before := len(h.Emu.Messages())
	handler := NewHandler(h.Svc)
	for range 2 { // a repeated step writes and sends once
		got, err := handler.Handle(context.Background(), stepfntest.Event(t, "send-receipt-kari"))
		if err != nil {
			t.Fatalf("Handle() error = %v", err)
		}
		if got.Status != signing.SigneeReceiptSent {
			t.Errorf("status = %q, want %q", got.Status, signing.SigneeReceiptSent)
		}
	}
	msgs := h.Emu.Messages()
	if len(msgs) != before+1 || len(msgs[len(msgs)-1].Attachments) == 0 {
		t.Errorf("messages = %d (before %d), want one receipt with attachments", len(msgs), before)
	}
	var docs int
	for _, d := range h.Emu.Data() {
		if d.DataType == "signatures" {
			docs++
		}
	}
	if docs != 1 {
		t.Errorf("sign documents = %d, want 1", docs)
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
		{name: "bad_signee", event: "send-receipt-bad-signee", want: stepfn.ErrorInvalid},
		{name: "unknown_task", event: "finalize-unknown-task", want: stepfn.ErrorInvalid},
		{name: "storage_unavailable", event: "send-receipt-kari", fault: &emulator.Fault{Operation: emulator.OpCreateData, Status: 503}, want: stepfn.ErrorTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := signed(t)
			if tt.fault != nil {
				if err := h.Emu.InjectFault(*tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			_, err := NewHandler(h.Svc).Handle(context.Background(), stepfntest.Event(t, tt.event))
			if name, msg := stepfntest.ErrorName(t, err); name != tt.want {
				t.Errorf("error name = %q, want %q (%s)", name, tt.want, msg)
			}
			if sg := h.SigneeByUUID(t, signingtest.KariUUID); sg.Status != signing.SigneeSigned {
				t.Errorf("Kari is %s, want still signed", sg.Status)
			}
		})
	}
}

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

func TestHandler_Handle_unavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event string
		fault *emulator.Fault
		want  string
	}{
		{name: "storage_unavailable", event: "send-receipt-kari", fault: &emulator.Fault{Operation: emulator.OpReadData, Status: 503}, want: stepfn.ErrorTransient},
		{name: "register_unavailable", event: "send-receipt-kari", fault: &emulator.Fault{Operation: emulator.OpGetParty, Status: 503}, want: stepfn.ErrorTransient},
		{name: "correspondence_unavailable", event: "send-receipt-kari", fault: &emulator.Fault{Operation: emulator.OpUploadAttachment, Status: 503}, want: stepfn.ErrorTransient},
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
			data, msgs := len(h.Emu.Data()), len(h.Emu.Messages())
			_, err := NewHandler(h.Svc).Handle(context.Background(), stepfntest.Event(t, tt.event))
			if name, msg := stepfntest.ErrorName(t, err); name != tt.want {
				t.Errorf("error name = %q, want %q (%s)", name, tt.want, msg)
			}
			if sg := h.SigneeByUUID(t, signingtest.KariUUID); sg.Status != signing.SigneeSigned {
				t.Errorf("Kari is %s, want still signed", sg.Status)
			}
			if got := len(h.Emu.Data()); got != data {
				t.Errorf("data elements = %d, want still %d", got, data)
			}
			if got := len(h.Emu.Messages()); got != msgs {
				t.Errorf("messages = %d, want still %d", got, msgs)
			}
		})
	}
}

// badInput are the events Send Receipt refuses as Signing.Invalid, with the
// text the message must hold. They reach a task Kari signed, so a handler
// that acted on them anyway would store Kari's sign document and send her
// the receipt.
var badInput = []signingtest.Refusal{
	{Event: "send-receipt-unknown-task", WantText: []string{"task", "00000000-0000-4000-8000-000000000000/SigningTask", "not found"}},
	{Event: "send-receipt-unknown-signee", WantText: []string{"o-000000000000000000000000", "not found"}},
	{Event: "send-receipt-bad-signee", WantText: []string{"signee: must look like p-<hex> or o-<hex>"}},
	{Event: "send-receipt-malformed", WantText: []string{"signees: is not a known field"}},
}

// TestHandler_Handle_badInput checks the error name, that the message names
// what is wrong, and that nothing was written: no repository change, no
// delegation, message, notification order or data element.
func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	signingtest.CheckRefusals(t, badInput, signed, handle, nil)
}

// TestHandler_Handle_events checks that every events/send-receipt-*.json has a test case.
func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	events := []string{"send-receipt-kari"} // TestHandler_Handle, TestHandler_Handle_unavailable
	for _, tt := range badInput {
		events = append(events, tt.Event)
	}
	signingtest.CheckEventsCovered(t, "send-receipt", events...)
}

// handle is the handler over the harness's service.
func handle(h *signingtest.Harness) func(context.Context, json.RawMessage) (stepfn.SigneeResult, error) {
	return NewHandler(h.Svc).Handle
}

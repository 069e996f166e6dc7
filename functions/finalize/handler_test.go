package main

import (
	"context"
	"testing"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
	"github.com/signingflow/signing/internal/stepfn/stepfntest"
)

// allSigned readies the task and has every signee sign.
func allSigned(t *testing.T) *signingtest.Harness {
	t.Helper()
	h := signingtest.New(t)
	h.Ready(t)
	h.SignAll(t)
	return h
}

func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	h := allSigned(t)
	ctx := context.Background()
	if _, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
	handler := NewHandler(h.Svc)
	for range 2 { // a repeated step writes the PDF once
		got, err := handler.Handle(ctx, stepfntest.Event(t, "finalize-founders"))
		if err != nil {
			t.Fatalf("Handle() error = %v", err)
		}
		if got.Outcome != signing.OutcomeSigned {
			t.Errorf("outcome = %q, want signed", got.Outcome)
		}
	}
	var pdfs int
	for _, d := range h.Emu.Data() {
		if d.DataType == "signing-step-pdf" {
			pdfs++
		}
	}
	if pdfs != 1 {
		t.Errorf("signing PDFs = %d, want 1", pdfs)
	}
}

func TestHandler_Handle_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event string
		want  string
	}{
		// Every signee signed, but nobody completed the task: not finished.
		{name: "not_completed", event: "finalize-founders", want: stepfn.ErrorConflict},
		{name: "unknown_task", event: "finalize-unknown-task", want: stepfn.ErrorInvalid},
		{name: "malformed", event: "collect-signatures-malformed", want: stepfn.ErrorInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := allSigned(t)
			_, err := NewHandler(h.Svc).Handle(context.Background(), stepfntest.Event(t, tt.event))
			if name, msg := stepfntest.ErrorName(t, err); name != tt.want {
				t.Errorf("error name = %q, want %q (%s)", name, tt.want, msg)
			}
			for _, d := range h.Emu.Data() {
				if d.DataType == "signing-step-pdf" {
					t.Error("a signing PDF was written")
				}
			}
		})
	}
}

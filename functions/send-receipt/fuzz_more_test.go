package main

import (
	"context"
	"testing"

	"github.com/signingflow/signing/internal/proof/fuzzstep"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// FuzzHandler_Handle feeds arbitrary JSON to the step on a founders task Kari has signed.
// Whatever comes in, the handler does not panic; a failure is a named
// Signing.* error whose message holds no national ID, and a result holds
// no national ID (fuzzstep.Check).
func FuzzHandler_Handle(f *testing.F) {
	fuzzstep.Seeds(f, "send-receipt-")
	f.Fuzz(func(t *testing.T, payload []byte) {
		svc := fuzzstep.Service(t, payload, kariSigned)
		out, err := NewHandler(svc).Handle(context.Background(), payload)
		fuzzstep.Check(t, payload, out, err)
	})
}

// kariSigned readies the founders task and records Kari's own signature.
func kariSigned(t *testing.T, h *signingtest.Harness) {
	t.Helper()
	h.Ready(t)
	if _, err := h.Svc.Sign(context.Background(), signing.SignInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
}

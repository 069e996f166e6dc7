package main

import (
	"context"
	"testing"

	"github.com/signingflow/signing/internal/proof/fuzzstep"
	"github.com/signingflow/signing/internal/signingtest"
)

// FuzzHandler_Handle feeds arbitrary JSON to the step on a founders task whose signees are delegated.
// Whatever comes in, the handler does not panic; a failure is a named
// Signing.* error whose message holds no national ID, and a result holds
// no national ID (fuzzstep.Check).
func FuzzHandler_Handle(f *testing.F) {
	fuzzstep.Seeds(f, "notify-signee-")
	f.Fuzz(func(t *testing.T, payload []byte) {
		svc := fuzzstep.Service(t, payload, delegateAll)
		out, err := NewHandler(svc).Handle(context.Background(), payload)
		fuzzstep.Check(t, payload, out, err)
	})
}

// delegateAll starts the founders task and delegates every signee.
func delegateAll(t *testing.T, h *signingtest.Harness) {
	t.Helper()
	for _, sk := range h.Start(t).Signees {
		if _, err := h.Svc.Delegate(context.Background(), signingtest.FoundersTask, sk); err != nil {
			t.Fatal(err)
		}
	}
}

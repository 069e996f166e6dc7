package main

import (
	"context"
	"testing"

	"github.com/signingflow/signing/internal/proof/fuzzstep"
	"github.com/signingflow/signing/internal/signingtest"
)

// FuzzHandler_Handle feeds arbitrary JSON to the step on a founders task that everyone signed and Kari completed.
// Whatever comes in, the handler does not panic; a failure is a named
// Signing.* error whose message holds no national ID, and a result holds
// no national ID (fuzzstep.Check).
func FuzzHandler_Handle(f *testing.F) {
	fuzzstep.Seeds(f, "finalize-")
	f.Fuzz(func(t *testing.T, payload []byte) {
		svc := fuzzstep.Service(t, payload, completeAll)
		out, err := NewHandler(svc).Handle(context.Background(), payload)
		fuzzstep.Check(t, payload, out, err)
	})
}

// completeAll readies the founders task, records every signature and
// completes the task as Kari.
func completeAll(t *testing.T, h *signingtest.Harness) {
	t.Helper()
	h.Ready(t)
	h.CompleteAll(t)
}

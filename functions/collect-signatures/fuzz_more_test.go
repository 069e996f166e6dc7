package main

import (
	"context"
	"testing"

	"github.com/signingflow/signing/internal/proof/fuzzstep"
	"github.com/signingflow/signing/internal/signingtest"
)

// FuzzHandler_Handle feeds arbitrary JSON to the step on a founders task that waits for signatures.
// Whatever comes in, the handler does not panic; a failure is a named
// Signing.* error whose message holds no national ID, and a result holds
// no national ID (fuzzstep.Check).
func FuzzHandler_Handle(f *testing.F) {
	fuzzstep.Seeds(f, "collect-signatures-")
	f.Fuzz(func(t *testing.T, payload []byte) {
		svc := fuzzstep.Service(t, payload, func(t *testing.T, h *signingtest.Harness) { h.Ready(t) })
		out, err := NewHandler(svc).Handle(context.Background(), payload)
		fuzzstep.Check(t, payload, out, err)
	})
}

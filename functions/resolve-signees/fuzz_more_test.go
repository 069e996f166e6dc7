package main

import (
	"context"
	"testing"

	"github.com/signingflow/signing/internal/proof/fuzzstep"
)

// FuzzHandler_Handle feeds arbitrary JSON to the step with the founders instance in storage and nothing stored yet.
// Whatever comes in, the handler does not panic; a failure is a named
// Signing.* error whose message holds no national ID, and a result holds
// no national ID (fuzzstep.Check).
func FuzzHandler_Handle(f *testing.F) {
	fuzzstep.Seeds(f, "resolve-signees-")
	f.Fuzz(func(t *testing.T, payload []byte) {
		svc := fuzzstep.Service(t, payload, nil)
		out, err := NewHandler(svc).Handle(context.Background(), payload)
		fuzzstep.Check(t, payload, out, err)
	})
}

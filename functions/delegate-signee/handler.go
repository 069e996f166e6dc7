package main

import (
	"context"
	"encoding/json"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// Handler delegates the signee read, sign and any additional actions on the task (signing.Service.Delegate). A delegation the platform refuses for good is recorded on the signee (status failed) and the step succeeds, so one signee cannot hold up the others.
//
// Input (a Map item): {"task": {"instanceGuid": "…", "taskId": "…", "attempt": n}, "signee": "p-…"}.
// Output: {"signee": "p-…", "status": "…"}: keys and status only.
//
// The task key carries the execution's attempt (required): a step of an
// attempt that a later one replaced changes nothing and sends nothing, and
// fails with Signing.Superseded, which ends the execution as superseded.
//
// Errors (internal/stepfn): Signing.Invalid for a malformed event or an
// unknown task or signee (nothing is written); Signing.Transient for
// failures a retry may cure; Signing.Conflict when the signee's state does
// not allow the step. A closed task is not an error: the step does nothing.
type Handler struct{ svc Delegator }

// Delegator is what the handler runs: the Delegate Signee step (signing.Delegating); *signing.Service
// implements it too (the tests' harness).
type Delegator interface {
	Delegate(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey) (signing.Signee, error)
}

// NewHandler returns the handler.
func NewHandler(svc Delegator) *Handler { return &Handler{svc: svc} }

// Handle runs one invocation.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (stepfn.SigneeResult, error) {
	return stepfn.SigneeStep(ctx, "delegate-signee", "delegated", payload, h.svc.Delegate)
}

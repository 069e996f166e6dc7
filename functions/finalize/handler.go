package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// Handler ends a task whose signatures are all in (signing.Service.Finalize):
// it completes the task if it completes automatically, checks that no
// signed data changed, writes the signing PDF if configured and revokes the
// signees' rights.
//
// Input: {"task": {"instanceGuid": "…", "taskId": "…", "attempt": n}}.
// Output: {"outcome": "signed"}.
//
// The task key carries the execution's attempt (required): a step of an
// attempt that a later one replaced changes nothing and sends nothing, and
// fails with Signing.Superseded, which ends the execution as superseded.
//
// Errors (internal/stepfn): Signing.DataChanged when signed data changed
// after it was signed; Signing.Conflict when the task is not completed;
// Signing.Invalid for a malformed event or an unknown task;
// Signing.Transient for failures a retry may cure.
type Handler struct{ svc Finalizer }

// Finalizer is what the handler runs: the Finalize Task step (signing.Finalization); *signing.Service
// implements it too (the tests' harness).
type Finalizer interface {
	Finalize(ctx context.Context, key signing.TaskKey) (signing.Outcome, error)
}

// NewHandler returns the handler.
func NewHandler(svc Finalizer) *Handler { return &Handler{svc: svc} }

// Handle runs one invocation.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (stepfn.OutcomeResult, error) {
	const step = "finalize"
	var ev stepfn.TaskEvent
	if err := stepfn.Decode(payload, &ev); err != nil {
		return stepfn.OutcomeResult{}, stepfn.Fail(ctx, step, err)
	}
	if err := ev.Validate(); err != nil {
		return stepfn.OutcomeResult{}, stepfn.Fail(ctx, step, err)
	}
	outcome, err := h.svc.Finalize(ctx, ev.Task)
	if err != nil {
		return stepfn.OutcomeResult{}, stepfn.Fail(ctx, step, err, "task", ev.Task.String())
	}
	slog.InfoContext(ctx, "task finalized", "step", step, "task", ev.Task.String(), "outcome", string(outcome))
	return stepfn.OutcomeResult{Outcome: outcome}, nil
}

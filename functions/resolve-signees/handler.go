package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
	"github.com/signingflow/signing/internal/workflow"
)

// Event is the Resolve Signees step's input: the execution input as the
// process engine gave it (schema/execution-input.v1.json) and the
// execution's ARN.
//
//	{"input": {"version": 1, "instance": {…}, "taskId": "SigningTask", "config": {…}}, "executionArn": "arn:…"}
type Event struct {
	Input        workflow.Input `json:"input"`
	ExecutionARN string         `json:"executionArn"`
}

// Result is the step's output: the task key, the signee keys (the Map's
// items) and their count. Keys only; never personal data.
type Result struct {
	Task    signing.TaskKey     `json:"task"`
	Signees []signing.SigneeKey `json:"signees"`
	Count   int                 `json:"count"`
}

// Handler runs signing.Service.Start for the input's attempt (1 when
// absent): it asks the app's signee provider who must sign, looks each up
// in the register and stores the task with its signees. A repeated run of
// the same attempt returns the stored task's signees; a later attempt of a
// rejected or expired task starts it again from a clean state (everyone is
// delegated and told again; old signatures no longer count).
//
// Errors (internal/stepfn): Signing.Invalid for a malformed event, an
// invalid input, an unknown provider or invalid signees (nothing is
// written); Signing.Conflict when the attempt exists with another
// configuration, when an earlier attempt is still collecting or was
// completed; Signing.Superseded when a later attempt exists (a stale start,
// which ends cleanly); Signing.Transient for platform or DynamoDB failures
// a retry may cure. Starting a later attempt stops the previous attempt's
// execution (best effort: its steps refuse on their own).
type Handler struct{ svc Starter }

// Starter is what the handler runs: the Resolve Signees step (signing.Resolution); *signing.Service
// implements it too (the tests' harness).
type Starter interface {
	Start(ctx context.Context, in signing.StartInput) (signing.StartResult, error)
	// Now is the clock the input's deadline is checked against.
	Now() time.Time
}

// NewHandler returns the handler.
func NewHandler(svc Starter) *Handler { return &Handler{svc: svc} }

// Handle runs one invocation.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (Result, error) {
	const step = "resolve-signees"
	var ev Event
	if err := stepfn.Decode(payload, &ev); err != nil {
		return Result{}, stepfn.Fail(ctx, step, err)
	}
	key := ev.Input.Key()
	if ev.Input.Continuation != nil {
		return Result{}, stepfn.Fail(ctx, step, signing.Invalid("input.continuation", "a continuation does not resolve signees again"), "task", key.String())
	}
	if err := ev.Input.Validate(h.svc.Now()); err != nil {
		return Result{}, stepfn.Fail(ctx, step, err, "task", key.String())
	}
	started, err := h.svc.Start(ctx, ev.Input.StartInput(ev.ExecutionARN))
	if err != nil {
		return Result{}, stepfn.Fail(ctx, step, err, "task", key.String())
	}
	if started.StopErr != nil {
		// Best effort: the superseded attempt's steps refuse on their own.
		slog.WarnContext(ctx, "the superseded attempt's execution was not stopped", "step", step, "task", key.String(),
			"error", stepfn.Redact(started.StopErr.Error()))
	}
	slog.InfoContext(ctx, "signees resolved", "step", step, "task", key.String(), "signees", len(started.Signees))
	return Result{Task: started.Task, Signees: started.Signees, Count: len(started.Signees)}, nil
}

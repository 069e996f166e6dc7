package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// Event is the step's input: the task and how it ended, or (Release
// Signees) one signee its signing group no longer needs.
//
//	{"task": {"instanceGuid": "…", "taskId": "…", "attempt": n}, "status": "rejected" | "expired" | "failed"}
//	{"task": {…}, "signee": "p-…"}
type Event struct {
	Task   signing.TaskKey    `json:"task"`
	Status signing.TaskStatus `json:"status,omitempty"`
	Signee signing.SigneeKey  `json:"signee,omitempty"`
}

// Result is the step's output: the task's outcome, or for a release the
// signee and its status. Keys only.
type Result struct {
	Outcome signing.Outcome      `json:"outcome,omitempty"`
	Signee  signing.SigneeKey    `json:"signee,omitempty"`
	Status  signing.SigneeStatus `json:"status,omitempty"`
}

// Handler ends a rejected or expired task (signing.Service.Finish): it
// closes the task if the API has not, revokes every delegation, tells the
// signees who had not signed and sends the receipts still owed. The state
// machine runs it as Handle Reject (status rejected) and Handle Expiry
// (status expired). With status failed it is the failure path's cleanup
// (signing.Service.Abandon): a step failed for good, so a collecting task is
// closed as failed, every delegation is revoked and each receipt still owed
// is tried once (what fails stays owed); the execution fails after it.
//
// Output: {"outcome": "rejected" | "expired" | "signed" | "failed"};
// "signed" when the task completed before it could be rejected or expire,
// and Finalize ends it.
//
// With a signee (and no status) it is Release Signees' step
// (signing.Service.ReleaseSignee): the signee's group has the signatures it
// requires, so the signee's rights are revoked and a signee who was told is
// told their signature is no longer needed. Output: {"signee": "p-…",
// "status": "revoked"} (or the status it kept: signed, or not yet released
// because its group still needs signatures).
//
// The task key carries the execution's attempt (required): a step of an
// attempt that a later one replaced changes nothing and sends nothing, and
// fails with Signing.Superseded, which ends the execution as superseded.
//
// Errors (internal/stepfn): Signing.Invalid for a malformed event, a status
// other than rejected, expired or failed, or an unknown task;
// Signing.Conflict when the task is still collecting; Signing.Transient for
// failures a retry may cure.
type Handler struct{ svc Closer }

// Closer is what the handler runs: the Handle Reject step (signing.Closing); *signing.Service
// implements it too (the tests' harness).
type Closer interface {
	ReleaseSignee(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey) (signing.Signee, error)
	Finish(ctx context.Context, key signing.TaskKey, status signing.TaskStatus, reason string) (signing.Outcome, error)
	Abandon(ctx context.Context, key signing.TaskKey, reason string) (signing.TaskStatus, error)
}

// NewHandler returns the handler.
func NewHandler(svc Closer) *Handler { return &Handler{svc: svc} }

// reasons are the close reasons recorded on the task.
var reasons = map[signing.TaskStatus]string{
	signing.TaskRejected: "rejected",
	signing.TaskExpired:  "the deadline passed",
	signing.TaskFailed:   "a step failed for good",
}

// Handle runs one invocation.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (Result, error) {
	const step = "handle-reject"
	var ev Event
	if err := stepfn.Decode(payload, &ev); err != nil {
		return Result{}, stepfn.Fail(ctx, step, err)
	}
	if err := (stepfn.TaskEvent{Task: ev.Task}).Validate(); err != nil {
		return Result{}, stepfn.Fail(ctx, step, err)
	}
	if ev.Signee != "" {
		return h.release(ctx, ev)
	}
	reason, ok := reasons[ev.Status]
	if !ok {
		return Result{}, stepfn.Fail(ctx, step, signing.Invalid("status", "must be %q, %q or %q", signing.TaskRejected, signing.TaskExpired, signing.TaskFailed))
	}
	if ev.Status == signing.TaskFailed {
		status, err := h.svc.Abandon(ctx, ev.Task, reason)
		if err != nil {
			return Result{}, stepfn.Fail(ctx, step, err, "task", ev.Task.String())
		}
		slog.WarnContext(ctx, "failed task cleaned up", "step", step, "task", ev.Task.String(), "status", string(status))
		return Result{Outcome: signing.OutcomeFailed}, nil
	}
	outcome, err := h.svc.Finish(ctx, ev.Task, ev.Status, reason)
	if err != nil {
		return Result{}, stepfn.Fail(ctx, step, err, "task", ev.Task.String())
	}
	slog.InfoContext(ctx, "task finished", "step", step, "task", ev.Task.String(), "status", string(ev.Status), "outcome", string(outcome))
	return Result{Outcome: outcome}, nil
}

// release runs Release Signees' step for one signee.
func (h *Handler) release(ctx context.Context, ev Event) (Result, error) {
	const step = "release-signee"
	if err := (stepfn.SigneeEvent{Task: ev.Task, Signee: ev.Signee}).Validate(); err != nil {
		return Result{}, stepfn.Fail(ctx, step, err)
	}
	if ev.Status != "" {
		return Result{}, stepfn.Fail(ctx, step, signing.Invalid("status", "must be absent when a signee is released"))
	}
	sg, err := h.svc.ReleaseSignee(ctx, ev.Task, ev.Signee)
	if err != nil {
		return Result{}, stepfn.Fail(ctx, step, err, "task", ev.Task.String(), "signee", string(ev.Signee))
	}
	slog.InfoContext(ctx, "signee released", "step", step, "task", ev.Task.String(), "signee", string(ev.Signee), "status", string(sg.Status))
	return Result{Signee: ev.Signee, Status: sg.Status}, nil
}

package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// Event is the step's input: the task and how it ended.
//
//	{"task": {"instanceGuid": "…", "taskId": "…", "attempt": n}, "status": "rejected" | "expired" | "failed"}
type Event struct {
	Task   signing.TaskKey    `json:"task"`
	Status signing.TaskStatus `json:"status"`
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
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (stepfn.OutcomeResult, error) {
	const step = "handle-reject"
	var ev Event
	if err := stepfn.Decode(payload, &ev); err != nil {
		return stepfn.OutcomeResult{}, stepfn.Fail(ctx, step, err)
	}
	if err := (stepfn.TaskEvent{Task: ev.Task}).Validate(); err != nil {
		return stepfn.OutcomeResult{}, stepfn.Fail(ctx, step, err)
	}
	reason, ok := reasons[ev.Status]
	if !ok {
		return stepfn.OutcomeResult{}, stepfn.Fail(ctx, step, signing.Invalid("status", "must be %q, %q or %q", signing.TaskRejected, signing.TaskExpired, signing.TaskFailed))
	}
	if ev.Status == signing.TaskFailed {
		status, err := h.svc.Abandon(ctx, ev.Task, reason)
		if err != nil {
			return stepfn.OutcomeResult{}, stepfn.Fail(ctx, step, err, "task", ev.Task.String())
		}
		slog.WarnContext(ctx, "failed task cleaned up", "step", step, "task", ev.Task.String(), "status", string(status))
		return stepfn.OutcomeResult{Outcome: signing.OutcomeFailed}, nil
	}
	outcome, err := h.svc.Finish(ctx, ev.Task, ev.Status, reason)
	if err != nil {
		return stepfn.OutcomeResult{}, stepfn.Fail(ctx, step, err, "task", ev.Task.String())
	}
	slog.InfoContext(ctx, "task finished", "step", step, "task", ev.Task.String(), "status", string(ev.Status), "outcome", string(outcome))
	return stepfn.OutcomeResult{Outcome: outcome}, nil
}

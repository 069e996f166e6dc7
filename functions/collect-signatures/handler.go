package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// Handler takes the signatures recorded since the workflow last looked
// (signing.Service.Collect) and expires a task past its deadline.
//
// Input: {"task": {"instanceGuid": "…", "taskId": "…", "attempt": n}, "round": n, "retry": ["p-…"],
// "waitTimeoutSeconds": n, "openGroup": n, "moreToDelegate": bool}: round 0
// (the first of an execution) looks at every signee for one whose delegate
// or notify step did not succeed; later rounds look again at retry, the
// previous round's needDelegation, and at the signees of a signing group
// opened since the previous round's openGroup (or of which it left more:
// moreToDelegate); waitTimeoutSeconds is the wait the workflow would use.
// Output: {"status": "collecting|completed", "needReceipt": ["p-…"], "needDelegation": ["p-…"],
// "needReminder": ["p-…"], "reminderDue": "…"|null, "allSigned": bool, "signed": n, "total": n,
// "waitSeconds": n, "openGroup": n, "moreToDelegate": bool}: needDelegation
// are signees still not delegated or notified (or of a group just opened),
// for the workflow to delegate and tell; waitSeconds is the wait capped at
// the deadline; openGroup is the group that may sign now (0: no groups).
//
// The task key carries the execution's attempt (required): a step of an
// attempt that a later one replaced changes nothing and sends nothing, and
// fails with Signing.Superseded, which ends the execution as superseded.
//
// Errors (internal/stepfn): Signing.Rejected when the task was rejected;
// Signing.Expired when its deadline passed (the task is closed as expired
// here); Signing.Invalid for a malformed event or an unknown task;
// Signing.Transient for failures a retry may cure.
type Handler struct{ svc Collector }

// Collector is what the handler runs: the Collect Signatures step (signing.Collection); *signing.Service
// implements it too (the tests' harness).
type Collector interface {
	Collect(ctx context.Context, key signing.TaskKey, opts signing.CollectOptions) (signing.Collected, error)
}

// NewHandler returns the handler.
func NewHandler(svc Collector) *Handler { return &Handler{svc: svc} }

// Handle runs one invocation.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (signing.Collected, error) {
	const step = "collect-signatures"
	var ev stepfn.CollectEvent
	if err := stepfn.Decode(payload, &ev); err != nil {
		return signing.Collected{}, stepfn.Fail(ctx, step, err)
	}
	if err := ev.Validate(); err != nil {
		return signing.Collected{}, stepfn.Fail(ctx, step, err)
	}
	got, err := h.svc.Collect(ctx, ev.Task, ev.Options())
	if err != nil {
		return signing.Collected{}, stepfn.Fail(ctx, step, err, "task", ev.Task.String())
	}
	slog.InfoContext(ctx, "signatures collected", "step", step, "task", ev.Task.String(), "status", string(got.Status),
		"signed", got.Signed, "total", got.Total, "receipts", len(got.NeedReceipt), "retry", len(got.NeedDelegation), "waitSeconds", got.WaitSeconds)
	return got, nil
}

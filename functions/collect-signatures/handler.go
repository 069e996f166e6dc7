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
// Input: {"task": {"instanceGuid": "…", "taskId": "…"}}.
// Output: {"status": "collecting|completed", "needReceipt": ["p-…"], "allSigned": bool, "signed": n, "total": n}.
//
// Errors (internal/stepfn): Signing.Rejected when the task was rejected;
// Signing.Expired when its deadline passed (the task is closed as expired
// here); Signing.Invalid for a malformed event or an unknown task;
// Signing.Transient for failures a retry may cure.
type Handler struct{ svc *signing.Service }

// NewHandler returns the handler.
func NewHandler(svc *signing.Service) *Handler { return &Handler{svc: svc} }

// Handle runs one invocation.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (signing.Collected, error) {
	const step = "collect-signatures"
	var ev stepfn.TaskEvent
	if err := stepfn.Decode(payload, &ev); err != nil {
		return signing.Collected{}, stepfn.Fail(ctx, step, err)
	}
	if err := ev.Validate(); err != nil {
		return signing.Collected{}, stepfn.Fail(ctx, step, err)
	}
	got, err := h.svc.Collect(ctx, ev.Task)
	if err != nil {
		return signing.Collected{}, stepfn.Fail(ctx, step, err, "task", ev.Task.String())
	}
	slog.InfoContext(ctx, "signatures collected", "step", step, "task", ev.Task.String(), "status", string(got.Status),
		"signed", got.Signed, "total", got.Total, "receipts", len(got.NeedReceipt))
	return got, nil
}

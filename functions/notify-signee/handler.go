package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// Handler sends the signee the call-to-action message and queues the email/SMS order (signing.Service.Notify). A message the platform refuses for good, or a missing correspondence resource, is recorded on the signee.
//
// Input (a Map item): {"task": {"instanceGuid": "…", "taskId": "…", "attempt": n}, "signee": "p-…"}.
// With a "reminder" member (RFC 3339, the reminder's scheduled time: a Send
// Reminders item) it sends that reminder instead (signing.Service.Remind):
// once per signee and time, only to a told signee who has not signed, never
// after the deadline.
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
type Handler struct{ svc Notifier }

// Notifier is what the handler runs: the Notify Signee step (signing.Notification); *signing.Service
// implements it too (the tests' harness).
type Notifier interface {
	Notify(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey) (signing.Signee, error)
	Remind(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey, due time.Time) (signing.Signee, error)
}

// NewHandler returns the handler.
func NewHandler(svc Notifier) *Handler { return &Handler{svc: svc} }

// Handle runs one invocation.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (stepfn.SigneeResult, error) {
	if stepfn.IsReminder(payload) {
		return stepfn.RemindStep(ctx, "remind-signee", payload, h.svc.Remind)
	}
	return stepfn.SigneeStep(ctx, "notify-signee", "notified", payload, h.svc.Notify)
}

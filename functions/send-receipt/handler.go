package main

import (
	"context"
	"encoding/json"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// Handler sends the signer a receipt with the signed documents attached (signing.Service.SendReceipt; Storage wrote the signature document when the signee signed), after any receipt still owed to the same signee key for a signature of an earlier attempt. Each carries an idempotency key with the attempt of its signature.
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
type Handler struct{ svc ReceiptSender }

// ReceiptSender is what the handler runs: the Send Receipt step (signing.Receipts); *signing.Service
// implements it too (the tests' harness).
type ReceiptSender interface {
	SendReceipt(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey) (signing.Signee, error)
}

// NewHandler returns the handler.
func NewHandler(svc ReceiptSender) *Handler { return &Handler{svc: svc} }

// Handle runs one invocation.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (stepfn.SigneeResult, error) {
	return stepfn.SigneeStep(ctx, "send-receipt", "receipt sent", payload, h.svc.SendReceipt)
}

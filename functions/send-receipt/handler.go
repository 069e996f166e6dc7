package main

import (
	"context"
	"encoding/json"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// Handler writes the signature's document to storage and sends the signer a receipt with the signed documents attached (signing.Service.SendReceipt). Both carry idempotency keys.
//
// Input (a Map item): {"task": {"instanceGuid": "…", "taskId": "…"}, "signee": "p-…"}.
// Output: {"signee": "p-…", "status": "…"}: keys and status only.
//
// Errors (internal/stepfn): Signing.Invalid for a malformed event or an
// unknown task or signee (nothing is written); Signing.Transient for
// failures a retry may cure; Signing.Conflict when the signee's state does
// not allow the step. A closed task is not an error: the step does nothing.
type Handler struct{ svc *signing.Service }

// NewHandler returns the handler.
func NewHandler(svc *signing.Service) *Handler { return &Handler{svc: svc} }

// Handle runs one invocation.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (stepfn.SigneeResult, error) {
	return stepfn.SigneeStep(ctx, "send-receipt", "receipt sent", payload, h.svc.SendReceipt)
}

package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/queue"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// Handler places the email/SMS orders from the notifications queue with the
// platform, one order per message, under the order's idempotency key: a
// message delivered twice notifies once.
//
// It answers with the records that failed (ReportBatchItemFailures), so SQS
// redelivers only those. A message that cannot be decoded (a poison message)
// is reported as failed too; after the queue's maxReceiveCount the redrive
// policy moves it to the dead-letter queue. Log lines carry the message ID,
// the idempotency key and the error class, never an address.
type Handler struct {
	notifications signing.Notifications
	log           *slog.Logger
}

// NewHandler returns the handler; it logs to slog.Default().
func NewHandler(n signing.Notifications) *Handler {
	return &Handler{notifications: n, log: slog.Default()}
}

// Handle runs one batch.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, rec := range ev.Records {
		if err := h.dispatch(ctx, rec); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		}
	}
	return resp, nil
}

func (h *Handler) dispatch(ctx context.Context, rec events.SQSMessage) error {
	order, err := queue.Decode(rec.Body)
	if err != nil {
		h.log.ErrorContext(ctx, "notification order cannot be decoded", "messageId", rec.MessageId,
			"receiveCount", rec.Attributes["ApproximateReceiveCount"], "error", stepfn.Name(err), "cause", stepfn.Redact(err.Error()))
		return err
	}
	id, err := h.notifications.Order(ctx, order)
	if err != nil {
		h.log.WarnContext(ctx, "notification order failed", "messageId", rec.MessageId, "idempotencyKey", order.IdempotencyKey,
			"receiveCount", rec.Attributes["ApproximateReceiveCount"], "error", stepfn.Name(err), "cause", stepfn.Redact(err.Error()))
		return err
	}
	h.log.InfoContext(ctx, "notification ordered", "messageId", rec.MessageId, "idempotencyKey", order.IdempotencyKey, "orderId", id)
	return nil
}

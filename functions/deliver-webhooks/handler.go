package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"
)

// Handler delivers the events on the webhook queue to the subscribers that
// want them (webhook.Dispatcher), signed as Standard Webhooks says.
//
// Input: an SQS batch (events/deliver-webhooks-*.json) whose messages are
// either an EventBridge event (the webhook rule's target: the CloudEvent
// in "detail") or a retry of one delivery ({"subscriber", "attempt",
// "firstTriedAt", "event"}), which the dispatcher put back delayed.
// Output: {"batchItemFailures": [{"itemIdentifier": "<message id>"}]} for
// the messages to try again: those the dispatcher could not settle (a
// retry or dead letter not written, a message of neither shape); after the
// queue's maxReceiveCount SQS moves them to the dead-letter queue. A
// failed delivery is not a failed message: it is retried through the
// queue with backoff, then dead-lettered.
type Handler struct{ d Dispatcher }

// Dispatcher is what the handler runs (*webhook.Dispatcher).
type Dispatcher interface {
	Handle(ctx context.Context, body []byte) error
}

// NewHandler returns the handler.
func NewHandler(d Dispatcher) *Handler { return &Handler{d: d} }

// Handle runs one invocation. The messages are handled at once, each
// attempt bounded by the invocation's deadline (webhook.Dispatcher), so a
// receiver that hangs delays the batch by one client timeout, not one per
// message: handled one after another, ten such messages would outlast the
// function's timeout and SQS would hand the whole batch again.
func (h *Handler) Handle(ctx context.Context, in events.SQSEvent) (events.SQSEventResponse, error) {
	out := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	failed := make([]bool, len(in.Records))
	var wg sync.WaitGroup
	for i, m := range in.Records {
		wg.Go(func() {
			if err := h.d.Handle(ctx, []byte(m.Body)); err != nil {
				slog.ErrorContext(ctx, "webhook message not settled; SQS hands it again", "messageId", m.MessageId, "error", err.Error())
				failed[i] = true
			}
		})
	}
	wg.Wait()
	for i, m := range in.Records {
		if failed[i] {
			out.BatchItemFailures = append(out.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return out, nil
}

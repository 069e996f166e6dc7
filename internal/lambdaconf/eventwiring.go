package lambdaconf

import (
	"context"

	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/queue"
)

// Environment variables of the event ports.
const (
	EnvEventBusName = "EVENT_BUS_NAME"
	EnvEventsDLQURL = "EVENTS_DLQ_URL"
	ActionPutEvents = "events:PutEvents"
	ActionSendToSQS = "sqs:SendMessage"
	LinkEvents      = "Events"
	LinkQueues      = "Queues"
)

// EventBus is the event bus EVENT_BUS_NAME names (Linked.Events).
func (w *Wiring) EventBus() events.Bus {
	name := w.r.required(EnvEventBusName)
	if w.link.Events == nil {
		w.unlinked("EventBus", LinkEvents)
		return nil
	}
	return w.link.Events(w.aws, name)
}

// EventDeadLetters is the publisher's dead-letter queue EVENTS_DLQ_URL
// names (Linked.Queues).
func (w *Wiring) EventDeadLetters() events.DeadLetters {
	q := w.queue("EventDeadLetters", EnvEventsDLQURL)
	if q == nil {
		return nil
	}
	return deadLetters{q}
}

// queue is the queue the URL in variable env names, for port.
func (w *Wiring) queue(port, env string) queue.Sender {
	u := w.r.url(env)
	if w.link.Queues == nil {
		w.unlinked(port, LinkQueues)
		return nil
	}
	return w.link.Queues(w.aws, u)
}

type deadLetters struct{ queue.Sender }

func (d deadLetters) Keep(ctx context.Context, ev events.DeadEvent) error { return d.Send(ctx, ev, 0) }

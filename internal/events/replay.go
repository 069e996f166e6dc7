package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/signingflow/signing/internal/queue"
	"github.com/signingflow/signing/internal/signing"
)

// Message is one message read from a dead-letter queue.
type Message struct {
	// ID is the queue's message id, the same on every receive.
	ID     string
	Body   []byte
	Handle string
}

// Inbox reads a queue and deletes what was handled (SQS ReceiveMessage and
// DeleteMessage).
type Inbox interface {
	// Receive returns up to ten messages; none when the queue is empty.
	Receive(ctx context.Context) ([]Message, error)
	Delete(ctx context.Context, handle string) error
}

// ReplayReport says what a replay of a dead-letter queue did.
type ReplayReport struct {
	// Replayed are the event ids sent again.
	Replayed []string
	// Kept are descriptions of messages left in the queue: a stream batch
	// given up on (its records are no longer in the stream: replay its
	// tasks from their audit trail) or a message of neither shape.
	Kept []string
}

// streamFailure is the on-failure description Lambda sends for a stream
// batch (DDBStreamBatchInfo).
type streamFailure struct {
	Info *struct {
		StartSequenceNumber string `json:"startSequenceNumber"`
		EndSequenceNumber   string `json:"endSequenceNumber"`
		BatchSize           int    `json:"batchSize"`
		First               string `json:"approximateArrivalOfFirstRecord"`
		Last                string `json:"approximateArrivalOfLastRecord"`
	} `json:"DDBStreamBatchInfo"`
}

// ReplayDeadEvents puts every event kept in the publisher's dead-letter
// queue on the bus again, with its original id, and deletes each message
// once its event is put. A stream batch's description is left in the queue
// and reported (Kept).
func ReplayDeadEvents(ctx context.Context, in Inbox, bus Bus) (ReplayReport, error) {
	var rep ReplayReport
	seen := map[string]bool{}
	for {
		msgs, err := in.Receive(ctx)
		if err != nil {
			return rep, err
		}
		fresh := 0
		for _, m := range msgs {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			fresh++
			var dead DeadEvent
			if err := json.Unmarshal(m.Body, &dead); err == nil && dead.Event.ID != "" {
				if err := Put(ctx, bus, []signing.CloudEvent{dead.Event}); errors.Is(err, ErrRefused) {
					// Refused again: left for a fixed release to put, and the
					// rest of the queue still replayed.
					rep.Kept = append(rep.Kept, fmt.Sprintf("event %s, refused by the bus again: %v", dead.Event.ID, err))
					continue
				} else if err != nil {
					return rep, err
				}
				if err := in.Delete(ctx, m.Handle); err != nil {
					return rep, fmt.Errorf("events: delete the replayed message of %s: %w", dead.Event.ID, err)
				}
				rep.Replayed = append(rep.Replayed, dead.Event.ID)
				continue
			}
			var sf streamFailure
			if err := json.Unmarshal(m.Body, &sf); err == nil && sf.Info != nil {
				rep.Kept = append(rep.Kept, fmt.Sprintf("a stream batch of %d records (%s to %s, sequence numbers %s to %s) was given up on: replay the tasks changed then with -instance and -task",
					sf.Info.BatchSize, sf.Info.First, sf.Info.Last, sf.Info.StartSequenceNumber, sf.Info.EndSequenceNumber))
				continue
			}
			rep.Kept = append(rep.Kept, "a message that is neither a kept event nor a stream batch's description")
		}
		if fresh == 0 {
			return rep, nil
		}
	}
}

// deadDelivery and retryDelivery are the webhook dispatcher's dead letter
// and retry messages (webhook.DeadLetter, webhook.Retry), as far as a
// replay reads and writes them.
type deadDelivery struct {
	Subscriber string          `json:"subscriber"`
	EventID    string          `json:"eventId"`
	Event      json.RawMessage `json:"event"`
}

type retryDelivery struct {
	Subscriber   string          `json:"subscriber"`
	Attempt      int             `json:"attempt"`
	FirstTriedAt time.Time       `json:"firstTriedAt"`
	Event        json.RawMessage `json:"event"`
}

// ReplayDeadDeliveries sends every webhook delivery given up on back to
// the delivery queue as a first attempt of a fresh retry period (same
// event, same webhook-id, same subscriber only), deleting each dead letter
// once it is sent. Two more shapes reach the dead-letter queue by SQS's
// redrive, when the queue handed a message maxReceiveCount times without
// the function settling it: a retry (sent again as a first attempt, to its
// subscriber) and the bus's event itself (sent again as it is: every
// subscriber that wants it gets it, those that had it again with the same
// webhook-id, which Standard Webhooks receivers drop).
func ReplayDeadDeliveries(ctx context.Context, in Inbox, deliveries queue.Sender, now func() time.Time) (ReplayReport, error) {
	var rep ReplayReport
	seen := map[string]bool{}
	for {
		msgs, err := in.Receive(ctx)
		if err != nil {
			return rep, err
		}
		fresh := 0
		for _, m := range msgs {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			fresh++
			var d struct {
				deadDelivery
				DetailType string `json:"detail-type"`
				Detail     struct {
					ID string `json:"id"`
				} `json:"detail"`
			}
			if err := json.Unmarshal(m.Body, &d); err != nil {
				rep.Kept = append(rep.Kept, "a message that is not JSON")
				continue
			}
			var send any
			id := d.EventID
			switch {
			case d.Subscriber != "" && len(d.Event) > 0:
				// A dead letter, or a retry SQS redrove: a first attempt to
				// its subscriber.
				if id == "" {
					var ev struct {
						ID string `json:"id"`
					}
					_ = json.Unmarshal(d.Event, &ev)
					id = ev.ID
				}
				send = retryDelivery{Subscriber: d.Subscriber, Attempt: 1, FirstTriedAt: now().UTC(), Event: d.Event}
			case d.DetailType != "" && d.Detail.ID != "":
				// The bus's event, redriven: fanned out again.
				id = d.Detail.ID
				send = json.RawMessage(m.Body)
			default:
				rep.Kept = append(rep.Kept, "a message that is neither a webhook delivery given up on nor the bus's event")
				continue
			}
			if err := deliveries.Send(ctx, send, 0); err != nil {
				return rep, fmt.Errorf("events: send the delivery of %s again: %w", id, err)
			}
			if err := in.Delete(ctx, m.Handle); err != nil {
				return rep, fmt.Errorf("events: delete the dead letter of %s: %w", id, err)
			}
			rep.Replayed = append(rep.Replayed, id)
		}
		if fresh == 0 {
			return rep, nil
		}
	}
}

// Trail reads a task's record: its task, signees and audit trail
// (signing.Repository does).
type Trail interface {
	Reader
	Audit(ctx context.Context, key signing.TaskKey) ([]signing.AuditEntry, error)
}

// TaskEvents returns the events of task key's audit trail, oldest first,
// as the publisher made them (the same ids).
func TaskEvents(ctx context.Context, t Trail, key signing.TaskKey) ([]signing.CloudEvent, error) {
	task, err := t.GetTask(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("events: task %s/%s: %w", key.InstanceGUID, key.TaskID, err)
	}
	entries, err := t.Audit(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("events: audit trail of %s/%s: %w", key.InstanceGUID, key.TaskID, err)
	}
	signees := map[signing.SigneeKey]signing.Signee{}
	var out []signing.CloudEvent
	for _, e := range entries {
		sg, ok := signees[e.SigneeKey]
		if e.SigneeKey != "" && !ok {
			if sg, err = t.GetSignee(ctx, key, e.SigneeKey); err != nil && !errorsIsNotFound(err) {
				return nil, err
			}
			signees[e.SigneeKey] = sg
		}
		if ev, ok := signing.TaskEvent(task, e, sg); ok {
			out = append(out, ev)
		}
	}
	return out, nil
}

// Select returns the events of evs whose id is in ids (all of evs when ids
// is empty), and the ids not among them.
func Select(evs []signing.CloudEvent, ids []string) (picked []signing.CloudEvent, missing []string) {
	if len(ids) == 0 {
		return evs, nil
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, ev := range evs {
		if want[ev.ID] {
			picked = append(picked, ev)
			delete(want, ev.ID)
		}
	}
	for _, id := range ids {
		if want[id] {
			missing = append(missing, id)
			delete(want, id)
		}
	}
	return picked, missing
}

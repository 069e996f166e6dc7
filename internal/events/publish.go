// Package events puts the signing service's events on the event bus: the
// table's stream hands the publisher each audit entry (written in the same
// transaction as the change it records), the publisher maps it to its
// CloudEvent (signing.TaskEvent, the same event with the same id as
// GET …/signing/events shows) and puts it on the bus; what the bus refuses
// for good is kept in a dead-letter queue, anything else is tried again
// from that record on. A crash at any point loses nothing (the stream hands
// the records again) and invents nothing (a record put twice is the same
// event with the same id, which consumers drop).
//
// It imports no AWS package: the bus and the dead-letter queue are ports
// (Bus, DeadLetters), their adapters live in internal/awsevents.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/signingflow/signing/internal/signing"
)

// MaxBatch is the most events one Put carries (EventBridge PutEvents takes
// at most 10 entries: AWS API reference, PutEvents, Entries).
const MaxBatch = 10

// ErrRefused marks an event the bus refuses for a reason retrying cannot
// cure (malformed, too large): it is kept in the dead-letter queue.
var ErrRefused = errors.New("events: refused by the bus")

// Record is one audit entry as the table's stream hands it over.
type Record struct {
	// Position is the stream record's sequence number: what the publisher
	// reports as the first record not done.
	Position string
	Task     signing.TaskKey
	Entry    signing.AuditEntry
}

// Reader reads what an event names beyond its audit entry: the task's
// instance and the signee's masked identity (signing.Repository does).
type Reader interface {
	GetTask(ctx context.Context, key signing.TaskKey) (signing.Task, error)
	GetSignee(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey) (signing.Signee, error)
}

// Bus puts events on the event bus. Put returns one error (or nil) per
// event, in order; an error wrapping ErrRefused will be refused again, any
// other may succeed later. The second result is an error of the whole call
// (nothing known to be put).
type Bus interface {
	Put(ctx context.Context, evs []signing.CloudEvent) ([]error, error)
}

// DeadLetters keeps an event that cannot be published, with why, so that
// `signing events replay --dead-letters` can put it again.
type DeadLetters interface {
	Keep(ctx context.Context, d DeadEvent) error
}

// DeadEvent is an event kept in the dead-letter queue.
type DeadEvent struct {
	Event  signing.CloudEvent `json:"event"`
	Reason string             `json:"reason"`
}

// Publisher maps stream records to events and puts them on the bus.
type Publisher struct {
	Tasks       Reader
	Bus         Bus
	DeadLetters DeadLetters
	Log         *slog.Logger
}

// Publish puts the events of recs on the bus, in order. It returns ""
// when every record is done, else the Position of the first record not
// done and why: the stream hands that record and the ones after it again
// (so some after it may be put twice, each as the same event).
func (p *Publisher) Publish(ctx context.Context, recs []Record) (string, error) {
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	type pending struct {
		rec Record
		ev  signing.CloudEvent
	}
	var batch []pending
	tasks := map[signing.TaskKey]signing.Task{}
	flush := func() (string, error) {
		if len(batch) == 0 {
			return "", nil
		}
		evs := make([]signing.CloudEvent, len(batch))
		for i, b := range batch {
			evs[i] = b.ev
		}
		errs, err := p.Bus.Put(ctx, evs)
		if err == nil && len(errs) != len(evs) {
			err = fmt.Errorf("events: the bus answered %d results for %d events", len(errs), len(evs))
		}
		if err != nil {
			return batch[0].rec.Position, fmt.Errorf("events: put %d events: %w", len(evs), err)
		}
		for i, e := range errs {
			b := batch[i]
			switch {
			case e == nil:
				log.InfoContext(ctx, "event published", "eventId", b.ev.ID, "type", b.ev.Type, "instanceGuid", b.rec.Task.InstanceGUID, "taskId", b.rec.Task.TaskID)
			case errors.Is(e, ErrRefused):
				if err := p.keep(ctx, b.ev, e.Error()); err != nil {
					return b.rec.Position, err
				}
				log.WarnContext(ctx, "event refused by the bus, kept in the dead-letter queue", "eventId", b.ev.ID, "type", b.ev.Type, "error", e.Error())
			default:
				return b.rec.Position, fmt.Errorf("events: put event %s: %w", b.ev.ID, e)
			}
		}
		batch = batch[:0]
		return "", nil
	}
	for _, r := range recs {
		key := signing.TaskKey{InstanceGUID: r.Task.InstanceGUID, TaskID: r.Task.TaskID}
		task, ok := tasks[key]
		if !ok {
			var err error
			task, err = p.Tasks.GetTask(ctx, key)
			if errors.Is(err, signing.ErrNotFound) {
				// No task to name the instance by: nothing to publish it as.
				log.WarnContext(ctx, "audit entry of a task not on record: no event", "instanceGuid", key.InstanceGUID, "taskId", key.TaskID, "action", r.Entry.Action)
				continue
			}
			if err != nil {
				if pos, ferr := flush(); pos != "" {
					return pos, ferr
				}
				return r.Position, fmt.Errorf("events: read task %s/%s: %w", key.InstanceGUID, key.TaskID, err)
			}
			tasks[key] = task
		}
		var sg signing.Signee
		if r.Entry.SigneeKey != "" {
			var err error
			sg, err = p.Tasks.GetSignee(ctx, key, r.Entry.SigneeKey)
			if err != nil && !errors.Is(err, signing.ErrNotFound) {
				if pos, ferr := flush(); pos != "" {
					return pos, ferr
				}
				return r.Position, fmt.Errorf("events: read signee %s of %s/%s: %w", r.Entry.SigneeKey, key.InstanceGUID, key.TaskID, err)
			}
		}
		ev, ok := signing.TaskEvent(task, r.Entry, sg)
		if !ok {
			continue
		}
		batch = append(batch, pending{rec: r, ev: ev})
		if len(batch) == MaxBatch {
			if pos, err := flush(); pos != "" {
				return pos, err
			}
		}
	}
	return flush()
}

func (p *Publisher) keep(ctx context.Context, ev signing.CloudEvent, reason string) error {
	if p.DeadLetters == nil {
		return fmt.Errorf("events: event %s refused (%s) and no dead-letter queue", ev.ID, reason)
	}
	if err := p.DeadLetters.Keep(ctx, DeadEvent{Event: ev, Reason: reason}); err != nil {
		return fmt.Errorf("events: keep event %s in the dead-letter queue: %w", ev.ID, err)
	}
	return nil
}

// Put puts evs on the bus in batches of MaxBatch and fails on the first
// event not put: a replay (`signing events replay`, the app's replay
// route) sends events again with their original ids.
func Put(ctx context.Context, bus Bus, evs []signing.CloudEvent) error {
	for start := 0; start < len(evs); start += MaxBatch {
		chunk := evs[start:min(start+MaxBatch, len(evs))]
		errs, err := bus.Put(ctx, chunk)
		if err != nil {
			return fmt.Errorf("events: put %d events: %w", len(chunk), err)
		}
		for i, e := range errs {
			if e != nil {
				return fmt.Errorf("events: put event %s: %w", chunk[i].ID, e)
			}
		}
	}
	return nil
}

func errorsIsNotFound(err error) bool { return errors.Is(err, signing.ErrNotFound) }

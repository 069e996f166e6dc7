package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

// inbox is a dead-letter queue: Receive hands every message not deleted,
// ten at a time, as SQS does (each again on the next Receive).
type inbox struct {
	msgs    []Message
	deleted map[string]bool
}

func newInbox(bodies ...string) *inbox {
	in := &inbox{deleted: map[string]bool{}}
	for i, b := range bodies {
		id := fmt.Sprintf("m%d", i)
		in.msgs = append(in.msgs, Message{ID: id, Body: []byte(b), Handle: "h-" + id})
	}
	return in
}

func (in *inbox) Receive(context.Context) ([]Message, error) {
	var out []Message
	for _, m := range in.msgs {
		if !in.deleted[m.Handle] && len(out) < 10 {
			out = append(out, m)
		}
	}
	return out, nil
}

func (in *inbox) Delete(_ context.Context, h string) error {
	in.deleted[h] = true
	return nil
}

type sent struct{ bodies []string }

func (s *sent) Send(_ context.Context, v any, _ time.Duration) error {
	b, err := json.Marshal(v)
	s.bodies = append(s.bodies, string(b))
	return err
}

// Whatever shape reached the webhook dead-letter queue, a delivery given
// up on or one of the two shapes SQS's redrive moves there (a retry, the
// bus's event), goes back to the delivery queue with its event's id; what
// is of neither shape is left in the queue and said.
func TestReplayDeadDeliveries_everyShape(t *testing.T) {
	ev := `{"specversion":"1.0","id":"ev-1","type":"no.altinn.signing.signee.signed","source":"urn:altinn:signing:ttd:founders"}`
	in := newInbox(
		`{"subscriber":"case-system","eventId":"ev-1","attempts":9,"event":`+ev+`}`,
		`{"subscriber":"case-system","attempt":3,"firstTriedAt":"2026-03-01T11:05:00Z","event":`+ev+`}`,
		`{"version":"0","id":"eb-1","detail-type":"no.altinn.signing.signee.signed","detail":`+ev+`}`,
		`{"something":"else"}`,
		`not json`,
	)
	out := &sent{}
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	rep, err := ReplayDeadDeliveries(context.Background(), in, out, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ev-1", "ev-1", "ev-1"}; !slices.Equal(rep.Replayed, want) {
		t.Errorf("Replayed = %v, want %v", rep.Replayed, want)
	}
	if len(rep.Kept) != 2 || len(in.deleted) != 3 || in.deleted["h-m3"] || in.deleted["h-m4"] {
		t.Errorf("Kept = %q, deleted %v: want the last two kept, the rest deleted", rep.Kept, in.deleted)
	}
	for i, b := range out.bodies[:2] {
		var r retryDelivery
		if err := json.Unmarshal([]byte(b), &r); err != nil || r.Subscriber != "case-system" || r.Attempt != 1 || !r.FirstTriedAt.Equal(now) {
			t.Errorf("sent %d = %s, want a first attempt from now to case-system", i, b)
		}
	}
	var eb struct {
		DetailType string          `json:"detail-type"`
		Detail     json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal([]byte(out.bodies[2]), &eb); err != nil || eb.DetailType == "" || len(eb.Detail) == 0 {
		t.Errorf("sent 2 = %s, want the bus's event as it was", out.bodies[2])
	}
}

// bus refuses the events whose id is in refuse and puts the rest.
type bus struct {
	refuse map[string]bool
	put    []string
}

func (b *bus) Put(_ context.Context, evs []signing.CloudEvent) ([]error, error) {
	errs := make([]error, len(evs))
	for i, ev := range evs {
		if b.refuse[ev.ID] {
			errs[i] = errors.Join(ErrRefused, errors.New("MalformedDetail"))
			continue
		}
		b.put = append(b.put, ev.ID)
	}
	return errs, nil
}

// An event the bus refuses again stays in the queue and does not stop the
// replay of the ones after it.
func TestReplayDeadEvents_refusedAgainIsKept(t *testing.T) {
	dead := func(id string) string {
		b, _ := json.Marshal(DeadEvent{Event: signing.CloudEvent{ID: id, Type: "no.altinn.signing.task.started"}, Reason: "x"})
		return string(b)
	}
	in := newInbox(dead("a"), dead("b"), dead("c"), `{"DDBStreamBatchInfo":{"batchSize":3}}`)
	b := &bus{refuse: map[string]bool{"b": true}}
	rep, err := ReplayDeadEvents(context.Background(), in, b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Replayed, []string{"a", "c"}) || !slices.Equal(b.put, []string{"a", "c"}) {
		t.Errorf("Replayed %v, put %v: want a and c", rep.Replayed, b.put)
	}
	if len(rep.Kept) != 2 || in.deleted["h-m1"] || in.deleted["h-m3"] {
		t.Errorf("Kept %q, deleted %v: want b and the stream batch kept", rep.Kept, in.deleted)
	}
}

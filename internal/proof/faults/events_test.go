package faults_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/webhook"
)

// The publisher's and the webhook dispatcher's rows of the fault matrix
// (issue 17). The events are those of a whole founders task (started,
// delegated, told, signed, receipts, completed), taken from its audit
// trail as the table's stream hands it over. Each run injects one fault at
// the nth call of one boundary:
//
//	Publish / repo.GetTask, repo.GetSignee, bus.put, dlq.keep
//	Deliver / secrets.read, webhook.post, queue.retry
//
// with the kinds transient (the call fails, no effect), after (it took
// effect, the caller sees an error), crash (the process dies there: from
// then on nothing reaches the world and the invocation's result is lost)
// and crash-after (the effect happened, then the process died); bus.put
// also refuses an event for good (refused: kept in the dead-letter queue,
// then replayed). The driver hands records and messages again as the
// stream and SQS do. Afterwards every event of the trail is on the bus
// (no loss), nothing else is (nothing invented), each id always carries the
// same event, and the receiver, which checks every signature, holds every
// event, repeats only under the same id.

// eventsTrail returns the founders task's audit trail and its events.
func eventsTrail(t *testing.T) (*signingtest.Harness, []events.Record, map[string]signing.CloudEvent) {
	t.Helper()
	h := signingtest.New(t)
	h.Ready(t)
	h.CompleteAll(t)
	ctx := context.Background()
	entries, err := h.Repo.Audit(ctx, signingtest.FoundersTask)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]events.Record, len(entries))
	for i, e := range entries {
		recs[i] = events.Record{Position: fmt.Sprint(i), Task: signingtest.FoundersTask, Entry: e}
	}
	evs, err := events.TaskEvents(ctx, h.Repo, signingtest.FoundersTask)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]signing.CloudEvent{}
	for _, ev := range evs {
		want[ev.ID] = ev
	}
	if len(want) < 10 {
		t.Fatalf("the founders task made %d events, want its whole flow", len(want))
	}
	return h, recs, want
}

// fault is one injected fault.
type evFault struct {
	boundary string
	nth      int
	kind     string // transient, after, crash, crash-after, refused
}

func (f evFault) String() string { return fmt.Sprintf("%s#%d/%s", f.boundary, f.nth, f.kind) }

// evInjector counts calls per boundary and says what to do at each: f
// is the run's fault, also any it needs first (a failed post before a
// retry can be faulted); hit records that f was reached.
type evInjector struct {
	mu      sync.Mutex
	f       evFault
	also    []evFault
	calls   map[string]int
	crashed bool
	hit     bool
}

var errInjected = fmt.Errorf("injected: %w", signing.ErrTransient)

// at is called before a boundary's effect; it returns whether the effect
// may happen and the error the caller sees after it (nil for none).
func (in *evInjector) at(boundary string) (effect bool, after error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.crashed {
		return false, errInjected
	}
	in.calls[boundary]++
	kind := ""
	for _, f := range append([]evFault{in.f}, in.also...) {
		if boundary == f.boundary && in.calls[boundary] == f.nth {
			kind = f.kind
			if f == in.f {
				in.hit = true
			}
			break
		}
	}
	switch kind {
	case "transient":
		return false, errInjected
	case "after":
		return true, errInjected
	case "crash":
		in.crashed = true
		return false, errInjected
	case "crash-after":
		in.crashed = true
		return true, errInjected
	}
	return true, nil
}

// revive starts a new process after a crash; it reports whether one happened.
func (in *evInjector) revive() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	c := in.crashed
	in.crashed = false
	return c
}

type faultyReader struct {
	in   *evInjector
	repo events.Trail
}

func (r faultyReader) GetTask(ctx context.Context, k signing.TaskKey) (signing.Task, error) {
	if ok, err := r.in.at("Publish / repo.GetTask"); !ok {
		return signing.Task{}, err
	}
	return r.repo.GetTask(ctx, k)
}

func (r faultyReader) GetSignee(ctx context.Context, k signing.TaskKey, sk signing.SigneeKey) (signing.Signee, error) {
	if ok, err := r.in.at("Publish / repo.GetSignee"); !ok {
		return signing.Signee{}, err
	}
	return r.repo.GetSignee(ctx, k, sk)
}

// bus is the event bus: every put, repeats included.
type evBus struct {
	in  *evInjector
	got []signing.CloudEvent
}

func (b *evBus) Put(_ context.Context, evs []signing.CloudEvent) ([]error, error) {
	if b.in != nil && b.in.f.kind == "refused" && b.in.f.boundary == "Publish / bus.put" {
		b.in.mu.Lock()
		b.in.calls["Publish / bus.put"]++
		refuse := b.in.calls["Publish / bus.put"] == b.in.f.nth
		b.in.hit = b.in.hit || refuse
		b.in.mu.Unlock()
		errs := make([]error, len(evs))
		for i, ev := range evs {
			if refuse && i == 0 {
				errs[i] = errors.Join(events.ErrRefused, errors.New("MalformedDetail"))
				continue
			}
			b.got = append(b.got, ev)
		}
		return errs, nil
	}
	if b.in != nil {
		effect, err := b.in.at("Publish / bus.put")
		if !effect {
			return nil, err
		}
		b.got = append(b.got, evs...)
		if err != nil {
			return nil, err
		}
		return make([]error, len(evs)), nil
	}
	b.got = append(b.got, evs...)
	return make([]error, len(evs)), nil
}

// dlq is a dead-letter queue (events.DeadLetters and events.Inbox).
type evDLQ struct {
	in   *evInjector
	kept []events.DeadEvent
}

func (d *evDLQ) Keep(_ context.Context, ev events.DeadEvent) error {
	effect, err := d.in.at("Publish / dlq.keep")
	if effect {
		d.kept = append(d.kept, ev)
	}
	return err
}

func (d *evDLQ) Receive(context.Context) ([]events.Message, error) {
	var out []events.Message
	for i, k := range d.kept {
		b, _ := json.Marshal(k)
		out = append(out, events.Message{ID: fmt.Sprint(i), Body: b, Handle: fmt.Sprint(i)})
	}
	return out, nil
}

func (d *evDLQ) Delete(context.Context, string) error { return nil }

// publishAll drives the publisher over recs as the stream does: batches of
// four records; a crash hands the whole batch again, a reported record it
// and those after it.
func publishAll(t *testing.T, p *events.Publisher, in *evInjector, recs []events.Record) (invocations int) {
	t.Helper()
	for pos := 0; pos < len(recs); {
		invocations++
		if invocations > 10*len(recs) {
			t.Fatalf("no progress after %d invocations (at record %d)", invocations, pos)
		}
		batch := recs[pos:min(pos+4, len(recs))]
		from, _ := p.Publish(context.Background(), batch)
		if in.revive() {
			continue // the invocation's result is lost: the batch comes again
		}
		if from == "" {
			pos += len(batch)
			continue
		}
		i := slices.IndexFunc(batch, func(r events.Record) bool { return r.Position == from })
		if i < 0 {
			t.Fatalf("the publisher reported %q, which is not in the batch", from)
		}
		pos += i
	}
	return invocations
}

func TestMatrix_publisher(t *testing.T) {
	t.Parallel()
	h, recs, want := eventsTrail(t)
	// Calibrate: how often each boundary is called without a fault.
	clean := &evInjector{calls: map[string]int{}}
	b := &evBus{in: clean}
	publishAll(t, &events.Publisher{Tasks: faultyReader{clean, h.Repo}, Bus: b, DeadLetters: &evDLQ{in: clean}}, clean, recs)
	checkBus(t, "clean", b.got, nil, want)
	for _, boundary := range []string{"Publish / repo.GetTask", "Publish / repo.GetSignee", "Publish / bus.put"} {
		if clean.calls[boundary] == 0 {
			t.Fatalf("the publisher never reaches %s", boundary)
		}
	}
	var faults []evFault
	for _, boundary := range []string{"Publish / repo.GetTask", "Publish / repo.GetSignee", "Publish / bus.put"} {
		for nth := 1; nth <= clean.calls[boundary]; nth++ {
			for _, kind := range []string{"transient", "after", "crash", "crash-after"} {
				if kind == "after" || kind == "crash-after" {
					if boundary != "Publish / bus.put" {
						continue // a read has no effect to take
					}
				}
				faults = append(faults, evFault{boundary, nth, kind})
			}
		}
	}
	for nth := 1; nth <= clean.calls["Publish / bus.put"]; nth++ {
		faults = append(faults, evFault{"Publish / bus.put", nth, "refused"})
		for _, kind := range []string{"transient", "after", "crash", "crash-after"} {
			// The keep of the event refused at that put.
			faults = append(faults, evFault{"Publish / bus.put", nth, "refused+keep-" + kind})
		}
	}
	for _, f := range faults {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			in := &evInjector{f: f, calls: map[string]int{}}
			if kind, ok := cutPrefix(f.kind, "refused+keep-"); ok {
				// Refuse at the nth put, then fault the first keep.
				in.f = evFault{"Publish / bus.put", f.nth, "refused"}
				b := &evBus{in: in}
				d := &evDLQ{in: &evInjector{f: evFault{"Publish / dlq.keep", 1, kind}, calls: map[string]int{}}}
				pub := &events.Publisher{Tasks: faultyReader{in, h.Repo}, Bus: b, DeadLetters: d}
				publishAllTwo(t, pub, in, d.in, recs)
				if !d.in.hit {
					t.Fatalf("%s: no event was kept", f)
				}
				checkReplayed(t, f, b, d, want)
				return
			}
			b := &evBus{in: in}
			d := &evDLQ{in: in}
			publishAll(t, &events.Publisher{Tasks: faultyReader{in, h.Repo}, Bus: b, DeadLetters: d}, in, recs)
			if !in.hit {
				t.Fatalf("%s: the run never reached the fault", f)
			}
			checkReplayed(t, f, b, d, want)
		})
	}
}

// publishAllTwo is publishAll with a second injector (the dead-letter
// queue's) whose crash also loses the invocation.
func publishAllTwo(t *testing.T, p *events.Publisher, a, b *evInjector, recs []events.Record) {
	t.Helper()
	for pos, n := 0, 0; pos < len(recs); n++ {
		if n > 10*len(recs) {
			t.Fatalf("no progress (at record %d)", pos)
		}
		batch := recs[pos:min(pos+4, len(recs))]
		from, _ := p.Publish(context.Background(), batch)
		if ca, cb := a.revive(), b.revive(); ca || cb {
			continue
		}
		if from == "" {
			pos += len(batch)
			continue
		}
		pos += slices.IndexFunc(batch, func(r events.Record) bool { return r.Position == from })
	}
}

// checkReplayed replays what the dead-letter queue kept and checks the bus.
func checkReplayed(t *testing.T, f evFault, b *evBus, d *evDLQ, want map[string]signing.CloudEvent) {
	t.Helper()
	var kept []string
	for _, k := range d.kept {
		kept = append(kept, k.Event.ID)
	}
	if len(kept) > 0 {
		b.in = nil
		if _, err := events.ReplayDeadEvents(context.Background(), &onceInbox{d: d}, b); err != nil {
			t.Fatalf("%s: replay: %v", f, err)
		}
	}
	checkBus(t, f.String(), b.got, kept, want)
}

// onceInbox hands the dead-letter queue's messages once.
type onceInbox struct {
	d    *evDLQ
	done bool
}

func (o *onceInbox) Receive(ctx context.Context) ([]events.Message, error) {
	if o.done {
		return nil, nil
	}
	o.done = true
	return o.d.Receive(ctx)
}

func (o *onceInbox) Delete(context.Context, string) error { return nil }

// checkBus checks that got holds every wanted event, nothing else, each id
// always the same event.
func checkBus(t *testing.T, what string, got []signing.CloudEvent, kept []string, want map[string]signing.CloudEvent) {
	t.Helper()
	seen := map[string]int{}
	for _, ev := range got {
		w, ok := want[ev.ID]
		if !ok {
			t.Errorf("%s: the bus got event %s (%s), which the trail does not make", what, ev.ID, ev.Type)
			continue
		}
		if !reflect.DeepEqual(ev, w) {
			t.Errorf("%s: event %s on the bus differs from the trail's:\n got %+v\nwant %+v", what, ev.ID, ev, w)
		}
		seen[ev.ID]++
	}
	for id, ev := range want {
		if seen[id] == 0 {
			t.Errorf("%s: event %s (%s) never reached the bus (kept: %v)", what, id, ev.Type, kept)
		}
	}
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return "", false
}

// The dispatcher's side: an SQS queue of messages, each handed again
// until its invocation settles it.

type sqsModel struct {
	in   *evInjector
	mu   sync.Mutex
	msgs [][]byte
	dead []webhook.DeadLetter
}

func (q *sqsModel) Retry(_ context.Context, m webhook.Retry, _ time.Duration) error {
	effect, err := q.in.at("Deliver / queue.retry")
	if effect {
		b, _ := json.Marshal(m)
		q.mu.Lock()
		q.msgs = append(q.msgs, b)
		q.mu.Unlock()
	}
	return err
}

func (q *sqsModel) DeadLetter(_ context.Context, d webhook.DeadLetter) error {
	effect, err := q.in.at("Deliver / queue.deadLetter")
	if effect {
		q.mu.Lock()
		q.dead = append(q.dead, d)
		q.mu.Unlock()
	}
	return err
}

type faultySecrets struct{ in *evInjector }

const hookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func (s faultySecrets) Secret(context.Context, string) (string, error) {
	if ok, err := s.in.at("Deliver / secrets.read"); !ok {
		return "", err
	}
	return hookSecret, nil
}

// hookReceiver checks each delivery's signature and keeps its event; the
// injector decides, at each post, whether it answers 503 without keeping
// (transient), keeps and answers 500 (after), or keeps and the
// dispatcher's process dies (crash-after).
type hookReceiver struct {
	in      *evInjector
	mu      sync.Mutex
	got     map[string][]json.RawMessage
	badSigs int
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := webhook.Verify(hookSecret, req.Header, body, time.Minute); err != nil {
		r.mu.Lock()
		r.badSigs++
		r.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	effect, err := r.in.at("Deliver / webhook.post")
	if effect {
		r.mu.Lock()
		r.got[req.Header.Get("webhook-id")] = append(r.got[req.Header.Get("webhook-id")], body)
		r.mu.Unlock()
	}
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestMatrix_dispatcher(t *testing.T) {
	t.Parallel()
	_, _, want := eventsTrail(t)
	var envelopes [][]byte
	for _, id := range slices.Sorted(maps.Keys(want)) {
		ev := want[id]
		b, _ := json.Marshal(map[string]any{"version": "0", "id": "eb-" + id, "detail-type": ev.Type, "source": ev.Source, "detail": ev})
		envelopes = append(envelopes, b)
	}
	drive := func(t *testing.T, f evFault, also []evFault, retryFor time.Duration) (*hookReceiver, *sqsModel, *evInjector) {
		in := &evInjector{f: f, also: also, calls: map[string]int{}}
		rcv := &hookReceiver{in: in, got: map[string][]json.RawMessage{}}
		srv := httptest.NewServer(rcv)
		t.Cleanup(srv.Close)
		q := &sqsModel{in: in, msgs: slices.Clone(envelopes)}
		d := &webhook.Dispatcher{
			Subscribers: []webhook.Subscriber{{ID: "case-system", URL: srv.URL + "/hooks"}},
			Secrets:     faultySecrets{in}, Queue: q, Client: webhook.NewClient(webhook.ClientOptions{AllowPrivate: true}),
			Base: time.Second, RetryFor: retryFor, Log: logs.Logger(),
		}
		run := func() {
			for n := 0; ; n++ {
				q.mu.Lock()
				if len(q.msgs) == 0 {
					q.mu.Unlock()
					return
				}
				m := q.msgs[0]
				q.msgs = q.msgs[1:]
				q.mu.Unlock()
				if n > 20*len(envelopes) {
					t.Fatalf("%s: no end after %d receives", f, n)
				}
				err := d.Handle(context.Background(), m)
				if in.revive() || err != nil {
					// Not deleted: SQS hands the message again.
					q.mu.Lock()
					q.msgs = append(q.msgs, m)
					q.mu.Unlock()
				}
			}
		}
		run()
		if len(q.dead) > 0 {
			// signing events replay -webhook-dead-letters: back to the
			// delivery queue, then delivered.
			inbox := &deadInbox{q: q}
			if _, err := events.ReplayDeadDeliveries(context.Background(), inbox, sqsSender{q}, time.Now); err != nil {
				t.Fatalf("%s: replay the dead letters: %v", f, err)
			}
			run()
		}
		return rcv, q, in
	}
	cleanRcv, _, clean := drive(t, evFault{}, nil, time.Hour)
	checkReceived(t, "clean", cleanRcv, want)
	type row struct {
		f        evFault
		also     []evFault
		retryFor time.Duration
	}
	var rows []row
	kinds := []string{"transient", "after", "crash", "crash-after"}
	for _, boundary := range []string{"Deliver / secrets.read", "Deliver / webhook.post"} {
		for nth := 1; nth <= clean.calls[boundary]; nth++ {
			for _, kind := range kinds {
				if boundary == "Deliver / secrets.read" && (kind == "after" || kind == "crash-after") {
					continue // a read has no effect to take
				}
				rows = append(rows, row{f: evFault{boundary, nth, kind}, retryFor: time.Hour})
			}
		}
	}
	// The retry of a failed post, and the dead letter of a post failing
	// past the retry period, each faulted.
	failedPost := []evFault{{"Deliver / webhook.post", 1, "transient"}}
	for _, kind := range kinds {
		rows = append(rows, row{f: evFault{"Deliver / queue.retry", 1, kind}, also: failedPost, retryFor: time.Hour},
			row{f: evFault{"Deliver / queue.deadLetter", 1, kind}, also: failedPost, retryFor: time.Nanosecond})
	}
	for _, rw := range rows {
		t.Run(rw.f.String(), func(t *testing.T) {
			t.Parallel()
			rcv, q, in := drive(t, rw.f, rw.also, rw.retryFor)
			if !in.hit {
				t.Fatalf("%s: the run never reached the fault", rw.f)
			}
			if rw.retryFor == time.Hour && len(q.dead) != 0 {
				t.Errorf("%s: %d deliveries dead-lettered, want none within the retry period", rw.f, len(q.dead))
			}
			checkReceived(t, rw.f.String(), rcv, want)
		})
	}
}

// deadInbox hands the dead letters once, as a replay reads them.
type deadInbox struct {
	q    *sqsModel
	done bool
}

func (d *deadInbox) Receive(context.Context) ([]events.Message, error) {
	if d.done {
		return nil, nil
	}
	d.done = true
	d.q.mu.Lock()
	defer d.q.mu.Unlock()
	var out []events.Message
	for i, dl := range d.q.dead {
		b, _ := json.Marshal(dl)
		out = append(out, events.Message{ID: fmt.Sprint(i), Body: b, Handle: fmt.Sprint(i)})
	}
	d.q.dead = nil
	return out, nil
}

func (d *deadInbox) Delete(context.Context, string) error { return nil }

// sqsSender puts a replayed delivery back on the model queue.
type sqsSender struct{ q *sqsModel }

func (s sqsSender) Send(_ context.Context, v any, _ time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.q.mu.Lock()
	s.q.msgs = append(s.q.msgs, b)
	s.q.mu.Unlock()
	return nil
}

// checkReceived checks that the receiver holds every event, each id's
// deliveries the same event, and no delivery had a bad signature.
func checkReceived(t *testing.T, what string, r *hookReceiver, want map[string]signing.CloudEvent) {
	t.Helper()
	if r.badSigs != 0 {
		t.Errorf("%s: %d deliveries with a bad signature", what, r.badSigs)
	}
	for id := range want {
		if len(r.got[id]) == 0 {
			t.Errorf("%s: event %s (%s) never reached the receiver", what, id, want[id].Type)
		}
	}
	for id, bodies := range r.got {
		w, ok := want[id]
		if !ok {
			t.Errorf("%s: the receiver got %s, which the trail does not make", what, id)
			continue
		}
		for _, b := range bodies {
			var ev signing.CloudEvent
			if err := json.Unmarshal(b, &ev); err != nil || !reflect.DeepEqual(ev, w) {
				t.Errorf("%s: a delivery of %s is not the trail's event: %s", what, id, b)
			}
		}
	}
}

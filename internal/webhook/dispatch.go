package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Secrets reads a subscriber's signing secret ("whsec_…") by the
// subscriber's ID; caching is the implementation's business. It must be
// safe for concurrent use.
type Secrets interface {
	Secret(ctx context.Context, subscriberID string) (string, error)
}

// Queue holds the deliveries still to make or given up on. It must be safe
// for concurrent use.
type Queue interface {
	// Retry puts m back on the delivery queue, visible after delay (SQS
	// DelaySeconds, at most 15 min).
	Retry(ctx context.Context, m Retry, delay time.Duration) error
	// DeadLetter keeps a delivery given up on, with why.
	DeadLetter(ctx context.Context, d DeadLetter) error
}

// Retry is a delivery queued to be tried again: Attempt is the number of
// the attempt it makes (2 for the first retry).
type Retry struct {
	Subscriber   string          `json:"subscriber"`
	Attempt      int             `json:"attempt"`
	FirstTriedAt time.Time       `json:"firstTriedAt"`
	Event        json.RawMessage `json:"event"`
}

// DeadLetter is a delivery given up on, after Attempts attempts.
type DeadLetter struct {
	Subscriber   string          `json:"subscriber"`
	EventID      string          `json:"eventId"`
	EventType    string          `json:"eventType"`
	Attempts     int             `json:"attempts"`
	FirstTriedAt time.Time       `json:"firstTriedAt"`
	LastTriedAt  time.Time       `json:"lastTriedAt"`
	LastError    string          `json:"lastError"`
	Event        json.RawMessage `json:"event"`
}

// settleTime is what an attempt leaves of the invocation's time for
// queueing its retry or dead letter.
const settleTime = 3 * time.Second

// maxDelay is the longest SQS delays a message (DelaySeconds 900).
const maxDelay = 15 * time.Minute

// Dispatcher delivers events to the subscribers that want them, one queue
// message at a time. Only Subscribers, Secrets and Queue are required.
type Dispatcher struct {
	Subscribers []Subscriber
	Secrets     Secrets
	Queue       Queue
	// Client makes the deliveries; nil means NewClient(ClientOptions{}).
	Client *http.Client
	// RetryFor is how long after its first attempt a delivery is retried;
	// 0 means 24h.
	RetryFor time.Duration
	// Base and Max are Backoff's; 0 means 30s and 15m. Max is held to
	// 15m, the longest an SQS message can be delayed.
	Base, Max time.Duration
	// Now and Rand default to time.Now and math/rand/v2's Float64.
	Now  func() time.Time
	Rand func() float64
	// Log defaults to slog.Default().
	Log *slog.Logger
}

var defaultClient = sync.OnceValue(func() *http.Client { return NewClient(ClientOptions{}) })

// Handle takes one message body: an EventBridge event whose detail is one
// of this service's CloudEvents, delivered to every subscriber that wants
// its type and app, or a Retry, delivered to its subscriber (one no longer
// configured, or no longer wanting the event, is dropped). A failed
// delivery is queued with Queue.Retry after a Backoff until the next
// attempt would begin more than RetryFor after the first; then, or at once
// for an address that is refused, it goes to Queue.DeadLetter.
//
// Handle returns an error only when the body is neither shape or a Queue
// call failed; the caller then leaves the message to SQS, whose redelivery
// may deliver again to a subscriber that already has the event, with the
// same webhook-id, which Standard Webhooks receivers drop.
func (d *Dispatcher) Handle(ctx context.Context, body []byte) error {
	// Both shapes at once: their JSON names do not overlap.
	var m struct {
		events.EventBridgeEvent
		Retry
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("webhook: message: %w", err)
	}
	switch {
	case m.DetailType != "" && len(m.Detail) > 0:
		return d.fanOut(ctx, m.Detail)
	case m.Subscriber != "" && len(m.Event) > 0:
		return d.retry(ctx, m.Retry)
	}
	return errors.New("webhook: message is neither an EventBridge event nor a retry")
}

func (d *Dispatcher) fanOut(ctx context.Context, raw json.RawMessage) error {
	ev, err := parseEvent(raw)
	if err != nil {
		return err
	}
	now := d.now()
	errs := make([]error, len(d.Subscribers))
	var wg sync.WaitGroup
	// Concurrently, so one slow subscriber does not hold back the others
	// past the function's timeout.
	for i, s := range d.Subscribers {
		if s.Wants(ev.Type, ev.org, ev.app) {
			wg.Go(func() { errs[i] = d.deliver(ctx, s, ev, raw, 1, now) })
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (d *Dispatcher) retry(ctx context.Context, r Retry) error {
	ev, err := parseEvent(r.Event)
	if err != nil {
		return err
	}
	if r.Attempt < 1 || r.FirstTriedAt.IsZero() {
		return errors.New("webhook: retry: attempt and firstTriedAt are required")
	}
	log := d.logger().With("subscriber", r.Subscriber, "eventId", ev.ID, "eventType", ev.Type, "attempt", r.Attempt)
	i := slices.IndexFunc(d.Subscribers, func(s Subscriber) bool { return s.ID == r.Subscriber })
	if i < 0 {
		log.WarnContext(ctx, "webhook retry dropped: subscriber no longer configured", "outcome", "dropped")
		return nil
	}
	s := d.Subscribers[i]
	if !s.Wants(ev.Type, ev.org, ev.app) {
		log.WarnContext(ctx, "webhook retry dropped: subscriber no longer wants the event", "outcome", "dropped")
		return nil
	}
	return d.deliver(ctx, s, ev, r.Event, r.Attempt, r.FirstTriedAt)
}

// deliver makes one attempt and queues what follows a failure.
func (d *Dispatcher) deliver(ctx context.Context, s Subscriber, ev event, raw json.RawMessage, attempt int, first time.Time) error {
	now := d.now()
	status, err := d.post(ctx, s, ev.ID, raw, now)
	log := d.logger().With("subscriber", s.ID, "eventId", ev.ID, "eventType", ev.Type, "attempt", attempt, "status", status)
	if err == nil {
		log.InfoContext(ctx, "webhook delivered", "outcome", "delivered")
		return nil
	}
	delay := Backoff(attempt, d.base(), d.max(), d.rand())
	if errors.Is(err, ErrRefusedAddress) || now.Add(delay).Sub(first) > d.retryFor() {
		dl := DeadLetter{
			Subscriber: s.ID, EventID: ev.ID, EventType: ev.Type, Attempts: attempt,
			FirstTriedAt: first, LastTriedAt: now, LastError: err.Error(), Event: raw,
		}
		if qerr := d.Queue.DeadLetter(ctx, dl); qerr != nil {
			log.ErrorContext(ctx, "webhook failed; dead-letter failed", "outcome", "dead-letter-failed", "error", err, "queueError", qerr)
			return fmt.Errorf("webhook: dead-letter event %s for %s: %w", ev.ID, s.ID, qerr)
		}
		log.ErrorContext(ctx, "webhook failed; dead-lettered", "outcome", "dead-letter", "error", err)
		return nil
	}
	r := Retry{Subscriber: s.ID, Attempt: attempt + 1, FirstTriedAt: first, Event: raw}
	if qerr := d.Queue.Retry(ctx, r, delay); qerr != nil {
		log.ErrorContext(ctx, "webhook failed; retry failed", "outcome", "retry-failed", "error", err, "queueError", qerr)
		return fmt.Errorf("webhook: retry event %s for %s: %w", ev.ID, s.ID, qerr)
	}
	log.WarnContext(ctx, "webhook failed; retrying", "outcome", "retry", "delay", delay, "error", err)
	return nil
}

// post sends raw to s, signed as message id at time now, and returns the
// response's status (0 without one) and, unless it is 2xx, why not.
func (d *Dispatcher) post(ctx context.Context, s Subscriber, id string, raw []byte, now time.Time) (int, error) {
	secret, err := d.Secrets.Secret(ctx, s.ID)
	if err != nil {
		return 0, fmt.Errorf("webhook: read the secret: %w", err)
	}
	h, err := Sign(secret, id, now, raw)
	if err != nil {
		return 0, err
	}
	// An attempt ends in time for its retry or dead letter to be written
	// before the invocation's deadline: a receiver that hangs costs one
	// attempt, not the batch (which SQS would hand again in full).
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-settleTime))
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(raw))
	if err != nil {
		return 0, errors.New("webhook: the request cannot be built")
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/cloudevents+json")
	client := d.Client
	if client == nil {
		client = defaultClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error quotes the URL, whose query may hold the subscriber's token.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, fmt.Errorf("webhook: post: %w", err)
	}
	defer resp.Body.Close()
	// Drained, within reason, so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook: post: status %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// event is what delivery reads of a CloudEvent.
type event struct {
	ID, Type string
	org, app string
}

func parseEvent(raw json.RawMessage) (event, error) {
	var ce struct {
		SpecVersion string `json:"specversion"`
		ID          string `json:"id"`
		Type        string `json:"type"`
		Source      string `json:"source"`
	}
	if err := json.Unmarshal(raw, &ce); err != nil {
		return event{}, fmt.Errorf("webhook: event: %w", err)
	}
	rest, ok := strings.CutPrefix(ce.Source, "urn:altinn:signing:")
	org, app, _ := strings.Cut(rest, ":")
	switch {
	case ce.SpecVersion != "1.0":
		return event{}, errors.New("webhook: event: specversion is not 1.0")
	case ce.ID == "" || ce.Type == "":
		return event{}, errors.New("webhook: event: id and type are required")
	case !ok || org == "" || app == "":
		return event{}, errors.New("webhook: event: source is not urn:altinn:signing:{org}:{app}")
	}
	return event{ID: ce.ID, Type: ce.Type, org: org, app: app}, nil
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) rand() func() float64 {
	if d.Rand != nil {
		return d.Rand
	}
	return rand.Float64
}

func (d *Dispatcher) logger() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func (d *Dispatcher) retryFor() time.Duration {
	if d.RetryFor > 0 {
		return d.RetryFor
	}
	return 24 * time.Hour
}

func (d *Dispatcher) base() time.Duration {
	if d.Base > 0 {
		return d.Base
	}
	return 30 * time.Second
}

func (d *Dispatcher) max() time.Duration {
	if d.Max > 0 {
		return min(d.Max, maxDelay)
	}
	return maxDelay
}

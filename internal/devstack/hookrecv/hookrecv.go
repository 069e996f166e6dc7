// Package hookrecv is the local stack's webhook receiver: a subscriber of
// the service's webhooks that checks each delivery's Standard Webhooks
// signature (webhook.Verify, the library's verifier), keeps every event it
// accepts, and tells how many times each event id came (a receiver drops
// the repeats by id). It can be taken down (it answers 503) to see
// deliveries retried until it is back.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package hookrecv

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/webhook"
)

// Path is where the receiver takes deliveries.
const Path = "/hooks"

// Event is one accepted delivery.
type Event struct {
	ID, Type, Subject string
	Time              time.Time
	// Received is when it came; Repeat is set when its id came before.
	Received time.Time
	Repeat   bool
	Body     json.RawMessage
}

// Receiver takes signed deliveries.
type Receiver struct {
	secret string
	notify func(Event)

	mu       sync.Mutex
	events   []Event
	seen     map[string]int
	down     bool
	refused  int
	attempts int
}

// NewSecret returns a fresh signing key in Standard Webhooks' form.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}

// New returns a receiver that checks signatures with secret and calls
// notify (if set) with each new event, in the order they come.
func New(secret string, notify func(Event)) *Receiver {
	return &Receiver{secret: secret, notify: notify, seen: map[string]int{}}
}

// SetDown makes the receiver answer 503 (true) or take deliveries again.
func (r *Receiver) SetDown(down bool) {
	r.mu.Lock()
	r.down = down
	r.mu.Unlock()
}

// ServeHTTP takes one delivery: 401 for a bad signature, 503 while down,
// 400 for a body that is not a CloudEvent, else 204.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != Path {
		http.NotFound(w, req)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.attempts++
	down := r.down
	r.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if err := webhook.Verify(r.secret, req.Header, body, 5*time.Minute); err != nil {
		r.mu.Lock()
		r.refused++
		r.mu.Unlock()
		http.Error(w, "signature", http.StatusUnauthorized)
		return
	}
	var ce struct {
		ID      string    `json:"id"`
		Type    string    `json:"type"`
		Subject string    `json:"subject"`
		Time    time.Time `json:"time"`
	}
	if err := json.Unmarshal(body, &ce); err != nil || ce.ID == "" || ce.ID != req.Header.Get("webhook-id") {
		http.Error(w, "not a CloudEvent with the webhook-id as its id", http.StatusBadRequest)
		return
	}
	ev := Event{ID: ce.ID, Type: ce.Type, Subject: ce.Subject, Time: ce.Time, Received: time.Now(), Body: body}
	r.mu.Lock()
	ev.Repeat = r.seen[ce.ID] > 0
	r.seen[ce.ID]++
	r.events = append(r.events, ev)
	r.mu.Unlock()
	if r.notify != nil && !ev.Repeat {
		r.notify(ev)
	}
	w.WriteHeader(http.StatusNoContent)
}

// Events returns every accepted delivery, repeats included, in order.
func (r *Receiver) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Unique returns the accepted events without repeats, by id.
func (r *Receiver) Unique() map[string]Event {
	out := map[string]Event{}
	for _, e := range r.Events() {
		if _, ok := out[e.ID]; !ok {
			out[e.ID] = e
		}
	}
	return out
}

// Counts says how many deliveries came (attempts), and how many were
// refused for their signature.
func (r *Receiver) Counts() (attempts, refused int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts, r.refused
}

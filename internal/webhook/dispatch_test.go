package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/signingflow/signing/internal/webhook"
)

const (
	signedType    = "no.altinn.signing.signee.signed"
	completedType = "no.altinn.signing.task.completed"
	testSecret    = "whsec_c2lnbmluZy13ZWJob29rLXRlc3Qta2V5LTEyMzQ="
)

// fakeSecrets returns testSecret for every ARN, or err.
type fakeSecrets struct{ err error }

func (f fakeSecrets) Secret(context.Context, string) (string, error) { return testSecret, f.err }

type queued struct {
	m     webhook.Retry
	delay time.Duration
}

// fakeQueue records what it is given; err fails every call.
type fakeQueue struct {
	mu      sync.Mutex
	retries []queued
	dead    []webhook.DeadLetter
	err     error
}

func (q *fakeQueue) Retry(_ context.Context, m webhook.Retry, delay time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.retries = append(q.retries, queued{m, delay})
	return q.err
}

func (q *fakeQueue) DeadLetter(_ context.Context, d webhook.DeadLetter) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.dead = append(q.dead, d)
	return q.err
}

// request is what a receiver got.
type request struct {
	path   string
	header http.Header
	body   []byte
}

// receiver answers every request with status (redirecting a 3xx to
// "/redirected") and records them.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []request
	code int
}

func newReceiver(t *testing.T, code int) *receiver {
	r := &receiver{code: code}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, request{req.URL.Path, req.Header.Clone(), body})
		r.mu.Unlock()
		if code/100 == 3 {
			w.Header().Set("Location", "/redirected")
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *receiver) paths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, g := range r.got {
		out = append(out, g.path)
	}
	slices.Sort(out)
	return out
}

// cloudEvent is an event as this service emits it, spaced unlike
// encoding/json would so the test can tell it is sent as received.
func cloudEvent(id, typ, org, app string) json.RawMessage {
	return json.RawMessage(`{"specversion": "1.0", "id": "` + id + `", "source": "urn:altinn:signing:` + org + `:` + app +
		`", "type": "` + typ + `", "subject": "50001/0b6c1a3e-5d8f-4b6a-9c1d-2e3f4a5b6c7d/Task_2", "time": "2026-03-01T10:00:00Z",` +
		` "datacontenttype": "application/json", "data": {"taskId": "Task_2", "maskedId": "010190*****"}}`)
}

func envelope(ev json.RawMessage) []byte {
	var m struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(ev, &m)
	return []byte(`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"` + m.Type +
		`","source":"signing","account":"123456789012","time":"2026-03-01T10:00:01Z","region":"eu-north-1","resources":[],"detail":` +
		string(ev) + `}`)
}

func retryMessage(t *testing.T, r webhook.Retry) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var testNow = time.Date(2026, 3, 1, 10, 0, 5, 0, time.UTC)

// newDispatcher delivers to rcv's path "/"+id for each id, through a
// client that may reach 127.0.0.1, and logs to the returned buffer.
func newDispatcher(rcv *receiver, ids ...string) (*webhook.Dispatcher, *fakeQueue, *bytes.Buffer) {
	var subs []webhook.Subscriber
	for _, id := range ids {
		subs = append(subs, webhook.Subscriber{ID: id, URL: rcv.URL + "/" + id + "?token=query-token"})
	}
	q, logs := &fakeQueue{}, &bytes.Buffer{}
	return &webhook.Dispatcher{
		Subscribers: subs,
		Secrets:     fakeSecrets{},
		Queue:       q,
		Client:      webhook.NewClient(webhook.ClientOptions{AllowPrivate: true}),
		Now:         func() time.Time { return testNow },
		Rand:        func() float64 { return 0.5 },
		Log:         slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}, q, logs
}

// checkLogs fails the test if a log line carries the secret, a token or
// the event body.
func checkLogs(t *testing.T, logs *bytes.Buffer) {
	t.Helper()
	for _, secret := range []string{testSecret, strings.TrimPrefix(testSecret, "whsec_"), "query-token", "maskedId", "010190"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs hold %q:\n%s", secret, logs)
		}
	}
}

func TestDispatcher_Handle_delivers(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, http.StatusNoContent)
	d, q, logs := newDispatcher(rcv, "case-system")
	d.Now = time.Now // the library's verifier holds the timestamp to its clock
	ev := cloudEvent("e1", signedType, "ttd", "founders")

	if err := d.Handle(t.Context(), envelope(ev)); err != nil {
		t.Fatal(err)
	}
	reqs := rcv.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	got := reqs[0]
	if !bytes.Equal(got.body, ev) {
		t.Errorf("body %s\nwant %s", got.body, ev)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/cloudevents+json" {
		t.Errorf("Content-Type %q", ct)
	}
	if id := got.header.Get("webhook-id"); id != "e1" {
		t.Errorf("webhook-id %q, want the event's id", id)
	}
	wh, err := standardwebhooks.NewWebhook(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(got.body, got.header); err != nil {
		t.Errorf("the library's verifier: %v", err)
	}
	other, _ := standardwebhooks.NewWebhook("whsec_" + "b3RoZXIta2V5")
	if err := other.Verify(got.body, got.header); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Errorf("a wrong secret verifies: %v", err)
	}
	if len(q.retries)+len(q.dead) != 0 {
		t.Errorf("queued %+v %+v", q.retries, q.dead)
	}
	if !strings.Contains(logs.String(), `"outcome":"delivered"`) || !strings.Contains(logs.String(), `"status":204`) {
		t.Errorf("logs: %s", logs)
	}
	checkLogs(t, logs)
}

func TestDispatcher_Handle_filters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		typ      string
		org, app string
		want     []string
	}{
		{name: "signed_in_founders", typ: signedType, org: "ttd", app: "founders", want: []string{"/all", "/founders", "/signed"}},
		{name: "completed_in_founders", typ: completedType, org: "ttd", app: "founders", want: []string{"/all", "/founders"}},
		{name: "signed_elsewhere", typ: signedType, org: "ttd", app: "other", want: []string{"/all", "/signed"}},
		{name: "completed_elsewhere", typ: completedType, org: "digdir", app: "founders", want: []string{"/all"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, http.StatusOK)
			d, _, _ := newDispatcher(rcv, "all", "signed", "founders")
			d.Subscribers[1].Types = []string{signedType}
			d.Subscribers[2].Apps = []string{"ttd/founders"}
			if err := d.Handle(t.Context(), envelope(cloudEvent("e1", tt.typ, tt.org, tt.app))); err != nil {
				t.Fatal(err)
			}
			if got := rcv.paths(); !slices.Equal(got, tt.want) {
				t.Errorf("delivered to %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDispatcher_Handle_retries(t *testing.T) {
	t.Parallel()
	ev := cloudEvent("e1", signedType, "ttd", "founders")
	first := testNow.Add(-time.Hour)
	tests := []struct {
		name        string
		code        int
		secretErr   error
		max         time.Duration
		attempt     int // of the Retry message when body is nil; 0 means 3
		body        []byte
		wantAttempt int
		wantFirst   time.Time
		wantDelay   [2]time.Duration // [min, max)
		wantLog     string
	}{
		{name: "500_first_attempt", code: 500, body: envelope(ev), wantAttempt: 2, wantFirst: testNow,
			wantDelay: [2]time.Duration{15 * time.Second, 30 * time.Second}, wantLog: `"status":500`},
		{name: "302_is_a_failure", code: 302, body: envelope(ev), wantAttempt: 2, wantFirst: testNow,
			wantDelay: [2]time.Duration{15 * time.Second, 30 * time.Second}, wantLog: `"status":302`},
		{name: "404", code: 404, body: envelope(ev), wantAttempt: 2, wantFirst: testNow,
			wantDelay: [2]time.Duration{15 * time.Second, 30 * time.Second}, wantLog: `"status":404`},
		{name: "500_third_attempt", code: 500, body: nil, wantAttempt: 4, wantFirst: first,
			wantDelay: [2]time.Duration{60 * time.Second, 120 * time.Second}, wantLog: `"attempt":3`},
		{name: "max_held_to_sqs_15m", code: 500, max: 2 * time.Hour, attempt: 10, wantAttempt: 11, wantFirst: first,
			wantDelay: [2]time.Duration{450 * time.Second, 15 * time.Minute}, wantLog: `"attempt":10`},
		{name: "secret_unreadable", code: 200, secretErr: errors.New("secrets: throttled"), body: envelope(ev), wantAttempt: 2, wantFirst: testNow,
			wantDelay: [2]time.Duration{15 * time.Second, 30 * time.Second}, wantLog: "secrets: throttled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, tt.code)
			d, q, logs := newDispatcher(rcv, "case-system")
			d.Secrets, d.Max = fakeSecrets{err: tt.secretErr}, tt.max
			body := tt.body
			if body == nil {
				body = retryMessage(t, webhook.Retry{Subscriber: "case-system", Attempt: cmp(tt.attempt, 3), FirstTriedAt: first, Event: ev})
			}
			if err := d.Handle(t.Context(), body); err != nil {
				t.Fatal(err)
			}
			if len(q.retries) != 1 || len(q.dead) != 0 {
				t.Fatalf("retries %+v, dead letters %+v; want one retry", q.retries, q.dead)
			}
			got := q.retries[0]
			want := webhook.Retry{Subscriber: "case-system", Attempt: tt.wantAttempt, FirstTriedAt: tt.wantFirst, Event: ev}
			if got.m.Subscriber != want.Subscriber || got.m.Attempt != want.Attempt || !got.m.FirstTriedAt.Equal(want.FirstTriedAt) || !sameJSON(got.m.Event, want.Event) {
				t.Errorf("retry %+v\nwant %+v", got.m, want)
			}
			if got.delay < tt.wantDelay[0] || got.delay >= tt.wantDelay[1] {
				t.Errorf("delay %v, want in [%v, %v)", got.delay, tt.wantDelay[0], tt.wantDelay[1])
			}
			if slices.Contains(rcv.paths(), "/redirected") {
				t.Error("the redirect was followed")
			}
			if !strings.Contains(logs.String(), `"outcome":"retry"`) || !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("logs lack the retry or %s: %s", tt.wantLog, logs)
			}
			checkLogs(t, logs)
		})
	}
}

func TestDispatcher_Handle_deadLetters(t *testing.T) {
	t.Parallel()
	ev := cloudEvent("e1", signedType, "ttd", "founders")
	tests := []struct {
		name         string
		body         []byte
		allowPrivate bool
		wantAttempts int
		wantFirst    time.Time
		wantErr      string
		wantCalls    int
	}{
		{
			// The next attempt would begin past 24h: Backoff(7) is 15m·¾.
			name:         "past_retry_for",
			body:         nil,
			allowPrivate: true,
			wantAttempts: 7,
			wantFirst:    testNow.Add(-24*time.Hour + 10*time.Minute),
			wantErr:      "status 500",
			wantCalls:    1,
		},
		{
			name:         "refused_address_at_once",
			body:         envelope(ev),
			wantAttempts: 1,
			wantFirst:    testNow,
			wantErr:      "address refused: 127.0.0.1 is loopback",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, 500)
			d, q, logs := newDispatcher(rcv, "case-system")
			d.Client = webhook.NewClient(webhook.ClientOptions{AllowPrivate: tt.allowPrivate})
			body := tt.body
			if body == nil {
				body = retryMessage(t, webhook.Retry{Subscriber: "case-system", Attempt: tt.wantAttempts, FirstTriedAt: tt.wantFirst, Event: ev})
			}
			if err := d.Handle(t.Context(), body); err != nil {
				t.Fatal(err)
			}
			if len(q.dead) != 1 || len(q.retries) != 0 {
				t.Fatalf("dead letters %+v, retries %+v; want one dead letter", q.dead, q.retries)
			}
			got := q.dead[0]
			if got.Subscriber != "case-system" || got.EventID != "e1" || got.EventType != signedType || got.Attempts != tt.wantAttempts ||
				!got.FirstTriedAt.Equal(tt.wantFirst) || !got.LastTriedAt.Equal(testNow) || !sameJSON(got.Event, ev) ||
				!strings.Contains(got.LastError, tt.wantErr) {
				t.Errorf("dead letter %+v", got)
			}
			if strings.Contains(got.LastError, "query-token") {
				t.Errorf("the last error quotes the URL: %s", got.LastError)
			}
			if n := len(rcv.paths()); n != tt.wantCalls {
				t.Errorf("the receiver was called %d times, want %d", n, tt.wantCalls)
			}
			if !strings.Contains(logs.String(), `"outcome":"dead-letter"`) {
				t.Errorf("logs: %s", logs)
			}
			checkLogs(t, logs)
		})
	}
}

func TestDispatcher_Handle_retryMessage(t *testing.T) {
	t.Parallel()
	ev := cloudEvent("e1", signedType, "ttd", "founders")
	tests := []struct {
		name       string
		subscriber string
		want       []string
	}{
		{name: "only_its_subscriber", subscriber: "b", want: []string{"/b"}},
		{name: "subscriber_gone_dropped", subscriber: "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, http.StatusOK)
			d, q, _ := newDispatcher(rcv, "a", "b", "c")
			msg := retryMessage(t, webhook.Retry{Subscriber: tt.subscriber, Attempt: 2, FirstTriedAt: testNow.Add(-time.Minute), Event: ev})
			if err := d.Handle(t.Context(), msg); err != nil {
				t.Fatal(err)
			}
			if got := rcv.paths(); !slices.Equal(got, tt.want) {
				t.Errorf("delivered to %v, want %v", got, tt.want)
			}
			if len(q.retries)+len(q.dead) != 0 {
				t.Errorf("queued %+v %+v", q.retries, q.dead)
			}
		})
	}
}

func TestDispatcher_Handle_errors(t *testing.T) {
	t.Parallel()
	ev := cloudEvent("e1", signedType, "ttd", "founders")
	tests := []struct {
		name     string
		body     []byte
		queueErr error
		code     int
	}{
		{name: "not_json", body: []byte("hello")},
		{name: "neither_shape", body: []byte(`{"Records":[]}`)},
		{name: "detail_not_a_cloudevent", body: envelope(json.RawMessage(`{"type":"x"}`))},
		{name: "detail_source_not_signing", body: envelope(json.RawMessage(`{"specversion":"1.0","id":"e1","type":"t","source":"urn:other"}`))},
		{name: "retry_without_attempt", body: []byte(`{"subscriber":"a","firstTriedAt":"2026-03-01T10:00:00Z","event":` + string(ev) + `}`)},
		{name: "queue_retry_fails", body: envelope(ev), queueErr: errors.New("sqs: down"), code: 500},
		{name: "queue_dead_letter_fails", body: retryMessage(t, webhook.Retry{Subscriber: "a", Attempt: 9, FirstTriedAt: testNow.Add(-48 * time.Hour), Event: ev}), queueErr: errors.New("sqs: down"), code: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, cmp(tt.code, http.StatusOK))
			d, q, _ := newDispatcher(rcv, "a")
			q.err = tt.queueErr
			if err := d.Handle(t.Context(), tt.body); err == nil {
				t.Error("Handle succeeded, want an error")
			}
			if tt.queueErr == nil && len(rcv.paths()) != 0 {
				t.Errorf("delivered to %v", rcv.paths())
			}
		})
	}
}

// sameJSON compares a and b but for spacing: a Retry message has been
// through json.Marshal, which compacts its event.
func sameJSON(a, b []byte) bool {
	var ca, cb bytes.Buffer
	return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && bytes.Equal(ca.Bytes(), cb.Bytes())
}

func cmp(v, or int) int {
	if v != 0 {
		return v
	}
	return or
}

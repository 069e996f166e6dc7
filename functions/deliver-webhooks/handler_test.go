package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/webhook"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

type secrets struct{}

func (secrets) Secret(context.Context, string) (string, error) { return secret, nil }

type queue struct {
	mu      sync.Mutex
	retries []webhook.Retry
	dead    []webhook.DeadLetter
}

func (q *queue) Retry(_ context.Context, m webhook.Retry, _ time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.retries = append(q.retries, m)
	return nil
}

func (q *queue) DeadLetter(_ context.Context, d webhook.DeadLetter) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.dead = append(q.dead, d)
	return nil
}

func sample(t *testing.T, name string) events.SQSEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(signingtest.ModuleRoot(t), "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestHandler_Handle delivers each sample to a receiver that checks the
// signature: the bus's event and a retry reach it, signed, with the
// event's id as webhook-id; a malformed message is handed back to SQS; a
// receiver that fails makes a retry, not a failed message.
func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		event      string
		status     int
		delivered  int
		retries    int
		failedMsgs int
	}{
		{event: "deliver-webhooks-signed", status: 204, delivered: 1},
		{event: "deliver-webhooks-retry", status: 200, delivered: 1},
		{event: "deliver-webhooks-signed", status: 503, retries: 1},
		{event: "deliver-webhooks-malformed", status: 200, failedMsgs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.event+"_"+http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var ids []string
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if err := webhook.Verify(secret, r.Header, body, time.Minute); err != nil {
					t.Errorf("signature: %v", err)
				}
				mu.Lock()
				ids = append(ids, r.Header.Get("webhook-id"))
				mu.Unlock()
				w.WriteHeader(tt.status)
			}))
			defer rcv.Close()
			q := &queue{}
			d := &webhook.Dispatcher{
				Subscribers: []webhook.Subscriber{{ID: "case-system", URL: rcv.URL + "/hook"}},
				Secrets:     secrets{}, Queue: q, Client: webhook.NewClient(webhook.ClientOptions{AllowPrivate: true}),
			}
			out, err := NewHandler(d).Handle(context.Background(), sample(t, tt.event))
			if err != nil {
				t.Fatal(err)
			}
			if len(out.BatchItemFailures) != tt.failedMsgs {
				t.Errorf("BatchItemFailures = %v, want %d", out.BatchItemFailures, tt.failedMsgs)
			}
			if tt.status < 300 && len(ids) != tt.delivered {
				t.Errorf("delivered %d, want %d", len(ids), tt.delivered)
			}
			for _, id := range ids {
				if id != "5f1d7c1e0b6a4e2f9a3c8d7b6e5f4a3b" {
					t.Errorf("webhook-id = %q, want the event's id", id)
				}
			}
			if len(q.retries) != tt.retries || len(q.dead) != 0 {
				t.Errorf("retries %d, dead letters %d; want %d, 0", len(q.retries), len(q.dead), tt.retries)
			}
		})
	}
}

func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	signingtest.CheckEventsCovered(t, "deliver-webhooks", "deliver-webhooks-signed", "deliver-webhooks-retry", "deliver-webhooks-malformed") // TestHandler_Handle
}

// ctxQueue is a queue that, like SQS, cannot be written once the
// invocation's context is done.
type ctxQueue struct{ queue }

func (q *ctxQueue) Retry(ctx context.Context, m webhook.Retry, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return q.queue.Retry(ctx, m, d)
}

// A receiver that hangs costs each message one attempt, ended in time for
// its retry to be queued before the invocation's deadline: the ten
// messages of a batch are all tried at once (the receiver sees all ten
// while none has been answered) and none is handed back to SQS, which
// would deliver the batch again in full and at last dead-letter the
// messages never tried.
func TestHandler_Handle_hangingReceiver(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var mu sync.Mutex
	seen := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen++
		mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer func() { close(release); rcv.Close() }()
	one := sample(t, "deliver-webhooks-signed").Records[0]
	var batch events.SQSEvent
	for i := range 10 {
		m := one
		m.MessageId = one.MessageId + "-" + string(rune('a'+i))
		batch.Records = append(batch.Records, m)
	}
	q := &ctxQueue{}
	d := &webhook.Dispatcher{
		Subscribers: []webhook.Subscriber{{ID: "case-system", URL: rcv.URL + "/hook"}},
		Secrets:     secrets{}, Queue: q,
		Client: webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, Timeout: time.Minute}),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4500*time.Millisecond)
	defer cancel()
	out, err := NewHandler(d).Handle(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.BatchItemFailures) != 0 {
		t.Errorf("BatchItemFailures = %v, want none: every message settled as a retry", out.BatchItemFailures)
	}
	if len(q.retries) != 10 {
		t.Errorf("%d retries queued, want 10", len(q.retries))
	}
	mu.Lock()
	defer mu.Unlock()
	if seen != 10 {
		t.Errorf("the receiver saw %d requests before the deadline, want all 10 at once", seen)
	}
}

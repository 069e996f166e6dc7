package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
	"github.com/signingflow/signing/internal/stepfn/stepfntest"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newHandler returns a handler on the emulator's notifications API and its log.
func newHandler(t *testing.T, h *signingtest.Harness) (*Handler, *syncBuffer) {
	t.Helper()
	n, err := platform.NewNotificationsClient(emulator.Config(h.EmuURL))
	if err != nil {
		t.Fatal(err)
	}
	handler := NewHandler(n)
	logs := &syncBuffer{}
	handler.log = slog.New(slog.NewJSONHandler(logs, nil))
	return handler, logs
}

func sqsEvent(t *testing.T, name string) events.SQSEvent {
	t.Helper()
	var ev events.SQSEvent
	if err := json.Unmarshal(stepfntest.Event(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func failed(resp events.SQSEventResponse) []string {
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		event      string
		fault      *emulator.Fault
		wantFailed []string
		wantOrders int
	}{
		{name: "batch", event: "dispatch-notifications-batch", wantOrders: 2},
		{name: "poison_messages", event: "dispatch-notifications-poison", wantOrders: 1,
			wantFailed: []string{"4f7c9a0e-1b2d-4e3f-8a5b-6c7d8e9f0a22", "4f7c9a0e-1b2d-4e3f-8a5b-6c7d8e9f0a23"}},
		{name: "platform_unavailable", event: "dispatch-notifications-batch", wantOrders: 1,
			fault:      &emulator.Fault{Operation: emulator.OpOrder, Status: 503, Count: 1},
			wantFailed: []string{"4f7c9a0e-1b2d-4e3f-8a5b-6c7d8e9f0a11"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			if tt.fault != nil {
				if err := h.Emu.InjectFault(*tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			handler, logs := newHandler(t, h)
			got, err := handler.Handle(context.Background(), sqsEvent(t, tt.event))
			if err != nil {
				t.Fatalf("Handle() error = %v", err)
			}
			if !slices.Equal(failed(got), tt.wantFailed) {
				t.Errorf("failed records = %v, want %v", failed(got), tt.wantFailed)
			}
			if n := len(h.Emu.Notifications()); n != tt.wantOrders {
				t.Errorf("orders = %d, want %d", n, tt.wantOrders)
			}
			for _, secret := range []string{"@example", "+47999", "15838523428", "02919043558"} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("log contains %q:\n%s", secret, logs)
				}
			}
		})
	}
}

// TestHandler_Handle_redelivered checks that a batch delivered twice orders once.
func TestHandler_Handle_redelivered(t *testing.T) {
	t.Parallel()
	h := signingtest.New(t)
	handler, _ := newHandler(t, h)
	for range 2 {
		got, err := handler.Handle(context.Background(), sqsEvent(t, "dispatch-notifications-batch"))
		if err != nil || len(got.BatchItemFailures) != 0 {
			t.Fatalf("Handle() = %+v, %v", got, err)
		}
	}
	if n := len(h.Emu.Notifications()); n != 2 {
		t.Errorf("orders = %d, want 2", n)
	}
}

// badInput are the batches whose records the handler reports as failed
// without placing an order: failed maps each failed record to the text its
// log line's cause must hold; the log line's error is Signing.Invalid.
var badInput = []struct {
	event  string
	failed map[string]string
	// ordered are the idempotency keys of the batch's valid orders.
	ordered []string
}{
	{event: "dispatch-notifications-poison", failed: map[string]string{
		"4f7c9a0e-1b2d-4e3f-8a5b-6c7d8e9f0a22": "body: is not a notification order", // not JSON
		"4f7c9a0e-1b2d-4e3f-8a5b-6c7d8e9f0a23": "body: is not a notification order", // not an order
	}, ordered: []string{"notify:1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d:SigningTask:p-775735aa3661a2e57beb46a4"}},
	{event: "dispatch-notifications-bad-keys", failed: map[string]string{
		"4f7c9a0e-1b2d-4e3f-8a5b-6c7d8e9f0a31": "idempotencyKey: must be set",
		"4f7c9a0e-1b2d-4e3f-8a5b-6c7d8e9f0a32": "recipientUuid: must be set",
		// A party ID where the party UUID belongs, and no address.
		"4f7c9a0e-1b2d-4e3f-8a5b-6c7d8e9f0a33": "recipientUuid: must be a party UUID",
	}},
	{event: "dispatch-notifications-unknown-recipient", failed: map[string]string{
		// No address, and the register knows no such party.
		"4f7c9a0e-1b2d-4e3f-8a5b-6c7d8e9f0a41": "partyUuid",
	}},
}

// TestHandler_Handle_badInput checks that each bad record is reported as
// failed, logged as Signing.Invalid with a cause that names the field and
// no address, and that no order was placed for it.
func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	for _, tt := range badInput {
		t.Run(tt.event, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			handler, logs := newHandler(t, h)
			got, err := handler.Handle(context.Background(), sqsEvent(t, tt.event))
			if err != nil {
				t.Fatalf("Handle() error = %v", err)
			}
			want := slices.Sorted(maps.Keys(tt.failed))
			if ids := slices.Sorted(slices.Values(failed(got))); !slices.Equal(ids, want) {
				t.Errorf("failed records = %v, want %v", ids, want)
			}
			causes := map[string]string{}
			for line := range strings.Lines(logs.String()) {
				var rec struct {
					MessageID string `json:"messageId"`
					Error     string `json:"error"`
					Cause     string `json:"cause"`
				}
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if rec.Error != "" {
					causes[rec.MessageID] = rec.Error + ": " + rec.Cause
				}
			}
			for id, text := range tt.failed {
				if c := causes[id]; !strings.HasPrefix(c, stepfn.ErrorInvalid+": ") || !strings.Contains(c, text) {
					t.Errorf("record %s logged as %q, want %s naming %q", id, c, stepfn.ErrorInvalid, text)
				}
			}
			var keys []string
			for _, n := range h.Emu.Notifications() {
				keys = append(keys, n.IdempotencyKey)
			}
			if !slices.Equal(keys, tt.ordered) {
				t.Errorf("orders placed = %v, want %v", keys, tt.ordered)
			}
			if got := len(h.Emu.Messages()) + len(h.Emu.Delegations()) + len(h.Queue.Orders); got != 0 {
				t.Errorf("%d messages, delegations and queued orders, want none", got)
			}
			for _, secret := range []string{"@example", "+47999"} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("log contains %q:\n%s", secret, logs)
				}
			}
		})
	}
}

// TestHandler_Handle_events checks that every events/dispatch-notifications-*.json has a test case.
func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	covered := []string{"dispatch-notifications-batch"} // TestHandler_Handle, TestHandler_Handle_redelivered
	for _, tt := range badInput {
		covered = append(covered, tt.event)
	}
	files, err := filepath.Glob(filepath.Join(signingtest.ModuleRoot(t), "events", "dispatch-notifications-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".json"); !slices.Contains(covered, name) {
			t.Errorf("events/%s.json has no test case", name)
		}
	}
}

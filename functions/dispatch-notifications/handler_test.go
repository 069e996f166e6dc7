package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signingtest"
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

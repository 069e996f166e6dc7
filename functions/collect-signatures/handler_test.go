package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
	"github.com/signingflow/signing/internal/stepfn/stepfntest"
)

func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	h := signingtest.New(t)
	h.Ready(t)
	ctx := context.Background()
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
	handler := NewHandler(h.Svc)

	got, err := handler.Handle(ctx, stepfntest.Event(t, "collect-signatures-founders"))
	if err != nil {
		t.Fatalf("Handle() error = %v", err)
	}
	want := signing.Collected{Status: signing.TaskCollecting, NeedReceipt: []signing.SigneeKey{"p-470efb2ec61806d293f3e5c3"}, Signed: 1, Total: 3}
	if got.Status != want.Status || !slices.Equal(got.NeedReceipt, want.NeedReceipt) || got.Signed != want.Signed || got.Total != want.Total || got.AllSigned {
		t.Errorf("Handle() = %+v, want %+v", got, want)
	}
}

func TestHandler_Handle_closed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		close func(t *testing.T, h *signingtest.Harness)
		want  string
	}{
		{name: "rejected", want: stepfn.ErrorRejected, close: func(t *testing.T, h *signingtest.Harness) {
			if _, err := h.Svc.Reject(context.Background(), signing.RejectInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "deadline_passed", want: stepfn.ErrorExpired, close: func(t *testing.T, h *signingtest.Harness) {
			h.Clock.Advance(49 * time.Hour)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			ctx := context.Background()
			_, err := h.Svc.Start(ctx, signing.StartInput{Instance: signingtest.FoundersInstance, TaskID: "SigningTask", Config: h.Cfg, Deadline: h.Clock.Now().Add(48 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			tt.close(t, h)
			_, err = NewHandler(h.Svc).Handle(ctx, stepfntest.Event(t, "collect-signatures-founders"))
			if name, msg := stepfntest.ErrorName(t, err); name != tt.want {
				t.Errorf("error name = %q, want %q (%s)", name, tt.want, msg)
			}
		})
	}
}

func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	for _, event := range []string{"collect-signatures-unknown-task", "collect-signatures-malformed", "handle-reject-bad-status"} {
		t.Run(event, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			_, err := NewHandler(h.Svc).Handle(context.Background(), stepfntest.Event(t, event))
			if name, msg := stepfntest.ErrorName(t, err); name != stepfn.ErrorInvalid {
				t.Errorf("error name = %q, want %q (%s)", name, stepfn.ErrorInvalid, msg)
			}
		})
	}
}

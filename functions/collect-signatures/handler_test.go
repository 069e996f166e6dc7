package main

import (
	"context"
	"encoding/json"
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

// badInput are the events Collect Signatures refuses as Signing.Invalid,
// with the text the message must hold. They reach a task Kari signed, so a
// handler that acted on them anyway would take the pending signature.
var badInput = []signingtest.Refusal{
	{Event: "collect-signatures-unknown-task", WantText: []string{"task", "00000000-0000-4000-8000-000000000000/SigningTask", "not found"}},
	{Event: "collect-signatures-malformed", WantText: []string{"event: ends before the JSON value is complete"}},
	{Event: "collect-signatures-bad-guid", WantText: []string{"task.instanceGuid: must be a lowercase GUID"}},
	// Another step's input: its status is not a field of this step's.
	{Event: "handle-reject-bad-status", WantText: []string{"status: is not a known field"}},
}

// TestHandler_Handle_badInput checks the error name, that the message names
// what is wrong, and that nothing was written: no repository change, no
// delegation, message, notification order or data element.
func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	signingtest.CheckRefusals(t, badInput, func(t *testing.T) *signingtest.Harness {
		h := signingtest.New(t)
		h.Ready(t)
		if _, err := h.Svc.Sign(context.Background(), signing.SignInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
			t.Fatal(err)
		}
		return h
	}, handle, nil)
}

// TestHandler_Handle_events checks that every events/collect-signatures-*.json has a test case.
func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	events := []string{"collect-signatures-founders", "collect-signatures-later-round"} // TestHandler_Handle, TestHandler_Handle_closed, TestHandler_Handle_groupOpened
	for _, tt := range badInput {
		events = append(events, tt.Event)
	}
	signingtest.CheckEventsCovered(t, "collect-signatures", events...)
}

// handle is the handler over the harness's service.
func handle(h *signingtest.Harness) func(context.Context, json.RawMessage) (signing.Collected, error) {
	return NewHandler(h.Svc).Handle
}

// TestHandler_Handle_groupOpened checks a later round as the state machine
// sends it: the previous round's open group (1) is no longer the open one
// once the company of a task in two signing groups signed, so group 2's
// signees come back for delegation, and the output carries the group.
func TestHandler_Handle_groupOpened(t *testing.T) {
	t.Parallel()
	h := signingtest.New(t)
	signingtest.InOrder(t, h)
	h.Ready(t)
	ctx := context.Background()
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t), OnBehalfOf: signingtest.CompanyOrg}); err != nil {
		t.Fatal(err)
	}
	got, err := NewHandler(h.Svc).Handle(ctx, stepfntest.Event(t, "collect-signatures-later-round"))
	if err != nil {
		t.Fatalf("Handle() error = %v", err)
	}
	if got.OpenGroup != 2 || len(got.NeedDelegation) != 2 || !got.MoreToDelegate {
		t.Errorf("Handle() = open group %d, needDelegation %v, more %v; want group 2 with Kari and Ola, and to come back at once", got.OpenGroup, got.NeedDelegation, got.MoreToDelegate)
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(out, &fields); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"openGroup", "moreToDelegate"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("output lacks %s, which the state machine's selector reads", f)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
	"github.com/signingflow/signing/internal/stepfn/stepfntest"
)

func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	h := signingtest.New(t)
	handler := NewHandler(h.Svc)
	payload := stepfntest.Event(t, "resolve-signees-founders")

	got, err := handler.Handle(context.Background(), payload)
	if err != nil {
		t.Fatalf("Handle() error = %v", err)
	}
	want := []signing.SigneeKey{"o-fb5ee1e33696ac1cf43caad5", "p-470efb2ec61806d293f3e5c3", "p-775735aa3661a2e57beb46a4"}
	gotKeys := slices.Sorted(slices.Values(got.Signees))
	if !slices.Equal(gotKeys, want) || got.Count != 3 || got.Task != signingtest.FoundersTask {
		t.Errorf("Handle() = %+v, want task %v and signees %v", got, signingtest.FoundersTask, want)
	}
	task, err := h.Repo.GetTask(context.Background(), signingtest.FoundersTask)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(task.ExecutionARN, ":1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d-SigningTask-1") {
		t.Errorf("execution ARN = %q", task.ExecutionARN)
	}

	again, err := handler.Handle(context.Background(), payload)
	if err != nil || again.Count != 3 {
		t.Errorf("repeated Handle() = %+v, %v; want the same 3 signees", again, err)
	}
}

// TestHandler_Handle_attempt2 runs the Resolve Signees step of attempt 2:
// the process engine entered the task again after attempt 1 ended. A
// rejected or expired attempt 1 is replaced from a clean state; a running
// or completed one is a conflict.
func TestHandler_Handle_attempt2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup runs attempt 1; nil means there was none.
		setup    func(t *testing.T, h *signingtest.Harness)
		wantErr  string
		wantARN  string
		wantSigs int
	}{
		{name: "first_entry", wantARN: "-SigningTask-2"},
		{name: "after_reject", setup: rejected, wantARN: "-SigningTask-2"},
		{name: "after_expiry", setup: expired, wantARN: "-SigningTask-2"},
		{name: "while_collecting", setup: collecting, wantErr: stepfn.ErrorConflict, wantARN: "-SigningTask-1", wantSigs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			ctx := context.Background()
			if tt.setup != nil {
				tt.setup(t, h)
			}
			handler := NewHandler(h.Svc)
			got, err := handler.Handle(ctx, stepfntest.Event(t, "resolve-signees-attempt-2"))
			task, terr := h.Repo.GetTask(ctx, signingtest.FoundersTask)
			if terr != nil {
				t.Fatal(terr)
			}
			if !strings.HasSuffix(task.ExecutionARN, tt.wantARN) {
				t.Errorf("execution ARN = %q, want …%s", task.ExecutionARN, tt.wantARN)
			}
			sigs, _ := h.Repo.ListSignatures(ctx, signingtest.FoundersTask)
			if len(sigs) != tt.wantSigs {
				t.Errorf("signatures = %d, want %d", len(sigs), tt.wantSigs)
			}
			if tt.wantErr != "" {
				if name, msg := stepfntest.ErrorName(t, err); name != tt.wantErr {
					t.Errorf("error name = %q, want %q (%s)", name, tt.wantErr, msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Handle() error = %v", err)
			}
			if got.Count != 3 || got.Task != signingtest.FoundersTask {
				t.Errorf("Handle() = %+v, want the 3 founders", got)
			}
			if task.Attempt != 2 || task.Status != signing.TaskCollecting || task.Counts != (signing.Counts{Total: 3}) {
				t.Errorf("task = attempt %d %s %+v, want attempt 2 collecting, nobody signed", task.Attempt, task.Status, task.Counts)
			}
			for _, sk := range got.Signees {
				sg, err := h.Repo.GetSignee(ctx, signingtest.FoundersTask, sk)
				if err != nil || sg.Status != signing.SigneeResolved {
					t.Errorf("signee %s = %s, %v; want resolved, to be delegated and told again", sk, sg.Status, err)
				}
			}
			again, err := handler.Handle(ctx, stepfntest.Event(t, "resolve-signees-attempt-2"))
			if err != nil || again.Count != 3 {
				t.Errorf("repeated Handle() = %+v, %v; want the same 3 signees", again, err)
			}
		})
	}
}

// collecting runs attempt 1 until Ola signed.
func collecting(t *testing.T, h *signingtest.Harness) {
	t.Helper()
	if _, err := NewHandler(h.Svc).Handle(context.Background(), stepfntest.Event(t, "resolve-signees-founders")); err != nil {
		t.Fatal(err)
	}
	h.Ready(t)
	if _, err := h.Svc.Sign(context.Background(), signing.SignInput{Task: signingtest.FoundersTask, Caller: signingtest.Ola(t)}); err != nil {
		t.Fatal(err)
	}
}

// rejected runs attempt 1 until Ola signed and Kari rejected.
func rejected(t *testing.T, h *signingtest.Harness) {
	t.Helper()
	collecting(t, h)
	if _, err := h.Svc.Reject(context.Background(), signing.RejectInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
}

// expired runs attempt 1 until Ola signed and the deadline passed.
func expired(t *testing.T, h *signingtest.Harness) {
	t.Helper()
	collecting(t, h)
	if _, err := h.Repo.Close(context.Background(), signingtest.FoundersTask, signing.TaskExpired, h.Clock.Now(), "system", "the deadline passed"); err != nil {
		t.Fatal(err)
	}
}

// badInput are the events Resolve Signees refuses as Signing.Invalid, with
// the fields the message must name. The founders instance is in storage, so
// a handler that acted on them anyway would store the task.
var badInput = []signingtest.Refusal{
	{Name: "malformed", Event: "resolve-signees-malformed", WantText: []string{"event"}},
	{Name: "unknown_field", Event: "resolve-signees-unknown-field", WantText: []string{"signees: is not a known field"}},
	{Name: "invalid_input", Event: "resolve-signees-invalid-input", WantText: []string{
		"version", "instance.org", "instance.instanceGuid", "taskId", "config.dataTypesToSign", "config.signatureDataType", "config.signeeProviderId",
	}},
	{Name: "unknown_provider", Event: "resolve-signees-unknown-provider", WantText: []string{"signeeProviderId"}},
	{Name: "unknown_instance", Event: "resolve-signees-unknown-instance", WantText: []string{"00000000-0000-4000-8000-000000000000/SigningTask", "get instance"}},
	{Name: "continuation", Event: "resolve-signees-continuation", WantText: []string{"input.continuation"}},
}

// TestHandler_Handle_badInput checks the error name, that the message names
// what is wrong without echoing a national ID, and that nothing was
// written: no repository change, no delegation, message, notification
// order or data element.
func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	signingtest.CheckRefusals(t, badInput, func(t *testing.T) *signingtest.Harness { return signingtest.New(t) }, handle, func(t *testing.T, h *signingtest.Harness) {
		if _, err := h.Repo.GetTask(context.Background(), signingtest.FoundersTask); !errors.Is(err, signing.ErrNotFound) {
			t.Errorf("GetTask() error = %v, want ErrNotFound: nothing may be written", err)
		}
	})
}

// TestHandler_Handle_events checks that every events/resolve-signees-*.json has a test case.
func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	// TestHandler_Handle, TestHandler_Handle_attempt2
	events := []string{"resolve-signees-founders", "resolve-signees-attempt-2"}
	for _, tt := range badInput {
		events = append(events, tt.Event)
	}
	signingtest.CheckEventsCovered(t, "resolve-signees", events...)
}

// handle is the handler over the harness's service.
func handle(h *signingtest.Harness) func(context.Context, json.RawMessage) (Result, error) {
	return NewHandler(h.Svc).Handle
}

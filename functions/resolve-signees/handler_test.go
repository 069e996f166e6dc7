package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/signingtest"
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

func TestHandler_Handle_badInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		event      string
		wantFields []string
	}{
		{name: "malformed", event: "resolve-signees-malformed", wantFields: []string{"event"}},
		{name: "unknown_field", event: "resolve-signees-unknown-field", wantFields: []string{"signees: is not a known field"}},
		{name: "invalid_input", event: "resolve-signees-invalid-input", wantFields: []string{
			"version", "instance.org", "instance.instanceGuid", "taskId", "config.dataTypesToSign", "config.signatureDataType", "config.signeeProviderId",
		}},
		{name: "unknown_provider", event: "resolve-signees-unknown-provider", wantFields: []string{"signeeProviderId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := signingtest.New(t)
			_, err := NewHandler(h.Svc).Handle(context.Background(), stepfntest.Event(t, tt.event))
			name, msg := stepfntest.ErrorName(t, err)
			if name != stepfn.ErrorInvalid {
				t.Errorf("error name = %q, want %q (%s)", name, stepfn.ErrorInvalid, msg)
			}
			for _, f := range tt.wantFields {
				if !strings.Contains(msg, f) {
					t.Errorf("message %q does not name %q", msg, f)
				}
			}
			if strings.Contains(msg, "15838523428") {
				t.Errorf("message %q echoes a national ID", msg)
			}
			if _, err := h.Repo.GetTask(context.Background(), signingtest.FoundersTask); !errors.Is(err, signing.ErrNotFound) {
				t.Errorf("GetTask() error = %v, want ErrNotFound: nothing may be written", err)
			}
			if got := len(h.Emu.Delegations()) + len(h.Emu.Messages()); got != 0 {
				t.Errorf("%d platform side effects, want none", got)
			}
		})
	}
}

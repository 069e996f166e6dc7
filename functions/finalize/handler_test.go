package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
	"github.com/signingflow/signing/internal/stepfn/stepfntest"
)

// allSigned readies the task and has every signee sign.
func allSigned(t *testing.T) *signingtest.Harness {
	t.Helper()
	h := signingtest.New(t)
	h.Ready(t)
	h.SignAll(t)
	return h
}

func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	h := allSigned(t)
	ctx := context.Background()
	if _, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
	handler := NewHandler(h.Svc)
	for range 2 { // a repeated step writes the PDF once
		got, err := handler.Handle(ctx, stepfntest.Event(t, "finalize-founders"))
		if err != nil {
			t.Fatalf("Handle() error = %v", err)
		}
		if got.Outcome != signing.OutcomeSigned {
			t.Errorf("outcome = %q, want signed", got.Outcome)
		}
	}
	var pdfs int
	for _, d := range h.Emu.Data() {
		if d.DataType == "signing-step-pdf" {
			pdfs++
		}
	}
	if pdfs != 1 {
		t.Errorf("signing PDFs = %d, want 1", pdfs)
	}
}

// changedStorage serves other bytes for one data element than were signed,
// as if the document changed in storage after the signatures.
type changedStorage struct {
	signing.Storage
	id string
}

func (c changedStorage) ReadData(ctx context.Context, ref signing.InstanceRef, id string) (io.ReadCloser, signing.DataElement, error) {
	if id == c.id {
		return io.NopCloser(strings.NewReader("%PDF-1.4 changed after signing")), signing.DataElement{ID: id}, nil
	}
	return c.Storage.ReadData(ctx, ref, id)
}

// errorCases are the events Finalize refuses, on a task everyone signed.
// The bad events reach a completed task, so a handler that acted on them
// anyway would write the PDF and revoke the rights.
var errorCases = []signingtest.Refusal{
	// Every signee signed, but nobody completed the task: not finished.
	{Name: "not_completed", Event: "finalize-founders", Want: stepfn.ErrorConflict, WantText: []string{"not completed"}},
	{Name: "data_changed", Prepare: completeAndChange, Event: "finalize-founders", Want: stepfn.ErrorDataChanged,
		WantText: []string{"data element", "modified after the signature"}},
	{Name: "unknown_task", Prepare: complete, Event: "finalize-unknown-task", Want: stepfn.ErrorInvalid,
		WantText: []string{"task", "00000000-0000-4000-8000-000000000000/SigningTask", "not found"}},
	{Name: "malformed", Prepare: complete, Event: "finalize-malformed", Want: stepfn.ErrorInvalid, WantText: []string{"task: must be a JSON object"}},
	{Name: "bad_guid", Prepare: complete, Event: "finalize-bad-guid", Want: stepfn.ErrorInvalid, WantText: []string{"task.instanceGuid: must be a lowercase GUID"}},
}

// TestHandler_Handle_errors checks the error name, that the message names
// what is wrong, and that nothing was written: no repository change, no PDF
// or other data element, no revocation, message or notification order.
func TestHandler_Handle_errors(t *testing.T) {
	t.Parallel()
	signingtest.CheckRefusals(t, errorCases, allSigned, func(h *signingtest.Harness) func(context.Context, json.RawMessage) (stepfn.OutcomeResult, error) {
		return NewHandler(h.Svc).Handle
	}, nil)
}

// complete has Kari complete the task.
func complete(t *testing.T, h *signingtest.Harness) []string {
	t.Helper()
	if _, err := h.Svc.Complete(context.Background(), signing.CompleteInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
	return nil
}

// completeAndChange has Kari complete the task, then changes a signed
// document; the message must name it.
func completeAndChange(t *testing.T, h *signingtest.Harness) []string {
	t.Helper()
	complete(t, h)
	sigs, err := h.Repo.ListSignatures(context.Background(), signingtest.FoundersTask)
	if err != nil || len(sigs) == 0 || len(sigs[0].Digests) == 0 {
		t.Fatalf("ListSignatures() = %+v, %v; want signatures with digests", sigs, err)
	}
	changed := sigs[0].Digests[0].DataElementID
	h.Svc.Storage = changedStorage{Storage: h.Svc.Storage, id: changed}
	return []string{changed}
}

// TestHandler_Handle_events checks that every events/finalize-*.json has a test case.
func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	events := []string{"finalize-founders"} // TestHandler_Handle
	for _, tt := range errorCases {
		events = append(events, tt.Event)
	}
	signingtest.CheckEventsCovered(t, "finalize", events...)
}

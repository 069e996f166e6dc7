package signing_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// TestService_evidence reads a signed task's audit trail a page at a time,
// oldest first, its evidence, and verifies its signed data; a document
// changed in Storage after signing is caught; only the owner may read.
func TestService_evidence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.Ready(t)
	h.SignAll(t)
	owner := signing.ReadInput{Task: foundersTask, Caller: signingtest.Kari(t)}
	ola := signing.ReadInput{Task: foundersTask, Caller: signingtest.Ola(t)}

	var all []signing.AuditEntry
	page := signing.Page{Limit: 2}
	for range 50 {
		entries, next, err := h.Svc.AuditTrail(ctx, owner, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) > 2 {
			t.Fatalf("a page of %d entries, want at most 2", len(entries))
		}
		all = append(all, entries...)
		if next == "" {
			break
		}
		page.Token = next
	}
	stored, err := h.Repo.Audit(ctx, foundersTask)
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, e := range all {
		if e.Action == "task.created" {
			created++
		}
	}
	if len(all) != len(stored) || len(all) < 5 || created != 1 {
		t.Fatalf("audit pages = %d entries (%d task.created), want all %d, task.created once", len(all), created, len(stored))
	}
	for i := 1; i < len(all); i++ {
		if all[i].At.Before(all[i-1].At) {
			t.Errorf("audit entry %d (%s) is older than the one before", i, all[i].Action)
		}
	}
	for _, e := range all {
		if e.Action == "execution.started" && e.Detail != "" {
			t.Errorf("the audit trail shows the execution's ARN: %q", e.Detail)
		}
	}
	if _, _, err := h.Svc.AuditTrail(ctx, owner, signing.Page{Token: "bm90IGEgbnVtYmVy"}); !errors.Is(err, signing.ErrInvalid) {
		t.Errorf("AuditTrail() with a foreign token: error = %v, want ErrInvalid", err)
	}

	ev, err := h.Svc.Evidence(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Signatures) != 3 || len(ev.Signees) != 3 || ev.Task.Status != signing.TaskCollecting || len(ev.Signatures[0].Digests) == 0 || ev.Signatures[0].MaskedID == "" {
		t.Errorf("Evidence() = %+v, want 3 signatures with digests and masked signers, 3 signees", ev)
	}

	v, err := h.Svc.Verify(ctx, owner)
	if err != nil || !v.Intact || len(v.Elements) == 0 || v.Elements[0].Signatures != 3 {
		t.Fatalf("Verify() = %+v, %v; want intact, each element signed 3 times", v, err)
	}
	changed := v.Elements[0].DataElementID
	h.Svc.Storage = changingStorage{Storage: h.Svc.Storage, id: changed}
	v, err = h.Svc.Verify(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if v.Intact || !v.Elements[0].Changed || v.Elements[0].Current == v.Elements[0].Signed {
		t.Errorf("Verify() after %s changed = %+v, want it reported changed", changed, v)
	}
	for i, el := range v.Elements[1:] {
		if el.Changed {
			t.Errorf("element %d %s reported changed, want only %s", i+1, el.DataElementID, changed)
		}
	}

	for name, read := range map[string]func() error{
		"AuditTrail": func() error { _, _, err := h.Svc.AuditTrail(ctx, ola, signing.Page{}); return err },
		"Evidence":   func() error { _, err := h.Svc.Evidence(ctx, ola); return err },
		"Verify":     func() error { _, err := h.Svc.Verify(ctx, ola); return err },
	} {
		if err := read(); !errors.Is(err, signing.ErrForbidden) {
			t.Errorf("%s by a signee: error = %v, want ErrForbidden", name, err)
		}
	}
}

// TestService_auditTrail_noReason: a reject's reason is free text and does
// not reach the audit trail's details.
func TestService_auditTrail_noReason(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.Ready(t)
	const reason = "Per er sykmeldt"
	if _, err := h.Svc.Reject(ctx, signing.RejectInput{Task: foundersTask, Caller: signingtest.Kari(t), Reason: reason}); err != nil {
		t.Fatal(err)
	}
	entries, _, err := h.Svc.AuditTrail(ctx, signing.ReadInput{Task: foundersTask, Caller: signingtest.Kari(t)}, signing.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Detail, "sykmeldt") {
			t.Errorf("audit entry %s shows the reason: %q", e.Action, e.Detail)
		}
	}
}

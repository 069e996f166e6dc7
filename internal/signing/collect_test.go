package signing_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
)

func messagesTitled(h *harness, substr string) int {
	n := 0
	for _, m := range h.Emu.Messages() {
		if strings.Contains(m.Title, substr) {
			n++
		}
	}
	return n
}

func dataOfType(h *harness, dataType string) int {
	n := 0
	for _, d := range h.Emu.Data() {
		if d.DataType == dataType {
			n++
		}
	}
	return n
}

func TestService_happyPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	h.SignAll(t)

	got, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{})
	if err != nil {
		t.Fatalf("Collect() error = %v", err)
	}
	if !got.AllSigned || len(got.NeedReceipt) != 3 || got.Status != signing.TaskCollecting {
		t.Fatalf("Collect() = %+v, want all signed and 3 receipts owed", got)
	}
	for _, sk := range got.NeedReceipt {
		for range 2 { // a retried step sends once
			if _, err := h.Svc.SendReceipt(ctx, foundersTask, sk); err != nil {
				t.Fatalf("SendReceipt(%s) error = %v", sk, err)
			}
		}
	}
	receipts := 0
	for _, m := range h.Emu.Messages() {
		if len(m.Attachments) == 1 && m.Attachments[0].FileName == "Stiftelsesdokumenter.pdf" {
			receipts++
		}
	}
	if receipts != 3 {
		t.Errorf("receipts with the signed document attached = %d, want 3", receipts)
	}
	if n := dataOfType(h, h.Cfg.SignatureDataType); n != 3 {
		t.Errorf("sign documents in storage = %d, want 3", n)
	}
	again, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{})
	if err != nil || len(again.NeedReceipt) != 0 {
		t.Errorf("second Collect() = %+v, %v; want nothing owed", again, err)
	}

	if _, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: foundersTask, Caller: kari(t)}); err != nil {
		t.Fatalf("Complete() error = %v", err)
	}
	for range 2 {
		outcome, err := h.Svc.Finalize(ctx, foundersTask)
		if err != nil || outcome != signing.OutcomeSigned {
			t.Fatalf("Finalize() = %q, %v", outcome, err)
		}
	}
	if n := dataOfType(h, h.Cfg.SigningPDFDataType); n != 1 {
		t.Errorf("signing PDFs = %d, want 1", n)
	}
	for _, d := range h.Emu.Data() {
		// The company's name reaches the PDF only as the organisation Kari signed for.
		if d.DataType == h.Cfg.SigningPDFDataType && !strings.Contains(pdfText(t, d.Bytes), "Eksempel Holding AS") {
			t.Errorf("the signing PDF does not name the company signed for")
		}
	}
	if got := h.Emu.Delegations(); len(got) != 0 {
		t.Errorf("delegations in force after completion = %+v, want none", got)
	}
}

func TestService_Finalize_keepReadAccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Cfg.KeepReadAccess, h.Cfg.CompleteAutomatically = true, true
	h.Ready(t)
	h.SignAll(t)
	if _, err := h.Svc.Finalize(context.Background(), foundersTask); err != nil {
		t.Fatalf("Finalize() error = %v", err)
	}
	task, _ := h.Repo.GetTask(context.Background(), foundersTask)
	if task.Status != signing.TaskCompleted {
		t.Errorf("status = %s, want completed automatically", task.Status)
	}
	got := h.Emu.Delegations()
	if len(got) != 2 {
		t.Fatalf("delegations in force = %+v, want read for Ola and the company", got)
	}
	for _, d := range got {
		if d.Action != "read" {
			t.Errorf("action %q still delegated", d.Action)
		}
	}
}

// changingStorage serves altered bytes for one data element.
type changingStorage struct {
	signing.Storage
	id string
}

func (c changingStorage) ReadData(ctx context.Context, ref signing.InstanceRef, id string) (io.ReadCloser, signing.DataElement, error) {
	if id == c.id {
		return io.NopCloser(strings.NewReader("%PDF-1.4 changed")), signing.DataElement{ID: id}, nil
	}
	return c.Storage.ReadData(ctx, ref, id)
}

func TestService_Finalize_dataChanged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Cfg.CompleteAutomatically = true
	h.Ready(t)
	h.SignAll(t)
	sig, err := h.Repo.ListSignatures(context.Background(), foundersTask)
	if err != nil || len(sig) == 0 {
		t.Fatal(err)
	}
	h.Svc.Storage = changingStorage{Storage: h.Svc.Storage, id: sig[0].Digests[0].DataElementID}
	_, err = h.Svc.Finalize(context.Background(), foundersTask)
	if !errors.Is(err, signing.ErrDataChanged) {
		t.Fatalf("Finalize() error = %v, want ErrDataChanged", err)
	}
	if n := dataOfType(h, h.Cfg.SigningPDFDataType); n != 0 {
		t.Errorf("a signing PDF was written for changed data")
	}
}

func TestService_Finish_rejected(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.Reject(ctx, signing.RejectInput{Task: foundersTask, Caller: kari(t), Reason: "changed my mind"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		outcome, err := h.Svc.Finish(ctx, foundersTask, signing.TaskRejected, "rejected")
		if err != nil || outcome != signing.OutcomeRejected {
			t.Fatalf("Finish() = %q, %v", outcome, err)
		}
	}
	if got := h.Emu.Delegations(); len(got) != 0 {
		t.Errorf("delegations in force after reject = %+v, want none", got)
	}
	if got := messagesTitled(h, "avbrutt"); got != 2 {
		t.Errorf("cancellation messages = %d, want 2 (Kari and the company had not signed)", got)
	}
	if got := h.SigneeByUUID(t, olaUUID); got.Status != signing.SigneeReceiptSent {
		t.Errorf("Ola, who signed before the reject, is %s; want a receipt sent", got.Status)
	}
	if got := h.SigneeByUUID(t, companyUUID); got.Status != signing.SigneeRevoked {
		t.Errorf("the company is %s, want revoked", got.Status)
	}
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: kari(t)}); !errors.Is(err, signing.ErrRejected) {
		t.Errorf("Sign() after reject: err = %v, want ErrRejected", err)
	}
	if _, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{}); !errors.Is(err, signing.ErrRejected) {
		t.Errorf("Collect() after reject: err = %v, want ErrRejected", err)
	}
}

func TestService_Collect_deadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	in := signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: h.Cfg, Deadline: h.Clock.Now().Add(24 * time.Hour)}
	if _, err := h.Svc.Start(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{}); err != nil {
		t.Fatalf("Collect() before the deadline: %v", err)
	}
	h.Clock.Advance(25 * time.Hour)
	if _, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{}); !errors.Is(err, signing.ErrExpired) {
		t.Fatalf("Collect() after the deadline: err = %v, want ErrExpired", err)
	}
	outcome, err := h.Svc.Finish(ctx, foundersTask, signing.TaskExpired, "deadline")
	if err != nil || outcome != signing.OutcomeExpired {
		t.Errorf("Finish() = %q, %v; want expired", outcome, err)
	}
	if _, err := h.Svc.Finish(ctx, foundersTask, signing.TaskRejected, "late reject"); err != nil {
		t.Errorf("Finish(rejected) of an expired task: %v", err)
	}
}

// TestService_Collect_needDelegation: the first round of an execution finds
// every signee whose delegate or notify step did not succeed; later rounds
// look again at those, until their steps succeed.
func TestService_Collect_needDelegation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	started := h.Start(t) // resolved, as if every Map iteration had failed
	stuck, ola := started.Signees, h.SigneeByUUID(t, olaUUID).Key
	if _, err := h.Svc.Delegate(ctx, foundersTask, ola); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.Notify(ctx, foundersTask, ola); err != nil {
		t.Fatal(err)
	}
	got, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{Scan: true})
	if err != nil {
		t.Fatalf("Collect(scan) error = %v", err)
	}
	if len(got.NeedDelegation) != len(stuck)-1 || slices.Contains(got.NeedDelegation, ola) {
		t.Fatalf("NeedDelegation = %v, want every signee but Ola (%v)", got.NeedDelegation, stuck)
	}
	if again, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{}); err != nil || len(again.NeedDelegation) != 0 {
		t.Errorf("Collect() without scan or retry = %+v, %v; want no signee to retry", again, err)
	}
	// The retry delegates the first of them; the next round returns the other.
	first := got.NeedDelegation[0]
	if _, err := h.Svc.Delegate(ctx, foundersTask, first); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.Notify(ctx, foundersTask, first); err != nil {
		t.Fatal(err)
	}
	next, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{Retry: append(got.NeedDelegation, got.NeedDelegation...)})
	if err != nil {
		t.Fatalf("Collect(retry) error = %v", err)
	}
	if !slices.Equal(next.NeedDelegation, got.NeedDelegation[1:]) {
		t.Errorf("NeedDelegation = %v, want %v", next.NeedDelegation, got.NeedDelegation[1:])
	}
	if _, err := h.Svc.Finish(ctx, foundersTask, signing.TaskRejected, "stop"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{Scan: true}); !errors.Is(err, signing.ErrRejected) {
		t.Errorf("Collect(scan) of a rejected task: err = %v, want ErrRejected", err)
	}
}

// TestService_Collect_waitSeconds: the next wait is the requested one,
// capped so that the workflow looks again when the deadline passes.
func TestService_Collect_waitSeconds(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	in := signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: h.Cfg, Deadline: h.Clock.Now().Add(2 * time.Hour)}
	if _, err := h.Svc.Start(ctx, in); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		advance   time.Duration
		requested int
		want      int
	}{
		{advance: 0, requested: 600, want: 600},
		{advance: 0, requested: 0, want: signing.DefaultWaitSeconds},
		{advance: 0, requested: 86400, want: 7200},
		{advance: 2*time.Hour - 1500*time.Millisecond, requested: 3600, want: 2},
		{advance: 1 * time.Second, requested: 3600, want: 1},
	}
	for _, tt := range tests {
		h.Clock.Advance(tt.advance)
		got, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{WaitSeconds: tt.requested})
		if err != nil {
			t.Fatalf("Collect() error = %v", err)
		}
		if got.WaitSeconds != tt.want {
			t.Errorf("after %v more, WaitSeconds(%d) = %d, want %d", tt.advance, tt.requested, got.WaitSeconds, tt.want)
		}
	}
}

// TestService_pastDeadline: between the deadline and the workflow's next
// look the task is still collecting, but the API accepts no signature and
// no completion.
func TestService_pastDeadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	in := signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: h.Cfg, Deadline: h.Clock.Now().Add(time.Hour)}
	started, err := h.Svc.Start(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, sk := range started.Signees {
		if _, err := h.Svc.Delegate(ctx, foundersTask, sk); err != nil {
			t.Fatal(err)
		}
	}
	h.Clock.Advance(time.Hour)
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); !errors.Is(err, signing.ErrExpired) {
		t.Errorf("Sign() after the deadline: err = %v, want ErrExpired", err)
	}
	if _, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: foundersTask, Caller: kari(t)}); !errors.Is(err, signing.ErrExpired) {
		t.Errorf("Complete() after the deadline: err = %v, want ErrExpired", err)
	}
	if got := h.SigneeByUUID(t, olaUUID); got.Status.HasSigned() {
		t.Errorf("Ola is %s after a refused signature", got.Status)
	}
}

// TestService_Sign_needsDelegation: a signee whose delegation failed for
// good holds no rights and may not sign.
func TestService_Sign_needsDelegation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Start(t)
	sg := h.SigneeByUUID(t, olaUUID)
	if err := h.Emu.InjectFault(emulator.Fault{Operation: emulator.OpDelegate, Status: http.StatusBadRequest}); err != nil {
		t.Fatal(err)
	}
	got, err := h.Svc.Delegate(ctx, foundersTask, sg.Key)
	if err != nil || got.Status != signing.SigneeFailed || !got.DelegatedAt.IsZero() {
		t.Fatalf("Delegate() = %s (delegated at %v), %v; want failed for good", got.Status, got.DelegatedAt, err)
	}
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); !errors.Is(err, signing.ErrForbidden) {
		t.Errorf("Sign() by a signee never delegated: err = %v, want ErrForbidden", err)
	}
}

// pdfText is the text of a PDF as a reader extracts it (the signing PDF's
// text is in an embedded font, not in its bytes as written).
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the signing PDF does not parse: %v", err)
	}
	var s strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		for _, c := range r.Page(i).Content().Text {
			s.WriteString(c.S)
		}
	}
	return s.String()
}

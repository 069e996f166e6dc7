package signing_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/signingflow/signing/internal/signing"
)

// TestService_Sign_retryWithKey: a client that lost the answer (a gateway
// timeout) and sends the same request again, with the same idempotency
// key, gets the recorded signature; nothing is written twice and the
// workflow is woken once. Any other second request is a conflict.
func TestService_Sign_retryWithKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	if err := h.Repo.RegisterWait(ctx, foundersTask, "wait-token-1"); err != nil {
		t.Fatal(err)
	}
	const key = "5f0c7d1e-6a43-4b8e-9a43-3c1f0e2d9b77"
	first, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t), RequestKey: key})
	if err != nil || first.Replayed {
		t.Fatalf("Sign() = %+v, %v", first, err)
	}
	if first.Signature.RequestHash == "" || strings.Contains(first.Signature.RequestHash, key) {
		t.Errorf("recorded request hash = %q: want a hash, never the key", first.Signature.RequestHash)
	}

	again, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t), RequestKey: key})
	if err != nil {
		t.Fatalf("retried Sign() error = %v, want the recorded signature", err)
	}
	if !again.Replayed || !again.Signature.SignedAt.Equal(first.Signature.SignedAt) || again.Signature.SigneeKey != first.Signature.SigneeKey {
		t.Errorf("retried Sign() = %+v, want a replay of %+v", again, first)
	}
	if len(h.Workflow.Resumed) != 1 {
		t.Errorf("workflow resumed %d times, want once", len(h.Workflow.Resumed))
	}

	for name, in := range map[string]signing.SignInput{
		"another_key": {Task: foundersTask, Caller: ola(t), RequestKey: key + "-2"},
		"no_key":      {Task: foundersTask, Caller: ola(t)},
	} {
		if _, err := h.Svc.Sign(ctx, in); !errors.Is(err, signing.ErrConflict) {
			t.Errorf("%s: Sign() error = %v, want ErrConflict", name, err)
		}
	}
	// The same key, used by the same person for another signee, is a new request.
	forCompany, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: kari(t), OnBehalfOf: companyOrg, RequestKey: key})
	if err != nil || forCompany.Replayed {
		t.Fatalf("Sign() for the company with a reused key = %+v, %v", forCompany, err)
	}
	sigs, err := h.Repo.ListSignatures(ctx, foundersTask)
	if err != nil || len(sigs) != 2 {
		t.Errorf("signatures = %d, %v; want 2", len(sigs), err)
	}
	task, _ := h.Repo.GetTask(ctx, foundersTask)
	if task.Counts.Signed != 2 {
		t.Errorf("signed = %d, want 2", task.Counts.Signed)
	}
}

// TestService_Sign_concurrentRetries: the same request sent many times at
// once records one signature, and every copy gets it.
func TestService_Sign_concurrentRetries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Ready(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	recorded, replayed := 0, 0
	for range 20 {
		wg.Go(func() {
			res, err := h.Svc.Sign(context.Background(), signing.SignInput{Task: foundersTask, Caller: ola(t), RequestKey: "retry-1"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("Sign() error = %v", err)
			case res.Replayed:
				replayed++
			default:
				recorded++
			}
		})
	}
	wg.Wait()
	if recorded != 1 || replayed != 19 {
		t.Errorf("%d recorded, %d replayed; want 1 and 19", recorded, replayed)
	}
}

func TestService_Sign_badRequestKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Ready(t)
	for _, key := range []string{"has space", "tab\tkey", "ünicode", strings.Repeat("k", signing.MaxRequestKeyLength+1)} {
		_, err := h.Svc.Sign(context.Background(), signing.SignInput{Task: foundersTask, Caller: ola(t), RequestKey: key})
		var fe *signing.FieldError
		if !errors.Is(err, signing.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "requestKey" {
			t.Errorf("Sign() with key %.20q: error = %v, want an invalid requestKey", key, err)
		}
	}
	task, _ := h.Repo.GetTask(context.Background(), foundersTask)
	if task.Counts.Signed != 0 {
		t.Errorf("signed = %d after refused requests, want 0", task.Counts.Signed)
	}
}

func TestRequestHash(t *testing.T) {
	t.Parallel()
	base := signing.RequestHash("identity-a", "p-0123456789abcdef01234567", "key")
	for name, got := range map[string]string{
		"other_person": signing.RequestHash("identity-b", "p-0123456789abcdef01234567", "key"),
		"other_signee": signing.RequestHash("identity-a", "o-0123456789abcdef01234567", "key"),
		"other_key":    signing.RequestHash("identity-a", "p-0123456789abcdef01234567", "key2"),
		"shifted":      signing.RequestHash("identity-", "ap-0123456789abcdef01234567", "key"),
	} {
		if got == base {
			t.Errorf("%s: same hash as the base", name)
		}
	}
	if signing.RequestHash("identity-a", "p-0123456789abcdef01234567", "") != "" {
		t.Error("no key must give no hash")
	}
	if len(base) != 64 || base != signing.RequestHash("identity-a", "p-0123456789abcdef01234567", "key") {
		t.Errorf("hash %q: want 64 hex digits, stable", base)
	}
}

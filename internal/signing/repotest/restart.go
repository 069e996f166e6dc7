package repotest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

// closeAs closes the fixture's task with status: rejected or expired by
// Close, completed by signing everyone and Complete.
func closeAs(t *testing.T, f *Fixture, status signing.TaskStatus) {
	t.Helper()
	switch status {
	case signing.TaskCollecting:
	case signing.TaskCompleted:
		for i := range f.Signees {
			if !f.MustSignee(t, i).Status.HasSigned() {
				f.Sign(t, i)
			}
		}
		if _, err := f.Repo.Complete(ctx, f.Key(), f.Now(), "submitter"); err != nil {
			t.Fatalf("Complete() error = %v", err)
		}
	default:
		if _, err := f.Repo.Close(ctx, f.Key(), status, f.Now(), "system", "test"); err != nil {
			t.Fatalf("Close(%s) error = %v", status, err)
		}
	}
}

// snapshot is what a refused or repeated restart must leave as it was.
type snapshot struct {
	Task       signing.Task
	Signees    []signing.Signee
	Signatures []signing.Signature
	Audit      []signing.AuditEntry
}

func takeSnapshot(t *testing.T, f *Fixture) snapshot {
	t.Helper()
	signees, _, err := f.Repo.ListSignees(ctx, f.Key(), signing.Page{Limit: 1000})
	if err != nil {
		t.Fatalf("ListSignees() error = %v", err)
	}
	sigs, err := f.Repo.ListSignatures(ctx, f.Key())
	if err != nil {
		t.Fatalf("ListSignatures() error = %v", err)
	}
	audit, err := f.Repo.Audit(ctx, f.Key())
	if err != nil {
		t.Fatalf("Audit() error = %v", err)
	}
	return snapshot{Task: f.MustTask(t), Signees: signees, Signatures: sigs, Audit: audit}
}

// sameEntry reports whether two audit entries are the same.
func sameEntry(a, b signing.AuditEntry) bool {
	return a.At.Equal(b.At) && a.Actor == b.Actor && a.Action == b.Action && a.SigneeKey == b.SigneeKey && a.Detail == b.Detail
}

// sortedByKey returns signees ordered by key, as ListSignees lists them.
func sortedByKey(signees []signing.Signee) []signing.Signee {
	out := slices.Clone(signees)
	slices.SortFunc(out, func(a, b signing.Signee) int { return strings.Compare(string(a.Key), string(b.Key)) })
	return out
}

func testRestartTask(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	for _, status := range []signing.TaskStatus{signing.TaskRejected, signing.TaskExpired, signing.TaskFailed} {
		t.Run("from_"+string(status), func(t *testing.T) {
			t.Parallel()
			testRestartFrom(t, repo, status)
		})
	}
	refusals := []struct {
		name string
		// setup prepares the stored task and returns the restart's attempt and previous attempt.
		setup   func(t *testing.T, f *Fixture) (attempt, previous int)
		wantErr error
	}{
		{name: "from_collecting", wantErr: signing.ErrConflict, setup: func(t *testing.T, f *Fixture) (int, int) {
			f.Sign(t, 0)
			return 2, 1
		}},
		{name: "from_completed", wantErr: signing.ErrConflict, setup: func(t *testing.T, f *Fixture) (int, int) {
			closeAs(t, f, signing.TaskCompleted)
			return 2, 1
		}},
		{name: "other_previous_attempt", wantErr: signing.ErrConflict, setup: func(t *testing.T, f *Fixture) (int, int) {
			closeAs(t, f, signing.TaskRejected)
			return 3, 2
		}},
		{name: "stale_attempt_below_stored", wantErr: signing.ErrConflict, setup: func(t *testing.T, f *Fixture) (int, int) {
			closeAs(t, f, signing.TaskRejected)
			f.Task.Attempt = 2 // restart straight to attempt 3
			f.Restart(t, f.Signees)
			closeAs(t, f, signing.TaskRejected)
			return 2, 1
		}},
		{name: "attempt_not_above_previous", wantErr: signing.ErrInvalid, setup: func(t *testing.T, f *Fixture) (int, int) {
			closeAs(t, f, signing.TaskRejected)
			return 1, 1
		}},
	}
	for _, tt := range refusals {
		t.Run("refused_"+tt.name, func(t *testing.T) {
			t.Parallel()
			f := Create(t, repo, 2)
			attempt, previous := tt.setup(t, f)
			before := takeSnapshot(t, f)
			task := f.NextAttempt(f.Signees)
			task.Attempt = attempt
			err := repo.RestartTask(ctx, task, f.Signees, previous)
			WantErr(t, "RestartTask()", err, tt.wantErr)
			SameJSON(t, "state after a refused restart", takeSnapshot(t, f), before)
		})
	}
	t.Run("repeat_changes_nothing", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		closeAs(t, f, signing.TaskRejected)
		task := f.Restart(t, f.Signees)
		before := takeSnapshot(t, f)
		reordered := slices.Clone(f.Signees)
		slices.Reverse(reordered) // the same signees in another order are the same input
		for range 2 {
			if err := repo.RestartTask(ctx, task, reordered, 1); err != nil {
				t.Fatalf("repeated RestartTask() error = %v", err)
			}
		}
		SameJSON(t, "state after repeats", takeSnapshot(t, f), before)
		if n := countActions(before.Audit, "task.restarted"); n != 1 {
			t.Errorf("task.restarted entries = %d, want 1", n)
		}
	})
	t.Run("repeat_after_progress_changes_nothing", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		closeAs(t, f, signing.TaskExpired)
		task := f.Restart(t, f.Signees)
		f.Sign(t, 0)
		before := takeSnapshot(t, f)
		if err := repo.RestartTask(ctx, task, f.Signees, 1); err != nil {
			t.Fatalf("repeated RestartTask() error = %v", err)
		}
		SameJSON(t, "state after the repeat", takeSnapshot(t, f), before)
	})
	conflicts := []struct {
		name   string
		change func(task *signing.Task, signees []signing.Signee) []signing.Signee
	}{
		{name: "other_signees", change: func(task *signing.Task, signees []signing.Signee) []signing.Signee {
			return append(signees[:1:1], NewPerson("Someone else"))
		}},
		{name: "other_config", change: func(task *signing.Task, signees []signing.Signee) []signing.Signee {
			task.Config.SigningPDFDataType = "signing-pdf"
			task.ConfigDigest = task.Config.Digest()
			return signees
		}},
	}
	for _, tt := range conflicts {
		t.Run("same_attempt_"+tt.name+"_is_conflict", func(t *testing.T) {
			t.Parallel()
			f := Create(t, repo, 2)
			closeAs(t, f, signing.TaskRejected)
			task := f.Restart(t, f.Signees)
			before := takeSnapshot(t, f)
			signees := tt.change(&task, slices.Clone(f.Signees))
			err := repo.RestartTask(ctx, task, signees, 1)
			WantErr(t, "RestartTask(changed)", err, signing.ErrConflict)
			SameJSON(t, "state", takeSnapshot(t, f), before)
		})
	}
	t.Run("create_of_the_old_attempt_is_conflict", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		first, signees := f.Task, f.Signees
		closeAs(t, f, signing.TaskRejected)
		f.Restart(t, f.Signees)
		WantErr(t, "CreateTask(attempt 1)", repo.CreateTask(ctx, first, signees), signing.ErrConflict)
	})
	t.Run("concurrent_repeats_restart_once", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 3)
		f.Sign(t, 0)
		closeAs(t, f, signing.TaskRejected)
		signees := []signing.Signee{f.Signees[0], NewPerson("New 1"), NewPerson("New 2")}
		task := f.NextAttempt(signees)
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = repo.RestartTask(ctx, task, signees, 1)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("RestartTask() #%d error = %v", i, err)
			}
		}
		got := takeSnapshot(t, f)
		if got.Task.Attempt != 2 || got.Task.Status != signing.TaskCollecting || got.Task.Counts != (signing.Counts{Total: 3}) {
			t.Errorf("task = attempt %d %s %+v, want attempt 2 collecting with 3 signees", got.Task.Attempt, got.Task.Status, got.Task.Counts)
		}
		SameJSON(t, "signees", got.Signees, sortedByKey(signees))
		if len(got.Signatures) != 0 {
			t.Errorf("%d signatures, want none", len(got.Signatures))
		}
		if n := countActions(got.Audit, "task.restarted"); n != 1 {
			t.Errorf("task.restarted entries = %d, want 1", n)
		}
	})
	t.Run("restarts_again", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		for attempt := 2; attempt <= 3; attempt++ {
			f.Sign(t, 0)
			closeAs(t, f, signing.TaskRejected)
			f.Restart(t, []signing.Signee{f.Signees[0]})
			got := f.MustTask(t)
			if got.Attempt != attempt || got.Status != signing.TaskCollecting || got.Counts.Signed != 0 {
				t.Errorf("task = attempt %d %s signed %d, want attempt %d collecting, signed 0", got.Attempt, got.Status, got.Counts.Signed, attempt)
			}
		}
		audit, err := repo.Audit(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		if n := countActions(audit, "task.restarted"); n != 2 {
			t.Errorf("task.restarted entries = %d, want 2", n)
		}
		if n := countActions(audit, "signature.recorded"); n != 2 {
			t.Errorf("signature.recorded entries = %d, want 2 (the trail keeps every attempt's)", n)
		}
	})
}

// testRestartFrom restarts a task that ended with status after some
// progress: one signee signed, one delegated (an open request), one told.
// The new attempt keeps the signer, drops the delegated one and adds a newcomer.
func testRestartFrom(t *testing.T, repo signing.Repository, status signing.TaskStatus) {
	f := Create(t, repo, 3)
	signer, dropped, told := f.Signees[0], f.Signees[1], f.Signees[2]
	const arn = "arn:aws:states:eu-north-1:123456789012:execution:signing:attempt-1"
	if err := repo.SetExecution(ctx, f.Key(), arn); err != nil {
		t.Fatal(err)
	}
	f.Sign(t, 0)
	f.Reach(t, 1, signing.SigneeDelegated)
	f.Reach(t, 2, signing.SigneeNotified)
	if err := repo.RegisterCompletionWait(ctx, f.Key(), "completion-1"); err != nil {
		t.Fatal(err)
	}
	closeAs(t, f, status)
	old := takeSnapshot(t, f)
	oldSig, err := repo.GetSignature(ctx, f.Key(), signer.Key)
	if err != nil {
		t.Fatal(err)
	}

	newcomer := NewPerson("Newcomer")
	signees := []signing.Signee{signer, told, newcomer}
	next := f.NextAttempt(signees)
	if err := repo.RestartTask(ctx, next, signees, 1); err != nil {
		t.Fatalf("RestartTask() error = %v", err)
	}

	got := f.MustTask(t)
	if got.Version <= old.Task.Version {
		t.Errorf("version = %d, want above %d", got.Version, old.Task.Version)
	}
	want := next
	want.Version = got.Version
	SameJSON(t, "GetTask() after the restart", got, want)
	listed, _, err := repo.ListSignees(ctx, f.Key(), signing.Page{})
	if err != nil {
		t.Fatal(err)
	}
	SameJSON(t, "ListSignees() after the restart (all resolved, fresh)", listed, sortedByKey(signees))
	if _, err := repo.GetSignee(ctx, f.Key(), dropped.Key); err == nil {
		t.Errorf("GetSignee(dropped signee) error = nil, want ErrNotFound")
	}
	sigs, err := repo.ListSignatures(ctx, f.Key())
	if err != nil || len(sigs) != 0 {
		t.Errorf("ListSignatures() = %d, %v; want none: the old signatures are gone", len(sigs), err)
	}
	_, err = repo.GetSignature(ctx, f.Key(), signer.Key)
	WantErr(t, "GetSignature(old signer)", err, signing.ErrNotFound)

	audit, err := repo.Audit(ctx, f.Key())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range old.Audit {
		if !slices.ContainsFunc(audit, func(a signing.AuditEntry) bool { return sameEntry(a, e) }) {
			t.Errorf("audit entry %+v of the old attempt is gone", e)
		}
	}
	var restarted []signing.AuditEntry
	for _, e := range audit {
		if e.Action == "task.restarted" {
			restarted = append(restarted, e)
		}
	}
	wantDetail := fmt.Sprintf("attempt 2 replaces attempt 1 (%s): 3 signees", status)
	if len(restarted) != 1 || restarted[0].Detail != wantDetail || !restarted[0].At.Equal(next.CreatedAt) || len(audit) != len(old.Audit)+1 {
		t.Errorf("restart audit entries = %+v (of %d), want one at %v with detail %q", restarted, len(audit), next.CreatedAt, wantDetail)
	}

	// Nothing is pending; the signer's receipt of attempt 1 is still owed
	// (what was answered 200 is kept), with a copy of the signature.
	batch, err := repo.TakePending(ctx, f.Key())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(batch.NeedReceipt, []signing.SigneeKey{signer.Key}) || batch.Task.Counts != (signing.Counts{Total: 3}) {
		t.Errorf("TakePending() = %v receipts, counts %+v; want the signer's owed receipt and total 3", batch.NeedReceipt, batch.Task.Counts)
	}
	owed, err := repo.OwedReceipts(ctx, f.Key().At(2))
	if err != nil {
		t.Fatal(err)
	}
	SameJSON(t, "OwedReceipts() after the restart", owed, []signing.OwedReceipt{{Attempt: 1, Signature: oldSig}})
	testSuperseded(t, repo, f.Key(), signer.Key)
	for range 2 { // settling twice changes nothing more
		if err := repo.SettleOwedReceipt(ctx, f.Key().At(2), signer.Key, 1); err != nil {
			t.Fatalf("SettleOwedReceipt() error = %v", err)
		}
	}
	if owed, err := repo.OwedReceipts(ctx, f.Key()); err != nil || len(owed) != 0 {
		t.Errorf("OwedReceipts() after settling = %+v, %v; want none", owed, err)
	}
	if batch, err := repo.TakePending(ctx, f.Key()); err != nil || len(batch.NeedReceipt) != 0 {
		t.Errorf("TakePending() after settling = %v, %v; want no receipt due", batch.NeedReceipt, err)
	}
	for _, sg := range []signing.Signee{signer, dropped, told, newcomer} {
		reqs, _, err := repo.PendingFor(ctx, sg.IdentityHash, signing.Page{})
		if err != nil || len(reqs) != 0 {
			t.Errorf("PendingFor(%s) = %+v, %v; want no open request before the new delegation", sg.DisplayName, reqs, err)
		}
	}

	// The new attempt runs like a new task: a new execution, delegation, signatures, waits.
	if err := repo.SetExecution(ctx, f.Key(), arn+"-2"); err != nil {
		t.Errorf("SetExecution(new execution) error = %v", err)
	}
	f.Task, f.Signees = f.MustTask(t), signees
	f.Reach(t, 0, signing.SigneeDelegated)
	reqs, _, err := repo.PendingFor(ctx, signer.IdentityHash, signing.Page{})
	if err != nil {
		t.Fatal(err)
	}
	SameJSON(t, "PendingFor(signer) after the new delegation", reqs, []signing.SigningRequest{{
		Instance: next.Instance, TaskID: next.Key.TaskID, SigneeKey: signer.Key, Kind: signing.SigneePerson,
		Status: signing.SigneeDelegated, Deadline: next.Deadline,
	}})
	res, err := repo.RecordSignature(ctx, f.Signature(0))
	if err != nil {
		t.Fatalf("RecordSignature(old signer, new attempt) error = %v", err)
	}
	if res.Task.Counts != (signing.Counts{Total: 3, Signed: 1, Pending: 1}) || res.WaitToken != "" {
		t.Errorf("RecordSignature() = counts %+v, token %q; want 1 of 3 signed and no token", res.Task.Counts, res.WaitToken)
	}
	if _, err := repo.TakePending(ctx, f.Key()); err != nil {
		t.Fatal(err)
	}
	if err := repo.RegisterWait(ctx, f.Key(), "wait-2"); err != nil {
		t.Errorf("RegisterWait() on the new attempt error = %v", err)
	}
}

// testSuperseded checks that every method given a key qualified with the
// replaced attempt 1 of task k (now at attempt 2) changes nothing and says
// ErrSuperseded, and that attempt 2's key reads as the unqualified one.
func testSuperseded(t *testing.T, repo signing.Repository, k signing.TaskKey, sk signing.SigneeKey) {
	t.Helper()
	before, err := repo.GetTask(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	old := k.At(1)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	calls := map[string]func() error{
		"GetTask":     func() error { _, err := repo.GetTask(ctx, old); return err },
		"ListSignees": func() error { _, _, err := repo.ListSignees(ctx, old, signing.Page{}); return err },
		"UpdateSignee": func() error {
			_, err := repo.UpdateSignee(ctx, old, sk, signing.Transition{To: signing.SigneeRevoked, At: at})
			return err
		},
		"TakePending":            func() error { _, err := repo.TakePending(ctx, old); return err },
		"RegisterWait":           func() error { return repo.RegisterWait(ctx, old, "wait-of-attempt-1") },
		"RegisterCompletionWait": func() error { return repo.RegisterCompletionWait(ctx, old, "completion-of-attempt-1") },
		"Complete":               func() error { _, err := repo.Complete(ctx, old, at, "system"); return err },
		"Close":                  func() error { _, err := repo.Close(ctx, old, signing.TaskRejected, at, "system", "late"); return err },
		"OwedReceipts":           func() error { _, err := repo.OwedReceipts(ctx, old); return err },
		"SettleOwedReceipt":      func() error { return repo.SettleOwedReceipt(ctx, old, sk, 1) },
	}
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		WantErr(t, name+"(attempt 1 after attempt 2 started)", calls[name](), signing.ErrSuperseded)
	}
	after, err := repo.GetTask(ctx, k.At(2))
	if err != nil {
		t.Fatalf("GetTask(attempt 2) error = %v", err)
	}
	SameJSON(t, "the task after the superseded calls", after, before)
	_, err = repo.GetTask(ctx, k.At(3))
	WantErr(t, "GetTask(attempt 3, not started)", err, signing.ErrConflict)
}

// testRelease pins BeginRelease and EndRelease: the release time of an
// attempt outlives its restart, a release of a replaced attempt cannot
// begin, and ending clears only the release's own time.
func testRelease(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	t.Run("outlives_the_restart", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		closeAs(t, f, signing.TaskRejected)
		at, err := repo.BeginRelease(ctx, f.Key().At(1))
		if err != nil || at.IsZero() {
			t.Fatalf("BeginRelease(attempt 1) = %v, %v; want a time", at, err)
		}
		if got := f.MustTask(t).ReleaseAt; !got.Equal(at) {
			t.Errorf("ReleaseAt = %v, want %v", got, at)
		}
		f.Restart(t, f.Signees)
		if got := f.MustTask(t); got.Attempt != 2 || !got.ReleaseAt.Equal(at) {
			t.Errorf("after restart: attempt %d ReleaseAt %v, want attempt 2 with %v", got.Attempt, got.ReleaseAt, at)
		}
		_, err = repo.BeginRelease(ctx, f.Key().At(1))
		WantErr(t, "BeginRelease(replaced attempt)", err, signing.ErrSuperseded)
		if err := repo.EndRelease(ctx, f.Key().At(1), at.Add(-time.Millisecond)); err != nil {
			t.Fatalf("EndRelease(another time) error = %v", err)
		}
		if got := f.MustTask(t).ReleaseAt; !got.Equal(at) {
			t.Errorf("EndRelease of another time cleared it: ReleaseAt = %v, want %v", got, at)
		}
		if err := repo.EndRelease(ctx, f.Key().At(1), at); err != nil {
			t.Fatalf("EndRelease() error = %v", err)
		}
		if got := f.MustTask(t); !got.ReleaseAt.IsZero() || !got.DelegateAfter().IsZero() {
			t.Errorf("after EndRelease: ReleaseAt %v DelegateAfter %v, want both zero", got.ReleaseAt, got.DelegateAfter())
		}
		if err := repo.EndRelease(ctx, f.Key(), at); err != nil {
			t.Errorf("EndRelease() again error = %v, want nil", err)
		}
	})
	t.Run("current_attempt", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		closeAs(t, f, signing.TaskCompleted)
		first, err := repo.BeginRelease(ctx, f.Key().At(1))
		if err != nil {
			t.Fatal(err)
		}
		second, err := repo.BeginRelease(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.EndRelease(ctx, f.Key(), first); err != nil {
			t.Fatal(err)
		}
		if got := f.MustTask(t).ReleaseAt; !got.Equal(second) {
			t.Errorf("ending the first release cleared the second: ReleaseAt = %v, want %v", got, second)
		}
		_, err = repo.BeginRelease(ctx, f.Key().At(2))
		WantErr(t, "BeginRelease(attempt not yet started)", err, signing.ErrConflict)
	})
}

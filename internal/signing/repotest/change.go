package repotest

import (
	"errors"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

// testChangeSignee pins ChangeSignee with the two changes there are: a
// reminder is recorded once per scheduled time and only for a signee who
// was told and has not signed; an invitation sent again is refused inside
// its interval with the time to wait. Each change writes its audit entry.
func testChangeSignee(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	t.Run("reminded_once_per_time", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 3)
		f.Reach(t, 0, signing.SigneeNotified)
		f.Reach(t, 1, signing.SigneeNotified)
		f.Sign(t, 1)
		f.Reach(t, 2, signing.SigneeDelegated)
		due := f.Now()
		for i := range 3 {
			for range 2 { // a retried step
				if _, err := repo.ChangeSignee(ctx, f.Key().At(1), f.Signees[i].Key, signing.Reminded{Due: due, At: f.Now()}); err != nil {
					t.Fatalf("ChangeSignee(Reminded, signee %d) error = %v", i, err)
				}
			}
		}
		if got := f.MustSignee(t, 0); !got.RemindedAt.Equal(due) || got.Reminders != 1 {
			t.Errorf("told signee: RemindedAt %v Reminders %d, want %v and 1", got.RemindedAt, got.Reminders, due)
		}
		for _, i := range []int{1, 2} {
			if got := f.MustSignee(t, i); !got.RemindedAt.IsZero() || got.Reminders != 0 {
				t.Errorf("signee %d (%s): reminded %d times, want none", i, got.Status, got.Reminders)
			}
		}
		earlier := due.Add(-time.Hour)
		if got, err := repo.ChangeSignee(ctx, f.Key(), f.Signees[0].Key, signing.Reminded{Due: earlier, At: f.Now()}); err != nil || got.Reminders != 1 {
			t.Errorf("ChangeSignee(an earlier reminder) = %d reminders, %v; want it ignored", got.Reminders, err)
		}
		later := due.Add(time.Hour)
		if got, err := repo.ChangeSignee(ctx, f.Key(), f.Signees[0].Key, signing.Reminded{Due: later, At: f.Now()}); err != nil || got.Reminders != 2 || !got.RemindedAt.Equal(later) {
			t.Errorf("ChangeSignee(the next reminder) = %d reminders at %v, %v; want 2 at %v", got.Reminders, got.RemindedAt, err, later)
		}
		audit, err := repo.Audit(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		if n := countActions(audit, "signee.reminded"); n != 2 {
			t.Errorf("signee.reminded entries = %d, want 2", n)
		}
	})
	t.Run("resent_within_interval", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		f.Reach(t, 0, signing.SigneeNotified)
		f.Reach(t, 1, signing.SigneeDelegated)
		at := f.Now()
		if _, err := repo.ChangeSignee(ctx, f.Key(), f.Signees[0].Key, signing.Resent{At: at, Interval: time.Hour, Actor: "owner"}); err != nil {
			t.Fatalf("ChangeSignee(Resent) error = %v", err)
		}
		_, err := repo.ChangeSignee(ctx, f.Key(), f.Signees[0].Key, signing.Resent{At: at.Add(20 * time.Minute), Interval: time.Hour, Actor: "owner"})
		var soon *signing.TooSoonError
		if !errors.As(err, &soon) || soon.RetryAfter != 40*time.Minute {
			t.Errorf("ChangeSignee(Resent again after 20 min) error = %v, want TooSoonError retry after 40m", err)
		}
		if got, err := repo.ChangeSignee(ctx, f.Key(), f.Signees[0].Key, signing.Resent{At: at.Add(time.Hour), Interval: time.Hour, Actor: "owner"}); err != nil || got.Resends != 2 {
			t.Errorf("ChangeSignee(Resent after the interval) = %d resends, %v; want 2", got.Resends, err)
		}
		_, err = repo.ChangeSignee(ctx, f.Key(), f.Signees[1].Key, signing.Resent{At: at, Interval: time.Hour})
		WantErr(t, "ChangeSignee(Resent, not told yet)", err, signing.ErrConflict)
		_, err = repo.ChangeSignee(ctx, f.Key(), NewPerson("Stranger").Key, signing.Resent{At: at, Interval: time.Hour})
		WantErr(t, "ChangeSignee(unknown signee)", err, signing.ErrNotFound)
		audit, err := repo.Audit(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		if n := countActions(audit, "signee.invitation-resent"); n != 2 {
			t.Errorf("signee.invitation-resent entries = %d, want 2", n)
		}
	})
	t.Run("superseded_attempt", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		f.Reach(t, 0, signing.SigneeNotified)
		closeAs(t, f, signing.TaskRejected)
		f.Restart(t, f.Signees)
		_, err := repo.ChangeSignee(ctx, f.Key().At(1), f.Signees[0].Key, signing.Reminded{Due: f.Now(), At: f.Now()})
		WantErr(t, "ChangeSignee(attempt 1 after the restart)", err, signing.ErrSuperseded)
	})
}

// testRemindersDone pins SetRemindersDone: it only moves forward, and
// only for the key's attempt.
func testRemindersDone(t *testing.T, newRepo NewRepo) {
	t.Parallel()
	repo := newRepo(t)
	f := Create(t, repo, 1)
	first := f.Now().Add(time.Hour)
	for _, at := range []time.Time{first, first.Add(-time.Minute), first} {
		if err := repo.SetRemindersDone(ctx, f.Key().At(1), at); err != nil {
			t.Fatalf("SetRemindersDone(%v) error = %v", at, err)
		}
	}
	if got := f.MustTask(t).RemindersDoneUntil; !got.Equal(first) {
		t.Errorf("RemindersDoneUntil = %v, want %v (an earlier time does not move it back)", got, first)
	}
	second := first.Add(24*time.Hour + 500*time.Millisecond)
	if err := repo.SetRemindersDone(ctx, f.Key(), second); err != nil {
		t.Fatal(err)
	}
	if got := f.MustTask(t).RemindersDoneUntil; !got.Equal(second) {
		t.Errorf("RemindersDoneUntil = %v, want %v", got, second)
	}
	WantErr(t, "SetRemindersDone(attempt 2)", repo.SetRemindersDone(ctx, f.Key().At(2), second.Add(time.Hour)), signing.ErrConflict)
}

// testCloseStatement pins Close with a statement: who rejected and the
// reason they gave are kept with the task, in the closing write.
func testCloseStatement(t *testing.T, newRepo NewRepo) {
	t.Parallel()
	repo := newRepo(t)
	f := Create(t, repo, 1)
	reason := "Feil aksjekapital «100 000»"
	res, err := repo.Close(ctx, f.Key().At(1), signing.TaskRejected, f.Now(), "someone", "rejected by a signee",
		signing.Statement{By: signing.RejectedBySignee, Reason: reason})
	if err != nil {
		t.Fatal(err)
	}
	audit, err := repo.Audit(ctx, f.Key())
	if err != nil {
		t.Fatal(err)
	}
	var detail string
	for _, e := range audit {
		if e.Action == "task.rejected" {
			detail = e.Detail
		}
	}
	if detail != "rejected by a signee: «"+reason+"»" {
		t.Errorf("task.rejected audit detail = %q, want the close reason and the person's reason", detail)
	}
	for _, got := range []signing.Task{res.Task, f.MustTask(t)} {
		if got.RejectedBy != signing.RejectedBySignee || got.RejectReason != reason || got.CloseReason != "rejected by a signee" {
			t.Errorf("task = rejected by %q reason %q close reason %q, want the statement kept apart from the close reason", got.RejectedBy, got.RejectReason, got.CloseReason)
		}
	}
	f2 := Create(t, repo, 1)
	if _, err := repo.Close(ctx, f2.Key(), signing.TaskExpired, f2.Now(), "system", "deadline", signing.Statement{By: signing.RejectedBySignee, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	if got := f2.MustTask(t); got.RejectedBy != "" || got.RejectReason != "" {
		t.Errorf("an expired task keeps a statement: %q %q", got.RejectedBy, got.RejectReason)
	}
}

// testExtendDeadline pins ExtendDeadline: later only, while collecting,
// audited, and what a signee's open requests show follows it.
func testExtendDeadline(t *testing.T, newRepo NewRepo) {
	t.Parallel()
	repo := newRepo(t)
	task, signees := NewTask(t, 1)
	first := T0.Add(24 * time.Hour)
	task.Deadline = first
	if err := repo.CreateTask(ctx, task, signees); err != nil {
		t.Fatal(err)
	}
	f := &Fixture{Repo: repo, Task: task, Signees: signees}
	f.Reach(t, 0, signing.SigneeNotified)
	if err := repo.RegisterWait(ctx, f.Key(), "wait-1"); err != nil {
		t.Fatal(err)
	}
	_, _, err := repo.ExtendDeadline(ctx, f.Key(), first.Add(-time.Hour), T0, "owner")
	WantErr(t, "ExtendDeadline(earlier)", err, signing.ErrInvalid)
	later := first.Add(24 * time.Hour)
	at := T0.Add(time.Hour)
	got, token, err := repo.ExtendDeadline(ctx, f.Key().At(1), later, at, "owner")
	if err != nil {
		t.Fatalf("ExtendDeadline() error = %v", err)
	}
	if token != "wait-1" || !got.Deadline.Equal(later) || !got.DeadlineExtendedAt.Equal(at) {
		t.Errorf("ExtendDeadline() = deadline %v extended at %v token %q; want %v, %v, wait-1", got.Deadline, got.DeadlineExtendedAt, token, later, at)
	}
	if stored := f.MustTask(t); !stored.Deadline.Equal(later) || !stored.DeadlineExtendedAt.Equal(at) {
		t.Errorf("stored deadline %v extended at %v, want %v and %v", stored.Deadline, stored.DeadlineExtendedAt, later, at)
	}
	reqs, _, err := repo.PendingFor(ctx, signees[0].IdentityHash, signing.Page{})
	if err != nil || len(reqs) != 1 || !reqs[0].Deadline.Equal(later) {
		t.Errorf("PendingFor() = %+v, %v; want the request with the new deadline", reqs, err)
	}
	audit, err := repo.Audit(ctx, f.Key())
	if err != nil || countActions(audit, "task.deadline-extended") != 1 {
		t.Errorf("task.deadline-extended entries = %d, %v; want 1", countActions(audit, "task.deadline-extended"), err)
	}
	closeAs(t, f, signing.TaskRejected)
	_, _, err = repo.ExtendDeadline(ctx, f.Key(), later.Add(time.Hour), at, "owner")
	WantErr(t, "ExtendDeadline(closed task)", err, signing.ErrTaskClosed)
}

// testReplaceSignee pins ReplaceSignee: one write replaces a signee who has
// not signed by a new one of the same attempt, counts it on the task (so a
// workflow about to wait looks again) and audits it; a signee who signed, a
// key already a signee's, a closed task and an unknown signee are refused
// and change nothing.
func testReplaceSignee(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	entry := func(f *Fixture) signing.AuditEntry {
		return signing.AuditEntry{At: f.Now(), Actor: NewIdentityHash(), Action: "signee.replaced", SigneeKey: f.Signees[0].Key, Detail: "replaced"}
	}
	t.Run("replaces", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		f.Reach(t, 0, signing.SigneeNotified)
		if err := repo.RegisterWait(ctx, f.Key(), "wait-token-r"); err != nil {
			t.Fatal(err)
		}
		next := NewPerson("New Signee")
		res, err := repo.ReplaceSignee(ctx, f.Key().At(1), f.Signees[0].Key, next, entry(f))
		if err != nil {
			t.Fatalf("ReplaceSignee() error = %v", err)
		}
		if res.Task.Replacements != 1 || res.Task.Counts.Pending != 1 || res.WaitToken != "wait-token-r" {
			t.Errorf("task after: replacements %d pending %d token %q, want 1, 1 and the stored token", res.Task.Replacements, res.Task.Counts.Pending, res.WaitToken)
		}
		SameJSON(t, "stored task", f.MustTask(t), res.Task)
		old := f.MustSignee(t, 0)
		if old.Status != signing.SigneeReplaced || old.ReplacedBy != next.Key || old.DelegatedAt.IsZero() {
			t.Errorf("old signee = %s replaced by %q (delegated %v), want replaced by the new one, its delegation kept for the release", old.Status, old.ReplacedBy, old.DelegatedAt)
		}
		got, err := repo.GetSignee(ctx, f.Key().At(1), next.Key)
		if err != nil {
			t.Fatal(err)
		}
		SameJSON(t, "new signee", got, next)
		audit, err := repo.Audit(ctx, f.Key())
		if err != nil || countActions(audit, "signee.replaced") != 1 {
			t.Errorf("audit %v (%v), want one signee.replaced", audit, err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 3)
		f.Reach(t, 0, signing.SigneeNotified)
		f.Sign(t, 0)
		before := f.MustTask(t)
		_, err := repo.ReplaceSignee(ctx, f.Key().At(1), f.Signees[0].Key, NewPerson("New Signee"), entry(f))
		WantErr(t, "a signee who signed", err, signing.ErrConflict)
		_, err = repo.ReplaceSignee(ctx, f.Key().At(1), f.Signees[1].Key, f.Signees[2], entry(f))
		WantErr(t, "a key already a signee's", err, signing.ErrConflict)
		_, err = repo.ReplaceSignee(ctx, f.Key().At(1), NewPerson("Nobody").Key, NewPerson("New Signee"), entry(f))
		WantErr(t, "an unknown signee", err, signing.ErrNotFound)
		SameJSON(t, "task after the refusals", f.MustTask(t), before)
		if got := f.MustSignee(t, 1); got.Status != signing.SigneeResolved {
			t.Errorf("signee 1 after a refused replacement = %s, want resolved", got.Status)
		}
		if _, err := repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "owner", "rejected"); err != nil {
			t.Fatal(err)
		}
		_, err = repo.ReplaceSignee(ctx, f.Key().At(1), f.Signees[1].Key, NewPerson("New Signee"), entry(f))
		WantErr(t, "a closed task", err, signing.ErrConflict)
	})
}

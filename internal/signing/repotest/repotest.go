package repotest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

// NewRepo returns an empty repository for one test.
type NewRepo func(t *testing.T) signing.Repository

// Run runs the whole contract suite, the concurrency tests included.
func Run(t *testing.T, newRepo NewRepo) {
	t.Run("CreateTask", func(t *testing.T) { t.Parallel(); testCreateTask(t, newRepo) })
	t.Run("NotFound", func(t *testing.T) { t.Parallel(); testNotFound(t, newRepo) })
	t.Run("Invalid", func(t *testing.T) { t.Parallel(); testInvalid(t, newRepo) })
	t.Run("ListSignees", func(t *testing.T) { t.Parallel(); testListSignees(t, newRepo) })
	t.Run("SetExecution", func(t *testing.T) { t.Parallel(); testSetExecution(t, newRepo) })
	t.Run("UpdateSignee", func(t *testing.T) { t.Parallel(); testUpdateSignee(t, newRepo) })
	t.Run("RecordSignature", func(t *testing.T) { t.Parallel(); testRecordSignature(t, newRepo) })
	t.Run("RegisterWait", func(t *testing.T) { t.Parallel(); testRegisterWait(t, newRepo) })
	t.Run("TakePending", func(t *testing.T) { t.Parallel(); testTakePending(t, newRepo) })
	t.Run("RegisterCompletionWait", func(t *testing.T) { t.Parallel(); testRegisterCompletionWait(t, newRepo) })
	t.Run("Complete", func(t *testing.T) { t.Parallel(); testComplete(t, newRepo) })
	t.Run("Close", func(t *testing.T) { t.Parallel(); testClose(t, newRepo) })
	t.Run("ListSignatures", func(t *testing.T) { t.Parallel(); testListSignatures(t, newRepo) })
	t.Run("GetSignature", func(t *testing.T) { t.Parallel(); testGetSignature(t, newRepo) })
	t.Run("PendingFor", func(t *testing.T) { t.Parallel(); testPendingFor(t, newRepo) })
	t.Run("Audit", func(t *testing.T) { t.Parallel(); testAudit(t, newRepo) })
	t.Run("RestartTask", func(t *testing.T) { t.Parallel(); testRestartTask(t, newRepo) })
	t.Run("Release", func(t *testing.T) { t.Parallel(); testRelease(t, newRepo) })
	t.Run("ChangeSignee", func(t *testing.T) { t.Parallel(); testChangeSignee(t, newRepo) })
	t.Run("ReplaceSignee", func(t *testing.T) { t.Parallel(); testReplaceSignee(t, newRepo) })
	t.Run("SetRemindersDone", func(t *testing.T) { testRemindersDone(t, newRepo) })
	t.Run("CloseStatement", func(t *testing.T) { testCloseStatement(t, newRepo) })
	t.Run("ExtendDeadline", func(t *testing.T) { testExtendDeadline(t, newRepo) })
	t.Run("Concurrency", func(t *testing.T) { t.Parallel(); RunConcurrency(t, newRepo) })
}

var ctx = context.Background()

func testCreateTask(t *testing.T, newRepo NewRepo) {
	t.Run("stores_task_and_signees", func(t *testing.T) {
		t.Parallel()
		repo := newRepo(t)
		task, signees := NewTask(t, 3)
		signees[1] = NewOrganisation("Acme AS", "310000001")
		if err := repo.CreateTask(ctx, task, signees); err != nil {
			t.Fatalf("CreateTask() error = %v", err)
		}
		got, err := repo.GetTask(ctx, task.Key)
		if err != nil {
			t.Fatalf("GetTask() error = %v", err)
		}
		SameJSON(t, "GetTask()", got, task)
		for _, s := range signees {
			got, err := repo.GetSignee(ctx, task.Key, s.Key)
			if err != nil {
				t.Fatalf("GetSignee(%s) error = %v", s.Key, err)
			}
			SameJSON(t, "GetSignee()", got, s)
		}
	})
	t.Run("repeat_changes_nothing", func(t *testing.T) {
		t.Parallel()
		f := Create(t, newRepo(t), 2)
		if err := f.Repo.CreateTask(ctx, f.Task, f.Signees); err != nil {
			t.Fatalf("repeated CreateTask() error = %v", err)
		}
		// The same signees in another order are the same input.
		if err := f.Repo.CreateTask(ctx, f.Task, []signing.Signee{f.Signees[1], f.Signees[0]}); err != nil {
			t.Fatalf("CreateTask(reordered) error = %v", err)
		}
		SameJSON(t, "task after repeats", f.MustTask(t), f.Task)
		audit, err := f.Repo.Audit(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		if len(audit) != 1 || audit[0].Action != "task.created" {
			t.Errorf("audit = %+v, want one task.created entry", audit)
		}
	})
	t.Run("repeat_after_progress_changes_nothing", func(t *testing.T) {
		t.Parallel()
		f := Create(t, newRepo(t), 2)
		f.Sign(t, 0)
		before := f.MustTask(t)
		if err := f.Repo.CreateTask(ctx, f.Task, f.Signees); err != nil {
			t.Fatalf("repeated CreateTask() error = %v", err)
		}
		SameJSON(t, "task", f.MustTask(t), before)
		if got := f.MustSignee(t, 0).Status; got != signing.SigneeSigned {
			t.Errorf("signee status = %s, want signed", got)
		}
	})
	conflicts := []struct {
		name   string
		change func(task *signing.Task, signees *[]signing.Signee)
	}{
		{name: "other_config", change: func(task *signing.Task, _ *[]signing.Signee) {
			task.Config.DataTypesToSign = []string{"other"}
			task.ConfigDigest = task.Config.Digest()
		}},
		{name: "other_signee", change: func(task *signing.Task, signees *[]signing.Signee) {
			(*signees)[1] = NewPerson("Someone else")
		}},
		{name: "fewer_signees", change: func(task *signing.Task, signees *[]signing.Signee) {
			*signees = (*signees)[:1]
			task.Counts.Total = 1
		}},
		{name: "other_attempt", change: func(task *signing.Task, _ *[]signing.Signee) {
			task.Attempt = 2
		}},
	}
	for _, tt := range conflicts {
		t.Run(tt.name+"_is_conflict", func(t *testing.T) {
			t.Parallel()
			f := Create(t, newRepo(t), 2)
			task, signees := f.Task, slices.Clone(f.Signees)
			tt.change(&task, &signees)
			err := f.Repo.CreateTask(ctx, task, signees)
			WantErr(t, "CreateTask(changed)", err, signing.ErrConflict)
			SameJSON(t, "task", f.MustTask(t), f.Task)
		})
	}
	invalid := []struct {
		name      string
		change    func(task *signing.Task, signees []signing.Signee) []signing.Signee
		wantField string
	}{
		{name: "bad_task_id", wantField: "taskId", change: func(task *signing.Task, s []signing.Signee) []signing.Signee {
			task.Key.TaskID = "no spaces"
			return s
		}},
		{name: "total_differs", wantField: "counts", change: func(task *signing.Task, s []signing.Signee) []signing.Signee {
			task.Counts.Total = 5
			return s
		}},
		{name: "duplicate_signee", wantField: "signees[1].key", change: func(task *signing.Task, s []signing.Signee) []signing.Signee {
			s[1] = s[0]
			return s
		}},
		{name: "signee_not_resolved", wantField: "signees[0].status", change: func(task *signing.Task, s []signing.Signee) []signing.Signee {
			s[0].Status = signing.SigneeSigned
			return s
		}},
		{name: "signee_without_name", wantField: "signees[1].displayName", change: func(task *signing.Task, s []signing.Signee) []signing.Signee {
			s[1].DisplayName = ""
			return s
		}},
		{name: "task_not_collecting", wantField: "status", change: func(task *signing.Task, s []signing.Signee) []signing.Signee {
			task.Status = signing.TaskCompleted
			return s
		}},
		{name: "digest_mismatch", wantField: "configDigest", change: func(task *signing.Task, s []signing.Signee) []signing.Signee {
			task.ConfigDigest = strings.Repeat("0", 64)
			return s
		}},
	}
	for _, tt := range invalid {
		t.Run("invalid_"+tt.name, func(t *testing.T) {
			t.Parallel()
			repo := newRepo(t)
			task, signees := NewTask(t, 2)
			signees = tt.change(&task, signees)
			err := repo.CreateTask(ctx, task, signees)
			WantErr(t, "CreateTask()", err, signing.ErrInvalid)
			if err != nil && !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("CreateTask() error = %v, want it to name %s", err, tt.wantField)
			}
			if _, err := repo.GetTask(ctx, task.Key); !errors.Is(err, signing.ErrNotFound) && !errors.Is(err, signing.ErrInvalid) {
				t.Errorf("GetTask() after invalid create: error = %v, want ErrNotFound", err)
			}
		})
	}
	t.Run("many_signees", func(t *testing.T) {
		t.Parallel()
		f := Create(t, newRepo(t), 250)
		var got []signing.Signee
		var pages []int
		tok := ""
		for {
			page, next, err := f.Repo.ListSignees(ctx, f.Key(), signing.Page{Limit: 100, Token: tok})
			if err != nil {
				t.Fatalf("ListSignees() error = %v", err)
			}
			got = append(got, page...)
			pages = append(pages, len(page))
			if next == "" {
				break
			}
			tok = next
		}
		if want := []int{100, 100, 50}; !slices.Equal(pages, want) {
			t.Errorf("page sizes = %v, want %v", pages, want)
		}
		if len(got) != 250 {
			t.Fatalf("listed %d signees, want 250", len(got))
		}
		if f.MustTask(t).Counts.Total != 250 {
			t.Errorf("total = %d, want 250", f.MustTask(t).Counts.Total)
		}
	})
	t.Run("no_signees", func(t *testing.T) {
		t.Parallel()
		f := Create(t, newRepo(t), 0)
		got, next, err := f.Repo.ListSignees(ctx, f.Key(), signing.Page{})
		if err != nil || len(got) != 0 || next != "" {
			t.Errorf("ListSignees() = %v, %q, %v; want empty", got, next, err)
		}
	})
}

// calls are every method of the port, for the cross-cutting tests.
var calls = []struct {
	name string
	call func(repo signing.Repository, k signing.TaskKey, key signing.SigneeKey) error
}{
	{"GetTask", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		_, err := r.GetTask(ctx, k)
		return err
	}},
	{"SetExecution", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		return r.SetExecution(ctx, k, "arn:aws:states:eu-north-1:123456789012:execution:signing:x")
	}},
	{"GetSignee", func(r signing.Repository, k signing.TaskKey, key signing.SigneeKey) error {
		_, err := r.GetSignee(ctx, k, key)
		return err
	}},
	{"ListSignees", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		_, _, err := r.ListSignees(ctx, k, signing.Page{})
		return err
	}},
	{"UpdateSignee", func(r signing.Repository, k signing.TaskKey, key signing.SigneeKey) error {
		_, err := r.UpdateSignee(ctx, k, key, signing.Transition{To: signing.SigneeDelegated, At: T0})
		return err
	}},
	{"RecordSignature", func(r signing.Repository, k signing.TaskKey, key signing.SigneeKey) error {
		_, err := r.RecordSignature(ctx, signing.Signature{
			Task: k, SigneeKey: key, Signer: signing.Signer{IdentityHash: NewIdentityHash()}, SignedAt: T0,
			Digests: []signing.DataElementDigest{{DataElementID: "d", SHA256: strings.Repeat("a", 64)}},
		})
		return err
	}},
	{"RegisterWait", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		return r.RegisterWait(ctx, k, "token")
	}},
	{"TakePending", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		_, err := r.TakePending(ctx, k)
		return err
	}},
	{"RegisterCompletionWait", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		return r.RegisterCompletionWait(ctx, k, "token")
	}},
	{"Complete", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		_, err := r.Complete(ctx, k, T0, "system")
		return err
	}},
	{"Close", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		_, err := r.Close(ctx, k, signing.TaskRejected, T0, "system", "test")
		return err
	}},
	{"ListSignatures", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		_, err := r.ListSignatures(ctx, k)
		return err
	}},
	{"Audit", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		_, err := r.Audit(ctx, k)
		return err
	}},
	{"AuditPage", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		_, _, err := r.AuditPage(ctx, k, "", 10)
		return err
	}},
	{"BeginRelease", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		return r.BeginRelease(ctx, k, T0)
	}},
	{"RestartTask", func(r signing.Repository, k signing.TaskKey, _ signing.SigneeKey) error {
		signee := NewPerson("Someone")
		task := signing.Task{
			Key:      k,
			Instance: signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001337, InstanceGUID: k.InstanceGUID},
			Attempt:  2, Status: signing.TaskCollecting, Config: Config, Counts: signing.Counts{Total: 1}, CreatedAt: T0,
		}
		return r.RestartTask(ctx, task, []signing.Signee{signee}, 1)
	}},
}

func testNotFound(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	f := Create(t, repo, 1)
	unknownTask := signing.TaskKey{InstanceGUID: NewGUID(), TaskID: "SigningTask"}
	otherTask := signing.TaskKey{InstanceGUID: f.Key().InstanceGUID, TaskID: "OtherTask"}
	stranger := NewPerson("Stranger").Key
	for _, c := range calls {
		t.Run(c.name+"_unknown_task", func(t *testing.T) {
			t.Parallel()
			WantErr(t, c.name, c.call(repo, unknownTask, f.Signees[0].Key), signing.ErrNotFound)
		})
		t.Run(c.name+"_other_task_of_instance", func(t *testing.T) {
			t.Parallel()
			WantErr(t, c.name, c.call(repo, otherTask, f.Signees[0].Key), signing.ErrNotFound)
		})
	}
	for _, name := range []string{"GetSignee", "UpdateSignee", "RecordSignature"} {
		t.Run(name+"_unknown_signee", func(t *testing.T) {
			t.Parallel()
			for _, c := range calls {
				if c.name == name {
					WantErr(t, name, c.call(repo, f.Key(), stranger), signing.ErrNotFound)
				}
			}
		})
	}
}

func testInvalid(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	bad := signing.TaskKey{InstanceGUID: "NOT-A-GUID", TaskID: "SigningTask"}
	for _, c := range calls {
		t.Run(c.name+"_bad_key", func(t *testing.T) {
			t.Parallel()
			WantErr(t, c.name, c.call(repo, bad, NewPerson("x").Key), signing.ErrInvalid)
		})
	}
	t.Run("bad_signee_key", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		_, err := repo.GetSignee(ctx, f.Key(), "12345678901")
		WantErr(t, "GetSignee()", err, signing.ErrInvalid)
	})
	t.Run("empty_tokens", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		WantErr(t, "RegisterWait()", repo.RegisterWait(ctx, f.Key(), ""), signing.ErrInvalid)
		WantErr(t, "RegisterCompletionWait()", repo.RegisterCompletionWait(ctx, f.Key(), ""), signing.ErrInvalid)
		WantErr(t, "SetExecution()", repo.SetExecution(ctx, f.Key(), ""), signing.ErrInvalid)
	})
}

func testListSignees(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	f := Create(t, repo, 7)
	want := slices.Clone(f.Signees)
	slices.SortFunc(want, func(a, b signing.Signee) int { return strings.Compare(string(a.Key), string(b.Key)) })
	tests := []struct {
		name      string
		limit     int
		wantPages []int
	}{
		{name: "pages_of_3", limit: 3, wantPages: []int{3, 3, 1}},
		{name: "exact_pages", limit: 7, wantPages: []int{7}},
		{name: "one_per_page", limit: 1, wantPages: []int{1, 1, 1, 1, 1, 1, 1}},
		{name: "default_limit", limit: 0, wantPages: []int{7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []signing.Signee
			var pages []int
			tok := ""
			for range 20 {
				page, next, err := repo.ListSignees(ctx, f.Key(), signing.Page{Limit: tt.limit, Token: tok})
				if err != nil {
					t.Fatalf("ListSignees() error = %v", err)
				}
				got = append(got, page...)
				pages = append(pages, len(page))
				if next == "" {
					break
				}
				tok = next
			}
			if !slices.Equal(pages, tt.wantPages) {
				t.Errorf("page sizes = %v, want %v", pages, tt.wantPages)
			}
			SameJSON(t, "signees", got, want)
		})
	}
	t.Run("bad_token", func(t *testing.T) {
		t.Parallel()
		_, _, err := repo.ListSignees(ctx, f.Key(), signing.Page{Token: "!!not a token"})
		WantErr(t, "ListSignees()", err, signing.ErrInvalid)
	})
	t.Run("negative_limit", func(t *testing.T) {
		t.Parallel()
		_, _, err := repo.ListSignees(ctx, f.Key(), signing.Page{Limit: -1})
		WantErr(t, "ListSignees()", err, signing.ErrInvalid)
	})
}

func testSetExecution(t *testing.T, newRepo NewRepo) {
	const arn = "arn:aws:states:eu-north-1:123456789012:execution:signing:abc"
	f := Create(t, newRepo(t), 1)
	if err := f.Repo.SetExecution(ctx, f.Key(), arn); err != nil {
		t.Fatalf("SetExecution() error = %v", err)
	}
	got := f.MustTask(t)
	if got.ExecutionARN != arn || got.Version != 2 {
		t.Errorf("task = arn %q version %d, want %q and 2", got.ExecutionARN, got.Version, arn)
	}
	WantErr(t, "SetExecution(same)", f.Repo.SetExecution(ctx, f.Key(), arn), nil)
	WantErr(t, "SetExecution(other)", f.Repo.SetExecution(ctx, f.Key(), arn+"-2"), signing.ErrConflict)
	if v := f.MustTask(t).Version; v != 2 {
		t.Errorf("version after repeats = %d, want 2", v)
	}
	audit, err := f.Repo.Audit(ctx, f.Key())
	if err != nil {
		t.Fatal(err)
	}
	if n := countActions(audit, "execution.started"); n != 1 {
		t.Errorf("execution.started entries = %d, want 1", n)
	}
}

func countActions(audit []signing.AuditEntry, action string) int {
	n := 0
	for _, e := range audit {
		if e.Action == action {
			n++
		}
	}
	return n
}

var allStatuses = []signing.SigneeStatus{
	signing.SigneeResolved, signing.SigneeDelegated, signing.SigneeNotified, signing.SigneeSigned,
	signing.SigneeReceiptSent, signing.SigneeFailed, signing.SigneeRevoked,
}

func testUpdateSignee(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	targets := []signing.SigneeStatus{
		signing.SigneeDelegated, signing.SigneeNotified, signing.SigneeReceiptSent,
		signing.SigneeFailed, signing.SigneeRevoked,
	}
	// Every from → to pair, judged by signing.Plan: legal, repeated or
	// overtaken (unchanged, no error), or illegal (ErrConflict, unchanged).
	for _, from := range allStatuses {
		for _, to := range targets {
			apply, planErr := signing.Plan(from, to)
			kind := "illegal"
			switch {
			case apply:
				kind = "legal"
			case planErr == nil && from == to:
				kind = "repeated"
			case planErr == nil:
				kind = "overtaken"
			}
			t.Run(fmt.Sprintf("%s_%s_to_%s", kind, from, to), func(t *testing.T) {
				t.Parallel()
				f := Create(t, repo, 1)
				f.Reach(t, 0, from)
				before := f.MustSignee(t, 0)
				tr := signing.Transition{To: to, At: f.Now(), CorrespondenceID: "corr-1"}
				if to == signing.SigneeFailed {
					tr.Step, tr.Reason = "delegate", "access management refused"
				}
				got, err := repo.UpdateSignee(ctx, f.Key(), f.Signees[0].Key, tr)
				want, _, _ := before.Apply(tr)
				switch kind {
				case "illegal":
					WantErr(t, "UpdateSignee()", err, signing.ErrConflict)
					SameJSON(t, "stored signee", f.MustSignee(t, 0), before)
					return
				case "legal":
					if want.Version != before.Version+1 {
						t.Errorf("version = %d, want %d", want.Version, before.Version+1)
					}
				}
				if err != nil {
					t.Fatalf("UpdateSignee() error = %v", err)
				}
				SameJSON(t, "UpdateSignee()", got, want)
				SameJSON(t, "stored signee", f.MustSignee(t, 0), want)
			})
		}
	}
	t.Run("to_signed_is_invalid", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		f.Reach(t, 0, signing.SigneeDelegated)
		_, err := repo.UpdateSignee(ctx, f.Key(), f.Signees[0].Key, signing.Transition{To: signing.SigneeSigned, At: f.Now()})
		WantErr(t, "UpdateSignee(signed)", err, signing.ErrInvalid)
	})
	t.Run("unknown_status_is_invalid", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		_, err := repo.UpdateSignee(ctx, f.Key(), f.Signees[0].Key, signing.Transition{To: "lost", At: f.Now()})
		WantErr(t, "UpdateSignee(lost)", err, signing.ErrInvalid)
	})
	t.Run("failure_needs_step_and_reason", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		_, err := repo.UpdateSignee(ctx, f.Key(), f.Signees[0].Key, signing.Transition{To: signing.SigneeFailed, At: f.Now()})
		WantErr(t, "UpdateSignee(failed)", err, signing.ErrInvalid)
		if got := f.MustSignee(t, 0).Status; got != signing.SigneeResolved {
			t.Errorf("status = %s, want resolved", got)
		}
	})
	t.Run("repeat_writes_one_audit_entry", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		for range 3 {
			f.Move(t, 0, signing.SigneeDelegated)
		}
		audit, err := repo.Audit(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		if n := countActions(audit, "signee.delegated"); n != 1 {
			t.Errorf("signee.delegated entries = %d, want 1", n)
		}
		if v := f.MustSignee(t, 0).Version; v != 1 {
			t.Errorf("version = %d, want 1", v)
		}
	})
}

func testRecordSignature(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	t.Run("counts_and_marks_signed", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		f.Reach(t, 0, signing.SigneeNotified)
		before := f.MustSignee(t, 0)
		sig := f.Signature(0)
		res, err := repo.RecordSignature(ctx, sig)
		if err != nil {
			t.Fatalf("RecordSignature() error = %v", err)
		}
		if got, want := res.Task.Counts, (signing.Counts{Total: 2, Signed: 1, Pending: 1}); got != want {
			t.Errorf("counts = %+v, want %+v", got, want)
		}
		if res.Task.Version != f.Task.Version+1 || !res.Task.UpdatedAt.Equal(sig.SignedAt) {
			t.Errorf("task version %d updated %v, want %d and %v", res.Task.Version, res.Task.UpdatedAt, f.Task.Version+1, sig.SignedAt)
		}
		if res.WaitToken != "" {
			t.Errorf("WaitToken = %q, want none", res.WaitToken)
		}
		SameJSON(t, "stored task", f.MustTask(t), res.Task)
		want := before
		want.Status, want.SignedAt, want.Version = signing.SigneeSigned, sig.SignedAt, before.Version+1
		SameJSON(t, "signee", f.MustSignee(t, 0), want)
		sigs, err := repo.ListSignatures(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		SameJSON(t, "signatures", sigs, []signing.Signature{sig})
	})
	t.Run("counts_the_signees_group", func(t *testing.T) {
		t.Parallel()
		task, signees := NewTask(t, 3)
		signees[0].Group, signees[1].Group, signees[2].Group = 1, 2, 2
		task.Groups = Groups(t, signees, signing.Config{})
		if err := repo.CreateTask(ctx, task, signees); err != nil {
			t.Fatalf("CreateTask() error = %v", err)
		}
		f := &Fixture{Repo: repo, Task: task, Signees: signees}
		SameJSON(t, "stored groups", f.MustTask(t).Groups, []signing.GroupCount{{Group: 1, Total: 1}, {Group: 2, Total: 2}})
		if g := f.MustSignee(t, 1).Group; g != 2 {
			t.Errorf("stored signee group = %d, want 2", g)
		}
		f.Reach(t, 0, signing.SigneeNotified)
		sig := f.Signature(0)
		sig.Group = 1
		res, err := repo.RecordSignature(ctx, sig)
		if err != nil {
			t.Fatalf("RecordSignature() error = %v", err)
		}
		want := []signing.GroupCount{{Group: 1, Total: 1, Signed: 1}, {Group: 2, Total: 2}}
		SameJSON(t, "groups after the signature", res.Task.Groups, want)
		SameJSON(t, "stored groups after the signature", f.MustTask(t).Groups, want)
		if got := res.Task.OpenGroup(); got != 2 {
			t.Errorf("OpenGroup() = %d, want 2", got)
		}
	})
	t.Run("refuses_a_signature_its_group_does_not_need", func(t *testing.T) {
		t.Parallel()
		task, signees := NewTask(t, 3)
		task.Config.RequiredSignatures = []signing.GroupRequirement{{Group: 1, Required: 1}}
		task.ConfigDigest = task.Config.Digest()
		task.Groups = Groups(t, signees, task.Config)
		if err := repo.CreateTask(ctx, task, signees); err != nil {
			t.Fatalf("CreateTask() error = %v", err)
		}
		f := &Fixture{Repo: repo, Task: task, Signees: signees}
		f.Reach(t, 0, signing.SigneeNotified)
		f.Reach(t, 1, signing.SigneeNotified)
		first := f.Signature(0)
		first.Group = 1
		if _, err := repo.RecordSignature(ctx, first); err != nil {
			t.Fatalf("RecordSignature(first) error = %v", err)
		}
		second := f.Signature(1)
		second.Group = 1
		_, err := repo.RecordSignature(ctx, second)
		WantErr(t, "a signature the group does not need", err, signing.ErrSignatureNotNeeded)
		if got := f.MustTask(t); got.Counts.Signed != 1 || got.Groups[0].Signed != 1 {
			t.Errorf("task after the refused signature: %+v %+v, want one signature", got.Counts, got.Groups)
		}
	})
	t.Run("returns_stored_wait_token", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		if err := repo.RegisterWait(ctx, f.Key(), "wait-token-1"); err != nil {
			t.Fatal(err)
		}
		if got := f.Sign(t, 0).WaitToken; got != "wait-token-1" {
			t.Errorf("WaitToken = %q, want wait-token-1", got)
		}
	})
	t.Run("second_attempt_is_conflict", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		f.Sign(t, 0)
		_, err := repo.RecordSignature(ctx, f.Signature(0))
		WantErr(t, "second RecordSignature()", err, signing.ErrConflict)
		if errors.Is(err, signing.ErrTaskClosed) {
			t.Errorf("second RecordSignature() error = %v, want a conflict but not ErrTaskClosed", err)
		}
		if got := f.MustTask(t).Counts; got.Signed != 1 || got.Pending != 1 {
			t.Errorf("counts = %+v, want signed 1, pending 1", got)
		}
		sigs, _ := repo.ListSignatures(ctx, f.Key())
		if len(sigs) != 1 {
			t.Errorf("%d signatures, want 1", len(sigs))
		}
	})
	t.Run("after_receipt_is_conflict", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		f.Reach(t, 0, signing.SigneeReceiptSent)
		_, err := repo.RecordSignature(ctx, f.Signature(0))
		WantErr(t, "RecordSignature()", err, signing.ErrConflict)
	})
	// The repository names the state that refused the write as the service
	// does when it sees the state first: a sign racing a reject gets
	// ErrRejected either way, never a bare ErrTaskClosed.
	closers := []struct {
		name  string
		want  error
		close func(t *testing.T, f *Fixture)
	}{
		{"rejected", signing.ErrRejected, func(t *testing.T, f *Fixture) {
			if _, err := f.Repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", "rejected"); err != nil {
				t.Fatal(err)
			}
		}},
		{"expired", signing.ErrExpired, func(t *testing.T, f *Fixture) {
			if _, err := f.Repo.Close(ctx, f.Key(), signing.TaskExpired, f.Now(), "system", "deadline"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range closers {
		t.Run("task_"+tt.name+"_is_task_closed", func(t *testing.T) {
			t.Parallel()
			f := Create(t, repo, 2)
			f.Reach(t, 0, signing.SigneeDelegated)
			tt.close(t, f)
			_, err := repo.RecordSignature(ctx, f.Signature(0))
			WantErr(t, "RecordSignature()", err, tt.want)
			if got := f.MustSignee(t, 0).Status; got != signing.SigneeDelegated {
				t.Errorf("signee status = %s, want delegated", got)
			}
			if got := f.MustTask(t).Counts.Signed; got != 0 {
				t.Errorf("signed = %d, want 0", got)
			}
		})
	}
	t.Run("task_completed_is_task_closed", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		f.Sign(t, 0)
		if _, err := repo.Complete(ctx, f.Key(), f.Now(), "submitter"); err != nil {
			t.Fatal(err)
		}
		_, err := repo.RecordSignature(ctx, f.Signature(0))
		WantErr(t, "RecordSignature()", err, signing.ErrTaskClosed)
	})
	for _, st := range []signing.SigneeStatus{signing.SigneeResolved, signing.SigneeRevoked} {
		t.Run("signee_"+string(st)+"_is_conflict", func(t *testing.T) {
			t.Parallel()
			f := Create(t, repo, 1)
			f.Reach(t, 0, st)
			_, err := repo.RecordSignature(ctx, f.Signature(0))
			WantErr(t, "RecordSignature()", err, signing.ErrConflict)
			if errors.Is(err, signing.ErrTaskClosed) {
				t.Errorf("error = %v, want not ErrTaskClosed", err)
			}
			if got := f.MustSignee(t, 0).Status; got != st {
				t.Errorf("status = %s, want %s", got, st)
			}
		})
	}
	t.Run("failed_signee_may_sign", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		f.Reach(t, 0, signing.SigneeFailed)
		if _, err := repo.RecordSignature(ctx, f.Signature(0)); err != nil {
			t.Fatalf("RecordSignature() error = %v", err)
		}
	})
	t.Run("on_behalf_of_organisation", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		f.Signees[0] = NewOrganisation("Acme AS", "310000001")
		f.Task.Key.InstanceGUID = NewGUID()
		f.Task.Instance.InstanceGUID = f.Task.Key.InstanceGUID
		if err := repo.CreateTask(ctx, f.Task, f.Signees); err != nil {
			t.Fatal(err)
		}
		f.Reach(t, 0, signing.SigneeDelegated)
		sig := f.Signature(0)
		sig.Signer = signing.Signer{IdentityHash: NewIdentityHash(), MaskedID: "020280*****", Name: "Daglig Leder"}
		sig.OnBehalfOf = "310000001"
		if _, err := repo.RecordSignature(ctx, sig); err != nil {
			t.Fatalf("RecordSignature() error = %v", err)
		}
		sigs, _ := repo.ListSignatures(ctx, f.Key())
		SameJSON(t, "signatures", sigs, []signing.Signature{sig})
	})
	t.Run("invalid_signature", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		f.Reach(t, 0, signing.SigneeDelegated)
		sig := f.Signature(0)
		sig.Digests = nil
		_, err := repo.RecordSignature(ctx, sig)
		WantErr(t, "RecordSignature()", err, signing.ErrInvalid)
		if got := f.MustSignee(t, 0).Status; got != signing.SigneeDelegated {
			t.Errorf("status = %s, want delegated", got)
		}
	})
}

func testRegisterWait(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	t.Run("stored_when_nothing_pending", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		WantErr(t, "RegisterWait()", repo.RegisterWait(ctx, f.Key(), "w1"), nil)
		WantErr(t, "RegisterWait(again)", repo.RegisterWait(ctx, f.Key(), "w2"), nil)
		res, err := repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", "")
		if err != nil {
			t.Fatal(err)
		}
		if res.WaitToken != "w2" {
			t.Errorf("Close().WaitToken = %q, want the latest, w2", res.WaitToken)
		}
	})
	t.Run("refused_while_pending", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		f.Sign(t, 0)
		err := repo.RegisterWait(ctx, f.Key(), "w1")
		WantErr(t, "RegisterWait()", err, signing.ErrConflict)
		if errors.Is(err, signing.ErrTaskClosed) {
			t.Errorf("RegisterWait() error = %v, want not ErrTaskClosed", err)
		}
		if _, err := repo.TakePending(ctx, f.Key()); err != nil {
			t.Fatal(err)
		}
		WantErr(t, "RegisterWait(after TakePending)", repo.RegisterWait(ctx, f.Key(), "w1"), nil)
	})
	t.Run("refused_when_closed", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		if _, err := repo.Close(ctx, f.Key(), signing.TaskExpired, f.Now(), "system", "deadline"); err != nil {
			t.Fatal(err)
		}
		WantErr(t, "RegisterWait()", repo.RegisterWait(ctx, f.Key(), "w1"), signing.ErrTaskClosed)
	})
}

func testTakePending(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	t.Run("lists_receipts_due_and_resets", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 3)
		f.Sign(t, 0)
		f.Sign(t, 2)
		got, err := repo.TakePending(ctx, f.Key())
		if err != nil {
			t.Fatalf("TakePending() error = %v", err)
		}
		want := []signing.SigneeKey{f.Signees[0].Key, f.Signees[2].Key}
		slices.Sort(want)
		if !slices.Equal(got.NeedReceipt, want) {
			t.Errorf("NeedReceipt = %v, want %v", got.NeedReceipt, want)
		}
		if got.Task.Counts != (signing.Counts{Total: 3, Signed: 2, Pending: 0}) {
			t.Errorf("counts = %+v, want signed 2, pending 0", got.Task.Counts)
		}
		SameJSON(t, "stored task", f.MustTask(t), got.Task)
		// Until the receipts are sent, they stay due.
		again, err := repo.TakePending(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(again.NeedReceipt, want) || again.Task.Version != got.Task.Version {
			t.Errorf("second TakePending() = %v (version %d), want %v unchanged (version %d)", again.NeedReceipt, again.Task.Version, want, got.Task.Version)
		}
	})
	t.Run("receipt_sent_leaves_the_list", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		f.Sign(t, 0)
		f.Sign(t, 1)
		f.Move(t, 0, signing.SigneeReceiptSent)
		got, err := repo.TakePending(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		if want := []signing.SigneeKey{f.Signees[1].Key}; !slices.Equal(got.NeedReceipt, want) {
			t.Errorf("NeedReceipt = %v, want %v", got.NeedReceipt, want)
		}
	})
	t.Run("nothing_pending", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		got, err := repo.TakePending(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		if len(got.NeedReceipt) != 0 || got.Task.Version != f.Task.Version {
			t.Errorf("TakePending() = %v (version %d), want nothing and no change", got.NeedReceipt, got.Task.Version)
		}
	})
	t.Run("drops_the_wait_token", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		if err := repo.RegisterWait(ctx, f.Key(), "w1"); err != nil {
			t.Fatal(err)
		}
		if got := f.Sign(t, 0).WaitToken; got != "w1" {
			t.Fatalf("WaitToken = %q, want w1", got)
		}
		if _, err := repo.TakePending(ctx, f.Key()); err != nil {
			t.Fatal(err)
		}
		if got := f.Sign(t, 1).WaitToken; got != "" {
			t.Errorf("WaitToken after TakePending = %q, want none (the workflow is awake)", got)
		}
		res, err := repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", "")
		if err == nil && res.WaitToken != "" {
			t.Errorf("Close().WaitToken = %q, want none", res.WaitToken)
		}
	})
	t.Run("on_closed_task_still_lists_receipts", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		f.Sign(t, 0)
		if _, err := repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", ""); err != nil {
			t.Fatal(err)
		}
		got, err := repo.TakePending(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		if want := []signing.SigneeKey{f.Signees[0].Key}; !slices.Equal(got.NeedReceipt, want) {
			t.Errorf("NeedReceipt = %v, want %v", got.NeedReceipt, want)
		}
	})
}

func testRegisterCompletionWait(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	t.Run("stored_while_collecting", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		WantErr(t, "RegisterCompletionWait()", repo.RegisterCompletionWait(ctx, f.Key(), "c1"), nil)
		res, err := repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", "")
		if err != nil {
			t.Fatal(err)
		}
		if res.CompletionToken != "c1" {
			t.Errorf("CompletionToken = %q, want c1", res.CompletionToken)
		}
	})
	t.Run("refused_when_closed", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		if _, err := repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", ""); err != nil {
			t.Fatal(err)
		}
		WantErr(t, "RegisterCompletionWait()", repo.RegisterCompletionWait(ctx, f.Key(), "c1"), signing.ErrTaskClosed)
	})
}

func testComplete(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	t.Run("refused_until_all_signed", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		f.Sign(t, 0)
		_, err := repo.Complete(ctx, f.Key(), f.Now(), "submitter")
		WantErr(t, "Complete()", err, signing.ErrConflict)
		if errors.Is(err, signing.ErrTaskClosed) {
			t.Errorf("Complete() error = %v, want not ErrTaskClosed", err)
		}
		if got := f.MustTask(t).Status; got != signing.TaskCollecting {
			t.Errorf("status = %s, want collecting", got)
		}
	})
	t.Run("returns_completion_token_once", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		if err := repo.RegisterCompletionWait(ctx, f.Key(), "c1"); err != nil {
			t.Fatal(err)
		}
		f.Sign(t, 0)
		f.Sign(t, 1)
		at := f.Now()
		tok, err := repo.Complete(ctx, f.Key(), at, "submitter-hash")
		if err != nil || tok != "c1" {
			t.Fatalf("Complete() = %q, %v; want c1", tok, err)
		}
		got := f.MustTask(t)
		if got.Status != signing.TaskCompleted || !got.ClosedAt.Equal(at) {
			t.Errorf("task = %s closed %v, want completed at %v", got.Status, got.ClosedAt, at)
		}
		tok, err = repo.Complete(ctx, f.Key(), f.Now(), "submitter-hash")
		if err != nil || tok != "" {
			t.Errorf("repeated Complete() = %q, %v; want no token, no error", tok, err)
		}
		if v := f.MustTask(t).Version; v != got.Version {
			t.Errorf("version after repeat = %d, want %d", v, got.Version)
		}
		_, err = repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", "")
		WantErr(t, "Close(completed)", err, signing.ErrTaskClosed)
	})
	t.Run("closed_task_is_task_closed", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		f.Sign(t, 0)
		if _, err := repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", ""); err != nil {
			t.Fatal(err)
		}
		_, err := repo.Complete(ctx, f.Key(), f.Now(), "submitter")
		WantErr(t, "Complete()", err, signing.ErrTaskClosed)
	})
	t.Run("no_signees", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 0)
		if _, err := repo.Complete(ctx, f.Key(), f.Now(), "submitter"); err != nil {
			t.Errorf("Complete() error = %v", err)
		}
	})
}

func testClose(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	t.Run("returns_tokens_once", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		if err := repo.RegisterWait(ctx, f.Key(), "w1"); err != nil {
			t.Fatal(err)
		}
		if err := repo.RegisterCompletionWait(ctx, f.Key(), "c1"); err != nil {
			t.Fatal(err)
		}
		at := f.Now()
		res, err := repo.Close(ctx, f.Key(), signing.TaskRejected, at, "signee-hash", "declined")
		if err != nil {
			t.Fatalf("Close() error = %v", err)
		}
		if res.WaitToken != "w1" || res.CompletionToken != "c1" || res.Already {
			t.Errorf("Close() = %+v, want tokens w1, c1 and not Already", res)
		}
		want := f.MustTask(t)
		SameJSON(t, "Close().Task", res.Task, want)
		if want.Status != signing.TaskRejected || !want.ClosedAt.Equal(at) || want.CloseReason != "declined" {
			t.Errorf("task = %s %v %q, want rejected at %v, declined", want.Status, want.ClosedAt, want.CloseReason, at)
		}
		again, err := repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "signee-hash", "declined")
		if err != nil {
			t.Fatalf("repeated Close() error = %v", err)
		}
		if !again.Already || again.WaitToken != "" || again.CompletionToken != "" {
			t.Errorf("repeated Close() = %+v, want Already without tokens", again)
		}
		SameJSON(t, "repeated Close().Task", again.Task, want)
	})
	t.Run("other_outcome_is_task_closed", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		if _, err := repo.Close(ctx, f.Key(), signing.TaskExpired, f.Now(), "system", "deadline"); err != nil {
			t.Fatal(err)
		}
		_, err := repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", "")
		WantErr(t, "Close(rejected after expired)", err, signing.ErrTaskClosed)
	})
	for _, st := range []signing.TaskStatus{signing.TaskCompleted, signing.TaskCollecting, "bogus"} {
		t.Run("status_"+string(st)+"_is_invalid", func(t *testing.T) {
			t.Parallel()
			f := Create(t, repo, 1)
			_, err := repo.Close(ctx, f.Key(), st, f.Now(), "system", "")
			WantErr(t, "Close()", err, signing.ErrInvalid)
		})
	}
}

func testListSignatures(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		got, err := repo.ListSignatures(ctx, f.Key())
		if err != nil || len(got) != 0 {
			t.Errorf("ListSignatures() = %v, %v; want none", got, err)
		}
	})
	t.Run("ordered_by_signee_key", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 3)
		var want []signing.Signature
		for i := range 3 {
			f.Reach(t, i, signing.SigneeDelegated)
			sig := f.Signature(i)
			if _, err := repo.RecordSignature(ctx, sig); err != nil {
				t.Fatal(err)
			}
			want = append(want, sig)
		}
		slices.SortFunc(want, func(a, b signing.Signature) int { return strings.Compare(string(a.SigneeKey), string(b.SigneeKey)) })
		got, err := repo.ListSignatures(ctx, f.Key())
		if err != nil {
			t.Fatal(err)
		}
		SameJSON(t, "ListSignatures()", got, want)
	})
}

func testGetSignature(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	t.Run("signed", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 2)
		f.Reach(t, 1, signing.SigneeDelegated)
		want := f.Signature(1)
		if _, err := repo.RecordSignature(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := repo.GetSignature(ctx, f.Key(), want.SigneeKey)
		if err != nil {
			t.Fatal(err)
		}
		SameJSON(t, "GetSignature()", got, want)
	})
	t.Run("not_signed", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		if _, err := repo.GetSignature(ctx, f.Key(), f.Signature(0).SigneeKey); !errors.Is(err, signing.ErrNotFound) {
			t.Errorf("GetSignature() of an unsigned signee: err = %v, want ErrNotFound", err)
		}
	})
	t.Run("unknown_task", func(t *testing.T) {
		t.Parallel()
		f := Create(t, repo, 1)
		k := f.Key()
		k.TaskID = "OtherTask"
		if _, err := repo.GetSignature(ctx, k, f.Signature(0).SigneeKey); !errors.Is(err, signing.ErrNotFound) {
			t.Errorf("GetSignature() of an unknown task: err = %v, want ErrNotFound", err)
		}
	})
}

func testPendingFor(t *testing.T, newRepo NewRepo) {
	t.Run("only_open_requests", func(t *testing.T) {
		t.Parallel()
		repo := newRepo(t)
		person := NewPerson("Kari")
		other := NewPerson("Ola")
		// Five tasks, each with the same person in a different state.
		type want struct {
			status signing.SigneeStatus
			listed bool
		}
		cases := []want{
			{signing.SigneeResolved, false},
			{signing.SigneeDelegated, true},
			{signing.SigneeNotified, true},
			{signing.SigneeSigned, false},
			{signing.SigneeRevoked, false},
			{signing.SigneeFailed, true}, // delegated, then notification failed: may still sign
		}
		var wantReqs []signing.SigningRequest
		for i, c := range cases {
			task, _ := NewTask(t, 2)
			task.CreatedAt = T0.Add(time.Duration(i) * time.Minute)
			task.UpdatedAt = task.CreatedAt
			f := &Fixture{Repo: repo, Task: task, Signees: []signing.Signee{person, other}}
			f.Signees[0].PartyUUID = NewGUID()
			if err := repo.CreateTask(ctx, task, f.Signees); err != nil {
				t.Fatal(err)
			}
			f.Reach(t, 0, c.status)
			f.Reach(t, 1, signing.SigneeDelegated)
			if c.listed {
				wantReqs = append(wantReqs, signing.SigningRequest{
					Instance: task.Instance, TaskID: task.Key.TaskID, SigneeKey: person.Key,
					Kind: signing.SigneePerson, Status: c.status, Deadline: task.Deadline,
				})
			}
		}
		// A closed task's open requests are not listed.
		closed, _ := NewTask(t, 1)
		cf := &Fixture{Repo: repo, Task: closed, Signees: []signing.Signee{person}}
		if err := repo.CreateTask(ctx, closed, cf.Signees); err != nil {
			t.Fatal(err)
		}
		cf.Reach(t, 0, signing.SigneeDelegated)
		if _, err := repo.Close(ctx, closed.Key, signing.TaskRejected, cf.Now(), "system", ""); err != nil {
			t.Fatal(err)
		}
		got, next, err := repo.PendingFor(ctx, person.IdentityHash, signing.Page{})
		if err != nil {
			t.Fatalf("PendingFor() error = %v", err)
		}
		if next != "" {
			t.Errorf("next = %q, want none", next)
		}
		SameJSON(t, "PendingFor()", got, wantReqs)
		none, _, err := repo.PendingFor(ctx, NewIdentityHash(), signing.Page{})
		if err != nil || len(none) != 0 {
			t.Errorf("PendingFor(stranger) = %v, %v; want none", none, err)
		}
	})
	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		repo := newRepo(t)
		org := NewOrganisation("Acme AS", "310000001")
		var want []signing.SigningRequest
		for i := range 5 {
			task, _ := NewTask(t, 1)
			task.CreatedAt = T0.Add(time.Duration(5-i) * time.Hour) // created in reverse
			task.UpdatedAt = task.CreatedAt
			f := &Fixture{Repo: repo, Task: task, Signees: []signing.Signee{org}}
			if err := repo.CreateTask(ctx, task, f.Signees); err != nil {
				t.Fatal(err)
			}
			f.Reach(t, 0, signing.SigneeDelegated)
			want = append([]signing.SigningRequest{{
				Instance: task.Instance, TaskID: task.Key.TaskID, SigneeKey: org.Key, Kind: signing.SigneeOrganisation,
				Status: signing.SigneeDelegated, OrgNumber: org.OrgNumber, Deadline: task.Deadline,
			}}, want...)
		}
		var got []signing.SigningRequest
		var pages []int
		tok := ""
		for range 10 {
			page, next, err := repo.PendingFor(ctx, org.IdentityHash, signing.Page{Limit: 2, Token: tok})
			if err != nil {
				t.Fatalf("PendingFor() error = %v", err)
			}
			got = append(got, page...)
			pages = append(pages, len(page))
			if next == "" {
				break
			}
			tok = next
		}
		if !slices.Equal(pages, []int{2, 2, 1}) {
			t.Errorf("page sizes = %v, want [2 2 1]", pages)
		}
		SameJSON(t, "PendingFor() oldest first", got, want)
	})
	t.Run("invalid", func(t *testing.T) {
		t.Parallel()
		repo := newRepo(t)
		_, _, err := repo.PendingFor(ctx, "short", signing.Page{})
		WantErr(t, "PendingFor(short)", err, signing.ErrInvalid)
		_, _, err = repo.PendingFor(ctx, NewIdentityHash(), signing.Page{Token: "%%%"})
		WantErr(t, "PendingFor(bad token)", err, signing.ErrInvalid)
	})
}

// nationalID matches an 11-digit number, the shape of a raw national ID.
var nationalID = regexp.MustCompile(`\b\d{11}\b`)

func testAudit(t *testing.T, newRepo NewRepo) {
	repo := newRepo(t)
	f := Create(t, repo, 2)
	const arn = "arn:aws:states:eu-north-1:123456789012:execution:signing:run-1"
	if err := repo.SetExecution(ctx, f.Key(), arn); err != nil {
		t.Fatal(err)
	}
	f.Move(t, 0, signing.SigneeDelegated)
	f.Move(t, 0, signing.SigneeDelegated) // repeated: no entry
	f.Move(t, 1, signing.SigneeDelegated)
	f.Move(t, 1, signing.SigneeFailed)
	f.Move(t, 0, signing.SigneeNotified)
	sig := f.Signature(0)
	if _, err := repo.RecordSignature(ctx, sig); err != nil {
		t.Fatal(err)
	}
	f.Move(t, 0, signing.SigneeReceiptSent)
	f.Move(t, 1, signing.SigneeRevoked)
	closedAt := f.Now()
	if _, err := repo.Close(ctx, f.Key(), signing.TaskRejected, closedAt, f.Signees[0].IdentityHash, "declined"); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", "again"); err != nil {
		t.Fatal(err)
	}
	got, err := repo.Audit(ctx, f.Key())
	if err != nil {
		t.Fatalf("Audit() error = %v", err)
	}
	type line struct {
		Action string
		Signee signing.SigneeKey
		Actor  string
	}
	s0, s1 := f.Signees[0].Key, f.Signees[1].Key
	want := []line{
		{"task.created", "", "system"},
		{"signee.delegated", s0, "system"},
		{"signee.delegated", s1, "system"},
		{"signee.failed", s1, "system"},
		{"signee.notified", s0, "system"},
		{"signature.recorded", s0, sig.Signer.IdentityHash},
		{"signee.receipt_sent", s0, "system"},
		{"signee.revoked", s1, "system"},
		{"task.rejected", "", f.Signees[0].IdentityHash},
	}
	var lines []line
	for _, e := range got {
		if e.Action == "execution.started" {
			continue // stamped with the repository's clock
		}
		lines = append(lines, line{e.Action, e.SigneeKey, e.Actor})
	}
	SameJSON(t, "audit trail", lines, want)
	if n := countActions(got, "execution.started"); n != 1 {
		t.Errorf("execution.started entries = %d, want 1", n)
	}
	for i := 1; i < len(got); i++ {
		if got[i].At.Before(got[i-1].At) && got[i].Action != "execution.started" && got[i-1].Action != "execution.started" {
			t.Errorf("entry %d (%s at %v) is before entry %d (%v)", i, got[i].Action, got[i].At, i-1, got[i-1].At)
		}
	}
	for _, e := range got {
		if e.Action == "task.rejected" && (!e.At.Equal(closedAt) || e.Detail != "declined") {
			t.Errorf("task.rejected entry = %+v, want at %v with detail declined", e, closedAt)
		}
	}
	// Page by page, at every page size, the same trail in the same order;
	// a cursor the listing did not return is refused.
	for _, size := range []int{1, 2, 3, len(got), len(got) + 1} {
		var paged []signing.AuditEntry
		cursor := ""
		for n := 0; ; n++ {
			page, next, err := repo.AuditPage(ctx, f.Key(), cursor, size)
			if err != nil {
				t.Fatalf("AuditPage(size %d, page %d) error = %v", size, n, err)
			}
			if len(page) > size || (next != "" && len(page) != size) {
				t.Fatalf("AuditPage(size %d) gave %d entries, next %q", size, len(page), next)
			}
			paged = append(paged, page...)
			if next == "" {
				break
			}
			if n > len(got) {
				t.Fatalf("AuditPage(size %d) does not end", size)
			}
			cursor = next
		}
		SameJSON(t, fmt.Sprintf("audit trail in pages of %d", size), paged, got)
	}
	if _, _, err := repo.AuditPage(ctx, f.Key(), "TASK#OtherTask#AUDIT#2026", 2); !errors.Is(err, signing.ErrInvalid) {
		t.Errorf("AuditPage with a cursor it did not return: %v, want ErrInvalid", err)
	}
	for _, e := range got {
		if nationalID.MatchString(e.Actor + " " + e.Detail + " " + string(e.SigneeKey)) {
			t.Errorf("audit entry %+v holds an 11-digit number", e)
		}
		if e.Actor != "system" && len(e.Actor) < 24 {
			t.Errorf("actor %q is neither a keyed hash nor system", e.Actor)
		}
	}
}

// RunConcurrency runs the race tests: many signatures for one signee, and
// signatures racing reject.
func RunConcurrency(t *testing.T, newRepo NewRepo) {
	t.Run("same_signee_100_goroutines", func(t *testing.T) {
		t.Parallel()
		f := Create(t, newRepo(t), 2)
		f.Reach(t, 0, signing.SigneeNotified)
		const n = 100
		sigs := make([]signing.Signature, n)
		for i := range sigs {
			sigs[i] = f.Signature(0)
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = f.Repo.RecordSignature(ctx, sigs[i])
			}()
		}
		close(start)
		wg.Wait()
		ok, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, signing.ErrConflict) && !errors.Is(err, signing.ErrTaskClosed):
				conflicts++
			default:
				t.Errorf("RecordSignature() error = %v, want nil or ErrConflict", err)
			}
		}
		if ok != 1 || conflicts != n-1 {
			t.Errorf("%d recorded, %d conflicts; want 1 and %d", ok, conflicts, n-1)
		}
		task := f.MustTask(t)
		if task.Counts.Signed != 1 || task.Counts.Pending != 1 {
			t.Errorf("counts = %+v, want signed 1, pending 1", task.Counts)
		}
		got, err := f.Repo.ListSignatures(ctx, f.Key())
		if err != nil || len(got) != 1 {
			t.Fatalf("ListSignatures() = %d signatures, %v; want 1", len(got), err)
		}
	})
	t.Run("sign_races_reject_100_trials", func(t *testing.T) {
		t.Parallel()
		repo := newRepo(t)
		const trials = 100
		var wg sync.WaitGroup
		sem := make(chan struct{}, 10)
		var mu sync.Mutex
		outcomes := map[string]int{}
		for trial := range trials {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				outcome := raceSignReject(t, repo, trial)
				mu.Lock()
				outcomes[outcome]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		t.Logf("sign vs reject outcomes over %d trials: %v", trials, outcomes)
	})
}

// raceSignReject signs and rejects one task at once and checks the final
// state: the signature counts only if it landed before the close, and the
// counters equal the items.
func raceSignReject(t *testing.T, repo signing.Repository, trial int) string {
	f := Create(t, repo, 2)
	f.Reach(t, 0, signing.SigneeDelegated)
	f.Reach(t, 1, signing.SigneeDelegated)
	if err := repo.RegisterWait(ctx, f.Key(), fmt.Sprintf("wait-%d", trial)); err != nil {
		t.Errorf("trial %d: RegisterWait() error = %v", trial, err)
		return "error"
	}
	sig := f.Signature(0)
	var signErr, closeErr error
	var rec signing.RecordResult
	var res signing.CloseResult
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); rec, signErr = repo.RecordSignature(ctx, sig) }()
	go func() {
		defer wg.Done()
		res, closeErr = repo.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", "race")
	}()
	wg.Wait()
	if closeErr != nil {
		t.Errorf("trial %d: Close() error = %v", trial, closeErr)
		return "error"
	}
	task := f.MustTask(t)
	sigs, err := repo.ListSignatures(ctx, f.Key())
	if err != nil {
		t.Errorf("trial %d: ListSignatures() error = %v", trial, err)
		return "error"
	}
	signee := f.MustSignee(t, 0)
	signedItems := 0
	for _, s := range []signing.Signee{signee, f.MustSignee(t, 1)} {
		if s.Status.HasSigned() {
			signedItems++
		}
	}
	if task.Status != signing.TaskRejected {
		t.Errorf("trial %d: status = %s, want rejected", trial, task.Status)
	}
	if task.Counts.Signed != len(sigs) || task.Counts.Signed != signedItems {
		t.Errorf("trial %d: signed = %d, signatures = %d, signed signees = %d; want equal", trial, task.Counts.Signed, len(sigs), signedItems)
	}
	// The close saw every signature that was accepted: none after it.
	if res.Task.Counts.Signed != task.Counts.Signed {
		t.Errorf("trial %d: close saw %d signatures, final %d: a signature was accepted after the close", trial, res.Task.Counts.Signed, task.Counts.Signed)
	}
	switch {
	case signErr == nil:
		if len(sigs) != 1 || signee.Status != signing.SigneeSigned {
			t.Errorf("trial %d: signature accepted but %d stored, signee %s", trial, len(sigs), signee.Status)
		}
		if rec.WaitToken != "" && res.WaitToken != "" && rec.WaitToken != res.WaitToken {
			t.Errorf("trial %d: tokens differ: %q, %q", trial, rec.WaitToken, res.WaitToken)
		}
		return "signed_then_rejected"
	case errors.Is(signErr, signing.ErrTaskClosed):
		if len(sigs) != 0 || signee.Status != signing.SigneeDelegated {
			t.Errorf("trial %d: signature refused but %d stored, signee %s", trial, len(sigs), signee.Status)
		}
		if res.WaitToken == "" {
			t.Errorf("trial %d: close returned no wait token to fail", trial)
		}
		return "rejected_first"
	default:
		t.Errorf("trial %d: RecordSignature() error = %v, want nil or ErrTaskClosed", trial, signErr)
		return "error"
	}
}

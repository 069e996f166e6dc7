package signingtest

// A watch on everything a step may write, and a check that every sample
// event of a step is tested: shared by the step functions' handler tests.

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
)

// repoReads are the repository methods that change nothing, and
// repoWrites those recordingRepo records when they succeed. The in-memory
// repository's hook records a call of any other method (one added later),
// whether it succeeds or not. platformWrites are the platform operations
// that change state.
var (
	repoReads  = []string{"GetTask", "GetSignee", "ListSignees", "GetSignature", "ListSignatures", "PendingFor", "Audit", "OwedReceipts"}
	repoWrites = []string{"CreateTask", "RestartTask", "SetExecution", "UpdateSignee", "RecordSignature",
		"RegisterWait", "TakePending", "RegisterCompletionWait", "Complete", "Close", "SettleOwedReceipt"}
	platformWrites = []string{emulator.OpCreateData, emulator.OpDelegate, emulator.OpRevoke, emulator.OpSend, emulator.OpSign}
)

// WriteWatch records the repository writes of a harness's service that
// succeed, for any task, and lists what a step may have written.
type WriteWatch struct {
	h      *Harness
	before map[string]any
	mu     sync.Mutex
	writes []string
}

// WatchWrites starts watching h; call it after the harness is set up.
func WatchWrites(t *testing.T, h *Harness) *WriteWatch {
	t.Helper()
	w := &WriteWatch{h: h}
	w.before = w.state(t)
	h.Svc.Repo = recordingRepo{Repository: h.Svc.Repo, w: w}
	h.Repo.Err = func(op string) error {
		if !slices.Contains(repoReads, op) && !slices.Contains(repoWrites, op) {
			w.mu.Lock()
			w.writes = append(w.writes, op+" (attempted)")
			w.mu.Unlock()
		}
		return nil
	}
	return w
}

// record notes a write of op to key unless it failed, and returns err.
func (w *WriteWatch) record(op string, key signing.TaskKey, err error) error {
	if err == nil {
		w.mu.Lock()
		w.writes = append(w.writes, op+" "+key.String())
		w.mu.Unlock()
	}
	return err
}

// recordingRepo records every write that succeeds.
type recordingRepo struct {
	signing.Repository
	w *WriteWatch
}

func (r recordingRepo) CreateTask(ctx context.Context, task signing.Task, signees []signing.Signee) error {
	return r.w.record("CreateTask", task.Key, r.Repository.CreateTask(ctx, task, signees))
}

func (r recordingRepo) RestartTask(ctx context.Context, task signing.Task, signees []signing.Signee, previousAttempt int) error {
	return r.w.record("RestartTask", task.Key, r.Repository.RestartTask(ctx, task, signees, previousAttempt))
}

func (r recordingRepo) SetExecution(ctx context.Context, key signing.TaskKey, executionARN string) error {
	return r.w.record("SetExecution", key, r.Repository.SetExecution(ctx, key, executionARN))
}

func (r recordingRepo) UpdateSignee(ctx context.Context, key signing.TaskKey, signee signing.SigneeKey, t signing.Transition) (signing.Signee, error) {
	sg, err := r.Repository.UpdateSignee(ctx, key, signee, t)
	return sg, r.w.record("UpdateSignee", key, err)
}

func (r recordingRepo) RecordSignature(ctx context.Context, sig signing.Signature) (signing.RecordResult, error) {
	res, err := r.Repository.RecordSignature(ctx, sig)
	return res, r.w.record("RecordSignature", sig.Task, err)
}

func (r recordingRepo) RegisterWait(ctx context.Context, key signing.TaskKey, token string) error {
	return r.w.record("RegisterWait", key, r.Repository.RegisterWait(ctx, key, token))
}

func (r recordingRepo) TakePending(ctx context.Context, key signing.TaskKey) (signing.PendingBatch, error) {
	batch, err := r.Repository.TakePending(ctx, key)
	return batch, r.w.record("TakePending", key, err)
}

func (r recordingRepo) RegisterCompletionWait(ctx context.Context, key signing.TaskKey, token string) error {
	return r.w.record("RegisterCompletionWait", key, r.Repository.RegisterCompletionWait(ctx, key, token))
}

func (r recordingRepo) Complete(ctx context.Context, key signing.TaskKey, at time.Time, actor string) (string, error) {
	token, err := r.Repository.Complete(ctx, key, at, actor)
	return token, r.w.record("Complete", key, err)
}

func (r recordingRepo) SettleOwedReceipt(ctx context.Context, key signing.TaskKey, signee signing.SigneeKey, attempt int) error {
	return r.w.record("SettleOwedReceipt", key, r.Repository.SettleOwedReceipt(ctx, key, signee, attempt))
}

func (r recordingRepo) Close(ctx context.Context, key signing.TaskKey, status signing.TaskStatus, at time.Time, actor, reason string, st ...signing.Statement) (signing.CloseResult, error) {
	res, err := r.Repository.Close(ctx, key, status, at, actor, reason, st...)
	return res, r.w.record("Close", key, err)
}

func (r recordingRepo) ChangeSignee(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey, c signing.SigneeChange) (signing.Signee, error) {
	sg, err := r.Repository.ChangeSignee(ctx, key, sk, c)
	return sg, r.w.record("ChangeSignee", key, err)
}

func (r recordingRepo) ExtendDeadline(ctx context.Context, key signing.TaskKey, deadline, at time.Time, actor string) (signing.Task, string, error) {
	task, token, err := r.Repository.ExtendDeadline(ctx, key, deadline, at, actor)
	return task, token, r.w.record("ExtendDeadline", key, err)
}

func (r recordingRepo) SetRemindersDone(ctx context.Context, key signing.TaskKey, at time.Time) error {
	return r.w.record("SetRemindersDone", key, r.Repository.SetRemindersDone(ctx, key, at))
}

func (r recordingRepo) BeginRelease(ctx context.Context, key signing.TaskKey, until time.Time) error {
	return r.w.record("BeginRelease", key, r.Repository.BeginRelease(ctx, key, until))
}

func (r recordingRepo) EndRelease(ctx context.Context, key signing.TaskKey, until time.Time) error {
	return r.w.record("EndRelease", key, r.Repository.EndRelease(ctx, key, until))
}

// state lists the founders task's items in the repository (the DynamoDB
// table), what the service queued or resumed, the platform's delegations,
// messages, notification orders and data elements, and how many writing
// calls the platform received.
func (w *WriteWatch) state(t *testing.T) map[string]any {
	t.Helper()
	ctx, key := context.Background(), FoundersTask
	task, taskErr := w.h.Repo.GetTask(ctx, key)
	signees, _, signeesErr := w.h.Repo.ListSignees(ctx, key, signing.Page{Limit: 1000})
	sigs, sigsErr := w.h.Repo.ListSignatures(ctx, key)
	audit, auditErr := w.h.Repo.Audit(ctx, key)
	calls := map[string]int{}
	for _, op := range platformWrites {
		calls[op] = w.h.Emu.Calls(op)
	}
	return map[string]any{
		"repository: task":       fmt.Sprint(task, taskErr),
		"repository: signees":    fmt.Sprint(signees, signeesErr),
		"repository: signatures": fmt.Sprint(sigs, sigsErr),
		"repository: audit":      fmt.Sprint(audit, auditErr),
		"resumed executions":     slices.Clone(w.h.Workflow.Resumed),
		"platform: delegations":  w.h.Emu.Delegations(),
		"platform: messages":     w.h.Emu.Messages(),
		"platform: orders":       w.h.Emu.Notifications(),
		"platform: data":         w.h.Emu.Data(),
		"platform: write calls":  calls,
	}
}

// NothingWritten fails t if the service wrote to the repository or anything
// a step may write changed since WatchWrites.
func (w *WriteWatch) NothingWritten(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	writes := slices.Clone(w.writes)
	w.mu.Unlock()
	if len(writes) > 0 {
		t.Errorf("repository writes %v, want none", writes)
	}
	after := w.state(t)
	for what, before := range w.before {
		if !reflect.DeepEqual(before, after[what]) {
			t.Errorf("%s changed:\nbefore %s\nafter  %s", what, short(before), short(after[what]))
		}
	}
}

// CheckEventsCovered fails t unless every events/<step>-*.json is among
// covered, the events the step's tests run.
func CheckEventsCovered(t *testing.T, step string, covered ...string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(ModuleRoot(t), "events", step+"-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Errorf("events/ has no %s-<case>.json", step)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".json"); !slices.Contains(covered, name) {
			t.Errorf("events/%s.json has no test case", name)
		}
	}
}

// short formats v for a failure message, cut to 2,000 bytes.
func short(v any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	return s
}

func (r recordingRepo) ReplaceSignee(ctx context.Context, key signing.TaskKey, old signing.SigneeKey, next signing.Signee, e signing.AuditEntry) (signing.RecordResult, error) {
	res, err := r.Repository.ReplaceSignee(ctx, key, old, next, e)
	return res, r.w.record("ReplaceSignee", key, err)
}

// Package memrepo is an in-memory signing.Repository with the same
// semantics as the DynamoDB store (both pass internal/signing/repotest). It
// is meant for fast tests of the packages that use the repository; Err
// injects failures.
package memrepo

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

// Page limits, as in the DynamoDB store.
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 1000
)

var _ signing.Repository = (*Repo)(nil)

// Repo keeps signing state in maps behind one mutex.
type Repo struct {
	// Err, when set, is called first by every method with the method's
	// name (e.g. "RecordSignature"); a non-nil result is returned as is.
	Err func(op string) error

	mu    sync.Mutex
	clock signing.Clock
	tasks map[signing.TaskKey]*taskState
}

// New returns an empty repository using clock for times the caller does not pass.
func New(clock signing.Clock) *Repo {
	if clock == nil {
		clock = signing.SystemClock{}
	}
	return &Repo{clock: clock, tasks: map[signing.TaskKey]*taskState{}}
}

type taskState struct {
	task            signing.Task
	signeesDigest   string
	waitToken       string
	completionToken string
	signees         map[signing.SigneeKey]*signing.Signee
	signatures      map[signing.SigneeKey]signing.Signature
	receiptDue      map[signing.SigneeKey]bool
	// owed are the receipts owed for signatures of earlier attempts.
	owed  map[owedKey]signing.OwedReceipt
	audit []auditRecord
}

type owedKey struct {
	signee  signing.SigneeKey
	attempt int
}

type auditRecord struct {
	entry   signing.AuditEntry
	subject string
	event   string
}

func (r *Repo) fail(op string) error {
	if r.Err != nil {
		return r.Err(op)
	}
	return nil
}

func (r *Repo) now() time.Time { return r.clock.Now().UTC() }

func wrap(op string, subject any, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("memrepo: %s %v: %w", op, subject, err)
}

func (r *Repo) lookup(k signing.TaskKey) (*taskState, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	ts, ok := r.tasks[k.Unqualified()]
	if !ok {
		return nil, fmt.Errorf("task: %w", signing.ErrNotFound)
	}
	if err := k.CheckAttempt(ts.task.Attempt, 0); err != nil {
		return nil, err
	}
	return ts, nil
}

func (ts *taskState) addAudit(e signing.AuditEntry, event string) {
	e.At = e.At.UTC()
	if e.Actor == "" {
		e.Actor = "system"
	}
	subject := "task"
	if e.SigneeKey != "" {
		subject = string(e.SigneeKey)
	}
	ts.audit = append(ts.audit, auditRecord{entry: e, subject: subject, event: event})
	// Oldest first; entries at the same instant by subject, then event, as
	// the DynamoDB store's sort key orders them.
	slices.SortStableFunc(ts.audit, func(a, b auditRecord) int {
		if c := a.entry.At.Compare(b.entry.At); c != 0 {
			return c
		}
		if c := strings.Compare(a.subject, b.subject); c != 0 {
			return c
		}
		return strings.Compare(a.event, b.event)
	})
}

// CreateTask stores the task and its signees, idempotently.
func (r *Repo) CreateTask(_ context.Context, task signing.Task, signees []signing.Signee) error {
	if err := r.fail("CreateTask"); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	task, err := signing.PrepareCreate(task, signees, r.now())
	if err != nil {
		return wrap("create task", task.Key, err)
	}
	sd := signeesDigest(signees)
	task.Key = task.Key.Unqualified()
	if ts, ok := r.tasks[task.Key]; ok {
		return wrap("create task", task.Key, ts.same(task, sd))
	}
	ts := newTaskState(task, signees, sd)
	ts.addAudit(signing.AuditEntry{At: ts.task.CreatedAt, Actor: "system", Action: "task.created", Detail: fmt.Sprintf("%d signees", len(signees))}, "created")
	r.tasks[task.Key] = ts
	return nil
}

// signeesDigest returns the SHA-256 of the sorted signee keys.
func signeesDigest(signees []signing.Signee) string {
	keys := make([]string, len(signees))
	for i, s := range signees {
		keys[i] = string(s.Key)
	}
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return hex.EncodeToString(sum[:])
}

// same decides a repeated create or restart of the stored attempt: nil for
// the same input, else ErrConflict.
func (ts *taskState) same(task signing.Task, sd string) error {
	switch {
	case ts.task.Attempt != task.Attempt:
		return fmt.Errorf("task exists at attempt %d, not %d: %w", ts.task.Attempt, task.Attempt, signing.ErrConflict)
	case ts.task.ConfigDigest != task.ConfigDigest:
		return fmt.Errorf("task exists with another configuration: %w", signing.ErrConflict)
	case ts.signeesDigest != sd:
		return fmt.Errorf("task exists with another set of signees: %w", signing.ErrConflict)
	}
	return nil
}

// newTaskState returns the state of a new task (or attempt) with its signees.
func newTaskState(task signing.Task, signees []signing.Signee, sd string) *taskState {
	task = cloneTask(task)
	task.CreatedAt, task.UpdatedAt, task.Deadline = task.CreatedAt.UTC(), task.UpdatedAt.UTC(), task.Deadline.UTC()
	ts := &taskState{
		task:          task,
		signeesDigest: sd,
		signees:       make(map[signing.SigneeKey]*signing.Signee, len(signees)),
		signatures:    map[signing.SigneeKey]signing.Signature{},
		receiptDue:    map[signing.SigneeKey]bool{},
		owed:          map[owedKey]signing.OwedReceipt{},
	}
	for _, s := range signees {
		c := cloneSignee(s)
		ts.signees[s.Key] = &c
	}
	return ts
}

// RestartTask replaces the rejected, expired or failed attempt previousAttempt with
// task and signees in one step: the old signees, signatures and receipts
// due go, the audit trail stays and gains "task.restarted".
func (r *Repo) RestartTask(_ context.Context, task signing.Task, signees []signing.Signee, previousAttempt int) error {
	if err := r.fail("RestartTask"); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	task, err := signing.PrepareRestart(task, signees, previousAttempt, r.now())
	if err != nil {
		return wrap("restart task", task.Key, err)
	}
	task.Key = task.Key.Unqualified()
	old, ok := r.tasks[task.Key]
	if !ok {
		return wrap("restart task", task.Key, fmt.Errorf("task: %w", signing.ErrNotFound))
	}
	sd := signeesDigest(signees)
	cur := old.task
	switch {
	case cur.Attempt == task.Attempt:
		return wrap("restart task", task.Key, old.same(task, sd))
	case cur.Attempt != previousAttempt:
		return wrap("restart task", task.Key, fmt.Errorf("task is at attempt %d, not %d: %w", cur.Attempt, previousAttempt, signing.ErrConflict))
	case !cur.Restartable():
		return wrap("restart task", task.Key, fmt.Errorf("attempt %d is %s: %w", cur.Attempt, cur.Status, signing.ErrConflict))
	}
	task.Version = cur.Version + 2                                                // as the DynamoDB store: the restart marker, then the new attempt
	task.ReleaseUntil, task.ReleaseAttempt = cur.ReleaseUntil, cur.ReleaseAttempt // a release of the old attempt may still be revoking
	ts := newTaskState(task, signees, sd)
	ts.audit = old.audit
	// What the old attempt answered 200 to and has not receipted stays owed.
	for ok, o := range old.owed {
		ts.owed[ok] = o
	}
	for sk := range old.receiptDue {
		ts.owed[owedKey{sk, max(cur.Attempt, 1)}] = signing.OwedReceipt{Attempt: max(cur.Attempt, 1), Signature: cloneSignature(old.signatures[sk])}
	}
	ts.addAudit(signing.AuditEntry{At: ts.task.CreatedAt, Actor: "system", Action: "task.restarted", Detail: signing.RestartDetail(cur, task.Attempt, len(signees))}, "restarted")
	r.tasks[task.Key] = ts
	return nil
}

// BeginRelease records a release of k's attempt until until.
func (r *Repo) BeginRelease(_ context.Context, k signing.TaskKey, until time.Time) error {
	if err := r.fail("BeginRelease"); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k)
	if err != nil {
		return wrap("begin release", k, err)
	}
	ts.task.ReleaseUntil, ts.task.ReleaseAttempt = until.UTC(), max(ts.task.Attempt, 1)
	ts.task.Version++
	return nil
}

// EndRelease clears the release recorded with until, if it is still the task's.
func (r *Repo) EndRelease(_ context.Context, k signing.TaskKey, until time.Time) error {
	if err := r.fail("EndRelease"); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k.Unqualified())
	if err != nil {
		return wrap("end release", k, err)
	}
	if !until.IsZero() && ts.task.ReleaseUntil.Equal(until) {
		ts.task.ReleaseUntil, ts.task.ReleaseAttempt = time.Time{}, 0
		ts.task.Version++
	}
	return nil
}

// GetTask returns the task.
func (r *Repo) GetTask(_ context.Context, k signing.TaskKey) (signing.Task, error) {
	if err := r.fail("GetTask"); err != nil {
		return signing.Task{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k)
	if err != nil {
		return signing.Task{}, wrap("get task", k, err)
	}
	return cloneTask(ts.task), nil
}

// SetExecution records the execution ARN once.
func (r *Repo) SetExecution(_ context.Context, k signing.TaskKey, executionARN string) error {
	if err := r.fail("SetExecution"); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := k.Validate(); err != nil {
		return wrap("set execution", k, err)
	}
	if executionARN == "" {
		return wrap("set execution", k, signing.Invalid("executionArn", "must be set"))
	}
	ts, err := r.lookup(k)
	if err != nil {
		return wrap("set execution", k, err)
	}
	switch ts.task.ExecutionARN {
	case executionARN:
		return nil
	case "":
	default:
		return wrap("set execution", k, fmt.Errorf("task runs in another execution: %w", signing.ErrConflict))
	}
	now := r.now()
	ts.task.ExecutionARN = executionARN
	ts.task.Version++
	ts.task.UpdatedAt = now
	ts.addAudit(signing.AuditEntry{At: now, Actor: "system", Action: "execution.started", Detail: executionARN}, "execution")
	return nil
}

// GetSignee returns one signee.
func (r *Repo) GetSignee(_ context.Context, k signing.TaskKey, key signing.SigneeKey) (signing.Signee, error) {
	if err := r.fail("GetSignee"); err != nil {
		return signing.Signee{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.signee(k, key)
	if err != nil {
		return signing.Signee{}, wrap("get signee", k.String()+"/"+string(key), err)
	}
	return cloneSignee(*s), nil
}

func (r *Repo) signee(k signing.TaskKey, key signing.SigneeKey) (*signing.Signee, error) {
	var errs signing.FieldErrors
	if err := k.Validate(); err != nil {
		errs = append(errs, err.(signing.FieldErrors)...)
	}
	if err := key.Validate(); err != nil {
		errs.Add("signeeKey", "must look like p-<hex> or o-<hex>")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	ts, ok := r.tasks[k.Unqualified()]
	if !ok {
		return nil, fmt.Errorf("signee: %w", signing.ErrNotFound)
	}
	if err := k.CheckAttempt(ts.task.Attempt, 0); err != nil {
		return nil, err
	}
	s, ok := ts.signees[key]
	if !ok {
		return nil, fmt.Errorf("signee: %w", signing.ErrNotFound)
	}
	return s, nil
}

func pageLimit(p signing.Page) (int, error) {
	switch {
	case p.Limit < 0:
		return 0, signing.Invalid("page.limit", "must not be negative")
	case p.Limit == 0:
		return DefaultPageLimit, nil
	case p.Limit > MaxPageLimit:
		return MaxPageLimit, nil
	}
	return p.Limit, nil
}

func badToken() error {
	return signing.Invalid("page.token", "is not a token this listing returned")
}

// ListSignees returns one page of signees ordered by key.
func (r *Repo) ListSignees(_ context.Context, k signing.TaskKey, page signing.Page) ([]signing.Signee, string, error) {
	if err := r.fail("ListSignees"); err != nil {
		return nil, "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	limit, err := pageLimit(page)
	if err != nil {
		return nil, "", wrap("list signees", k, err)
	}
	var after signing.SigneeKey
	if page.Token != "" {
		b, err := base64.RawURLEncoding.DecodeString(page.Token)
		after = signing.SigneeKey(b)
		if err != nil || after.Validate() != nil {
			return nil, "", wrap("list signees", k, badToken())
		}
	}
	ts, err := r.lookup(k)
	if err != nil {
		if page.Token != "" && errors.Is(err, signing.ErrNotFound) {
			return []signing.Signee{}, "", nil
		}
		return nil, "", wrap("list signees", k, err)
	}
	keys := make([]signing.SigneeKey, 0, len(ts.signees))
	for key := range ts.signees {
		if key > after {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	var next string
	if len(keys) > limit {
		keys = keys[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(keys[limit-1]))
	}
	out := make([]signing.Signee, len(keys))
	for i, key := range keys {
		out[i] = cloneSignee(*ts.signees[key])
	}
	return out, next, nil
}

// UpdateSignee applies t if signing.Plan allows it.
func (r *Repo) UpdateSignee(_ context.Context, k signing.TaskKey, key signing.SigneeKey, t signing.Transition) (signing.Signee, error) {
	if err := r.fail("UpdateSignee"); err != nil {
		return signing.Signee{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	subject := k.String() + "/" + string(key)
	s, err := r.signee(k, key)
	if err != nil {
		return signing.Signee{}, wrap("update signee", subject, err)
	}
	if !t.To.Valid() {
		return signing.Signee{}, wrap("update signee", subject, signing.Invalid("transition.to", "unknown status %q", t.To))
	}
	if t.To == signing.SigneeSigned {
		return signing.Signee{}, wrap("update signee", subject, signing.Invalid("transition.to", "signatures are recorded with RecordSignature"))
	}
	if t.At.IsZero() {
		t.At = r.now()
	}
	next, changed, err := s.Apply(t)
	if err != nil {
		return signing.Signee{}, wrap("update signee", subject, err)
	}
	if !changed {
		return cloneSignee(*s), nil
	}
	*s = next
	ts := r.tasks[k.Unqualified()]
	if t.To == signing.SigneeReceiptSent {
		delete(ts.receiptDue, key)
	}
	e := signing.AuditEntry{At: t.At.UTC(), Actor: "system", Action: "signee." + string(t.To), SigneeKey: key}
	if t.To == signing.SigneeFailed {
		e.Detail = t.Step + ": " + t.Reason
	}
	ts.addAudit(e, string(t.To))
	return cloneSignee(next), nil
}

// ChangeSignee applies change to the signee with its audit entry.
func (r *Repo) ChangeSignee(_ context.Context, k signing.TaskKey, key signing.SigneeKey, change signing.SigneeChange) (signing.Signee, error) {
	if err := r.fail("ChangeSignee"); err != nil {
		return signing.Signee{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	subject := k.String() + "/" + string(key)
	s, err := r.signee(k, key)
	if err != nil {
		return signing.Signee{}, wrap("change signee", subject, err)
	}
	next, changed, err := change.Apply(cloneSignee(*s))
	if err != nil {
		return signing.Signee{}, wrap("change signee", subject, err)
	}
	if !changed {
		return cloneSignee(*s), nil
	}
	*s = next
	e := change.Entry(key)
	r.tasks[k.Unqualified()].addAudit(e, strings.TrimPrefix(e.Action, "signee."))
	return cloneSignee(next), nil
}

// ExtendDeadline moves the deadline of a collecting task later.
func (r *Repo) ExtendDeadline(_ context.Context, k signing.TaskKey, deadline, at time.Time, actor string) (signing.Task, string, error) {
	if err := r.fail("ExtendDeadline"); err != nil {
		return signing.Task{}, "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k)
	if err != nil {
		return signing.Task{}, "", wrap("extend deadline", k, err)
	}
	if !ts.task.Status.Open() {
		return signing.Task{}, "", wrap("extend deadline", k, signing.ClosedError(ts.task.Status))
	}
	if !ts.task.Deadline.IsZero() && !deadline.After(ts.task.Deadline) {
		return signing.Task{}, "", wrap("extend deadline", k, signing.Invalid("deadline", "must be later than the current deadline"))
	}
	old := ts.task.Deadline
	ts.task.Deadline, ts.task.DeadlineExtendedAt = deadline.UTC(), at.UTC()
	ts.task.UpdatedAt = at.UTC()
	ts.task.Version++
	ts.addAudit(signing.AuditEntry{At: at.UTC(), Actor: actor, Action: "task.deadline-extended", Detail: signing.ExtensionDetail(old, deadline)}, "deadline-extended")
	return cloneTask(ts.task), ts.waitToken, nil
}

// SetRemindersDone moves RemindersDoneUntil forward to at.
func (r *Repo) SetRemindersDone(_ context.Context, k signing.TaskKey, at time.Time) error {
	if err := r.fail("SetRemindersDone"); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k)
	if err != nil {
		return wrap("set reminders done", k, err)
	}
	if at.After(ts.task.RemindersDoneUntil) {
		ts.task.RemindersDoneUntil = at.UTC()
		ts.task.Version++
	}
	return nil
}

// RecordSignature records sig atomically.
func (r *Repo) RecordSignature(_ context.Context, sig signing.Signature) (signing.RecordResult, error) {
	if err := r.fail("RecordSignature"); err != nil {
		return signing.RecordResult{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	subject := sig.Task.String() + "/" + string(sig.SigneeKey)
	if err := sig.Validate(); err != nil {
		return signing.RecordResult{}, wrap("record signature", subject, err)
	}
	ts, err := r.lookup(sig.Task)
	if err != nil {
		return signing.RecordResult{}, wrap("record signature", subject, err)
	}
	sig.Task = sig.Task.Unqualified()
	if !ts.task.Status.Open() {
		return signing.RecordResult{}, wrap("record signature", subject, signing.ClosedError(ts.task.Status))
	}
	s, ok := ts.signees[sig.SigneeKey]
	if !ok {
		return signing.RecordResult{}, wrap("record signature", subject, fmt.Errorf("signee: %w", signing.ErrNotFound))
	}
	if !slices.Contains(signing.Predecessors(signing.SigneeSigned), s.Status) {
		if s.Status.HasSigned() {
			return signing.RecordResult{}, wrap("record signature", subject, fmt.Errorf("signee has already signed: %w", signing.ErrConflict))
		}
		return signing.RecordResult{}, wrap("record signature", subject, fmt.Errorf("signee is %s and cannot sign: %w", s.Status, signing.ErrConflict))
	}
	gi := -1
	if sig.Group > 0 {
		gi = slices.IndexFunc(ts.task.Groups, func(g signing.GroupCount) bool { return g.Group == sig.Group })
		if gi < 0 {
			return signing.RecordResult{}, wrap("record signature", subject, fmt.Errorf("the task has no group %d: %w", sig.Group, signing.ErrConflict))
		}
		if ts.task.Groups[gi].Complete() {
			return signing.RecordResult{}, wrap("record signature", subject, fmt.Errorf("group %d: %w", sig.Group, signing.ErrSignatureNotNeeded))
		}
	}
	at := sig.SignedAt.UTC()
	sig.SignedAt = at
	ts.task.Counts.Signed++
	ts.task.Counts.Pending++
	if gi >= 0 {
		ts.task.Groups = slices.Clone(ts.task.Groups)
		ts.task.Groups[gi].Signed++
	}
	ts.task.Version++
	ts.task.UpdatedAt = at
	s.Status = signing.SigneeSigned
	s.SignedAt = at
	s.Version++
	ts.signatures[sig.SigneeKey] = cloneSignature(sig)
	ts.receiptDue[sig.SigneeKey] = true
	detail := ""
	if sig.OnBehalfOf != "" {
		detail = "on behalf of organisation " + sig.OnBehalfOf
	}
	ts.addAudit(signing.AuditEntry{At: at, Actor: sig.Signer.IdentityHash, Action: "signature.recorded", SigneeKey: sig.SigneeKey, Detail: detail}, string(signing.SigneeSigned))
	return signing.RecordResult{Task: cloneTask(ts.task), WaitToken: ts.waitToken}, nil
}

// RegisterWait stores the wait token if the task is collecting and nothing is pending.
func (r *Repo) RegisterWait(_ context.Context, k signing.TaskKey, token string) error {
	if err := r.fail("RegisterWait"); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := k.Validate(); err != nil {
		return wrap("register wait", k, err)
	}
	if token == "" {
		return wrap("register wait", k, signing.Invalid("token", "must be set"))
	}
	ts, err := r.lookup(k)
	if err != nil {
		return wrap("register wait", k, err)
	}
	if !ts.task.Status.Open() {
		return wrap("register wait", k, signing.ClosedError(ts.task.Status))
	}
	if ts.task.Counts.Pending != 0 {
		return wrap("register wait", k, fmt.Errorf("%d signatures pending: %w", ts.task.Counts.Pending, signing.ErrConflict))
	}
	ts.waitToken = token
	ts.task.Version++
	return nil
}

// TakePending resets the pending counter and lists the receipts due.
func (r *Repo) TakePending(_ context.Context, k signing.TaskKey) (signing.PendingBatch, error) {
	if err := r.fail("TakePending"); err != nil {
		return signing.PendingBatch{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k)
	if err != nil {
		return signing.PendingBatch{}, wrap("take pending", k, err)
	}
	batch := signing.PendingBatch{NeedReceipt: []signing.SigneeKey{}}
	for key := range ts.receiptDue {
		batch.NeedReceipt = append(batch.NeedReceipt, key)
	}
	for ok := range ts.owed {
		batch.NeedReceipt = append(batch.NeedReceipt, ok.signee)
	}
	slices.Sort(batch.NeedReceipt)
	batch.NeedReceipt = slices.Compact(batch.NeedReceipt)
	if ts.task.Counts.Pending != 0 || ts.waitToken != "" {
		ts.task.Counts.Pending = 0
		ts.waitToken = ""
		ts.task.Version++
	}
	batch.Task = cloneTask(ts.task)
	return batch, nil
}

// RegisterCompletionWait stores the completion token while the task is collecting.
func (r *Repo) RegisterCompletionWait(_ context.Context, k signing.TaskKey, token string) error {
	if err := r.fail("RegisterCompletionWait"); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := k.Validate(); err != nil {
		return wrap("register completion wait", k, err)
	}
	if token == "" {
		return wrap("register completion wait", k, signing.Invalid("token", "must be set"))
	}
	ts, err := r.lookup(k)
	if err != nil {
		return wrap("register completion wait", k, err)
	}
	if !ts.task.Status.Open() {
		return wrap("register completion wait", k, signing.ClosedError(ts.task.Status))
	}
	ts.completionToken = token
	ts.task.Version++
	return nil
}

// Complete moves the task to completed once everyone has signed.
func (r *Repo) Complete(_ context.Context, k signing.TaskKey, at time.Time, actor string) (string, error) {
	if err := r.fail("Complete"); err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k)
	if err != nil {
		return "", wrap("complete task", k, err)
	}
	if ts.task.Status == signing.TaskCompleted {
		return "", nil
	}
	if err := ts.task.CanComplete(); err != nil {
		return "", wrap("complete task", k, err)
	}
	if at.IsZero() {
		at = r.now()
	}
	token := ts.completionToken
	ts.finish(signing.TaskCompleted, at.UTC(), actor, "", nil)
	return token, nil
}

func (ts *taskState) finish(status signing.TaskStatus, at time.Time, actor, reason string, st *signing.Statement) {
	if actor == "" {
		actor = "system"
	}
	ts.task.Status = status
	ts.task.ClosedAt, ts.task.UpdatedAt = at, at
	ts.task.CloseReason = reason
	ts.task.Version++
	ts.completionToken = ""
	if status != signing.TaskCompleted {
		ts.waitToken = ""
	}
	if st != nil {
		ts.task.RejectedBy, ts.task.RejectReason = st.By, st.Reason
	}
	ts.addAudit(signing.AuditEntry{At: at, Actor: actor, Action: "task." + string(status), Detail: signing.CloseDetail(reason, st)}, string(status))
}

// Close rejects or expires the task and returns the tokens to fail.
func (r *Repo) Close(_ context.Context, k signing.TaskKey, status signing.TaskStatus, at time.Time, actor, reason string, statement ...signing.Statement) (signing.CloseResult, error) {
	if err := r.fail("Close"); err != nil {
		return signing.CloseResult{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := k.Validate(); err != nil {
		return signing.CloseResult{}, wrap("close task", k, err)
	}
	if !status.Closable() {
		return signing.CloseResult{}, wrap("close task", k, signing.Invalid("status", "must be %s, %s or %s", signing.TaskRejected, signing.TaskExpired, signing.TaskFailed))
	}
	ts, err := r.lookup(k)
	if err != nil {
		return signing.CloseResult{}, wrap("close task", k, err)
	}
	if ts.task.Status == status {
		return signing.CloseResult{Task: cloneTask(ts.task), Already: true}, nil
	}
	if !ts.task.Status.Open() {
		return signing.CloseResult{}, wrap("close task", k, signing.ClosedError(ts.task.Status))
	}
	if at.IsZero() {
		at = r.now()
	}
	res := signing.CloseResult{WaitToken: ts.waitToken, CompletionToken: ts.completionToken}
	var st *signing.Statement
	if len(statement) > 0 && status == signing.TaskRejected {
		st = &statement[0]
	}
	ts.finish(status, at.UTC(), actor, reason, st)
	res.Task = cloneTask(ts.task)
	return res, nil
}

// GetSignature returns the signature that fulfilled one signee.
func (r *Repo) GetSignature(_ context.Context, k signing.TaskKey, key signing.SigneeKey) (signing.Signature, error) {
	if err := r.fail("GetSignature"); err != nil {
		return signing.Signature{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	subject := k.String() + "/" + string(key)
	if _, err := r.signee(k, key); err != nil {
		return signing.Signature{}, wrap("get signature", subject, err)
	}
	sig, ok := r.lookupSignature(k, key)
	if !ok {
		return signing.Signature{}, wrap("get signature", subject, signing.ErrNotFound)
	}
	return cloneSignature(sig), nil
}

// lookupSignature returns the signature of a signee; the caller holds r.mu.
func (r *Repo) lookupSignature(k signing.TaskKey, key signing.SigneeKey) (signing.Signature, bool) {
	ts, err := r.lookup(k)
	if err != nil {
		return signing.Signature{}, false
	}
	sig, ok := ts.signatures[key]
	return sig, ok
}

// ListSignatures returns the signatures ordered by signee key.
func (r *Repo) ListSignatures(_ context.Context, k signing.TaskKey) ([]signing.Signature, error) {
	if err := r.fail("ListSignatures"); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k)
	if err != nil {
		return nil, wrap("list signatures", k, err)
	}
	keys := make([]signing.SigneeKey, 0, len(ts.signatures))
	for key := range ts.signatures {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	out := make([]signing.Signature, len(keys))
	for i, key := range keys {
		out[i] = cloneSignature(ts.signatures[key])
	}
	return out, nil
}

// pendingToken is where a PendingFor listing continues.
type pendingToken struct {
	Created time.Time         `json:"c"`
	GUID    string            `json:"i"`
	TaskID  string            `json:"t"`
	Signee  signing.SigneeKey `json:"s"`
}

func (p pendingToken) compare(q pendingToken) int {
	return cmp.Or(p.Created.Compare(q.Created), strings.Compare(p.GUID, q.GUID),
		strings.Compare(p.TaskID, q.TaskID), strings.Compare(string(p.Signee), string(q.Signee)))
}

// PendingFor lists open requests to identityHash on collecting tasks, oldest task first.
func (r *Repo) PendingFor(_ context.Context, identityHash string, page signing.Page) ([]signing.SigningRequest, string, error) {
	if err := r.fail("PendingFor"); err != nil {
		return nil, "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(identityHash) < 24 {
		return nil, "", wrap("pending for", "signer", signing.Invalid("identityHash", "must be a keyed hash"))
	}
	limit, err := pageLimit(page)
	if err != nil {
		return nil, "", wrap("pending for", "signer", err)
	}
	var after *pendingToken
	if page.Token != "" {
		var tok pendingToken
		b, err := base64.RawURLEncoding.DecodeString(page.Token)
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.GUID == "" || tok.Signee == "" {
			return nil, "", wrap("pending for", "signer", badToken())
		}
		after = &tok
	}
	type hit struct {
		pos pendingToken
		req signing.SigningRequest
	}
	var hits []hit
	for _, ts := range r.tasks {
		if !ts.task.Status.Open() {
			continue
		}
		for _, s := range ts.signees {
			if s.IdentityHash != identityHash || !openRequest(*s) {
				continue
			}
			pos := pendingToken{Created: ts.task.CreatedAt, GUID: ts.task.Key.InstanceGUID, TaskID: ts.task.Key.TaskID, Signee: s.Key}
			if after != nil && pos.compare(*after) <= 0 {
				continue
			}
			hits = append(hits, hit{pos: pos, req: signing.SigningRequest{
				Instance: ts.task.Instance, TaskID: ts.task.Key.TaskID, SigneeKey: s.Key, Kind: s.Kind,
				Status: s.Status, OrgNumber: s.OrgNumber, Deadline: ts.task.Deadline,
			}})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int { return a.pos.compare(b.pos) })
	var next string
	if len(hits) > limit {
		hits = hits[:limit]
		b, _ := json.Marshal(hits[limit-1].pos)
		next = base64.RawURLEncoding.EncodeToString(b)
	}
	out := make([]signing.SigningRequest, len(hits))
	for i, h := range hits {
		out[i] = h.req
	}
	return out, next, nil
}

// openRequest mirrors dynamo.OpenRequest: delegated and still able to sign.
func openRequest(s signing.Signee) bool {
	return !s.DelegatedAt.IsZero() && slices.Contains(signing.Predecessors(signing.SigneeSigned), s.Status)
}

// Audit returns the audit trail, oldest first.
func (r *Repo) Audit(_ context.Context, k signing.TaskKey) ([]signing.AuditEntry, error) {
	if err := r.fail("Audit"); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k)
	if err != nil {
		return nil, wrap("audit", k, err)
	}
	out := make([]signing.AuditEntry, len(ts.audit))
	for i, a := range ts.audit {
		out[i] = a.entry
	}
	return out, nil
}

// AuditPage returns a page of the audit trail, oldest first; the cursor
// is the index of the page's first entry.
func (r *Repo) AuditPage(ctx context.Context, k signing.TaskKey, cursor string, limit int) ([]signing.AuditEntry, string, error) {
	if err := r.fail("AuditPage"); err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		return nil, "", signing.Invalid("limit", "must be positive")
	}
	all, err := r.Audit(ctx, k)
	if err != nil {
		return nil, "", err
	}
	slices.SortStableFunc(all, func(a, b signing.AuditEntry) int { return a.At.Compare(b.At) })
	from := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n <= 0 || n > len(all) {
			return nil, "", signing.Invalid("next", "is not a token this listing returned")
		}
		from = n
	}
	end := min(from+limit, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return slices.Clone(all[from:end]), next, nil
}

func cloneTask(t signing.Task) signing.Task {
	t.Config.DataTypesToSign = slices.Clone(t.Config.DataTypesToSign)
	t.Config.UniqueFromSignaturesInDataTypes = slices.Clone(t.Config.UniqueFromSignaturesInDataTypes)
	t.Config.CorrespondenceResources = slices.Clone(t.Config.CorrespondenceResources)
	return t
}

func cloneSignee(s signing.Signee) signing.Signee {
	s.AdditionalActions = slices.Clone(s.AdditionalActions)
	s.Communication.TextArgs = slices.Clone(s.Communication.TextArgs)
	return s
}

func cloneSignature(s signing.Signature) signing.Signature {
	s.Digests = slices.Clone(s.Digests)
	return s
}

// OwedReceipts lists the receipts owed for signatures of earlier attempts.
func (r *Repo) OwedReceipts(_ context.Context, k signing.TaskKey) ([]signing.OwedReceipt, error) {
	if err := r.fail("OwedReceipts"); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k)
	if err != nil {
		return nil, wrap("owed receipts", k, err)
	}
	out := make([]signing.OwedReceipt, 0, len(ts.owed))
	for _, o := range ts.owed {
		o.Signature = cloneSignature(o.Signature)
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b signing.OwedReceipt) int {
		if c := strings.Compare(string(a.Signature.SigneeKey), string(b.Signature.SigneeKey)); c != 0 {
			return c
		}
		return a.Attempt - b.Attempt
	})
	return out, nil
}

// SettleOwedReceipt removes an owed receipt once it is sent.
func (r *Repo) SettleOwedReceipt(_ context.Context, k signing.TaskKey, signee signing.SigneeKey, attempt int) error {
	if err := r.fail("SettleOwedReceipt"); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, err := r.lookup(k)
	if err != nil {
		return wrap("settle owed receipt", k, err)
	}
	if _, ok := ts.owed[owedKey{signee, attempt}]; ok {
		delete(ts.owed, owedKey{signee, attempt})
		ts.addAudit(signing.AuditEntry{At: r.now(), Actor: "system", Action: "receipt.owed_sent", SigneeKey: signee, Detail: fmt.Sprintf("attempt %d", attempt)}, "owed_sent_"+strconv.Itoa(attempt))
	}
	return nil
}

// ReplaceSignee replaces signee old by next in one step (see
// signing.Repository.ReplaceSignee).
func (r *Repo) ReplaceSignee(_ context.Context, k signing.TaskKey, old signing.SigneeKey, next signing.Signee, entry signing.AuditEntry) (signing.RecordResult, error) {
	if err := r.fail("ReplaceSignee"); err != nil {
		return signing.RecordResult{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	subject := k.String() + "/" + string(old)
	if err := next.Validate(); err != nil {
		return signing.RecordResult{}, wrap("replace signee", subject, err)
	}
	s, err := r.signee(k, old)
	if err != nil {
		return signing.RecordResult{}, wrap("replace signee", subject, err)
	}
	ts := r.tasks[k.Unqualified()]
	if !ts.task.Status.Open() {
		return signing.RecordResult{}, wrap("replace signee", subject, signing.ClosedError(ts.task.Status))
	}
	if !slices.Contains(signing.Predecessors(signing.SigneeReplaced), s.Status) {
		return signing.RecordResult{}, wrap("replace signee", subject, fmt.Errorf("signee is %s and cannot be replaced: %w", s.Status, signing.ErrConflict))
	}
	if _, dup := ts.signees[next.Key]; dup {
		return signing.RecordResult{}, wrap("replace signee", subject, fmt.Errorf("%s is already a signee of the task: %w", next.Key, signing.ErrConflict))
	}
	if ts.task.GroupComplete(s.Group) {
		return signing.RecordResult{}, wrap("replace signee", subject, fmt.Errorf("the signee's group has the signatures it requires: %w", signing.ErrConflict))
	}
	at := entry.At.UTC()
	s.Status, s.ReplacedBy = signing.SigneeReplaced, next.Key
	s.Version++
	n := cloneSignee(next)
	ts.signees[next.Key] = &n
	ts.task.Replacements++
	ts.task.Counts.Pending++
	ts.task.Version++
	ts.task.UpdatedAt = at
	ts.addAudit(entry, "replaced")
	return signing.RecordResult{Task: cloneTask(ts.task), WaitToken: ts.waitToken}, nil
}

package faults_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/memrepo"
)

// kind is a fault kind, a column of the matrix.
type kind string

const (
	transient kind = "transient"
	timeout   kind = "timeout"
	crash     kind = "crash"
	throttle  kind = "throttle"
)

var kinds = []kind{transient, timeout, crash, throttle}

// position is where, relative to the boundary's effect, the fault strikes.
type position string

const (
	beforeEffect position = "before"
	afterEffect  position = "after-effect"
	afterState   position = "after-state"
)

// class is what kind of boundary a call is; it decides which faults apply.
type class string

const (
	classPlatform class = "platform"
	classWorkflow class = "workflow"
	classRepo     class = "repo"
)

// Boundaries that are not emulator operations.
const (
	opResume         = "workflow.resume"
	opFail           = "workflow.fail"
	repoPrefix       = "repo."
	opCreateTask     = repoPrefix + "CreateTask"
	opRestartTask    = repoPrefix + "RestartTask"
	opSetExecution   = repoPrefix + "SetExecution"
	opUpdateSignee   = repoPrefix + "UpdateSignee"
	opRecordSign     = repoPrefix + "RecordSignature"
	opTakePending    = repoPrefix + "TakePending"
	opClose          = repoPrefix + "Close"
	opComplete       = repoPrefix + "Complete"
	opRegisterWait   = repoPrefix + "RegisterWait"
	opCompletionWait = repoPrefix + "RegisterCompletionWait"
	opSettleOwed     = repoPrefix + "SettleOwedReceipt"
	opBeginRelease   = repoPrefix + "BeginRelease"
	opEndRelease     = repoPrefix + "EndRelease"
	opChangeSignee   = repoPrefix + "ChangeSignee"
	opReplaceSignee  = repoPrefix + "ReplaceSignee"
	opRemindersDone  = repoPrefix + "SetRemindersDone"
	opExtendDeadline = repoPrefix + "ExtendDeadline"
)

// reads are the platform calls without an effect.
var reads = map[string]bool{
	emulator.OpGetInstance: true, emulator.OpReadData: true,
	emulator.OpLookupPerson: true, emulator.OpLookupOrganisation: true, emulator.OpDecide: true, emulator.OpGetParty: true,
}

// classOf returns the class of a boundary.
func classOf(op string) class {
	switch {
	case op == opResume || op == opFail:
		return classWorkflow
	case len(op) > len(repoPrefix) && op[:len(repoPrefix)] == repoPrefix:
		return classRepo
	}
	return classPlatform
}

// fault is one fault to inject: at the nth call of boundary in step
// (counted over the run, so over signees and retries).
type fault struct {
	step, boundary string
	nth            int
	kind           kind
	pos            position
	// status is the emulator's answer for a transient platform fault before the effect (503 or 429).
	status int
}

// variants returns the faults that apply to the nth call of a boundary.
func variants(step, boundary string, nth int) []fault {
	c := classOf(boundary)
	var out []fault
	add := func(k kind, p position, status int) {
		out = append(out, fault{step: step, boundary: boundary, nth: nth, kind: k, pos: p, status: status})
	}
	switch c {
	case classRepo:
		for _, k := range kinds {
			add(k, beforeEffect, 0)
			add(k, afterEffect, 0)
		}
	case classPlatform:
		// A read has no effect: a fault after it is the same as one before it.
		positions := []position{beforeEffect, afterEffect, afterState}
		if reads[boundary] {
			positions = []position{beforeEffect, afterState}
		}
		add(transient, beforeEffect, 503)
		add(transient, beforeEffect, 429)
		if !reads[boundary] {
			add(transient, afterEffect, 503)
		}
		add(transient, afterState, 0)
		for _, k := range []kind{timeout, crash} {
			for _, p := range positions {
				add(k, p, 0)
			}
		}
	default:
		for _, k := range []kind{transient, timeout, crash} {
			for _, p := range []position{beforeEffect, afterEffect, afterState} {
				add(k, p, 0)
			}
		}
	}
	return out
}

// errDied is what every call returns once the step's process has died; the
// driver discards the step's result.
var errDied = errors.New("faults: the step's process died")

// The platform clients' timeout: short in a run whose fault is a timeout on
// the wire (the emulator's delay, slowLatencyMs, exceeds it well), generous
// in the others, so a slow machine does not add timeouts of its own.
const (
	shortTimeout  = 100 * time.Millisecond
	slowLatencyMs = 1000
	longTimeout   = 10 * time.Second
)

// clientTimeout returns the platform clients' timeout for a run with plan.
func clientTimeout(plan *fault) time.Duration {
	if plan != nil && plan.kind == timeout && plan.pos == beforeEffect && classOf(plan.boundary) == classPlatform {
		return shortTimeout
	}
	return longTimeout
}

// world stands between the service and everything it changes: the
// platform clients, SQS, Step Functions and the repository. It injects one
// fault and records which boundaries each step calls.
type world struct {
	emu *emulator.Emulator

	mu   sync.Mutex
	step string
	// plan is the fault to inject; fired is set once it has been.
	plan  *fault
	fired bool
	// dead means the current step's process died: nothing it does takes effect.
	dead bool
	// dieAtWrite makes the process die right after the step's next state write.
	dieAtWrite bool
	// repoErr is returned by the next repository call through memrepo.Err.
	repoErr error
	// calls counts calls per "step\x00boundary"; order lists them as first seen.
	calls map[string]int
	order [][2]string
	// deaths counts step invocations whose process died.
	deaths int
}

func newWorld(emu *emulator.Emulator, plan *fault) *world {
	return &world{emu: emu, plan: plan, calls: map[string]int{}}
}

// begin starts a step invocation.
func (w *world) begin(step string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.step, w.dead, w.dieAtWrite = step, false, false
}

// end ends the invocation and reports whether its process died (its result is lost).
func (w *world) end() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	died := w.dead || w.dieAtWrite
	w.dead, w.dieAtWrite = false, false
	if died {
		w.deaths++
	}
	return died
}

// Deaths returns how many step invocations died.
func (w *world) Deaths() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.deaths
}

// Fired reports whether the planned fault was injected.
func (w *world) Fired() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired
}

// Boundaries returns the (step, boundary) pairs seen, in order.
func (w *world) Boundaries() [][2]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.order)
}

// Calls returns how often step called boundary.
func (w *world) Calls(step, boundary string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls[step+"\x00"+boundary]
}

// takeRepoErr is memrepo.Err: it returns the pending repository fault once.
func (w *world) takeRepoErr(string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.repoErr
	w.repoErr = nil
	return err
}

// injected returns the error the caller of boundary sees for a fault of kind k.
func injected(boundary string, k kind) error {
	switch classOf(boundary) {
	case classPlatform:
		te := &platform.TransientError{Service: "injected", Operation: boundary, Code: "InjectedFault"}
		switch k {
		case timeout:
			te.Code, te.Detail, te.Err = "Timeout", "no response within the client timeout", context.DeadlineExceeded
		default:
			te.Status, te.Detail = 503, "the answer was lost after the call took effect"
		}
		return te
	case classWorkflow:
		if k == timeout {
			return fmt.Errorf("workflow: %s: %w", boundary, context.DeadlineExceeded)
		}
		return fmt.Errorf("workflow: %s: %w: ThrottlingException", boundary, signing.ErrTransient)
	}
	switch k {
	case timeout:
		return fmt.Errorf("dynamo: %s: operation error DynamoDB: %w", boundary, context.DeadlineExceeded)
	case throttle:
		return fmt.Errorf("dynamo: %s: %w: ProvisionedThroughputExceededException", boundary, signing.ErrTransient)
	}
	return fmt.Errorf("dynamo: %s: %w: InternalServerError", boundary, signing.ErrTransient)
}

// around runs call, the effect of boundary, with the planned fault if this
// is its first call in the planned step. write marks a state write.
func (w *world) around(boundary string, write bool, call func() error) error {
	w.mu.Lock()
	if w.dead {
		w.mu.Unlock()
		return errDied
	}
	key := w.step + "\x00" + boundary
	if w.calls[key] == 0 {
		w.order = append(w.order, [2]string{w.step, boundary})
	}
	w.calls[key]++
	var f *fault
	if !w.fired && w.plan != nil && w.plan.step == w.step && w.plan.boundary == boundary && w.plan.nth == w.calls[key] {
		w.fired, f = true, w.plan
	}
	w.mu.Unlock()
	if f == nil {
		return w.committed(write, call())
	}
	switch f.pos {
	case beforeEffect:
		switch {
		case f.kind == crash:
			w.die()
			return errDied
		case classOf(boundary) == classPlatform:
			// A real fault on the wire: the emulator answers it instead of handling the call.
			ef := emulator.Fault{Operation: boundary, Status: f.status, Count: 1}
			if f.status == 429 {
				ef.RetryAfterSeconds = 1
			}
			if f.kind == timeout {
				ef = emulator.Fault{Operation: boundary, LatencyMs: slowLatencyMs, Count: 1}
			}
			if err := w.emu.InjectFault(ef); err != nil {
				panic(err)
			}
			return w.committed(write, call())
		case classOf(boundary) == classRepo:
			w.mu.Lock()
			w.repoErr = injected(boundary, f.kind)
			w.mu.Unlock()
			return call()
		}
		return injected(boundary, f.kind)
	case afterEffect:
		if err := call(); err != nil {
			return err
		}
		if f.kind == crash {
			w.die()
			return errDied
		}
		return injected(boundary, f.kind)
	}
	// afterState: the effect stands; the process dies after the next state write.
	if err := call(); err != nil {
		return err
	}
	w.mu.Lock()
	w.dieAtWrite = true
	w.mu.Unlock()
	return w.committed(write, nil)
}

// committed applies a pending death after a successful state write.
func (w *world) committed(write bool, err error) error {
	if !write || err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dieAtWrite {
		w.dieAtWrite, w.dead = false, true
		return errDied
	}
	return nil
}

func (w *world) die() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dead = true
}

// alive fails a call without effect once the process died.
func (w *world) alive() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dead {
		return errDied
	}
	return nil
}

// storage is signing.Storage through the world.
type storage struct {
	w    *world
	next signing.Storage
}

func (s storage) GetInstance(ctx context.Context, ref signing.InstanceRef) (out signing.Instance, err error) {
	err = s.w.around(emulator.OpGetInstance, false, func() (e error) { out, e = s.next.GetInstance(ctx, ref); return e })
	return out, err
}

func (s storage) ReadData(ctx context.Context, ref signing.InstanceRef, id string) (rc io.ReadCloser, el signing.DataElement, err error) {
	err = s.w.around(emulator.OpReadData, false, func() (e error) { rc, el, e = s.next.ReadData(ctx, ref, id); return e })
	if err != nil && rc != nil {
		rc.Close()
		rc = nil
	}
	return rc, el, err
}

func (s storage) Sign(ctx context.Context, token string, ref signing.InstanceRef, in signing.StorageSign) error {
	return s.w.around(emulator.OpSign, false, func() error { return s.next.Sign(ctx, token, ref, in) })
}

func (s storage) CreateData(ctx context.Context, ref signing.InstanceRef, nd signing.NewDataElement) (out signing.DataElement, err error) {
	err = s.w.around(emulator.OpCreateData, false, func() (e error) { out, e = s.next.CreateData(ctx, ref, nd); return e })
	return out, err
}

// access is signing.AccessManagement through the world.
type access struct {
	w    *world
	next signing.AccessManagement
}

func (a access) Delegate(ctx context.Context, d signing.Delegation) error {
	return a.w.around(emulator.OpDelegate, false, func() error { return a.next.Delegate(ctx, d) })
}

func (a access) Revoke(ctx context.Context, d signing.Delegation) error {
	return a.w.around(emulator.OpRevoke, false, func() error { return a.next.Revoke(ctx, d) })
}

// correspondence is signing.Correspondence through the world.
type correspondence struct {
	w    *world
	next signing.Correspondence
}

func (c correspondence) Send(ctx context.Context, m signing.Message) (id string, err error) {
	err = c.w.around(emulator.OpSend, false, func() (e error) { id, e = c.next.Send(ctx, m); return e })
	return id, err
}

// register is signing.Register through the world.
type register struct {
	w    *world
	next signing.Register
}

func (r register) LookupPerson(ctx context.Context, id ident.NationalID) (p signing.Party, err error) {
	err = r.w.around(emulator.OpLookupPerson, false, func() (e error) { p, e = r.next.LookupPerson(ctx, id); return e })
	return p, err
}

func (r register) LookupOrganisation(ctx context.Context, org ident.OrgNumber) (p signing.Party, err error) {
	err = r.w.around(emulator.OpLookupOrganisation, false, func() (e error) { p, e = r.next.LookupOrganisation(ctx, org); return e })
	return p, err
}

func (r register) GetParty(ctx context.Context, partyID int64) (p signing.Party, err error) {
	err = r.w.around(emulator.OpGetParty, false, func() (e error) { p, e = r.next.GetParty(ctx, partyID); return e })
	return p, err
}

// authorization is the decision point; only the API asks it.
type authorization struct {
	w    *world
	next signing.Authorization
}

func (a authorization) KeyRoleOrganisations(ctx context.Context, userID string, orgs []ident.OrgNumber) (out []ident.OrgNumber, err error) {
	err = a.w.around(emulator.OpDecide, false, func() (e error) { out, e = a.next.KeyRoleOrganisations(ctx, userID, orgs); return e })
	return out, err
}

// workflow is signing.Workflow: Step Functions callbacks through the world.
type workflow struct {
	w  *world
	mu sync.Mutex
	// wakes are the callbacks that took effect, in order.
	wakes []wake
}

// wake is one callback: a resume (SendTaskSuccess) when error is "", else
// a fail (SendTaskFailure) with that error name.
type wake struct{ token, error string }

func (f *workflow) Resume(_ context.Context, token string, _ any) error {
	return f.w.around(opResume, false, func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.wakes = append(f.wakes, wake{token: token})
		return nil
	})
}

func (f *workflow) Fail(_ context.Context, token, name, _ string) error {
	return f.w.around(opFail, false, func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.wakes = append(f.wakes, wake{token: token, error: name})
		return nil
	})
}

// woken returns the first callback for token, as Step Functions takes the
// first and refuses the later ones; false when none took effect.
func (f *workflow) woken(token string) (wake, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, w := range f.wakes {
		if w.token == token {
			return w, true
		}
	}
	return wake{}, false
}

// repo is the repository through the world: writes are boundaries; reads
// only fail once the process died.
type repo struct {
	w    *world
	next *memrepo.Repo
}

var _ signing.Repository = repo{}

func (r repo) write(op string, call func() error) error { return r.w.around(op, true, call) }

func (r repo) CreateTask(ctx context.Context, task signing.Task, signees []signing.Signee) error {
	return r.write(opCreateTask, func() error { return r.next.CreateTask(ctx, task, signees) })
}

func (r repo) RestartTask(ctx context.Context, task signing.Task, signees []signing.Signee, previous int) error {
	return r.write(opRestartTask, func() error { return r.next.RestartTask(ctx, task, signees, previous) })
}

func (r repo) GetTask(ctx context.Context, key signing.TaskKey) (signing.Task, error) {
	if err := r.w.alive(); err != nil {
		return signing.Task{}, err
	}
	return r.next.GetTask(ctx, key)
}

func (r repo) SetExecution(ctx context.Context, key signing.TaskKey, arn string) error {
	return r.write(opSetExecution, func() error { return r.next.SetExecution(ctx, key, arn) })
}

func (r repo) GetSignee(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey) (signing.Signee, error) {
	if err := r.w.alive(); err != nil {
		return signing.Signee{}, err
	}
	return r.next.GetSignee(ctx, key, sk)
}

func (r repo) ListSignees(ctx context.Context, key signing.TaskKey, page signing.Page) ([]signing.Signee, string, error) {
	if err := r.w.alive(); err != nil {
		return nil, "", err
	}
	return r.next.ListSignees(ctx, key, page)
}

func (r repo) UpdateSignee(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey, t signing.Transition) (out signing.Signee, err error) {
	err = r.write(opUpdateSignee, func() (e error) { out, e = r.next.UpdateSignee(ctx, key, sk, t); return e })
	return out, err
}

func (r repo) RecordSignature(ctx context.Context, sig signing.Signature) (out signing.RecordResult, err error) {
	err = r.write(opRecordSign, func() (e error) { out, e = r.next.RecordSignature(ctx, sig); return e })
	return out, err
}

func (r repo) RegisterWait(ctx context.Context, key signing.TaskKey, token string) error {
	return r.write(opRegisterWait, func() error { return r.next.RegisterWait(ctx, key, token) })
}

func (r repo) TakePending(ctx context.Context, key signing.TaskKey) (out signing.PendingBatch, err error) {
	err = r.write(opTakePending, func() (e error) { out, e = r.next.TakePending(ctx, key); return e })
	return out, err
}

func (r repo) RegisterCompletionWait(ctx context.Context, key signing.TaskKey, token string) error {
	return r.write(opCompletionWait, func() error { return r.next.RegisterCompletionWait(ctx, key, token) })
}

func (r repo) Complete(ctx context.Context, key signing.TaskKey, at time.Time, actor string) (token string, err error) {
	err = r.write(opComplete, func() (e error) { token, e = r.next.Complete(ctx, key, at, actor); return e })
	return token, err
}

func (r repo) Close(ctx context.Context, key signing.TaskKey, status signing.TaskStatus, at time.Time, actor, reason string, st ...signing.Statement) (out signing.CloseResult, err error) {
	err = r.write(opClose, func() (e error) { out, e = r.next.Close(ctx, key, status, at, actor, reason, st...); return e })
	return out, err
}

func (r repo) GetSignature(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey) (signing.Signature, error) {
	if err := r.w.alive(); err != nil {
		return signing.Signature{}, err
	}
	return r.next.GetSignature(ctx, key, sk)
}

func (r repo) ListSignatures(ctx context.Context, key signing.TaskKey) ([]signing.Signature, error) {
	if err := r.w.alive(); err != nil {
		return nil, err
	}
	return r.next.ListSignatures(ctx, key)
}

func (r repo) PendingFor(ctx context.Context, hash string, page signing.Page) ([]signing.SigningRequest, string, error) {
	if err := r.w.alive(); err != nil {
		return nil, "", err
	}
	return r.next.PendingFor(ctx, hash, page)
}

func (r repo) Audit(ctx context.Context, key signing.TaskKey) ([]signing.AuditEntry, error) {
	if err := r.w.alive(); err != nil {
		return nil, err
	}
	return r.next.Audit(ctx, key)
}

func (r repo) AuditPage(ctx context.Context, key signing.TaskKey, cursor string, limit int) ([]signing.AuditEntry, string, error) {
	if err := r.w.alive(); err != nil {
		return nil, "", err
	}
	return r.next.AuditPage(ctx, key, cursor, limit)
}

func (r repo) OwedReceipts(ctx context.Context, key signing.TaskKey) ([]signing.OwedReceipt, error) {
	if err := r.w.alive(); err != nil {
		return nil, err
	}
	return r.next.OwedReceipts(ctx, key)
}

func (r repo) ChangeSignee(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey, c signing.SigneeChange) (out signing.Signee, err error) {
	err = r.write(opChangeSignee, func() (e error) { out, e = r.next.ChangeSignee(ctx, key, sk, c); return e })
	return out, err
}

func (r repo) ReplaceSignee(ctx context.Context, key signing.TaskKey, old signing.SigneeKey, next signing.Signee, e signing.AuditEntry) (out signing.RecordResult, err error) {
	err = r.write(opReplaceSignee, func() (e2 error) { out, e2 = r.next.ReplaceSignee(ctx, key, old, next, e); return e2 })
	return out, err
}

func (r repo) ExtendDeadline(ctx context.Context, key signing.TaskKey, deadline, at time.Time, actor string) (task signing.Task, token string, err error) {
	err = r.write(opExtendDeadline, func() (e error) { task, token, e = r.next.ExtendDeadline(ctx, key, deadline, at, actor); return e })
	return task, token, err
}

func (r repo) SetRemindersDone(ctx context.Context, key signing.TaskKey, at time.Time) error {
	return r.write(opRemindersDone, func() error { return r.next.SetRemindersDone(ctx, key, at) })
}

func (r repo) BeginRelease(ctx context.Context, key signing.TaskKey, until time.Time) error {
	return r.write(opBeginRelease, func() error { return r.next.BeginRelease(ctx, key, until) })
}

func (r repo) EndRelease(ctx context.Context, key signing.TaskKey, until time.Time) error {
	return r.write(opEndRelease, func() error { return r.next.EndRelease(ctx, key, until) })
}

func (r repo) SettleOwedReceipt(ctx context.Context, key signing.TaskKey, sk signing.SigneeKey, attempt int) error {
	return r.write(opSettleOwed, func() error { return r.next.SettleOwedReceipt(ctx, key, sk, attempt) })
}

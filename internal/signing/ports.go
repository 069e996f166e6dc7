package signing

import (
	"context"
	"time"
)

// Page asks for one page of a listing.
type Page struct {
	// Limit is the most items to return; 0 means the adapter's default.
	Limit int
	// Token continues a previous listing; empty starts at the beginning.
	Token string
}

// RecordResult is what recording a signature returns.
type RecordResult struct {
	// Task is the task after the signature was counted.
	Task Task
	// WaitToken is the stored workflow token to resume, or empty if none was waiting.
	WaitToken string
}

// PendingBatch is what taking pending signatures returns.
type PendingBatch struct {
	// Task is the task after the pending counter was reset.
	Task Task
	// NeedReceipt are the signees that have signed and not yet had a receipt.
	NeedReceipt []SigneeKey
}

// CloseResult is what rejecting or expiring a task returns.
type CloseResult struct {
	// Task is the closed task.
	Task Task
	// WaitToken and CompletionToken are the stored workflow tokens to fail, if any.
	WaitToken       string
	CompletionToken string
	// Already is true when the task was closed with the same outcome before;
	// the tokens are then empty and only the revocations are repeated.
	Already bool
}

// OwedReceipt is a receipt still owed for a signature of an earlier attempt
// of the task: the restart that replaced the attempt kept it, with a copy of
// the signature, so what was answered 200 is still sent.
type OwedReceipt struct {
	// Attempt is the attempt the signature was recorded in; the receipt's
	// idempotency key carries it.
	Attempt   int       `json:"attempt"`
	Signature Signature `json:"signature"`
}

// AuditEntry is one line of a task's append-only audit trail. It never holds
// a raw national ID: actors are keyed hashes or "system".
type AuditEntry struct {
	At time.Time `json:"at"`
	// Actor is the identity hash of the person who acted, or "system".
	Actor string `json:"actor"`
	// Action is what happened, e.g. "task.created", "signee.delegated", "signature.recorded".
	Action    string    `json:"action"`
	SigneeKey SigneeKey `json:"signeeKey,omitempty"`
	// Detail is a short note without a national ID, token or free text: at
	// most the masked form of an identity (as signee.replaced names both).
	Detail string `json:"detail,omitempty"`
}

// SigningRequest is one open request to sign, as listed for a signer.
type SigningRequest struct {
	Instance  InstanceRef  `json:"instance"`
	TaskID    string       `json:"taskId"`
	SigneeKey SigneeKey    `json:"signeeKey"`
	Kind      SigneeKind   `json:"kind"`
	Status    SigneeStatus `json:"status"`
	// OrgNumber is set when the request is addressed to an organisation.
	OrgNumber string    `json:"orgNumber,omitempty"`
	Deadline  time.Time `json:"deadline,omitzero"`
}

// Repository keeps signing state. Every method is safe to repeat: state
// changes are conditional writes, and a repeated call either changes nothing
// or reports ErrConflict. Methods return ErrNotFound for an unknown task or
// signee.
//
// A key qualified with an attempt (TaskKey.Attempt, a workflow step's)
// makes every read and write of a method conditional on it: when the stored
// task is at a later attempt, or a restart to one is under way, the method
// changes nothing and returns ErrSuperseded; signees of another attempt are
// not the key's (ErrNotFound, left out of listings).
type Repository interface {
	// CreateTask stores a task with its signees. Repeating it with the same
	// task (same config digest) and the same signee keys changes nothing and
	// returns nil; with different input it returns ErrConflict.
	CreateTask(ctx context.Context, task Task, signees []Signee) error
	// GetTask returns the task.
	GetTask(ctx context.Context, key TaskKey) (Task, error)
	// SetExecution records the workflow execution that runs the task, once.
	SetExecution(ctx context.Context, key TaskKey, executionARN string) error
	// GetSignee returns one signee of the task.
	GetSignee(ctx context.Context, key TaskKey, signee SigneeKey) (Signee, error)
	// ListSignees returns one page of the task's signees in a stable order.
	ListSignees(ctx context.Context, key TaskKey, page Page) (signees []Signee, next string, err error)
	// UpdateSignee applies t conditionally on the signee's current status (see
	// Plan). A repeated or overtaken transition returns the signee unchanged.
	UpdateSignee(ctx context.Context, key TaskKey, signee SigneeKey, t Transition) (Signee, error)
	// RecordSignature records sig in one atomic write: the task is still
	// collecting, the signee has not signed, the signature item is created,
	// the signee becomes signed and the task's signed and pending counters
	// grow by one. A second signature for the same signee is ErrConflict; a
	// closed task is ErrTaskClosed.
	RecordSignature(ctx context.Context, sig Signature) (RecordResult, error)
	// RegisterWait stores the workflow's wait token only if the task is
	// collecting and nothing is pending; otherwise ErrConflict (pending) or
	// ErrTaskClosed. So a signature can never slip between check and wait.
	RegisterWait(ctx context.Context, key TaskKey, token string) error
	// TakePending resets the pending counter by what it has seen and lists the
	// signees that still need a receipt.
	TakePending(ctx context.Context, key TaskKey) (PendingBatch, error)
	// RegisterCompletionWait stores the token that the submitter's completion
	// resumes, only while the task is collecting.
	RegisterCompletionWait(ctx context.Context, key TaskKey, token string) error
	// Complete moves the task to completed if every signee has signed and
	// returns the stored completion token, if any.
	Complete(ctx context.Context, key TaskKey, at time.Time, actor string) (completionToken string, err error)
	// Close rejects or expires the task if it is collecting and returns the
	// tokens to fail. Repeating it with the same outcome returns Already.
	// reason has no personal data; a statement (at most one) records who
	// rejected and the reason they gave (Task.RejectedBy, RejectReason).
	Close(ctx context.Context, key TaskKey, status TaskStatus, at time.Time, actor, reason string, statement ...Statement) (CloseResult, error)
	// GetSignature returns the signature that fulfilled one signee.
	GetSignature(ctx context.Context, key TaskKey, signee SigneeKey) (Signature, error)
	// ListSignatures returns the task's signatures.
	ListSignatures(ctx context.Context, key TaskKey) ([]Signature, error)
	// PendingFor lists the open signing requests addressed to an identity hash.
	PendingFor(ctx context.Context, identityHash string, page Page) (reqs []SigningRequest, next string, err error)
	// Audit returns the task's audit trail, oldest first.
	Audit(ctx context.Context, key TaskKey) ([]AuditEntry, error)
	// AuditPage returns up to limit entries of the task's audit trail,
	// oldest first, from where cursor (one it returned; "" for the
	// start) left off, and the cursor of the rest ("" at the end). It
	// reads only the page, so listing a long trail page by page reads it
	// once. A cursor it did not return is Invalid("next", …); a task
	// without a trail is ErrNotFound.
	AuditPage(ctx context.Context, key TaskKey, cursor string, limit int) (entries []AuditEntry, next string, err error)
	// RestartTask replaces attempt previousAttempt of task.Key, which must be
	// rejected, expired or failed, with task (attempt task.Attempt > previousAttempt,
	// collecting, fresh counters, no tokens, no execution) and signees (all
	// resolved, as for CreateTask). The old attempt's signees, signatures
	// and receipt-due markers (and their index entries) are removed, except
	// that a receipt still due becomes an owed receipt (OwedReceipts) with a
	// copy of its signature, kept until it is settled; the
	// audit trail is kept and gains a "task.restarted" entry. The old
	// attempt's sign documents in platform storage stay its record.
	//
	// It is safe to repeat and to resume: a repeat with the same input
	// after a partial or complete restart finishes it and returns nil; the
	// same attempt with another configuration or set of signees is
	// ErrConflict. A task that is collecting or completed, or whose
	// attempt is not previousAttempt, is ErrConflict; an unknown task is
	// ErrNotFound. A half-done restart never looks collecting: the task
	// keeps its closed status until the new signees are all written.
	RestartTask(ctx context.Context, task Task, signees []Signee, previousAttempt int) error
	// ChangeSignee applies change to the signee of key's attempt with its
	// audit entry in one write, and returns the signee after it (as it was
	// when change reports nothing to write). It is refused as the change
	// refuses; an unknown signee is ErrNotFound.
	ChangeSignee(ctx context.Context, key TaskKey, sk SigneeKey, change SigneeChange) (Signee, error)
	// ReplaceSignee replaces signee old of a collecting task (at key's
	// attempt) by next in one write: old becomes replaced (ReplacedBy
	// next.Key) if it may (it has not signed: Predecessors(SigneeReplaced)),
	// next is stored as a new signee of the attempt (its key must be new),
	// the task's Replacements and Pending grow by one (so a workflow about
	// to wait looks again), and entry is audited. It returns the task after
	// the write and its stored wait token. A signee that may not be
	// replaced, a key already a signee's, or a task no longer collecting is
	// ErrConflict; an unknown old signee ErrNotFound.
	ReplaceSignee(ctx context.Context, key TaskKey, old SigneeKey, next Signee, entry AuditEntry) (RecordResult, error)
	// ExtendDeadline moves the deadline of key's attempt to deadline, which
	// must be later than the current one, while the task is collecting, with
	// the "task.deadline-extended" audit entry; it records at as
	// DeadlineExtendedAt and returns the task and the stored wait token (to
	// wake the workflow's wait, as a signature does).
	ExtendDeadline(ctx context.Context, key TaskKey, deadline, at time.Time, actor string) (task Task, waitToken string, err error)
	// SetRemindersDone moves the task's RemindersDoneUntil forward to at (a
	// later value stays), conditional on key's attempt.
	SetRemindersDone(ctx context.Context, key TaskKey, at time.Time) error
	// BeginRelease records on the task item that a step of key's attempt
	// (qualified) begins revoking its delegations, which can reach access
	// management until until (Task.ReleaseUntil, ReleaseAttempt). It is
	// conditional on the attempt being current and no restart being under
	// way (ErrSuperseded otherwise): a release either begins before a
	// restart, and the new attempt sees it (Task.DelegateAfter), or not at all.
	BeginRelease(ctx context.Context, key TaskKey, until time.Time) error
	// EndRelease clears the release BeginRelease recorded with until once
	// none of its revokes can land any more, whatever the attempt is by
	// then; another release's record stays.
	EndRelease(ctx context.Context, key TaskKey, until time.Time) error
	// OwedReceipts lists the receipts owed for signatures of earlier
	// attempts of the task (see RestartTask), by signee key and attempt.
	OwedReceipts(ctx context.Context, key TaskKey) ([]OwedReceipt, error)
	// SettleOwedReceipt removes the owed receipt of signee's signature of
	// attempt once it is sent; settling one that is gone changes nothing.
	SettleOwedReceipt(ctx context.Context, key TaskKey, signee SigneeKey, attempt int) error
}

// ExecutionStopper stops a workflow execution; the start of a new attempt
// stops the previous attempt's execution with it, as a courtesy: every step
// of a superseded attempt refuses on its own (ErrSuperseded).
type ExecutionStopper interface {
	Stop(ctx context.Context, executionARN, cause string) error
}

// Workflow resumes or fails a waiting workflow step by its task token.
type Workflow interface {
	// Resume reports success to the step waiting on token, with output as its result.
	Resume(ctx context.Context, token string, output any) error
	// Fail reports a named error to the step waiting on token.
	Fail(ctx context.Context, token, errorName, cause string) error
}

// Clock tells the time; tests inject a fixed one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

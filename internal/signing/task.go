package signing

import (
	"fmt"
	"slices"
	"time"
)

// TaskStatus is where a signing task stands.
type TaskStatus string

// Task statuses. Collecting is the only open status; the others are final.
// Failed is set by the workflow's failure path when a step failed for good:
// the task takes no more signatures, its delegations are revoked, and a
// later attempt starts it again (as after a reject).
const (
	TaskCollecting TaskStatus = "collecting"
	TaskCompleted  TaskStatus = "completed"
	TaskRejected   TaskStatus = "rejected"
	TaskExpired    TaskStatus = "expired"
	TaskFailed     TaskStatus = "failed"
)

// Valid reports whether s is a known status.
func (s TaskStatus) Valid() bool {
	switch s {
	case TaskCollecting, TaskCompleted, TaskRejected, TaskExpired, TaskFailed:
		return true
	}
	return false
}

// Open reports whether the task still accepts signatures.
func (s TaskStatus) Open() bool { return s == TaskCollecting }

// Outcome is what the process engine reads from a finished execution.
type Outcome string

// Outcomes of a signing task.
const (
	OutcomeSigned   Outcome = "signed"
	OutcomeRejected Outcome = "rejected"
	OutcomeExpired  Outcome = "expired"
	// OutcomeCancelled is a task the instance owner (or the app) cancelled,
	// apart from a signee's reject (OutcomeRejected).
	OutcomeCancelled Outcome = "cancelled"
	// OutcomeSuperseded ends an execution whose attempt a later attempt
	// replaced: it speaks for no attempt, neither its own (which the API
	// closed) nor the new one (whose own execution reports it).
	OutcomeSuperseded Outcome = "superseded"
	// OutcomeFailed is what the failure path's cleanup step returns; the
	// execution itself then fails (Signing.Failed or Signing.DataChanged).
	OutcomeFailed Outcome = "failed"
)

// Outcome maps a final task status to the outcome; ok is false while collecting.
func (s TaskStatus) Outcome() (o Outcome, ok bool) {
	switch s {
	case TaskCompleted:
		return OutcomeSigned, true
	case TaskRejected:
		return OutcomeRejected, true
	case TaskExpired:
		return OutcomeExpired, true
	}
	return "", false
}

// Counts are the task's signee counters, kept in the task item.
type Counts struct {
	// Total is the number of signees.
	Total int `json:"total"`
	// Signed is the number of signees that have signed.
	Signed int `json:"signed"`
	// Pending is the number of signatures recorded since the workflow last looked.
	Pending int `json:"pending"`
}

// GroupCount counts the signees of one signing group.
type GroupCount struct {
	// Group is the group's number (≥ 1): groups sign in ascending order.
	Group  int `json:"group"`
	Total  int `json:"total"`
	Signed int `json:"signed"`
	// Required is how many must sign (Config.RequiredSignatures): at most
	// Total; 0 is every one.
	Required int `json:"required,omitempty"`
}

// Need is how many signatures complete the group.
func (g GroupCount) Need() int {
	if g.Required > 0 {
		return g.Required
	}
	return g.Total
}

// Complete reports whether the group has the signatures it needs.
func (g GroupCount) Complete() bool { return g.Signed >= g.Need() }

// AllSigned reports whether every signee has signed.
func (c Counts) AllSigned() bool { return c.Total > 0 && c.Signed >= c.Total }

// OpenGroup is the group whose signees may sign now: the first group that
// is not complete, or the last one when all are (0 when the task has no
// groups: everyone signs at once). A group opens when every earlier group
// is complete and never closes again, so a signee of an open group stays
// free to sign.
func (t Task) OpenGroup() int {
	if len(t.Groups) == 0 {
		return 0
	}
	for _, g := range t.Groups {
		if !g.Complete() {
			return g.Group
		}
	}
	return t.Groups[len(t.Groups)-1].Group
}

// GroupOpen reports whether the signees of group may be delegated, told
// and sign: every earlier group is complete.
func (t Task) GroupOpen(group int) bool {
	return len(t.Groups) == 0 || max(group, 1) <= t.OpenGroup()
}

// GroupCounts counts signees by group, with the number each group requires
// (cfg.RequiredSignatures); nil when they are all in one group that needs
// every signature (Signee.Group 0 and 1 are the same group). A requirement
// for a group without signees, or for more signatures than the group has
// signees, is an error naming it.
func GroupCounts(signees []Signee, cfg Config) ([]GroupCount, error) {
	by := map[int]int{}
	for _, sg := range signees {
		by[sg.SigningGroup()]++
	}
	var errs FieldErrors
	for i, r := range cfg.RequiredSignatures {
		switch n := by[r.Group]; {
		case n == 0:
			errs.Add(fmt.Sprintf("config.requiredSignatures[%d].group", i), "signing group %d has no signees", r.Group)
		case r.Required > n:
			errs.Add(fmt.Sprintf("config.requiredSignatures[%d].required", i), "%d signatures required of signing group %d, which has %d signees", r.Required, r.Group, n)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(by) < 2 && len(cfg.RequiredSignatures) == 0 {
		return nil, nil
	}
	out := make([]GroupCount, 0, len(by))
	for g, n := range by {
		gc := GroupCount{Group: g, Total: n}
		if k, _ := cfg.required(g); k > 0 && k < n {
			gc.Required = k
		}
		out = append(out, gc)
	}
	slices.SortFunc(out, func(a, b GroupCount) int { return a.Group - b.Group })
	return out, nil
}

// SignaturesDone reports whether the task has every signature it needs:
// each group its required number (Task.Groups), or every signee.
func (t Task) SignaturesDone() bool {
	if len(t.Groups) == 0 {
		return t.Counts.AllSigned()
	}
	for _, g := range t.Groups {
		if !g.Complete() {
			return false
		}
	}
	return true
}

// CompleteGroups counts the groups that have the signatures they need.
func (t Task) CompleteGroups() int {
	n := 0
	for _, g := range t.Groups {
		if g.Complete() {
			n++
		}
	}
	return n
}

// GroupComplete reports whether the signee's group has the signatures it
// needs, so no more of its signees may sign.
func (t Task) GroupComplete(group int) bool {
	for _, g := range t.Groups {
		if g.Group == max(group, 1) {
			return g.Complete()
		}
	}
	return false
}

// MaxAttempt is the highest attempt number of a task.
const MaxAttempt = 9999

// Task is one signing task of one instance.
type Task struct {
	Key      TaskKey     `json:"key"`
	Instance InstanceRef `json:"instance"`
	// Attempt counts the times the process engine entered the task (≥ 1).
	// A new attempt replaces a rejected, expired or failed one from a clean state;
	// see Service.Start and Repository.RestartTask.
	Attempt int `json:"attempt"`
	// OwnerPartyUUID is the instance owner's party, from whom rights are delegated.
	OwnerPartyUUID string     `json:"ownerPartyUuid,omitempty"`
	Status         TaskStatus `json:"status"`
	Config         Config     `json:"config"`
	// ConfigDigest is Config.Digest() at creation; a repeated create must match it.
	ConfigDigest string `json:"configDigest"`
	// ExecutionARN is the Step Functions execution that runs the task.
	ExecutionARN string `json:"executionArn,omitempty"`
	Counts       Counts `json:"counts"`
	// Replacements counts the signees the owner replaced
	// (Service.ReplaceSignee); Collect looks for the new signees and the
	// replaced ones when it changed since the previous round.
	Replacements int `json:"replacements,omitempty"`
	// Groups are the signing groups in the order they sign, each with its
	// own counts; empty when every signee is in one group (the common case,
	// whose task item carries no group counts). See Signee.Group.
	Groups []GroupCount `json:"groups,omitempty"`
	// Deadline, when set, expires the task.
	Deadline time.Time `json:"deadline,omitzero"`
	// Version increases with every change of the task item.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	ClosedAt  time.Time `json:"closedAt,omitzero"`
	// CloseReason says why a task was rejected, expired or failed (no personal data).
	CloseReason string `json:"closeReason,omitempty"`
	// ReleaseUntil and ReleaseAttempt record a release of the task's
	// delegations that may still be revoking (Repository.BeginRelease): the
	// attempt it releases and the time until which one of its revokes can
	// still reach access management. They outlive a restart, so the next
	// attempt delegates only after that time (DelegateAfter) and a revoke
	// still in flight cannot take back its new rights.
	ReleaseUntil   time.Time `json:"releaseUntil,omitzero"`
	ReleaseAttempt int       `json:"releaseAttempt,omitempty"`
	// RejectedBy says who closed a rejected task, and how: RejectedByOwner,
	// RejectedBySignee or CancelledByOwner.
	RejectedBy string `json:"rejectedBy,omitempty"`
	// RejectReason is the reason the rejecting person gave: free text, so
	// personal data. It is shown in the signing state and the messages about
	// the reject, never logged.
	RejectReason string `json:"rejectReason,omitempty"`
	// DeadlineExtendedAt is when the owner last moved the deadline
	// (Service.ExtendDeadline): the signees are told at the next round, as a
	// reminder would be, unless the configuration keeps it quiet.
	DeadlineExtendedAt time.Time `json:"deadlineExtendedAt,omitzero"`
	// RemindersDoneUntil is the scheduled time of the last reminder every
	// signee due for it has had (Repository.SetRemindersDone): Collect
	// looks for signees to remind only when a later time has come.
	RemindersDoneUntil time.Time `json:"remindersDoneUntil,omitzero"`
}

// DelegateAfter is the earliest time a delegation of this attempt cannot be
// undone by a release of an earlier attempt: zero when no release of an
// earlier attempt may still be revoking.
func (t Task) DelegateAfter() time.Time {
	if t.ReleaseUntil.IsZero() || t.ReleaseAttempt >= max(t.Attempt, 1) {
		return time.Time{}
	}
	return t.ReleaseUntil
}

// ReleaseWindow bounds a release run without a deadline of its own; a
// step's release lasts until its invocation's deadline plus ReleaseMargin.
const ReleaseWindow = 90 * time.Second

// ReleaseMargin is how long after a call's end (its invocation's deadline,
// or a call given up for a timeout) access management may still act on it.
const ReleaseMargin = 15 * time.Second

// NewTask validates and builds a task in the collecting state for signees signees.
func NewTask(inst InstanceRef, taskID string, cfg Config, signees int, deadline, now time.Time) (Task, error) {
	var errs FieldErrors
	if err := inst.Validate(); err != nil {
		if fe, ok := err.(FieldErrors); ok {
			errs = append(errs, fe...)
		}
	}
	key := TaskKey{InstanceGUID: inst.InstanceGUID, TaskID: taskID}
	if err := key.Validate(); err != nil {
		for _, fe := range err.(FieldErrors) {
			if fe.Field == "taskId" {
				errs = append(errs, fe)
			}
		}
	}
	if cfg.SignatureDataType == "" {
		errs.Add("config.signatureDataType", "must be set")
	}
	if len(cfg.DataTypesToSign) == 0 {
		errs.Add("config.dataTypesToSign", "must name at least one data type")
	}
	if signees < 0 {
		errs.Add("signees", "must not be negative")
	}
	if !deadline.IsZero() && !deadline.After(now) {
		errs.Add("deadline", "must be in the future")
	}
	if err := errs.Err(); err != nil {
		return Task{}, err
	}
	return Task{
		Key:          key,
		Instance:     inst,
		Attempt:      1,
		Status:       TaskCollecting,
		Config:       cfg,
		ConfigDigest: cfg.Digest(),
		Counts:       Counts{Total: signees},
		Deadline:     deadline.UTC(),
		Version:      1,
		CreatedAt:    now.UTC(),
		UpdatedAt:    now.UTC(),
	}, nil
}

// Restartable reports whether a later attempt may replace the task: only a
// rejected, expired or failed task is started again. A completed task is never
// restarted, and a collecting one must be rejected first.
func (t Task) Restartable() bool { return t.Status.Restartable() }

// Restartable reports whether a later attempt may start a task ended with s
// again: rejected, expired or failed.
func (s TaskStatus) Restartable() bool {
	return s == TaskRejected || s == TaskExpired || s == TaskFailed
}

// Closable reports whether Repository.Close may end a collecting task with s.
func (s TaskStatus) Closable() bool { return s.Restartable() }

// CanComplete reports whether the task may move to completed now.
func (t Task) CanComplete() error {
	if !t.Status.Open() {
		return closedError(t)
	}
	if !t.SignaturesDone() && t.Counts.Total > 0 {
		return fmt.Errorf("task %s: %d of %d signees have signed: %w", t.Key, t.Counts.Signed, t.Counts.Total, ErrMissingSignatures)
	}
	return nil
}

// Expired reports whether the deadline has passed at now.
func (t Task) Expired(now time.Time) bool {
	return !t.Deadline.IsZero() && !now.Before(t.Deadline)
}

// MaxDuration bounds a task's deadline from the attempt's start: a Standard
// execution runs at most one year, and the execution that waits for a task
// must outlive it (an extension too).
const MaxDuration = 360 * 24 * time.Hour

// Who closed a rejected task, and how (Task.RejectedBy).
const (
	RejectedByOwner  = "owner"  // the instance owner rejected (Service.Reject)
	RejectedBySignee = "signee" // a signee given the reject action rejected
	CancelledByOwner = "cancel" // the owner or the app cancelled (Service.Cancel)
)

// MaxReasonLength is the most characters a reject's reason may have.
const MaxReasonLength = 500

// Statement is what a person said when closing a task (Repository.Close):
// who they are to the task and their reason.
type Statement struct {
	By     string
	Reason string
}

// Outcome is the task's outcome: its status's (TaskStatus.Outcome), and
// OutcomeCancelled for a task its owner or the app cancelled.
func (t Task) Outcome() (Outcome, bool) {
	o, ok := t.Status.Outcome()
	if o == OutcomeRejected && t.RejectedBy == CancelledByOwner {
		return OutcomeCancelled, true
	}
	return o, ok
}

// ExtensionDetail is the detail of the "task.deadline-extended" audit entry.
func ExtensionDetail(from, to time.Time) string {
	f := "none"
	if !from.IsZero() {
		f = from.UTC().Format(time.RFC3339)
	}
	return "deadline " + f + " → " + to.UTC().Format(time.RFC3339)
}

// CloseDetail is the detail of a close's audit entry: the close reason,
// and for a reject the reason the person gave (the audit trail keeps it,
// as the task does; neither is logged).
func CloseDetail(reason string, st *Statement) string {
	if st == nil || st.Reason == "" {
		return reason
	}
	return reason + ": «" + st.Reason + "»"
}

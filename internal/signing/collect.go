package signing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/signingflow/signing/internal/texts"
)

// DefaultWaitSeconds is how long the workflow waits for a signature when
// the caller names no wait (the template's WaitTimeoutSeconds default).
const DefaultWaitSeconds = 3600

// MaxRetryPerRound caps Collected.NeedDelegation, so one round of the
// workflow retries at most this many signees (the rest in later rounds) and
// an execution's history stays within its budget.
const MaxRetryPerRound = 100

// CollectOptions is what the workflow tells Collect besides the task.
type CollectOptions struct {
	// Scan asks Collect to look at every signee for one whose delegate or
	// notify step did not succeed (the workflow's first round after the
	// delegate-and-notify Map, and the first round of a continuation).
	Scan bool
	// Retry are the signees the previous round returned in NeedDelegation
	// (and the workflow has tried again since); Collect returns those still
	// not notified.
	Retry []SigneeKey
	// WaitSeconds is the wait the workflow would use (WaitTimeoutSeconds);
	// Collect caps it at the deadline. Zero means DefaultWaitSeconds.
	WaitSeconds int
	// OpenGroup and MoreToDelegate are the previous round's (Collected):
	// when the open group differs, or more of it were left to hand out,
	// Collect looks for the open group's signees not yet delegated or told.
	OpenGroup      int
	MoreToDelegate bool
	// CompleteGroups is the previous round's (Collected): when more
	// groups are complete now, Collect looks for their signees who are no
	// longer needed. ReleaseRetry is the previous round's NeedRelease,
	// looked at again. Replacements is the previous round's: when the owner
	// replaced signees since, Collect looks for the new ones and the old.
	CompleteGroups int
	ReleaseRetry   []SigneeKey
	Replacements   int
}

// Collected is what the workflow learns when a wait for signatures ends.
type Collected struct {
	Status TaskStatus `json:"status"`
	// NeedReceipt are the signees that signed and have no receipt yet.
	NeedReceipt []SigneeKey `json:"needReceipt"`
	// NeedDelegation are signees of an open task whose delegate or notify
	// step has not succeeded (see CollectOptions), at most MaxRetryPerRound:
	// the workflow runs the steps for them again.
	NeedDelegation []SigneeKey `json:"needDelegation"`
	// NeedReminder are told signees who have not signed and are owed the
	// reminder scheduled at ReminderDue (at most MaxRetryPerRound): the
	// workflow runs Remind for each. ReminderDue is null when there is none
	// (present, so the state machine's selector always finds it).
	NeedReminder []SigneeKey `json:"needReminder"`
	ReminderDue  *time.Time  `json:"reminderDue"`
	AllSigned    bool        `json:"allSigned"`
	Signed       int         `json:"signed"`
	Total        int         `json:"total"`
	// OpenGroup is the signing group that may sign now (Task.OpenGroup;
	// 0 for a task without groups). When it opened since the previous
	// round, NeedDelegation holds its signees, the first MaxRetryPerRound
	// of them; MoreToDelegate says more of them, never handed out, are
	// left, and the workflow comes back at once rather than after a wait.
	OpenGroup      int  `json:"openGroup"`
	MoreToDelegate bool `json:"moreToDelegate"`
	// NeedRelease are signees no longer needed: their group has the
	// signatures it requires (Config.RequiredSignatures) and they have not
	// signed (at most MaxRetryPerRound); the workflow runs ReleaseSignee
	// for each. CompleteGroups counts the groups with their signatures.
	NeedRelease    []SigneeKey `json:"needRelease"`
	CompleteGroups int         `json:"completeGroups"`
	// Replacements counts the signees the owner replaced (Task.Replacements).
	Replacements int `json:"replacements"`
	// WaitSeconds is how long the next wait may last: the requested wait,
	// or less so that the deadline is seen when it passes and the next
	// reminder goes when it is due (at least 1).
	WaitSeconds int `json:"waitSeconds"`
}

// Collect takes the signatures recorded since the last look. A rejected
// task returns ErrRejected; a task past its deadline is expired here and
// returns ErrExpired.
func (s *Service) Collect(ctx context.Context, key TaskKey, opts CollectOptions) (Collected, error) {
	batch, err := s.Repo.TakePending(ctx, key)
	if err != nil {
		return Collected{}, fmt.Errorf("collect %s: %w", key, err)
	}
	t := batch.Task
	t.Key = key
	now := s.Clock.Now()
	switch {
	case t.Status.Restartable(): // rejected, expired or failed
		return Collected{}, closedError(t)
	case t.Status.Open() && t.Expired(now):
		if _, err := s.Repo.Close(ctx, key, TaskExpired, now, "system", "the deadline passed"); err != nil && !errors.Is(err, ErrConflict) {
			return Collected{}, fmt.Errorf("collect %s: expire: %w", key, err)
		}
		return Collected{}, fmt.Errorf("task %s: %w", key, ErrExpired)
	}
	need := batch.NeedReceipt
	if need == nil {
		need = []SigneeKey{}
	}
	stuck, more, err := s.stuck(ctx, t, opts)
	if err != nil {
		return Collected{}, fmt.Errorf("collect %s: %w", key, err)
	}
	release, err := s.notNeeded(ctx, t, opts)
	if err != nil {
		return Collected{}, fmt.Errorf("collect %s: %w", key, err)
	}
	remind, due, next, err := s.remindersDue(ctx, t, now)
	if err != nil {
		return Collected{}, fmt.Errorf("collect %s: reminders: %w", key, err)
	}
	wait := waitSeconds(t, now, opts.WaitSeconds)
	if !next.IsZero() {
		wait = max(1, min(wait, int(math.Ceil(next.Sub(now).Seconds()))))
	}
	return Collected{
		Status: t.Status, NeedReceipt: need, NeedDelegation: stuck, NeedReminder: remind, ReminderDue: timePtr(due),
		AllSigned: t.SignaturesDone() || t.Counts.Total == 0, Signed: t.Counts.Signed, Total: t.Counts.Total,
		WaitSeconds: wait, OpenGroup: t.OpenGroup(), MoreToDelegate: more,
		NeedRelease: release, CompleteGroups: t.CompleteGroups(), Replacements: t.Replacements,
	}, nil
}

// stuck returns the signees of an open task still to be delegated or
// notified, of groups that are open (Task.GroupOpen): among all signees
// when opts.Scan, else among opts.Retry and, when the open group changed
// since the previous round (or more of it were left), among the open
// group's signees. At most MaxRetryPerRound; more reports, for a task with
// groups, that this round handed out signees the previous round did not:
// the workflow comes back at once, to hand out the rest of the group or to
// see which of these failed (those then wait RetryWaitSeconds, as any
// retry does). Each such round makes progress, so they end.
func (s *Service) stuck(ctx context.Context, t Task, opts CollectOptions) (out []SigneeKey, more bool, err error) {
	out = []SigneeKey{}
	if !t.Status.Open() {
		return out, false, nil
	}
	waiting := func(sg Signee) bool {
		return (sg.Status == SigneeResolved || sg.Status == SigneeDelegated) && t.GroupOpen(sg.Group) && !t.GroupComplete(sg.Group)
	}
	seen := make(map[SigneeKey]bool, len(opts.Retry))
	if !opts.Scan {
		for _, sk := range opts.Retry {
			if seen[sk] || len(out) == MaxRetryPerRound {
				continue
			}
			seen[sk] = true
			sg, err := s.Repo.GetSignee(ctx, t.Key, sk)
			if errors.Is(err, ErrNotFound) {
				continue // not a signee of this attempt
			}
			if err != nil {
				return nil, false, err
			}
			if waiting(sg) {
				out = append(out, sk)
			}
		}
	}
	open := t.OpenGroup()
	replaced := t.Replacements != opts.Replacements
	if !opts.Scan && !replaced && (open == 0 || (open == opts.OpenGroup && !opts.MoreToDelegate)) {
		return out, false, nil
	}
	handed := 0
	err = s.eachSignee(ctx, t.Key, func(sg Signee) error {
		if seen[sg.Key] || !waiting(sg) {
			return nil
		}
		if len(out) < MaxRetryPerRound {
			out = append(out, sg.Key)
			handed++
		}
		return nil
	})
	return out, open != 0 && handed > 0, err
}

// notNeeded returns the signees of an open task to release: those the
// owner replaced, and those whose group has the signatures it requires who
// have not signed and still hold their request (not revoked): among
// opts.ReleaseRetry, and among all signees when opts.Scan or when more
// groups are complete, or more signees replaced, than the previous round
// saw. At most MaxRetryPerRound; the rest come in later rounds (a
// continuation scans again).
func (s *Service) notNeeded(ctx context.Context, t Task, opts CollectOptions) ([]SigneeKey, error) {
	out := []SigneeKey{}
	if !t.Status.Open() || (len(t.Groups) == 0 && t.Replacements == 0) {
		return out, nil
	}
	releasable := func(sg Signee) bool {
		return sg.Status == SigneeReplaced || (!sg.Status.HasSigned() && sg.Status != SigneeRevoked && t.GroupComplete(sg.Group))
	}
	seen := map[SigneeKey]bool{}
	for _, sk := range opts.ReleaseRetry {
		if seen[sk] || len(out) == MaxRetryPerRound {
			continue
		}
		seen[sk] = true
		sg, err := s.Repo.GetSignee(ctx, t.Key, sk)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if releasable(sg) {
			out = append(out, sk)
		}
	}
	if !opts.Scan && t.CompleteGroups() == opts.CompleteGroups && t.Replacements == opts.Replacements {
		return out, nil
	}
	err := s.eachSignee(ctx, t.Key, func(sg Signee) error {
		if !seen[sg.Key] && releasable(sg) && len(out) < MaxRetryPerRound {
			out = append(out, sg.Key)
		}
		return nil
	})
	return out, err
}

// ReleaseSignee ends the request of a signee the task no longer asks: one
// the owner replaced (ReplaceSignee), or one whose group has the signatures
// Config.RequiredSignatures asks. It revokes the signee's rights, with the
// additional actions, tells a signee who was told to sign (one message: its
// idempotency key): a replaced one that the sender withdrew the request, a
// surplus one that its signature is no longer needed, and marks the signee
// revoked. A signee who signed, is revoked, or whose group still needs
// signatures is left as it is; a task no longer collecting is left to
// Finalize or the release of its close; a step of a superseded attempt
// changes nothing (ErrSuperseded).
func (s *Service) ReleaseSignee(ctx context.Context, key TaskKey, sk SigneeKey) (Signee, error) {
	task, sg, open, err := s.openSignee(ctx, key, sk)
	replaced := sg.Status == SigneeReplaced
	if err != nil || !open || (!replaced && (sg.Status.HasSigned() || sg.Status == SigneeRevoked || !task.GroupComplete(sg.Group))) {
		return sg, err
	}
	if err := s.revoke(ctx, task, sg, sg.Actions()); err != nil {
		return sg, fmt.Errorf("release %s/%s: %w", key, sk, err)
	}
	if !sg.NotifiedAt.IsZero() {
		if resource, ok := task.Config.CorrespondenceResourceFor(s.Settings.Environment); ok {
			err := s.tellReleased(ctx, task, sg, replaced, resource)
			if err != nil && !permanent(err) {
				return sg, fmt.Errorf("release %s/%s: %w", key, sk, err)
			}
			if err != nil {
				// Refused for good (no recipient, say): the rights are
				// revoked, so the release is done; no retry can tell them.
				slog.WarnContext(ctx, "released signee not told", "task", key.String(), "signee", string(sk), "error", err.Error())
			}
		}
	}
	return s.Repo.UpdateSignee(ctx, key, sk, Transition{To: SigneeRevoked, At: s.Clock.Now()})
}

// tellReleased sends sg the message of its release: for a replaced signee
// that the sender withdrew the request, else that its signature is no
// longer needed.
func (s *Service) tellReleased(ctx context.Context, task Task, sg Signee, replaced bool, resource string) error {
	lang := s.language()
	vars, res, err := s.vars(ctx, task.Instance, lang)
	if err != nil {
		return err
	}
	m, kind := texts.NotNeeded(res, lang, vars), "not-needed"
	if replaced {
		m, kind = texts.CancelledBecause(res, lang, texts.ByOwner, vars), "replaced"
	}
	return s.tellSignee(ctx, task, sg, kind, resource, m)
}

// tellSignee sends sg the inbox message m once: its idempotency key is
// kind with the task's attempt and the signee's key.
func (s *Service) tellSignee(ctx context.Context, task Task, sg Signee, kind, resource string, m texts.Message) error {
	to, err := s.recipientOf(ctx, sg)
	if err != nil {
		return fmt.Errorf("tell signee %s: %w", sg.Key, err)
	}
	_, err = s.Correspondence.Send(ctx, Message{
		IdempotencyKey: idempotencyKey(kind, task, string(sg.Key)), Resource: resource,
		SendersReference: task.Instance.InstanceID(), Recipient: to,
		Language: m.Language, Title: m.Title, Summary: m.Summary, Body: m.Body,
	})
	if err != nil {
		return fmt.Errorf("tell signee %s: %w", sg.Key, err)
	}
	return nil
}

// waitSeconds caps the requested wait at the task's deadline.
func waitSeconds(t Task, now time.Time, requested int) int {
	if requested <= 0 {
		requested = DefaultWaitSeconds
	}
	if t.Deadline.IsZero() || !t.Status.Open() {
		return requested
	}
	left := int(math.Ceil(t.Deadline.Sub(now).Seconds()))
	return max(1, min(requested, left))
}

// SendReceipt sends the signer a receipt with the signed documents
// attached (Storage wrote the signature document when the signee signed),
// and first every receipt still owed to the same signee key for a signature
// of an earlier attempt (kept by the restart that replaced it). Each
// message carries an idempotency key with the attempt of its signature, so
// a retried step, or another execution sending the same owed receipt,
// sends once. A step of a superseded attempt sends nothing
// (ErrSuperseded): the receipts its attempt owes are owed by the new one.
func (s *Service) SendReceipt(ctx context.Context, key TaskKey, sk SigneeKey) (Signee, error) {
	task, err := s.Repo.GetTask(ctx, key)
	if err != nil {
		return Signee{}, err
	}
	owedSent, err := s.sendOwedReceipts(ctx, task, key, func(o OwedReceipt) bool { return o.Signature.SigneeKey == sk })
	if err != nil {
		return Signee{}, fmt.Errorf("receipt %s/%s: %w", key, sk, err)
	}
	sg, err := s.Repo.GetSignee(ctx, key, sk)
	if errors.Is(err, ErrNotFound) && owedSent > 0 {
		// Owed from an earlier attempt only: not a signee of this one.
		return Signee{Key: sk, Status: SigneeReceiptSent}, nil
	}
	if err != nil || sg.Status != SigneeSigned {
		return sg, err
	}
	sig, err := s.Repo.GetSignature(ctx, key, sk)
	if err != nil {
		return sg, fmt.Errorf("receipt %s/%s: %w", key, sk, err)
	}
	if err := s.sendReceipt(ctx, task, sig); err != nil {
		return sg, fmt.Errorf("receipt %s/%s: %w", key, sk, err)
	}
	return s.Repo.UpdateSignee(ctx, key, sk, Transition{To: SigneeReceiptSent, At: s.Clock.Now()})
}

// sendOwedReceipts sends the receipts owed for signatures of earlier
// attempts that match, each with its own attempt's idempotency key, and
// settles each once sent. It returns how many it sent.
func (s *Service) sendOwedReceipts(ctx context.Context, task Task, key TaskKey, match func(OwedReceipt) bool) (int, error) {
	owed, err := s.Repo.OwedReceipts(ctx, key)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range owed {
		if !match(o) {
			continue
		}
		of := task
		of.Attempt = o.Attempt
		if err := s.sendReceipt(ctx, of, o.Signature); err != nil {
			return n, fmt.Errorf("owed receipt of attempt %d: %w", o.Attempt, err)
		}
		if err := s.Repo.SettleOwedReceipt(ctx, key, o.Signature.SigneeKey, o.Attempt); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// sendReceipt sends the receipt of sig; task.Attempt is the attempt the
// signature was recorded in, which the idempotency key carries.
func (s *Service) sendReceipt(ctx context.Context, task Task, sig Signature) error {
	sk := sig.SigneeKey
	resource, ok := task.Config.CorrespondenceResourceFor(s.Settings.Environment)
	if !ok {
		return Invalid("config.correspondenceResources", "no correspondence resource is configured for environment %q, so no receipt can be sent", s.Settings.Environment)
	}
	to, err := s.personRecipient(ctx, sig.Signer.PartyID)
	if err != nil {
		return fmt.Errorf("receipt recipient: %w", err)
	}
	var data []DataElement
	if !described(sig.Digests) {
		// Recorded without content types: the instance has them.
		inst, err := s.Storage.GetInstance(ctx, task.Instance)
		if err != nil {
			return fmt.Errorf("get instance: %w", err)
		}
		data = inst.Data
	}
	lang := s.language()
	vars, res, err := s.vars(ctx, task.Instance, lang)
	if err != nil {
		return err
	}
	msg := texts.Receipt(res, lang, vars)
	files, err := s.withBodies(ctx, task.Instance, attachments(sig.Digests, data))
	if err != nil {
		return err
	}
	_, err = s.Correspondence.Send(ctx, Message{
		IdempotencyKey:   idempotencyKey("receipt", task, string(sk)),
		Resource:         resource,
		SendersReference: task.Instance.InstanceID(),
		Recipient:        to,
		Language:         msg.Language,
		Title:            msg.Title,
		Summary:          msg.Summary,
		Body:             msg.Body,
		Attachments:      files,
	})
	if err != nil {
		return fmt.Errorf("send receipt: %w", err)
	}
	return nil
}

// described reports whether every digest carries its element's content
// type, so the receipt needs no instance read.
func described(digests []DataElementDigest) bool {
	for _, d := range digests {
		if d.ContentType == "" {
			return false
		}
	}
	return true
}

// attachments names the signed elements as the receipt's attachments: by
// the content type and filename recorded with each digest, else (an older
// signature) by the instance's data elements.
func attachments(digests []DataElementDigest, data []DataElement) []Attachment {
	out := make([]Attachment, 0, len(digests))
	for _, d := range digests {
		a := Attachment{DataElementID: d.DataElementID, Filename: d.DataType, ContentType: d.ContentType}
		if d.Filename != "" {
			a.Filename = d.Filename
		}
		if i := slices.IndexFunc(data, func(el DataElement) bool { return el.ID == d.DataElementID }); i >= 0 {
			a.ContentType = data[i].ContentType
			if data[i].Filename != "" {
				a.Filename = data[i].Filename
			}
		}
		out = append(out, a)
	}
	return out
}

// Finish ends a task that was rejected or has expired: it closes the task
// (if the API has not already), revokes every delegation including the
// additional actions, tells the signees who had not signed, and sends the
// receipts still owed to those who had. It returns the task's outcome.
func (s *Service) Finish(ctx context.Context, key TaskKey, status TaskStatus, reason string) (Outcome, error) {
	if status != TaskRejected && status != TaskExpired {
		return "", Invalid("status", "must be %q or %q", TaskRejected, TaskExpired)
	}
	res, err := s.Repo.Close(ctx, key, status, s.Clock.Now(), "system", reason)
	task := res.Task
	if errors.Is(err, ErrConflict) {
		// Closed otherwise already (rejected while expiring, or the other way round).
		if task, err = s.Repo.GetTask(ctx, key); err == nil && task.Status.Open() {
			err = fmt.Errorf("finish %s: the task is still collecting: %w", key, ErrConflict)
		}
	}
	if err != nil {
		return "", fmt.Errorf("finish %s: %w", key, err)
	}
	outcome, ok := task.Outcome()
	if !ok {
		return "", fmt.Errorf("finish %s: task is %s: %w", key, task.Status, ErrConflict)
	}
	if outcome == OutcomeSigned {
		// Completed before it could be rejected or expire: Finalize ends it.
		return outcome, nil
	}
	task.Key = key
	if err := s.release(ctx, task, true); err != nil {
		return "", fmt.Errorf("finish %s: %w", key, err)
	}
	if _, err := s.sendOwedReceipts(ctx, task, key, func(OwedReceipt) bool { return true }); err != nil {
		return "", fmt.Errorf("finish %s: %w", key, err)
	}
	return outcome, nil
}

// Abandon is the workflow's failure path, run when a step failed for good:
// it closes a collecting task as failed (so it takes no more signatures and
// a later attempt may start it again), then revokes every delegation of
// every signee and tells those who were told to sign that the signing is
// cancelled. A task that is already final keeps its status (a completed
// task whose finalisation failed stays completed) but loses its
// delegations too. The receipts still owed are tried once each (the
// failure may be theirs, so their failure does not fail this step; what is
// not sent stays owed for the next attempt). Safe to repeat; it returns the
// task's status after it.
func (s *Service) Abandon(ctx context.Context, key TaskKey, reason string) (TaskStatus, error) {
	res, err := s.Repo.Close(ctx, key, TaskFailed, s.Clock.Now(), "system", reason)
	task := res.Task
	if errors.Is(err, ErrConflict) {
		task, err = s.Repo.GetTask(ctx, key)
		if err == nil && task.Status.Open() {
			err = fmt.Errorf("abandon %s: the task is still collecting: %w", key, ErrTransient)
		}
	}
	if err != nil {
		return "", fmt.Errorf("abandon %s: %w", key, err)
	}
	task.Key = key
	if err := s.release(ctx, task, false); err != nil {
		return "", fmt.Errorf("abandon %s: %w", key, err)
	}
	s.tryReceipts(ctx, task)
	return task.Status, nil
}

// tryReceipts sends, once each, the receipts the task still owes (of its
// own signatures and of earlier attempts'), as far as the platform lets it:
// the failure path's step must not fail on them (the failure may be
// theirs). What it cannot send stays owed (the receipt-due and owed items),
// and the next attempt's execution sends it. A superseded step sends
// nothing (SendReceipt and the owed receipts refuse it).
func (s *Service) tryReceipts(ctx context.Context, task Task) {
	key := task.Key
	var due []SigneeKey
	if err := s.eachSignee(ctx, key, func(sg Signee) error {
		if sg.Status == SigneeSigned {
			due = append(due, sg.Key)
		}
		return nil
	}); err != nil {
		return
	}
	for _, sk := range due {
		_, _ = s.SendReceipt(ctx, key, sk) // best effort: it stays due
	}
	_, _ = s.sendOwedReceipts(ctx, task, key, func(OwedReceipt) bool { return true }) // best effort: they stay owed
}

// release revokes every delegation of the closed task's signees (with the
// additional actions), tells each who was told to sign and had not that it
// is cancelled, and marks them revoked; with receipts it also sends the
// receipts still owed to those who signed. task.Key is the step's key,
// qualified with its attempt: the signees are that attempt's, and before
// each signee's side effects the task is read again, so a release
// overtaken by a new attempt stops (ErrSuperseded) instead of revoking the
// rights or cancelling the requests of the new attempt's signees.
func (s *Service) release(ctx context.Context, task Task, receipts bool) error {
	key := task.Key
	var signees []Signee
	if err := s.eachSignee(ctx, key, func(sg Signee) error { signees = append(signees, sg); return nil }); err != nil {
		return err
	}
	lang := s.language()
	vars, resources, err := s.vars(ctx, task.Instance, lang)
	if err != nil {
		return err
	}
	// A signee's reject is told as one of the signees declining; the
	// owner's reject or cancel as the sender withdrawing the request.
	why := texts.ByDeadline
	if task.Status == TaskRejected {
		why = texts.ByReject
		if task.RejectedBy == CancelledByOwner || task.RejectedBy == RejectedByOwner {
			why = texts.ByOwner
		}
	}
	withReason := vars
	withReason.Reason = task.RejectReason
	cancelled := texts.CancelledBecause(resources, lang, why, withReason)
	resource, haveResource := task.Config.CorrespondenceResourceFor(s.Settings.Environment)
	// The release's record on the task item tells a restart until when
	// revokes may still be on their way (Task.DelegateAfter): this
	// invocation's deadline and the platform's margin. It begins only while
	// the attempt is current, so a superseded release revokes nothing.
	until := s.Clock.Now().Add(ReleaseWindow)
	if d, ok := ctx.Deadline(); ok {
		until = d.Add(ReleaseMargin)
	}
	if err := s.Repo.BeginRelease(ctx, key, until); err != nil {
		return err
	}
	// No call is cut short when another fails (a cancelled request may
	// still be acted on); uncertain notes a call that ended without an
	// answer, which keeps the record until it expires.
	var g errgroup.Group
	gctx := ctx
	var uncertain atomic.Bool
	g.SetLimit(s.concurrency())
	for _, sg := range signees {
		g.Go(func() error {
			if _, err := s.Repo.GetTask(gctx, key); err != nil {
				return err
			}
			if err := s.revoke(gctx, task, sg, sg.Actions()); err != nil {
				if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
					uncertain.Store(true)
				}
				return err
			}
			switch {
			case sg.Status == SigneeSigned:
				if receipts {
					if _, err := s.SendReceipt(gctx, key, sg.Key); err != nil {
						return err
					}
				}
			case !sg.Status.HasSigned() && sg.Status != SigneeRevoked:
				if sg.Status == SigneeNotified && haveResource {
					if err := s.tellSignee(gctx, task, sg, "cancel", resource, cancelled); err != nil {
						return err
					}
				}
				if _, err := s.Repo.UpdateSignee(gctx, key, sg.Key, Transition{To: SigneeRevoked, At: s.Clock.Now()}); err != nil && !errors.Is(err, ErrConflict) {
					return err
				}
			}
			return nil
		})
	}
	err = g.Wait()
	if err == nil && haveResource && task.Status == TaskRejected && task.RejectedBy == RejectedBySignee {
		err = s.tellOwner(ctx, task, resource, texts.OwnerRejected(resources, lang, withReason))
		if permanent(err) {
			// The signees are released; a message the platform refuses for
			// good is not worth holding the release for.
			slog.WarnContext(ctx, "release: the owner was not told of the reject", "task", key.String(), "error", err.Error())
			err = nil
		}
	}
	if !uncertain.Load() {
		// Every revoke has its answer: none can land later.
		if eerr := s.Repo.EndRelease(context.WithoutCancel(ctx), key, until); eerr != nil {
			// Only delays a next attempt's delegations until the record expires.
			slog.WarnContext(ctx, "release: the release record was not cleared", "task", key.String(), "error", eerr.Error())
		}
	}
	return err
}

// concurrency bounds parallel platform calls within one step.
func (s *Service) concurrency() int {
	if s.Settings.LookupConcurrency > 0 {
		return s.Settings.LookupConcurrency
	}
	return 8
}

// revoke withdraws actions from a signee. It does so whether or not a
// delegation is on record: a Delegate step whose call reached access
// management but whose own write was then refused (the signee released,
// replaced or its task closed meanwhile) leaves rights in force with no
// record, and revoking what is not in force changes nothing and succeeds
// (Altinn/altinn-authorization-tmp
// src/apps/Altinn.AccessManagement/src/Altinn.AccessManagement.Core/Services/PolicyAdministrationPoint.cs).
// The instance owner received none.
func (s *Service) revoke(ctx context.Context, task Task, sg Signee, actions []string) error {
	if sg.PartyUUID == task.OwnerPartyUUID || len(actions) == 0 {
		return nil
	}
	err := s.Access.Revoke(ctx, Delegation{
		Instance: task.Instance, TaskID: task.Key.TaskID,
		FromPartyUUID: task.OwnerPartyUUID, ToPartyUUID: sg.PartyUUID, Actions: actions,
	})
	if err != nil {
		return fmt.Errorf("revoke signee %s: %w", sg.Key, err)
	}
	return nil
}

// timePtr is &t, or nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// tellOwner sends the instance owner a message about the task, once per
// attempt (its idempotency key): the owner is an organisation (by its
// number) or a person (by the national ID Register gives for the party).
func (s *Service) tellOwner(ctx context.Context, task Task, resource string, m texts.Message) error {
	p, err := s.Register.GetParty(ctx, task.Instance.PartyID)
	if err != nil {
		return fmt.Errorf("tell the owner: look up party %d: %w", task.Instance.PartyID, err)
	}
	var to Recipient
	switch {
	case p.OrgNumber != "":
		org, err := parseOrg(p.OrgNumber)
		if err != nil {
			return fmt.Errorf("tell the owner: %w", Invalid("orgNumber", "%v", err))
		}
		to = Recipient{Org: org}
	case !p.Person.IsZero():
		to = Recipient{Person: p.Person}
	default:
		return fmt.Errorf("tell the owner: party %d is neither a person nor an organisation: %w", task.Instance.PartyID, ErrInvalid)
	}
	_, err = s.Correspondence.Send(ctx, Message{
		IdempotencyKey: idempotencyKey("owner-rejected", task, "owner"), Resource: resource,
		SendersReference: task.Instance.InstanceID(), Recipient: to,
		Language: m.Language, Title: m.Title, Summary: m.Summary, Body: m.Body,
	})
	if err != nil {
		return fmt.Errorf("tell the owner: %w", err)
	}
	return nil
}

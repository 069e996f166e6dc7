package signing

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/signingflow/signing/internal/reminder"
	"github.com/signingflow/signing/internal/texts"
)

// remindersDue is the reminder part of a Collect round of an open task at
// now: need are the told signees who have not signed and are owed the
// reminder scheduled at due (at most MaxRetryPerRound, the rest in later
// rounds); next is when the next wait must end for a reminder (zero: no
// reminder to come). When every signee owed due has it, the task records
// due as done (Repository.SetRemindersDone), so later rounds list nobody
// until the next reminder's time. A signee whose notification includes SMS
// is not reminded outside the SMS window: the wait ends when it opens.
func (s *Service) remindersDue(ctx context.Context, t Task, now time.Time) (need []SigneeKey, due, next time.Time, err error) {
	need = []SigneeKey{}
	if (len(t.Config.Reminders) == 0 && !t.tellExtension()) || !t.Status.Open() || t.SignaturesDone() {
		return need, time.Time{}, time.Time{}, nil
	}
	settings, err := t.Config.DeadlineSettings()
	if err != nil {
		// Checked when the task started; a stored configuration that no
		// longer parses reminds nobody rather than failing the task.
		slog.WarnContext(ctx, "collect: reminders skipped: the configuration does not parse", "task", t.Key.String(), "error", err.Error())
		return need, time.Time{}, time.Time{}, nil
	}
	times := reminder.Times(settings.Reminders, t.CreatedAt, t.Deadline)
	if t.tellExtension() {
		// The extension's notice is sent as a reminder is, at its time.
		times = append(times, t.DeadlineExtendedAt)
		slices.SortFunc(times, time.Time.Compare)
	}
	send, due, next := reminder.Due(times, t.RemindersDoneUntil, now)
	if !send {
		return need, time.Time{}, next, nil
	}
	held, more := false, false
	smsOpens := settings.SMSWindow.Next(now) // now, inside the window
	err = s.eachSignee(ctx, t.Key, func(sg Signee) error {
		if sg.Status != SigneeNotified || !due.After(sg.RemindedAt) || t.GroupComplete(sg.Group) {
			return nil
		}
		if sg.Communication.SMS() && smsOpens.After(now) {
			held = true
			return nil
		}
		if len(need) == MaxRetryPerRound {
			more = true
			return nil
		}
		need = append(need, sg.Key)
		return nil
	})
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	if held && (next.IsZero() || smsOpens.Before(next)) {
		next = smsOpens
	}
	if len(need) == 0 && !held && !more {
		if err := s.Repo.SetRemindersDone(ctx, t.Key, due); err != nil {
			return nil, time.Time{}, time.Time{}, err
		}
	}
	return need, due, next, nil
}

// tellExtension reports whether the signees are to be told of a deadline
// extension (one was made, and the configuration does not keep it quiet).
func (t Task) tellExtension() bool {
	return !t.DeadlineExtendedAt.IsZero() && !t.Config.QuietDeadlineExtension
}

// SMS reports whether a notification to the signee may go by SMS.
func (c Communication) SMS() bool {
	switch c.EffectiveChoice() {
	case NotifySMS, NotifySMSAndEmail, NotifySMSPreferred, NotifyEmailPreferred:
		return true
	}
	return false
}

// Remind sends signee sk the reminder scheduled at due: an inbox message
// naming the deadline, whose notification block has the platform send the
// reminder e-mail and SMS, as the call-to-action's does. It sends nothing to
// a signee who signed, was not told, or has this reminder already; nothing
// for a closed task or after the deadline. The message's idempotency key is
// the signee's, the attempt's and the scheduled time's, so a retried step
// sends it once. A reminder the platform refuses for good is logged and
// recorded as done: the signee was told once, and the next reminder is tried.
func (s *Service) Remind(ctx context.Context, key TaskKey, sk SigneeKey, due time.Time) (Signee, error) {
	if due.IsZero() {
		return Signee{}, Invalid("reminder", "must be the reminder's scheduled time")
	}
	task, sg, open, err := s.openSignee(ctx, key, sk)
	if err != nil || !open || sg.Status != SigneeNotified || !due.After(sg.RemindedAt) || task.GroupComplete(sg.Group) {
		return sg, err
	}
	now := s.Clock.Now()
	if !task.Deadline.IsZero() && !now.Before(task.Deadline) {
		return sg, nil
	}
	resource, ok := task.Config.CorrespondenceResourceFor(s.Settings.Environment)
	if !ok {
		return sg, nil // no call-to-action was sent either (Notify failed the signee)
	}
	lang := s.language()
	vars, res, err := s.vars(ctx, task.Instance, lang)
	if err != nil {
		return sg, fmt.Errorf("remind %s/%s: %w", key, sk, err)
	}
	c := sg.Communication
	vars.Args = c.TextArgs
	if !task.Deadline.IsZero() {
		vars.Deadline = reminder.FormatDeadline(task.Deadline, lang)
	}
	to, err := s.recipientOf(ctx, sg)
	var kind string
	if err == nil {
		// The app's signing.correspondence_reminder_* texts, else the
		// defaults; the notice of an extension at its time.
		m := texts.Reminder(res, lang, texts.CTAKeys{}, vars)
		kind = "remind"
		if task.tellExtension() && due.Equal(task.DeadlineExtendedAt) {
			ext := texts.DeadlineExtended(res, lang, vars)
			m.Message, m.EmailSubject, m.EmailBody, m.SMSBody = ext, ext.Title, ext.Summary, ext.Summary
			kind = "extended"
		}
		_, err = s.Correspondence.Send(ctx, Message{
			IdempotencyKey:   idempotencyKey(kind, task, string(sk)+":"+due.UTC().Format("20060102T150405.000000000Z")),
			Resource:         resource,
			SendersReference: task.Instance.InstanceID(),
			Recipient:        to,
			Language:         m.Language,
			Title:            m.Title,
			Summary:          m.Summary,
			Body:             m.Body,
			Notification: &NotificationOrder{
				SendersReference: task.Instance.InstanceID(),
				Choice:           c.EffectiveChoice(),
				EmailAddress:     c.Email,
				EmailSubject:     m.EmailSubject,
				EmailBody:        m.EmailBody,
				MobileNumber:     c.Mobile,
				SMSBody:          m.SMSBody,
			},
		})
	}
	if permanent(err) {
		slog.WarnContext(ctx, "remind: the platform refused the reminder for good", "task", key.String(), "signee", string(sk), "error", err.Error())
	} else if err != nil {
		return sg, fmt.Errorf("remind %s/%s: %w", key, sk, err)
	}
	return s.Repo.ChangeSignee(ctx, key, sk, Reminded{Due: due, At: now})
}

// ExtendInput asks to move a task's deadline later.
type ExtendInput struct {
	Task     TaskKey
	Caller   Caller
	Instance *InstanceRef
	Deadline time.Time
}

// ExtendDeadline moves an open task's deadline later: only the instance
// owner may, to a time later than the current deadline and in the future,
// at most MaxDuration after the attempt began (the waiting execution must
// outlive it). The reminders before the deadline move with it; the running
// wait is woken, as by a signature, so the new deadline and reminders hold
// at once; the signees are told at that round unless the configuration
// keeps it quiet (Config.QuietDeadlineExtension). An audit entry names the
// old and the new deadline.
func (s *Service) ExtendDeadline(ctx context.Context, in ExtendInput) (Task, error) {
	if err := in.Caller.Validate(); err != nil {
		return Task{}, err
	}
	task, err := s.taskFor(ctx, in.Task, in.Instance)
	if err != nil {
		return Task{}, err
	}
	if !task.Status.Open() {
		return Task{}, closedError(task)
	}
	if !s.isOwner(task, in.Caller) {
		return Task{}, fmt.Errorf("only the instance owner may extend the deadline of task %s: %w", task.Key, ErrForbidden)
	}
	now := s.Clock.Now()
	switch {
	case in.Deadline.IsZero():
		return Task{}, Invalid("deadline", "must be set: an RFC 3339 time such as 2026-04-01T12:00:00Z")
	case !in.Deadline.After(now):
		return Task{}, Invalid("deadline", "must be in the future")
	case !task.Deadline.IsZero() && !in.Deadline.After(task.Deadline):
		return Task{}, Invalid("deadline", "must be later than the current deadline, %s", task.Deadline.UTC().Format(time.RFC3339))
	case in.Deadline.Sub(task.CreatedAt) > MaxDuration:
		return Task{}, Invalid("deadline", "must be at most %d days after the task began (the waiting execution runs at most a year)", int(MaxDuration.Hours()/24))
	}
	out, token, err := s.Repo.ExtendDeadline(ctx, task.Key.At(task.Attempt), in.Deadline.UTC(), now, s.Identities.Person(in.Caller.Person))
	if err != nil {
		return Task{}, changedMeanwhile(err)
	}
	if token != "" {
		if err := s.Workflow.Resume(ctx, token, map[string]string{"event": "deadline-extended"}); err != nil {
			// The next wait's timeout sees the new deadline anyway.
			slog.WarnContext(ctx, "extend deadline: the workflow's wait was not woken", "task", task.Key.String(), "error", err.Error())
		}
	}
	return out, nil
}

// ResendInput asks to send a signee's invitation again.
type ResendInput struct {
	Task     TaskKey
	Caller   Caller
	Instance *InstanceRef
	Signee   SigneeKey
}

// Resend sends one signee's call-to-action again: only the instance owner
// may, only to a signee who was told and has not signed (ErrConflict), at
// most once per the configuration's resend interval (a *TooSoonError with
// the time to wait). The message's idempotency key counts the resends, so
// a retried request sends it once; the send is recorded and audited after
// it went out ("signee.invitation-resent").
func (s *Service) Resend(ctx context.Context, in ResendInput) (Signee, error) {
	if err := in.Caller.Validate(); err != nil {
		return Signee{}, err
	}
	if err := in.Signee.Validate(); err != nil {
		return Signee{}, err
	}
	task, err := s.taskFor(ctx, in.Task, in.Instance)
	if err != nil {
		return Signee{}, err
	}
	if !task.Status.Open() {
		return Signee{}, closedError(task)
	}
	if !s.isOwner(task, in.Caller) {
		return Signee{}, fmt.Errorf("only the instance owner may send an invitation again: %w", ErrForbidden)
	}
	settings, err := task.Config.DeadlineSettings()
	if err != nil {
		return Signee{}, fmt.Errorf("task %s: its configuration: %w", task.Key, err)
	}
	key := task.Key.At(task.Attempt)
	sg, err := s.Repo.GetSignee(ctx, key, in.Signee)
	if err != nil {
		return Signee{}, changedMeanwhile(err)
	}
	if task.GroupComplete(sg.Group) {
		return Signee{}, fmt.Errorf("signee %s: %w", sg.Key, ErrSignatureNotNeeded)
	}
	now := s.Clock.Now()
	change := Resent{At: now, Interval: settings.ResendInterval, Actor: s.Identities.Person(in.Caller.Person)}
	if _, _, err := change.Apply(sg); err != nil {
		return Signee{}, err
	}
	resource, ok := task.Config.CorrespondenceResourceFor(s.Settings.Environment)
	if !ok {
		return Signee{}, fmt.Errorf("no correspondence resource is configured for environment %q: %w", s.Settings.Environment, ErrConflict)
	}
	msg, err := s.callToAction(ctx, task, sg, resource, idempotencyKey("resend", task, fmt.Sprintf("%s:%d", sg.Key, sg.Resends+1)))
	if err != nil {
		return Signee{}, fmt.Errorf("send the invitation again: %w", err)
	}
	if _, err := s.Correspondence.Send(ctx, msg); err != nil {
		return Signee{}, fmt.Errorf("send the invitation again: %w", err)
	}
	out, err := s.Repo.ChangeSignee(ctx, key, sg.Key, change)
	return out, changedMeanwhile(err)
}

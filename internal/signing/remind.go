package signing

import (
	"context"
	"fmt"
	"log/slog"
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
	if len(t.Config.Reminders) == 0 || !t.Status.Open() || t.Counts.AllSigned() {
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
	send, due, next := reminder.Due(times, t.RemindersDoneUntil, now)
	if !send {
		return need, time.Time{}, next, nil
	}
	held, more := false, false
	err = s.eachSignee(ctx, t.Key, func(sg Signee) error {
		if sg.Status != SigneeNotified || !due.After(sg.RemindedAt) {
			return nil
		}
		if sg.Communication.SMS() && settings.SMSWindow.Next(now).After(now) {
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
	if held {
		if open := settings.SMSWindow.Next(now); next.IsZero() || open.Before(next) {
			next = open
		}
	}
	if len(need) == 0 && !held && !more {
		if err := s.Repo.SetRemindersDone(ctx, t.Key, due); err != nil {
			return nil, time.Time{}, time.Time{}, err
		}
	}
	return need, due, next, nil
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
	if err != nil || !open || sg.Status != SigneeNotified || !due.After(sg.RemindedAt) {
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
	if err == nil {
		// The app's signing.correspondence_reminder_* texts, else the defaults.
		m := texts.Reminder(res, lang, texts.CTAKeys{}, vars)
		_, err = s.Correspondence.Send(ctx, Message{
			IdempotencyKey:   idempotencyKey("remind", task, string(sk)+":"+due.UTC().Format("20060102T150405Z")),
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

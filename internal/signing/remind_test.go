package signing_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

// reminders returns the reminder messages sent, by recipient party.
func reminders(h *harness) map[string][]string {
	out := map[string][]string{}
	for _, m := range h.Emu.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, "remind:") {
			out[m.RecipientPartyUUID] = append(out[m.RecipientPartyUUID], m.Body)
		}
	}
	return out
}

// startWithReminders starts the founders task with reminders and a
// deadline, and delegates and tells everyone.
func startWithReminders(t *testing.T, h *harness, offsets []string, deadline time.Time) {
	t.Helper()
	h.Cfg.Reminders = offsets
	started, err := h.Svc.Start(context.Background(), signing.StartInput{
		Instance: foundersInstance, TaskID: "SigningTask", Config: h.Cfg, Attempt: 1, ExecutionARN: executionARN(1), Deadline: deadline,
	})
	if err != nil {
		t.Fatal(err)
	}
	delegateAndNotify(t, h, started.Signees)
}

// collectAndRemind runs a Collect round and the reminders it asks for,
// twice each (a retried step), as the workflow's Send Reminders Map does.
func collectAndRemind(t *testing.T, h *harness) signing.Collected {
	t.Helper()
	ctx := context.Background()
	col, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{})
	if err != nil {
		t.Fatalf("Collect() error = %v", err)
	}
	for _, sk := range col.NeedReminder {
		for range 2 {
			if _, err := h.Svc.Remind(ctx, foundersTask, sk, *col.ReminderDue); err != nil {
				t.Fatalf("Remind(%s) error = %v", sk, err)
			}
		}
	}
	return col
}

func TestService_reminders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	start := h.Clock.Now()
	deadline := start.Add(72 * time.Hour)
	startWithReminders(t, h, []string{"P1D", "-PT2H"}, deadline)
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); err != nil {
		t.Fatal(err)
	}
	col := collectAndRemind(t, h)
	if len(col.NeedReminder) != 0 || col.WaitSeconds > int((24*time.Hour).Seconds()) {
		t.Fatalf("Collect() before the first reminder = %v, wait %ds; want none, and the wait to end when it is due", col.NeedReminder, col.WaitSeconds)
	}

	h.Clock.Advance(24*time.Hour + time.Minute)
	col = collectAndRemind(t, h)
	owed := col.NeedReminder
	if len(col.NeedReminder) != 2 || col.ReminderDue == nil || !col.ReminderDue.Equal(start.Add(24*time.Hour)) {
		t.Fatalf("Collect() after a day = %v due %v, want Kari and the company owed the reminder of %v", col.NeedReminder, col.ReminderDue, start.Add(24*time.Hour))
	}
	if want := int(deadline.Add(-2*time.Hour).Sub(h.Clock.Now()).Seconds()) + 1; col.WaitSeconds > want {
		t.Errorf("WaitSeconds = %d, want at most %d: the next reminder is two hours before the deadline", col.WaitSeconds, want)
	}
	got := reminders(h)
	if len(got[olaUUID]) != 0 {
		t.Errorf("Ola, who signed, got %d reminders", len(got[olaUUID]))
	}
	total := 0
	for who, bodies := range got {
		total += len(bodies)
		for _, b := range bodies {
			if !strings.Contains(b, "6. mars 2026 kl. 11.00") {
				t.Errorf("reminder to %s does not name the deadline in Norwegian time: %q", who, b)
			}
		}
	}
	if total != 2 {
		t.Errorf("reminders sent = %d, want 2: one each to Kari and the company, however often the step ran", total)
	}
	col = collectAndRemind(t, h)
	if len(col.NeedReminder) != 0 {
		t.Errorf("Collect() after the reminders = %v, want none", col.NeedReminder)
	}
	task, err := h.Repo.GetTask(ctx, foundersTask)
	if err != nil || !task.RemindersDoneUntil.Equal(start.Add(24*time.Hour)) {
		t.Errorf("RemindersDoneUntil = %v, %v; want the first reminder's time", task.RemindersDoneUntil, err)
	}

	// A reminder step still running when the deadline passed sends nothing;
	// Collect expires the task.
	h.Clock.Advance(72 * time.Hour)
	if _, err := h.Svc.Remind(ctx, foundersTask, owed[0], deadline.Add(-2*time.Hour)); err != nil {
		t.Errorf("Remind() after the deadline error = %v", err)
	}
	if _, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{}); !errors.Is(err, signing.ErrExpired) {
		t.Errorf("Collect() after the deadline error = %v, want ErrExpired", err)
	}
	if n := len(reminders(h)[kariUUID]) + len(reminders(h)[companyUUID]); n != 2 {
		t.Errorf("reminders after the deadline: %d in all, want still 2", n)
	}
}

// An outage of the messaging service lets two reminders pass: the signees
// get one catch-up reminder, not two.
func TestService_remindersCatchUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	startWithReminders(t, h, []string{"P1D", "P2D"}, time.Time{})
	h.Clock.Advance(50 * time.Hour)
	col := collectAndRemind(t, h)
	if col.ReminderDue == nil || !col.ReminderDue.Equal(signingtestStart(h).Add(48*time.Hour)) {
		t.Errorf("ReminderDue = %v, want the second reminder's time", col.ReminderDue)
	}
	collectAndRemind(t, h)
	for who, bodies := range reminders(h) {
		if len(bodies) != 1 {
			t.Errorf("%s got %d reminders, want one catch-up", who, len(bodies))
		}
		if strings.Contains(bodies[0], "Fristen") {
			t.Errorf("reminder without a deadline names one: %q", bodies[0])
		}
	}
	if n := len(reminders(h)); n != 3 {
		t.Errorf("signees reminded = %d, want all 3", n)
	}
	h.Clock.Advance(30 * 24 * time.Hour)
	if col := collectAndRemind(t, h); len(col.NeedReminder) != 0 || col.WaitSeconds != signing.DefaultWaitSeconds {
		t.Errorf("Collect() after the last reminder = %v, wait %d; want none and the plain wait", col.NeedReminder, col.WaitSeconds)
	}
}

// signingtestStart is when the harness's task started (its clock's start).
func signingtestStart(h *harness) time.Time {
	task, _ := h.Repo.GetTask(context.Background(), foundersTask)
	return task.CreatedAt
}

// A reminder due at night waits for the SMS window when the signee's
// notification may go by SMS (the fixture's people have mobiles): the wait
// ends when the window opens, and the reminder goes then.
func TestService_remindersHoldSMS(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Cfg.SMSWindow = "08:00-21:00"
	startWithReminders(t, h, []string{"PT11H"}, time.Time{}) // 11:00 Oslo + 11 h = 22:00
	h.Clock.Advance(11*time.Hour + time.Minute)
	col := collectAndRemind(t, h)
	if len(col.NeedReminder) != 0 {
		t.Fatalf("Collect() at 22:01 Oslo = %v, want every SMS reminder held", col.NeedReminder)
	}
	open := time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC).Add(-time.Hour) // 08:00 Oslo (CET)
	long, err := h.Svc.Collect(context.Background(), foundersTask, signing.CollectOptions{WaitSeconds: 86400})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Clock.Now().Add(time.Duration(long.WaitSeconds) * time.Second); got.Before(open) || got.After(open.Add(time.Second)) {
		t.Errorf("a day's wait ends at %v, want when the window opens, %v", got, open)
	}
	h.Clock.Advance(open.Sub(h.Clock.Now()))
	col = collectAndRemind(t, h)
	if len(col.NeedReminder) != 3 || len(reminders(h)) != 3 {
		t.Errorf("Collect() at 08:00 Oslo = %v (%d reminded), want all three reminded", col.NeedReminder, len(reminders(h)))
	}
}

// messagesOf returns the bodies of the messages whose idempotency key is of kind.
func messagesOf(h *harness, kind string) []string {
	var out []string
	for _, m := range h.Emu.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, kind+":") {
			out = append(out, m.Body)
		}
	}
	return out
}

// The owner moves the deadline: the task does not expire at the old one,
// the signees are told the new one, and the reminder before the deadline
// comes again before the new one.
func TestService_extendDeadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	start := h.Clock.Now()
	deadline := start.Add(24 * time.Hour)
	startWithReminders(t, h, []string{"-PT2H"}, deadline)
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(22*time.Hour + time.Minute)
	if col := collectAndRemind(t, h); len(col.NeedReminder) != 2 {
		t.Fatalf("reminder before the first deadline = %v, want Kari and the company", col.NeedReminder)
	}

	later := start.Add(48 * time.Hour)
	for _, tt := range []struct {
		name   string
		caller signing.Caller
		to     time.Time
		want   error
	}{
		{"a signee", ola(t), later, signing.ErrForbidden},
		{"earlier", kari(t), deadline.Add(-time.Hour), signing.ErrInvalid},
		{"past the execution's lifetime", kari(t), start.Add(signing.MaxDuration + time.Hour), signing.ErrInvalid},
	} {
		if _, err := h.Svc.ExtendDeadline(ctx, signing.ExtendInput{Task: foundersTask, Caller: tt.caller, Deadline: tt.to}); !errors.Is(err, tt.want) {
			t.Errorf("ExtendDeadline(%s) error = %v, want %v", tt.name, err, tt.want)
		}
	}
	task, err := h.Svc.ExtendDeadline(ctx, signing.ExtendInput{Task: foundersTask, Caller: kari(t), Deadline: later})
	if err != nil || !task.Deadline.Equal(later) {
		t.Fatalf("ExtendDeadline() = %v, %v; want the deadline moved to %v", task.Deadline, err, later)
	}
	h.Clock.Advance(3 * time.Hour) // past the old deadline
	col := collectAndRemind(t, h)
	if len(col.NeedReminder) != 2 {
		t.Fatalf("Collect() after the old deadline = %v, want Kari and the company told of the extension", col.NeedReminder)
	}
	told := messagesOf(h, "extended")
	if len(told) != 2 || !strings.Contains(told[0], "5. mars 2026 kl. 11.00") || !strings.Contains(told[0], "forlenget") {
		t.Errorf("extension notices = %q, want two naming the new deadline", told)
	}
	h.Clock.Advance(46*time.Hour + time.Minute - 25*time.Hour - 2*time.Minute)
	if col := collectAndRemind(t, h); len(col.NeedReminder) != 2 {
		t.Errorf("reminder before the new deadline = %v, want Kari and the company again", col.NeedReminder)
	}
	if n := len(messagesOf(h, "remind")); n != 4 {
		t.Errorf("reminders = %d, want 4: two before each deadline", n)
	}
	audit, _ := h.Repo.Audit(ctx, foundersTask)
	var ext int
	for _, e := range audit {
		if e.Action == "task.deadline-extended" {
			ext++
		}
	}
	if ext != 1 {
		t.Errorf("task.deadline-extended entries = %d, want 1", ext)
	}
}

// An extension the configuration keeps quiet tells nobody.
func TestService_extendDeadlineQuiet(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Cfg.QuietDeadlineExtension = true
	ctx := context.Background()
	startWithReminders(t, h, nil, h.Clock.Now().Add(24*time.Hour))
	if _, err := h.Svc.ExtendDeadline(ctx, signing.ExtendInput{Task: foundersTask, Caller: kari(t), Deadline: h.Clock.Now().Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(time.Hour)
	if col := collectAndRemind(t, h); len(col.NeedReminder) != 0 || len(messagesOf(h, "extended")) != 0 {
		t.Errorf("a quiet extension told %v", col.NeedReminder)
	}
}

// The owner sends one signee's invitation again, at most once per interval.
func TestService_resend(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Cfg.ResendInterval = "PT1H"
	ctx := context.Background()
	started := h.Ready(t)
	var company signing.SigneeKey
	for _, sk := range started.Signees {
		if sg, _ := h.Repo.GetSignee(ctx, foundersTask, sk); sg.PartyUUID == companyUUID {
			company = sk
		}
	}
	in := signing.ResendInput{Task: foundersTask, Caller: kari(t), Signee: company}
	if _, err := h.Svc.Resend(ctx, signing.ResendInput{Task: foundersTask, Caller: ola(t), Signee: company}); !errors.Is(err, signing.ErrForbidden) {
		t.Errorf("Resend() by a signee error = %v, want ErrForbidden", err)
	}
	sg, err := h.Svc.Resend(ctx, in)
	if err != nil || sg.Resends != 1 {
		t.Fatalf("Resend() = %d resends, %v", sg.Resends, err)
	}
	h.Clock.Advance(20 * time.Minute)
	_, err = h.Svc.Resend(ctx, in)
	var soon *signing.TooSoonError
	if !errors.As(err, &soon) || soon.RetryAfter != 40*time.Minute {
		t.Errorf("Resend() 20 minutes later error = %v, want too soon, again in 40m", err)
	}
	h.Clock.Advance(40 * time.Minute)
	if sg, err := h.Svc.Resend(ctx, in); err != nil || sg.Resends != 2 {
		t.Errorf("Resend() after the interval = %d resends, %v; want 2", sg.Resends, err)
	}
	if n := len(messagesOf(h, "resend")); n != 2 {
		t.Errorf("invitations sent again = %d, want 2", n)
	}
	if _, err := h.Svc.Resend(ctx, signing.ResendInput{Task: foundersTask, Caller: kari(t), Signee: "p-000000000000000000000000"}); !errors.Is(err, signing.ErrNotFound) {
		t.Errorf("Resend(unknown signee) error = %v, want ErrNotFound", err)
	}
}

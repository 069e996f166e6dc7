package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/reminder"
)

// reminded returns the reminder messages sent, by recipient party.
func reminded(r *scenario.Run) map[string][]emulator.MessageRecord {
	out := map[string][]emulator.MessageRecord{}
	for _, m := range r.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, "remind:") {
			out[m.RecipientPartyUUID] = append(out[m.RecipientPartyUUID], m)
		}
	}
	return out
}

// TestReminder_beforeTheDeadline: a task with a reminder a few seconds after
// the invitation and one before a deadline. Ola signs at once; the wait ends
// when the first reminder is due, and Kari and the company get it, once
// each, naming the deadline in Norwegian time; Ola, who signed, gets none.
// A messaging outage at the second reminder's time delays it: it arrives
// once the service is back (the catch-up), once per signee.
func TestReminder_beforeTheDeadline(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	deadline := time.Now().Add(time.Hour).Truncate(time.Second)
	second := deadline.Add(-59*time.Minute - 30*time.Second) // about 30 s after the invitation
	r.Input.Deadline = deadline
	r.Input.Config.Reminders = []string{"PT4S", "-PT59M30S"}
	r.Input.Config.SMSWindow = "00:00-24:00" // the fixture's people have mobiles; the test runs at any hour
	started(t, r)
	sign(t, r, ola, "", http.StatusOK)

	err := scenario.Eventually(within(t, 60*time.Second), func() (bool, error) {
		got := reminded(r)
		return len(got[kari.PartyUUID]) >= 1 && len(got[company.PartyUUID]) >= 1, nil
	})
	if err != nil {
		states, _ := statesEntered(r)
		t.Fatalf("no reminder to Kari and the company: %v; states entered: %v", err, states)
	}
	fault(t, r, emulator.OpSend) // the second reminder meets an outage
	settle()
	got := reminded(r)
	if len(got[ola.PartyUUID]) != 0 {
		t.Errorf("Ola, who signed, got %d reminders", len(got[ola.PartyUUID]))
	}
	want := reminder.FormatDeadline(deadline, "nb")
	for _, who := range []scenario.Party{kari, company} {
		ms := got[who.PartyUUID]
		if len(ms) != 1 {
			t.Errorf("%s got %d reminders by now, want 1", who.Name, len(ms))
			continue
		}
		if !strings.Contains(ms[0].Body, want) {
			t.Errorf("the reminder to %s does not name the deadline %q: %q", who.Name, want, ms[0].Body)
		}
	}

	// The second reminder falls in the outage: nobody gets it while it lasts.
	time.Sleep(time.Until(second.Add(5 * time.Second)))
	for _, who := range []scenario.Party{kari, company} {
		if n := len(reminded(r)[who.PartyUUID]); n != 1 {
			t.Fatalf("%s got %d reminders during the outage, want still 1", who.Name, n)
		}
	}
	r.Stack.Emulator.ClearFaults()
	err = scenario.Eventually(within(t, 90*time.Second), func() (bool, error) {
		got := reminded(r)
		return len(got[kari.PartyUUID]) >= 2 && len(got[company.PartyUUID]) >= 2, nil
	})
	if err != nil {
		t.Fatalf("no catch-up reminder after the outage: %v (reminders %v)", err, len(reminded(r)))
	}
	settle()
	for _, who := range []scenario.Party{kari, company} {
		if n := len(reminded(r)[who.PartyUUID]); n != 2 {
			t.Errorf("%s got %d reminders, want 2: the first, and the second once after the outage", who.Name, n)
		}
	}
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
}

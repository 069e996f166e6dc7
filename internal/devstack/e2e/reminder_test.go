package e2e

import (
	"encoding/json"
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

// signeeKeyOf reads p's signee key from the signing state, as the owner.
func signeeKeyOf(t *testing.T, r *scenario.Run, owner, p scenario.Party) string {
	t.Helper()
	resp, err := r.State(within(t, 30*time.Second), owner)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("signing state = %s %v", resp, err)
	}
	var st struct {
		SigneeStates []struct {
			SigneeKey string `json:"signeeKey"`
			PartyID   int64  `json:"partyId"`
		} `json:"signeeStates"`
	}
	if err := json.Unmarshal(resp.Body, &st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st.SigneeStates {
		if s.PartyID == p.PartyID {
			return s.SigneeKey
		}
	}
	t.Fatalf("%s is not in the signing state %s", p.Name, resp.Body)
	return ""
}

// TestDeadline_extendedAndResent: the owner moves the deadline while the
// workflow waits; the execution does not expire at the old deadline, the
// signees who have not signed are told the new one, the reminder before it
// comes again before the new one, and the task still signs. Inside the
// resend interval a second invitation is refused with 429 and Retry-After.
func TestDeadline_extendedAndResent(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	deadline := time.Now().Add(20 * time.Second).Truncate(time.Second)
	r.Input.Deadline = deadline
	r.Input.Config.Reminders = []string{"-PT10S"}
	r.Input.Config.SMSWindow = "00:00-24:00"
	r.Input.Config.ResendInterval = "PT1H"
	started(t, r)
	sign(t, r, ola, "", http.StatusOK)

	// The owner sends the company's invitation again; a second time inside the hour is refused.
	key := signeeKeyOf(t, r, kari, company)
	if resp, err := r.Resend(within(t, 30*time.Second), kari, key); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("resend = %s %v, want 200", resp, err)
	}
	resp, err := r.Resend(within(t, 30*time.Second), kari, key)
	if err != nil || resp.Status != http.StatusTooManyRequests || !strings.Contains(string(resp.Body), "too-soon") {
		t.Errorf("resend again = %s %v, want 429 too-soon", resp, err)
	}
	if n := len(messagesByParty(r, "resend")[company.PartyUUID]); n != 1 {
		t.Errorf("invitations sent again to the company = %d, want 1", n)
	}

	later := deadline.Add(40 * time.Second)
	if resp, err := r.ExtendDeadline(within(t, 30*time.Second), kari, later); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("extend = %s %v, want 200", resp, err)
	}
	err = scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		return len(messagesByParty(r, "extended")[kari.PartyUUID]) == 1 && len(messagesByParty(r, "extended")[company.PartyUUID]) == 1, nil
	})
	if err != nil {
		t.Fatalf("the signees were not told of the extension: %v", err)
	}
	// Past the old deadline the task still collects, and the reminder
	// before the new deadline arrives.
	time.Sleep(time.Until(deadline.Add(2 * time.Second)))
	if status, _, _ := r.Outcome(within(t, 5*time.Second)); status != "" && status != "RUNNING" {
		t.Fatalf("the execution ended %s at the old deadline", status)
	}
	err = scenario.Eventually(within(t, 60*time.Second), func() (bool, error) {
		got := reminded(r)
		for _, m := range got[company.PartyUUID] {
			if strings.Contains(m.Body, reminder.FormatDeadline(later, "nb")) {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no reminder before the new deadline: %v (reminders: %d)", err, len(reminded(r)[company.PartyUUID]))
	}
	if n := len(messagesByParty(r, "extended")[ola.PartyUUID]); n != 0 {
		t.Errorf("Ola, who signed, was told of the extension %d times", n)
	}
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
}

// messagesByParty returns the messages of one idempotency-key kind by recipient party.
func messagesByParty(r *scenario.Run, kind string) map[string][]emulator.MessageRecord {
	out := map[string][]emulator.MessageRecord{}
	for _, m := range r.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, kind+":") {
			out[m.RecipientPartyUUID] = append(out[m.RecipientPartyUUID], m)
		}
	}
	return out
}

// TestReject_withReasonAndCancel: the owner rejects with a reason and the
// others are told why; the owner's cancel of another task ends with outcome
// cancelled, the signees told the sender withdrew it, and a signee may not
// cancel.
func TestReject_withReasonAndCancel(t *testing.T) {
	t.Run("reject", func(t *testing.T) {
		r := newRun(t)
		kari, ola, company := scenario.Founders(fixture)
		started(t, r)
		resp, err := r.RejectBecause(within(t, 30*time.Second), kari, "Feil aksjekapital")
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("reject = %s %v", resp, err)
		}
		outcome(t, r, "rejected")
		settle()
		for _, who := range []scenario.Party{ola, company} {
			ms := messagesByParty(r, "cancel")[who.PartyUUID]
			if len(ms) != 1 || !strings.Contains(ms[0].Body, "«Feil aksjekapital»") {
				t.Errorf("%s's cancellation = %d messages %v, want one with the reason", who.Name, len(ms), ms)
			}
		}
	})
	t.Run("signee_rejects", func(t *testing.T) {
		r := newRun(t)
		kari, ola, company := scenario.Founders(fixture)
		r.Input.Config.SigneeProviderID = mayReject
		started(t, r)
		resp, err := r.RejectBecause(within(t, 30*time.Second), ola, "Jeg er ikke styremedlem")
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("reject by Ola (given the reject action) = %s %v", resp, err)
		}
		outcome(t, r, "rejected")
		settle()
		owner := messagesByParty(r, "owner-rejected")[kari.PartyUUID]
		if len(owner) != 1 || !strings.Contains(owner[0].Body, "«Jeg er ikke styremedlem»") {
			t.Errorf("the owner's message = %v, want one with the reason", owner)
		}
		ms := messagesByParty(r, "cancel")[company.PartyUUID]
		if len(ms) != 1 || !strings.Contains(ms[0].Body, "avslo") || !strings.Contains(ms[0].Body, "«Jeg er ikke styremedlem»") {
			t.Errorf("the company's cancellation = %v, want a signee's reject with the reason", ms)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		r := newRun(t)
		kari, ola, _ := scenario.Founders(fixture)
		started(t, r)
		if resp, err := r.Cancel(within(t, 30*time.Second), ola, "nei"); err != nil || resp.Status != http.StatusForbidden {
			t.Errorf("cancel by a signee = %s %v, want 403", resp, err)
		}
		if resp, err := r.Cancel(within(t, 30*time.Second), kari, "Vi venter"); err != nil || resp.Status != http.StatusOK {
			t.Fatalf("cancel = %s %v", resp, err)
		}
		outcome(t, r, "cancelled")
		settle()
		ms := messagesByParty(r, "cancel")[ola.PartyUUID]
		if len(ms) != 1 || !strings.Contains(ms[0].Body, "trukket tilbake") || !strings.Contains(ms[0].Body, "«Vi venter»") {
			t.Errorf("Ola's cancellation = %v, want the sender's withdrawal with the reason", ms)
		}
	})
}

package texts_test

import (
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/texts"
)

func TestReminder(t *testing.T) {
	t.Parallel()
	v := testVars()
	v.Deadline = "5. desember 2026 kl. 14.00"
	got := texts.Reminder(nil, "nb", texts.CTAKeys{}, v)
	want := texts.CTA{
		Message: texts.Message{
			Language: "nb",
			Title:    "Stiftelse AS: Påminnelse om oppgave til signering",
			Summary:  "Din signatur ventes fortsatt for Stiftelse AS. Fristen er 5. desember 2026 kl. 14.00.",
			Body:     "Du har fortsatt en oppgave som venter på din signatur. Fristen er 5. desember 2026 kl. 14.00. [Klikk her for å åpne skjema](" + testURL + ")\n\nHvis du lurer på noe, kan du kontakte Brønnøysundregistrene.",
		},
		EmailSubject:         "Stiftelse AS: Påminnelse om oppgave til signering",
		EmailBody:            "Påminnelse: Din signatur ventes for Stiftelse AS. Fristen er 5. desember 2026 kl. 14.00. Åpne Altinn-innboksen din for å fortsette.\n\nHvis du lurer på noe, kan du kontakte Brønnøysundregistrene.",
		SMSBody:              "Påminnelse: Din signatur ventes for Stiftelse AS. Fristen er 5. desember 2026 kl. 14.00. Åpne Altinn-innboksen din for å fortsette.",
		ReminderEmailSubject: "Stiftelse AS: Påminnelse om oppgave til signering",
		ReminderEmailBody:    "Påminnelse: Din signatur ventes for Stiftelse AS. Fristen er 5. desember 2026 kl. 14.00. Åpne Altinn-innboksen din for å fortsette.\n\nHvis du lurer på noe, kan du kontakte Brønnøysundregistrene.",
		ReminderSMSBody:      "Påminnelse: Din signatur ventes for Stiftelse AS. Fristen er 5. desember 2026 kl. 14.00. Åpne Altinn-innboksen din for å fortsette.",
	}
	if got != want {
		t.Errorf("Reminder(nb) =\n%+v\nwant\n%+v", got, want)
	}
	// Without a deadline the notification texts are the reference's, word for word.
	noDeadline := texts.Reminder(nil, "en", texts.CTAKeys{}, testVars())
	if noDeadline.SMSBody != wantCTAEN.ReminderSMSBody || noDeadline.EmailBody != wantCTAEN.ReminderEmailBody {
		t.Errorf("Reminder(en, no deadline) SMS %q email %q, want the reference's", noDeadline.SMSBody, noDeadline.EmailBody)
	}
	if strings.Contains(noDeadline.Summary+noDeadline.Body, "deadline") {
		t.Errorf("Reminder without a deadline mentions one: %q", noDeadline.Body)
	}
	for _, lang := range []string{"nn", "en"} {
		m := texts.Reminder(nil, lang, texts.CTAKeys{}, v)
		if !strings.Contains(m.Body, v.Deadline) || !strings.Contains(m.SMSBody, v.Deadline) || m.Language != lang {
			t.Errorf("Reminder(%s) = %+v, want the deadline in body and SMS", lang, m)
		}
	}
	res := texts.Resources{"nb": {
		texts.KeyReminderTitle: "Husk {0}",
		texts.KeyReminderBody:  "Frist $DEADLINE$: $instanceUrl$",
	}}
	m := texts.Reminder(res, "nb", texts.CTAKeys{}, v)
	if m.Title != "Husk Kari Nordmann" || m.Body != "Frist 5. desember 2026 kl. 14.00: [Klikk her for å åpne skjema]("+testURL+")" {
		t.Errorf("Reminder(app texts) = %q / %q", m.Title, m.Body)
	}
}

func TestDeadlineExtended(t *testing.T) {
	t.Parallel()
	v := testVars()
	v.Deadline = "12 December 2026 at 12:00 Norwegian time"
	m := texts.DeadlineExtended(nil, "en", v)
	if m.Title != "Stiftelse AS: Signing deadline extended" || m.Summary != "The new deadline for signing is 12 December 2026 at 12:00 Norwegian time." {
		t.Errorf("DeadlineExtended(en) = %+v", m)
	}
	for _, lang := range []string{"nb", "nn"} {
		if m := texts.DeadlineExtended(nil, lang, v); !strings.Contains(m.Body, v.Deadline) || !strings.Contains(m.Body, testURL) {
			t.Errorf("DeadlineExtended(%s).Body = %q", lang, m.Body)
		}
	}
}

func TestCancelledBecause(t *testing.T) {
	t.Parallel()
	v := testVars()
	v.Reason = "Feil aksjekapital"
	rejected := texts.CancelledBecause(nil, "nb", texts.ByReject, v)
	if want := "Oppgaven med å signere Stiftelse AS er avbrutt fordi en av dem som skulle signere, avslo. Begrunnelse: «Feil aksjekapital». Du trenger ikke gjøre noe mer. <br /><br />Hvis du lurer på noe, kan du kontakte Brønnøysundregistrene."; rejected.Body != want {
		t.Errorf("CancelledBecause(reject).Body = %q, want %q", rejected.Body, want)
	}
	if plain := texts.Cancelled(nil, "nb", v); rejected.Title != plain.Title || rejected.Summary != plain.Summary {
		t.Errorf("CancelledBecause changed title or summary: %+v", rejected)
	}
	withdrawn := texts.CancelledBecause(nil, "en", texts.ByOwner, texts.Vars{AppName: testApp, AppOwner: testOwner})
	if want := "The sender has withdrawn the request to sign Stiftelse AS. There is nothing more for you to do. <br /><br />If you have any questions, you can contact Brønnøysundregistrene."; withdrawn.Body != want {
		t.Errorf("CancelledBecause(owner, no reason).Body = %q, want %q", withdrawn.Body, want)
	}
	if expired := texts.CancelledBecause(nil, "nn", texts.ByDeadline, v); expired != texts.Cancelled(nil, "nn", v) {
		t.Errorf("CancelledBecause(expired) = %+v, want Cancelled", expired)
	}
	owner := texts.OwnerRejected(nil, "nn", v)
	if !strings.Contains(owner.Body, "Grunngiving: «Feil aksjekapital».") || owner.Title != "Stiftelse AS: Signeringa vart avslått" {
		t.Errorf("OwnerRejected(nn) = %+v", owner)
	}
}

// A reason is a person's free text: in a markdown body it cannot add a
// link, markup or a new paragraph.
func TestReasonIsInert(t *testing.T) {
	t.Parallel()
	v := testVars()
	v.Reason = "see [this](https://evil.example) <img src=x> **now**\n\n# Heading"
	for _, m := range []texts.Message{
		texts.CancelledBecause(nil, "nb", texts.ByReject, v),
		texts.OwnerRejected(nil, "en", v),
		texts.CancelledBecause(texts.Resources{"nb": {texts.KeyRejectedBody: "Avslått: $reason$"}}, "nb", texts.ByReject, v),
	} {
		// Each special character of the reason arrives escaped.
		for _, bad := range []string{"](https://evil", " <img", " **now**", "\n# Heading", "\n\n#"} {
			if strings.Contains(m.Body, bad) {
				t.Errorf("body %q carries %q from the reason", m.Body, bad)
			}
		}
		if !strings.Contains(m.Body, `\[this\]`) {
			t.Errorf("body %q lost the reason's words", m.Body)
		}
	}
	if got := texts.EscapeMarkdown("a\x00b\x1bc"); got != "abc" {
		t.Errorf("EscapeMarkdown(control characters) = %q, want them dropped", got)
	}
}

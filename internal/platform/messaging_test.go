package platform_test

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"testing"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

func TestCorrespondenceClient_Send(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pdf, err := os.ReadFile("emulator/fixtures/founders/ref-data-as-pdf.pdf")
	if err != nil {
		t.Fatal(err)
	}

	cta := message("cta:" + instanceGUID + ":ola")
	cta.Notification = &signing.NotificationOrder{
		Choice: signing.NotifySMSAndEmail, EmailAddress: "ola.testesen@example.com", MobileNumber: "+4799999902",
		EmailSubject: "Oppgave til signering", EmailBody: "Din signatur ventes.", SMSBody: "Din signatur ventes.",
	}
	receipt := message("receipt:" + instanceGUID + ":ola")
	receipt.Title = "Stiftelsesdokumenter: Signeringen er bekreftet"
	receipt.Attachments = []signing.Attachment{
		{DataElementID: pdfID, Filename: "Stiftelsesdokumenter.pdf", ContentType: "application/pdf", Body: pdf},
		{DataElementID: modelID, Filename: "model.xml", ContentType: "application/xml", Body: []byte("<model/>")},
	}

	ctaID, err := e.c.Correspondence.Send(t.Context(), cta)
	if err != nil {
		t.Fatalf("Send(cta) error = %v", err)
	}
	again, err := e.c.Correspondence.Send(t.Context(), cta)
	if err != nil || again != ctaID {
		t.Errorf("Send(cta) again = %q, %v; want %q", again, err, ctaID)
	}
	receiptID, err := e.c.Correspondence.Send(t.Context(), receipt)
	if err != nil || receiptID == ctaID {
		t.Fatalf("Send(receipt) = %q, %v; want a new ID", receiptID, err)
	}

	msgs := e.emu.Messages()
	if len(msgs) != 2 {
		t.Fatalf("messages = %d, want 2", len(msgs))
	}
	got := msgs[0]
	if got.ID != ctaID || got.Recipient != "urn:altinn:person:identifier-no:"+mustID(olaSSN).Masked() || got.RecipientPartyUUID != olaUUID ||
		got.ResourceID != cta.Resource || got.SendersReference != "50001/"+instanceGUID || got.Title != cta.Title ||
		got.Body != cta.Body || got.Language != "nb" || got.IdempotencyKey != cta.IdempotencyKey || got.IdempotentKey != platform.IdempotentKey(cta.IdempotencyKey) {
		t.Errorf("message = %+v", got)
	}
	n := got.Notification
	if n == nil || n.NotificationTemplate != wire.TemplateCustomMessage || n.NotificationChannel != wire.ChannelEmailAndSMS ||
		!n.OverrideRegisteredContactInformation || len(n.CustomRecipients) != 2 ||
		n.CustomRecipients[0] != (wire.NotificationRecipient{EmailAddress: "ola.testesen@example.com"}) ||
		n.CustomRecipients[1] != (wire.NotificationRecipient{MobileNumber: "+4799999902"}) {
		t.Errorf("notification = %+v, want custom email+SMS with one recipient per identifier", n)
	}
	notes := e.emu.Notifications()
	if len(notes) != 1 || notes[0].CorrespondenceID != ctaID || notes[0].Source != "correspondence" || len(notes[0].Recipients) != 2 {
		t.Errorf("notifications = %+v, want one order for the CTA", notes)
	}

	att := msgs[1].Attachments
	if len(att) != 2 {
		t.Fatalf("attachments = %d, want 2", len(att))
	}
	if att[0].DataElementID != pdfID || att[0].FileName != "Stiftelsesdokumenter.pdf" || att[0].ContentType != "application/pdf" || !bytes.Equal(att[0].Bytes, pdf) {
		t.Errorf("attachment[0] = %s %s %s %d bytes", att[0].DataElementID, att[0].FileName, att[0].ContentType, len(att[0].Bytes))
	}
	if att[1].FileName != "model.xml" || att[1].Size != int64(len("<model/>")) {
		t.Errorf("attachment[1] = %s %s %d", att[1].FileName, att[1].ContentType, att[1].Size)
	}
	if h := e.header("/correspondence/api/v1/correspondence"); h.Get("Idempotency-Key") != "" {
		t.Errorf("Idempotency-Key = %q, want none: the platform keeps the key in the body", h.Get("Idempotency-Key"))
	}
}

func TestCorrespondenceClient_Send_notificationMapping(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	tests := []struct {
		name           string
		order          signing.NotificationOrder
		wantTemplate   string
		wantChannel    string
		wantRecipients []wire.NotificationRecipient
	}{
		{name: "default_generic_registered_contact", order: signing.NotificationOrder{EmailAddress: "x@example.com"},
			wantTemplate: wire.TemplateGenericAltinnMessage, wantChannel: wire.ChannelEmail,
			wantRecipients: []wire.NotificationRecipient{{EmailAddress: "ola.testesen@example.com"}}},
		{name: "email_only_drops_mobile", order: signing.NotificationOrder{Choice: signing.NotifyEmail, EmailAddress: "x@example.com", MobileNumber: "+4711111111", EmailSubject: "s", EmailBody: "b"},
			wantTemplate: wire.TemplateCustomMessage, wantChannel: wire.ChannelEmail,
			wantRecipients: []wire.NotificationRecipient{{EmailAddress: "x@example.com"}}},
		{name: "sms_preferred_without_addresses", order: signing.NotificationOrder{Choice: signing.NotifySMSPreferred, EmailSubject: "s", EmailBody: "b", SMSBody: "t"},
			wantTemplate: wire.TemplateCustomMessage, wantChannel: wire.ChannelSMSPreferred,
			wantRecipients: []wire.NotificationRecipient{{MobileNumber: "+4799999902"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			m := message("mapping:" + tt.name)
			m.Notification = &tt.order
			id, err := e.c.Correspondence.Send(t.Context(), m)
			if err != nil {
				t.Fatalf("Send() error = %v", err)
			}
			for _, n := range e.emu.Notifications() {
				if n.CorrespondenceID != id {
					continue
				}
				if n.Template != tt.wantTemplate || n.Channel != tt.wantChannel || len(n.Recipients) != len(tt.wantRecipients) {
					t.Fatalf("notification = %+v, want %s/%s to %v", n, tt.wantTemplate, tt.wantChannel, tt.wantRecipients)
				}
				for i := range n.Recipients {
					if n.Recipients[i] != tt.wantRecipients[i] {
						t.Errorf("recipients = %+v, want %+v", n.Recipients, tt.wantRecipients)
					}
				}
				return
			}
			t.Errorf("no notification for correspondence %s", id)
		})
	}
}

func TestCorrespondenceClient_Send_errors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.c.Correspondence.Send(t.Context(), message("k1")); err != nil {
		t.Fatal(err)
	}

	noFilename := message("k2")
	noFilename.Attachments = []signing.Attachment{{DataElementID: "00000000-0000-4000-8000-0000000000ff", Body: []byte("x")}}
	unknownRecipient := message("k3")
	unknownRecipient.Recipient = signing.Recipient{Person: mustID("01819012365")}
	noRecipient := message("k4")
	noRecipient.Recipient = signing.Recipient{}
	emptyAttachment := message("k5")
	emptyAttachment.Attachments = []signing.Attachment{{DataElementID: pdfID, Filename: "empty.pdf"}}
	noKey := message("")
	tests := []struct {
		name       string
		m          signing.Message
		want       error
		wantStatus int
	}{
		{name: "attachment_without_filename_not_sent", m: noFilename, want: signing.ErrInvalid, wantStatus: 0},
		{name: "unknown_recipient", m: unknownRecipient, want: signing.ErrNotFound, wantStatus: http.StatusNotFound},
		{name: "no_recipient_not_sent", m: noRecipient, want: signing.ErrInvalid, wantStatus: 0},
		{name: "empty_attachment_refused", m: emptyAttachment, want: signing.ErrInvalid, wantStatus: http.StatusBadRequest},
		{name: "no_idempotency_key_not_sent", m: noKey, want: signing.ErrInvalid, wantStatus: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := e.c.Correspondence.Send(t.Context(), tt.m)
			var pe *platform.PermanentError
			if !errors.As(err, &pe) || !errors.Is(err, tt.want) || pe.Status != tt.wantStatus {
				t.Errorf("Send() error = %v, want *PermanentError %d matching %v", err, tt.wantStatus, tt.want)
			}
		})
	}
	if got := len(e.emu.Messages()); got != 1 {
		t.Errorf("messages = %d, want 1", got)
	}
}

// TestCorrespondenceClient_Send_afterLostAnswer sends, loses the answer (as
// a crash between the platform's write and the step's state change would),
// and sends again: the retry finds the first correspondence by its
// idempotent key and neither uploads nor sends a second time.
func TestCorrespondenceClient_Send_afterLostAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := message("receipt:lost-answer")
	m.Attachments = []signing.Attachment{{DataElementID: pdfID, Filename: "a.pdf", ContentType: "application/pdf", Body: []byte("%PDF-1.7")}}

	first, err := e.c.Correspondence.Send(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	sends, uploads := e.emu.Calls(emulator.OpSend), e.emu.Calls(emulator.OpUploadAttachment)
	again, err := e.c.Correspondence.Send(t.Context(), m)
	if err != nil || again != first {
		t.Fatalf("Send() again = %q, %v; want %q", again, err, first)
	}
	if e.emu.Calls(emulator.OpSend) != sends || e.emu.Calls(emulator.OpUploadAttachment) != uploads {
		t.Errorf("the retry sent or uploaded again")
	}
	if n := len(e.emu.Messages()); n != 1 {
		t.Errorf("messages = %d, want 1", n)
	}
	// The same key with another text is the same message: the key decides.
	m.Title = "Another title"
	if id, err := e.c.Correspondence.Send(t.Context(), m); err != nil || id != first {
		t.Errorf("Send(changed) = %q, %v; want the first ID", id, err)
	}
}

// TestCorrespondenceClient_Send_keyIsBodyField checks the key travels as the
// body's idempotentKey GUID.
func TestCorrespondenceClient_Send_keyIsBodyField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.c.Correspondence.Send(t.Context(), message("k-body")); err != nil {
		t.Fatal(err)
	}
	msgs := e.emu.Messages()
	if len(msgs) != 1 || msgs[0].IdempotentKey != platform.IdempotentKey("k-body") {
		t.Errorf("messages = %+v, want the key as the body's idempotentKey", msgs)
	}
}

package platform_test

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"testing"

	"github.com/signingflow/signing/internal/platform"
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
	receipt.Attachments = []signing.Attachment{{DataElementID: pdfID, ContentType: "application/pdf"}, {DataElementID: modelID}}

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
	if got.ID != ctaID || got.Recipient != "urn:altinn:party:uuid:"+olaUUID || got.RecipientPartyUUID != olaUUID ||
		got.ResourceID != cta.Resource || got.SendersReference != "50001/"+instanceGUID || got.Title != cta.Title ||
		got.Body != cta.Body || got.Language != "nb" || got.IdempotencyKey != cta.IdempotencyKey {
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
	if att[1].FileName != "model.xml" || att[1].ContentType != "application/xml" || att[1].Size == 0 {
		t.Errorf("attachment[1] = %s %s %d", att[1].FileName, att[1].ContentType, att[1].Size)
	}
	if h := e.header("/correspondence/api/v1/correspondence"); h.Get("Idempotency-Key") != receipt.IdempotencyKey {
		t.Errorf("Idempotency-Key = %q, want %q", h.Get("Idempotency-Key"), receipt.IdempotencyKey)
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
			wantRecipients: []wire.NotificationRecipient{{PartyUUID: olaUUID, EmailAddress: "ola.testesen@example.com"}}},
		{name: "email_only_drops_mobile", order: signing.NotificationOrder{Choice: signing.NotifyEmail, EmailAddress: "x@example.com", MobileNumber: "+4711111111", EmailSubject: "s", EmailBody: "b"},
			wantTemplate: wire.TemplateCustomMessage, wantChannel: wire.ChannelEmail,
			wantRecipients: []wire.NotificationRecipient{{EmailAddress: "x@example.com"}}},
		{name: "sms_preferred_without_addresses", order: signing.NotificationOrder{Choice: signing.NotifySMSPreferred, EmailSubject: "s", EmailBody: "b", SMSBody: "t"},
			wantTemplate: wire.TemplateCustomMessage, wantChannel: wire.ChannelSMSPreferred,
			wantRecipients: []wire.NotificationRecipient{{PartyUUID: olaUUID, MobileNumber: "+4799999902"}}},
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

	changed := message("k1")
	changed.Title = "Another title"
	unknownAttachment := message("k2")
	unknownAttachment.Attachments = []signing.Attachment{{DataElementID: "00000000-0000-4000-8000-0000000000ff"}}
	unknownRecipient := message("k3")
	unknownRecipient.RecipientUUID = "00000000-0000-4000-8000-000000000000"
	noKey := message("")
	tests := []struct {
		name       string
		m          signing.Message
		want       error
		wantStatus int
	}{
		{name: "same_key_other_message", m: changed, want: signing.ErrConflict, wantStatus: http.StatusConflict},
		{name: "unknown_attachment", m: unknownAttachment, want: signing.ErrInvalid, wantStatus: http.StatusBadRequest},
		{name: "unknown_recipient", m: unknownRecipient, want: signing.ErrInvalid, wantStatus: http.StatusBadRequest},
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

func TestNotificationsClient_Order(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	o := order("notify:" + instanceGUID + ":ola")
	first, err := e.c.Notifications.Order(t.Context(), o)
	if err != nil {
		t.Fatalf("Order() error = %v", err)
	}
	again, err := e.c.Notifications.Order(t.Context(), o)
	if err != nil || again != first {
		t.Errorf("Order() again = %q, %v; want %q", again, err, first)
	}

	registered := order("notify:registered")
	registered.Choice, registered.EmailAddress, registered.SMSBody = signing.NotifySMS, "", "Din signatur ventes."
	sms, err := e.c.Notifications.Order(t.Context(), registered)
	if err != nil {
		t.Fatalf("Order(registered) error = %v", err)
	}

	changed := o
	changed.EmailBody = "Another text"
	_, err = e.c.Notifications.Order(t.Context(), changed)
	if !errors.Is(err, signing.ErrConflict) {
		t.Errorf("Order(same key, other body) error = %v, want conflict", err)
	}

	got := e.emu.Notifications()
	if len(got) != 2 {
		t.Fatalf("notifications = %+v, want 2", got)
	}
	if got[0].OrderID != first || got[0].Channel != wire.ChannelEmail || got[0].EmailSubject != o.EmailSubject ||
		len(got[0].Recipients) != 1 || got[0].Recipients[0].EmailAddress != o.EmailAddress || got[0].IdempotencyKey != o.IdempotencyKey {
		t.Errorf("notification[0] = %+v", got[0])
	}
	if got[1].OrderID != sms || got[1].Channel != wire.ChannelSMS || got[1].Recipients[0] != (wire.NotificationRecipient{PartyUUID: olaUUID, MobileNumber: "+4799999902"}) {
		t.Errorf("notification[1] = %+v, want SMS to Ola's registered mobile", got[1])
	}
}

func TestNotificationsClient_Order_invalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	noText := order("a")
	noText.EmailBody = ""
	badAddress := order("b")
	badAddress.EmailAddress = "not-an-address"
	unknownParty := order("c")
	unknownParty.EmailAddress, unknownParty.RecipientUUID = "", "00000000-0000-4000-8000-000000000000"
	tests := []struct {
		name       string
		o          signing.NotificationOrder
		wantStatus int
	}{
		{name: "email_without_body_not_sent", o: noText, wantStatus: 0},
		{name: "bad_address", o: badAddress, wantStatus: http.StatusBadRequest},
		{name: "unknown_party", o: unknownParty, wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := e.c.Notifications.Order(t.Context(), tt.o)
			var pe *platform.PermanentError
			if !errors.As(err, &pe) || !errors.Is(err, signing.ErrInvalid) || pe.Status != tt.wantStatus {
				t.Errorf("Order() error = %v, want *PermanentError %d matching ErrInvalid", err, tt.wantStatus)
			}
		})
	}
	if got := e.emu.Notifications(); len(got) != 0 {
		t.Errorf("notifications = %+v, want none", got)
	}
}

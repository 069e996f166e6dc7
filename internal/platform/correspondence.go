package platform

import (
	"context"
	"net/http"
	"strings"

	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

// CorrespondenceClient sends inbox messages (correspondences).
type CorrespondenceClient struct {
	s *service
}

var _ signing.Correspondence = (*CorrespondenceClient)(nil)

// NewCorrespondenceClient returns a client for Config.CorrespondenceURL.
func NewCorrespondenceClient(c Config) (*CorrespondenceClient, error) {
	s, err := c.newService("correspondence", "CorrespondenceURL", c.CorrespondenceURL)
	if err != nil {
		return nil, err
	}
	return &CorrespondenceClient{s: s}, nil
}

// Send sends m to its recipient and returns the correspondence ID. The
// idempotency key is required: a repeat with the same key and message returns
// the first ID; the same key with another message is a *PermanentError
// matching signing.ErrConflict.
func (c *CorrespondenceClient) Send(ctx context.Context, m signing.Message) (string, error) {
	const op = "send"
	body, err := correspondenceBody(m)
	if err != nil {
		return "", c.s.invalidRequest(op, err)
	}
	var resp wire.InitializeCorrespondencesResponse
	err = c.s.doJSON(ctx, request{
		op: op, method: http.MethodPost,
		path:        []string{"correspondence", "api", "v1", "correspondence"},
		header:      http.Header{"Idempotency-Key": {m.IdempotencyKey}},
		body:        body,
		contentType: "application/json",
	}, &resp)
	if err != nil {
		return "", err
	}
	if len(resp.Correspondences) == 0 || !guidPattern.MatchString(resp.Correspondences[0].CorrespondenceID) {
		return "", c.s.invalidResponse(op, http.StatusOK, "the response names no correspondence")
	}
	return strings.ToLower(resp.Correspondences[0].CorrespondenceID), nil
}

// correspondenceBody validates m and marshals the request body.
func correspondenceBody(m signing.Message) ([]byte, error) {
	var errs signing.FieldErrors
	if err := checkIdempotencyKey(m.IdempotencyKey); err != nil {
		errs = append(errs, err.(*signing.FieldError))
	}
	if strings.TrimSpace(m.Resource) == "" {
		errs.Add("resource", "must be set")
	}
	if !guidPattern.MatchString(m.RecipientUUID) {
		errs.Add("recipientUuid", "must be a party UUID")
	}
	if strings.TrimSpace(m.Title) == "" {
		errs.Add("title", "must be set")
	}
	if strings.TrimSpace(m.Body) == "" {
		errs.Add("body", "must be set")
	}
	lang := m.Language
	if lang == "" {
		lang = "nb"
	}
	req := wire.InitializeCorrespondencesRequest{
		Correspondence: wire.Correspondence{
			ResourceID:       m.Resource,
			SendersReference: m.SendersReference,
			Content: wire.Content{
				Language:       lang,
				MessageTitle:   m.Title,
				MessageSummary: m.Summary,
				MessageBody:    m.Body,
			},
		},
		Recipients: []string{wire.RecipientPartyUUIDPrefix + strings.ToLower(m.RecipientUUID)},
	}
	for i, a := range m.Attachments {
		if !guidPattern.MatchString(a.DataElementID) {
			errs.Add("attachments["+itoa(i)+"].dataElementId", "must be a GUID")
			continue
		}
		id := strings.ToLower(a.DataElementID)
		req.Correspondence.Content.Attachments = append(req.Correspondence.Content.Attachments, wire.Attachment{
			DataElementID: id, FileName: a.Filename, ContentType: a.ContentType, SendersReference: id,
		})
	}
	if m.Notification != nil {
		n, err := correspondenceNotification(*m.Notification, m.SendersReference)
		if err != nil {
			errs.Add("notification", "%v", err)
		}
		req.Correspondence.Notification = n
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return marshal(req)
}

// correspondenceNotification maps a notification order to the
// correspondence's notification block (reference §5.2): the default choice
// uses the generic Altinn template and the registered contact information;
// every other choice a custom message with one recipient object per address.
func correspondenceNotification(o signing.NotificationOrder, sendersReference string) (*wire.CorrespondenceNotification, error) {
	if !o.Choice.Valid() {
		return nil, fieldErrorf("choice", "is not a known notification choice")
	}
	ref := o.SendersReference
	if ref == "" {
		ref = sendersReference
	}
	n := &wire.CorrespondenceNotification{
		NotificationTemplate: wire.TemplateCustomMessage,
		EmailSubject:         o.EmailSubject,
		EmailBody:            o.EmailBody,
		SMSBody:              o.SMSBody,
		SendersReference:     ref,
	}
	email, sms := true, true
	switch o.Choice {
	case signing.NotifyDefault:
		n.NotificationTemplate = wire.TemplateGenericAltinnMessage
		n.NotificationChannel = wire.ChannelEmail
		return n, nil
	case signing.NotifyEmail:
		n.NotificationChannel, sms = wire.ChannelEmail, false
	case signing.NotifySMS:
		n.NotificationChannel, email = wire.ChannelSMS, false
	case signing.NotifySMSAndEmail:
		n.NotificationChannel = wire.ChannelEmailAndSMS
	case signing.NotifySMSPreferred:
		n.NotificationChannel = wire.ChannelSMSPreferred
	case signing.NotifyEmailPreferred:
		n.NotificationChannel = wire.ChannelEmailPreferred
	}
	if email && strings.TrimSpace(o.EmailAddress) != "" {
		n.CustomRecipients = append(n.CustomRecipients, wire.NotificationRecipient{EmailAddress: strings.TrimSpace(o.EmailAddress)})
	}
	if sms && strings.TrimSpace(o.MobileNumber) != "" {
		n.CustomRecipients = append(n.CustomRecipients, wire.NotificationRecipient{MobileNumber: strings.TrimSpace(o.MobileNumber)})
	}
	n.OverrideRegisteredContactInformation = len(n.CustomRecipients) > 0
	return n, nil
}

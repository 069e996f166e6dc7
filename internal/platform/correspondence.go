package platform

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

// CorrespondenceClient sends inbox messages (correspondences).
type CorrespondenceClient struct {
	s            *service
	polls        int
	pollInterval time.Duration
}

var _ signing.Correspondence = (*CorrespondenceClient)(nil)

// NewCorrespondenceClient returns a client for Config.CorrespondenceURL.
func NewCorrespondenceClient(c Config) (*CorrespondenceClient, error) {
	s, err := c.newService("correspondence", "CorrespondenceURL", c.CorrespondenceURL)
	if err != nil {
		return nil, err
	}
	out := &CorrespondenceClient{s: s, polls: c.AttachmentPolls, pollInterval: c.AttachmentPollInterval}
	if out.polls <= 0 {
		out.polls = DefaultAttachmentPolls
	}
	if out.pollInterval <= 0 {
		out.pollInterval = DefaultAttachmentPollInterval
	}
	return out, nil
}

// Send sends m to its recipient and returns the correspondence ID, as
// app-lib sends it (Altinn/app-lib-dotnet
// src/Altinn.App.Core/Features/Correspondence/CorrespondenceClient.cs): each
// attachment is registered, uploaded and awaited until published, then the
// correspondence references them. The idempotency key is required; it
// becomes the correspondence's idempotentKey (a GUID derived from it), and
// since the platform answers a reused key with 409 and not with the first
// ID (Altinn/altinn-correspondence
// src/Altinn.Correspondence.Application/InitializeCorrespondences/InitializeCorrespondencesHandler.cs),
// Send first looks for a correspondence sent under that key (GET
// correspondence?resourceId&role=Sender&idempotentKey) and returns its ID
// without uploading or sending again; a 409 on sending is looked up the same
// way. A crash between an upload and the send leaves an unreferenced
// attachment, which the platform expires; never a second message.
func (c *CorrespondenceClient) Send(ctx context.Context, m signing.Message) (string, error) {
	const op = "send"
	req, err := correspondenceRequest(m)
	if err != nil {
		return "", c.s.invalidRequest(op, err)
	}
	if id, err := c.find(ctx, m.Resource, req.IdempotentKey); err != nil || id != "" {
		return id, err
	}
	for _, a := range m.Attachments {
		id, err := c.upload(ctx, m.Resource, a)
		if err != nil {
			return "", err
		}
		req.ExistingAttachments = append(req.ExistingAttachments, id)
	}
	body, err := marshal(req)
	if err != nil {
		return "", c.s.invalidRequest(op, err)
	}
	var resp wire.InitializeCorrespondencesResponse
	err = c.s.doJSON(ctx, request{
		op: op, method: http.MethodPost,
		path:        []string{"correspondence", "api", "v1", "correspondence"},
		body:        body,
		contentType: "application/json",
	}, &resp)
	if errors.Is(err, signing.ErrConflict) {
		// Sent under this key by a try that lost its answer.
		if id, ferr := c.find(ctx, m.Resource, req.IdempotentKey); ferr == nil && id != "" {
			return id, nil
		}
	}
	if err != nil {
		return "", err
	}
	if len(resp.Correspondences) == 0 || !guidPattern().MatchString(resp.Correspondences[0].CorrespondenceID) {
		return "", c.s.invalidResponse(op, http.StatusOK, "the response names no correspondence")
	}
	return strings.ToLower(resp.Correspondences[0].CorrespondenceID), nil
}

// find returns the ID of the correspondence sent under key, or "".
func (c *CorrespondenceClient) find(ctx context.Context, resource, key string) (string, error) {
	const op = "find"
	var resp wire.CorrespondenceIDs
	err := c.s.doJSON(ctx, request{
		op: op, method: http.MethodGet,
		path:  []string{"correspondence", "api", "v1", "correspondence"},
		query: url.Values{"resourceId": {resource}, "role": {"Sender"}, "idempotentKey": {key}},
	}, &resp)
	if err != nil || len(resp.IDs) == 0 {
		return "", err
	}
	if !guidPattern().MatchString(resp.IDs[0]) {
		return "", c.s.invalidResponse(op, http.StatusOK, "the listed correspondence ID is not a GUID")
	}
	return strings.ToLower(resp.IDs[0]), nil
}

// upload registers an attachment, uploads its bytes and waits until the
// platform has published it (scanned it), as app-lib does: at most
// Config.AttachmentPolls reads, Config.AttachmentPollInterval apart.
func (c *CorrespondenceClient) upload(ctx context.Context, resource string, a signing.Attachment) (string, error) {
	init := wire.InitializeAttachment{
		ResourceID: resource, FileName: a.Filename, DisplayName: a.Filename,
		SendersReference: strings.ToLower(a.DataElementID),
	}
	body, err := marshal(init)
	if err != nil {
		return "", c.s.invalidRequest("initializeAttachment", err)
	}
	var id string
	err = c.s.doJSON(ctx, request{
		op: "initializeAttachment", method: http.MethodPost,
		path: []string{"correspondence", "api", "v1", "attachment"},
		body: body, contentType: "application/json",
	}, &id)
	if err != nil {
		return "", err
	}
	if !guidPattern().MatchString(id) {
		return "", c.s.invalidResponse("initializeAttachment", http.StatusOK, "the attachment ID is not a GUID")
	}
	id = strings.ToLower(id)
	data := a.Body
	if data == nil {
		data = []byte{}
	}
	var ov wire.AttachmentOverview
	err = c.s.doJSON(ctx, request{
		op: "uploadAttachment", method: http.MethodPost,
		path: []string{"correspondence", "api", "v1", "attachment", id, "upload"},
		body: data, contentType: "application/octet-stream",
	}, &ov)
	for polls := 0; err == nil; polls++ {
		switch ov.Status {
		case wire.AttachmentPublished:
			return id, nil
		case wire.AttachmentFailed, wire.AttachmentPurged, wire.AttachmentExpired:
			return "", &PermanentError{Service: c.s.name, Operation: "getAttachment", Status: http.StatusOK, Code: "Attachment" + ov.Status,
				Detail: "the attachment was not published: " + clean(ov.StatusText, 200), Err: signing.ErrInvalid}
		}
		if polls >= c.polls {
			return "", &TransientError{Service: c.s.name, Operation: "getAttachment", Status: http.StatusOK, Code: "AttachmentNotPublished",
				Detail: "the attachment is still " + clean(ov.Status, 50), Err: signing.ErrTransient}
		}
		if !sleepCtx(ctx, c.pollInterval) {
			return "", c.s.transportError(ctx, "getAttachment", ctx.Err())
		}
		err = c.s.doJSON(ctx, request{
			op: "getAttachment", method: http.MethodGet,
			path: []string{"correspondence", "api", "v1", "attachment", id},
		}, &ov)
	}
	return "", err
}

// sleepCtx waits d unless ctx ends first; it reports whether it waited.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// IdempotentKey derives the GUID a message's idempotency key becomes.
func IdempotentKey(key string) string {
	sum := sha256.Sum256([]byte("correspondence-idempotent-key/v1\x00" + key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50 // version 5 layout: name-based
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// correspondenceRequest validates m and builds the request body.
func correspondenceRequest(m signing.Message) (wire.InitializeCorrespondencesRequest, error) {
	var errs signing.FieldErrors
	if err := checkIdempotencyKey(m.IdempotencyKey); err != nil {
		errs = append(errs, err.(*signing.FieldError))
	}
	if strings.TrimSpace(m.Resource) == "" {
		errs.Add("resource", "must be set")
	}
	var recipient string
	switch {
	case m.Recipient.Validate() != nil:
		errs.Add("recipient", "must be exactly one of a person and an organisation")
	case !m.Recipient.Org.IsZero():
		recipient = wire.RecipientOrgPrefix + m.Recipient.Org.String()
	default:
		recipient = wire.RecipientPersonPrefix + m.Recipient.Person.Digits()
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
			PropertyList:     map[string]string{wire.PropertyIdempotencyKey: m.IdempotencyKey},
			Content: wire.Content{
				Language:       lang,
				MessageTitle:   m.Title,
				MessageSummary: m.Summary,
				MessageBody:    m.Body,
			},
		},
		Recipients:          []string{recipient},
		ExistingAttachments: []string{},
		IdempotentKey:       IdempotentKey(m.IdempotencyKey),
	}
	for i, a := range m.Attachments {
		if !guidPattern().MatchString(a.DataElementID) {
			errs.Add("attachments["+itoa(i)+"].dataElementId", "must be a GUID")
		}
		if strings.TrimSpace(a.Filename) == "" || len(a.Filename) > 255 {
			errs.Add("attachments["+itoa(i)+"].filename", "must be 1 to 255 characters")
		}
	}
	if m.Notification != nil {
		n, err := correspondenceNotification(*m.Notification, m.SendersReference)
		if err != nil {
			errs.Add("notification", "%v", err)
		}
		req.Correspondence.Notification = n
	}
	if err := errs.Err(); err != nil {
		return wire.InitializeCorrespondencesRequest{}, err
	}
	return req, nil
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

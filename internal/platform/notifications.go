package platform

import (
	"context"
	"net/http"
	"strings"

	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

// NotificationsClient orders emails and SMS.
type NotificationsClient struct {
	s *service
}

var _ signing.Notifications = (*NotificationsClient)(nil)

// NewNotificationsClient returns a client for Config.NotificationsURL.
func NewNotificationsClient(c Config) (*NotificationsClient, error) {
	s, err := c.newService("notifications", "NotificationsURL", c.NotificationsURL)
	if err != nil {
		return nil, err
	}
	return &NotificationsClient{s: s}, nil
}

// Order orders the email and/or SMS of o and returns the order ID. The
// channel is o.Choice, or inferred from the addresses when it is the default.
// Without addresses the platform uses the registered contact information of
// o.RecipientUUID. The idempotency key is required and behaves as in
// CorrespondenceClient.Send.
func (c *NotificationsClient) Order(ctx context.Context, o signing.NotificationOrder) (string, error) {
	const op = "order"
	body, err := orderBody(o)
	if err != nil {
		return "", c.s.invalidRequest(op, err)
	}
	var resp wire.NotificationOrderResponse
	err = c.s.doJSON(ctx, request{
		op: op, method: http.MethodPost,
		path:        []string{"notifications", "api", "v1", "orders"},
		header:      http.Header{"Idempotency-Key": {o.IdempotencyKey}},
		body:        body,
		contentType: "application/json",
	}, &resp)
	if err != nil {
		return "", err
	}
	if !guidPattern.MatchString(resp.OrderID) {
		return "", c.s.invalidResponse(op, http.StatusAccepted, "the response names no order")
	}
	return strings.ToLower(resp.OrderID), nil
}

// orderBody validates o and marshals the request body.
func orderBody(o signing.NotificationOrder) ([]byte, error) {
	var errs signing.FieldErrors
	if err := checkIdempotencyKey(o.IdempotencyKey); err != nil {
		errs = append(errs, err.(*signing.FieldError))
	}
	if !o.Choice.Valid() {
		errs.Add("choice", "is not a known notification choice")
	}
	email, mobile := strings.TrimSpace(o.EmailAddress), strings.TrimSpace(o.MobileNumber)
	choice := o.Choice
	if choice == signing.NotifyDefault {
		choice = signing.Communication{Email: email, Mobile: mobile}.EffectiveChoice()
		if choice == signing.NotifyDefault {
			choice = signing.NotifyEmail
		}
	}
	req := wire.NotificationOrderRequest{SendersReference: o.SendersReference}
	wantEmail, wantSMS := true, true
	switch choice {
	case signing.NotifyEmail:
		req.NotificationChannel, wantSMS = wire.ChannelEmail, false
	case signing.NotifySMS:
		req.NotificationChannel, wantEmail = wire.ChannelSMS, false
	case signing.NotifySMSAndEmail:
		req.NotificationChannel = wire.ChannelEmailAndSMS
	case signing.NotifySMSPreferred:
		req.NotificationChannel = wire.ChannelSMSPreferred
	case signing.NotifyEmailPreferred:
		req.NotificationChannel = wire.ChannelEmailPreferred
	}
	if wantEmail {
		if o.EmailSubject == "" || o.EmailBody == "" {
			errs.Add("emailSubject", "an email needs a subject and a body")
		}
		req.EmailTemplate = &wire.EmailTemplate{Subject: o.EmailSubject, Body: o.EmailBody, ContentType: "Plain"}
		if email != "" {
			req.Recipients = append(req.Recipients, wire.NotificationRecipient{EmailAddress: email})
		}
	}
	if wantSMS {
		if o.SMSBody == "" {
			errs.Add("smsBody", "an SMS needs a body")
		}
		req.SMSTemplate = &wire.SMSTemplate{Body: o.SMSBody}
		if mobile != "" {
			req.Recipients = append(req.Recipients, wire.NotificationRecipient{MobileNumber: mobile})
		}
	}
	if len(req.Recipients) == 0 {
		if !guidPattern.MatchString(o.RecipientUUID) {
			errs.Add("recipientUuid", "must be a party UUID when no address is given")
		} else {
			req.Recipients = []wire.NotificationRecipient{{PartyUUID: strings.ToLower(o.RecipientUUID)}}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return marshal(req)
}

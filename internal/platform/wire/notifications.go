package wire

import "time"

// NotificationOrderRequest orders an email and/or SMS.
type NotificationOrderRequest struct {
	SendersReference    string                  `json:"sendersReference,omitempty"`
	RequestedSendTime   *time.Time              `json:"requestedSendTime,omitempty"`
	NotificationChannel string                  `json:"notificationChannel"`
	EmailTemplate       *EmailTemplate          `json:"emailTemplate,omitempty"`
	SMSTemplate         *SMSTemplate            `json:"smsTemplate,omitempty"`
	Recipients          []NotificationRecipient `json:"recipients"`
}

// EmailTemplate is the subject and body of an email.
type EmailTemplate struct {
	FromAddress string `json:"fromAddress,omitempty"`
	Subject     string `json:"subject"`
	Body        string `json:"body"`
	// ContentType is "Plain" or "Html".
	ContentType string `json:"contentType,omitempty"`
}

// SMSTemplate is the text of an SMS.
type SMSTemplate struct {
	SenderNumber string `json:"senderNumber,omitempty"`
	Body         string `json:"body"`
}

// NotificationRecipient names one recipient by exactly one identifier: an
// email address, a mobile number, or a party UUID whose registered contact
// information the platform looks up.
type NotificationRecipient struct {
	EmailAddress string `json:"emailAddress,omitempty"`
	MobileNumber string `json:"mobileNumber,omitempty"`
	PartyUUID    string `json:"partyUuid,omitempty"`
}

// NotificationOrderResponse is what ordering a notification returns.
type NotificationOrderResponse struct {
	OrderID         string           `json:"orderId"`
	RecipientLookup *RecipientLookup `json:"recipientLookup,omitempty"`
}

// RecipientLookup says whether every recipient could be reached.
type RecipientLookup struct {
	Status string `json:"status"`
}

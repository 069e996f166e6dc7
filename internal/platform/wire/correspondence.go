package wire

import "time"

// RecipientPartyUUIDPrefix prefixes a party UUID to form a correspondence recipient.
const RecipientPartyUUIDPrefix = "urn:altinn:party:uuid:"

// Notification templates of a correspondence notification.
const (
	TemplateCustomMessage        = "CustomMessage"
	TemplateGenericAltinnMessage = "GenericAltinnMessage"
)

// Notification channels.
const (
	ChannelEmail          = "Email"
	ChannelSMS            = "Sms"
	ChannelEmailPreferred = "EmailPreferred"
	ChannelSMSPreferred   = "SmsPreferred"
	ChannelEmailAndSMS    = "EmailAndSms"
)

// InitializeCorrespondencesRequest sends one correspondence to its recipients.
type InitializeCorrespondencesRequest struct {
	Correspondence Correspondence `json:"correspondence"`
	// Recipients are "urn:altinn:party:uuid:{uuid}" values.
	Recipients []string `json:"recipients"`
}

// Correspondence is the message itself.
type Correspondence struct {
	ResourceID       string                      `json:"resourceId"`
	SendersReference string                      `json:"sendersReference"`
	Content          Content                     `json:"content"`
	Notification     *CorrespondenceNotification `json:"notification,omitempty"`
	DueDateTime      *time.Time                  `json:"dueDateTime,omitempty"`
}

// Content is the text and the attachments of a correspondence.
type Content struct {
	Language       string `json:"language"`
	MessageTitle   string `json:"messageTitle"`
	MessageSummary string `json:"messageSummary"`
	MessageBody    string `json:"messageBody"`
	// Attachments reference storage data elements by ID; the platform copies
	// their bytes into the correspondence.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a storage data element attached to a correspondence.
type Attachment struct {
	DataElementID    string `json:"dataElementId"`
	FileName         string `json:"fileName,omitempty"`
	ContentType      string `json:"contentType,omitempty"`
	SendersReference string `json:"sendersReference,omitempty"`
}

// CorrespondenceNotification asks the platform to notify the recipient of a
// correspondence by email and/or SMS.
type CorrespondenceNotification struct {
	NotificationTemplate string `json:"notificationTemplate"`
	NotificationChannel  string `json:"notificationChannel"`
	EmailSubject         string `json:"emailSubject,omitempty"`
	EmailBody            string `json:"emailBody,omitempty"`
	SMSBody              string `json:"smsBody,omitempty"`
	SendReminder         bool   `json:"sendReminder"`
	ReminderEmailSubject string `json:"reminderEmailSubject,omitempty"`
	ReminderEmailBody    string `json:"reminderEmailBody,omitempty"`
	ReminderSMSBody      string `json:"reminderSmsBody,omitempty"`
	SendersReference     string `json:"sendersReference,omitempty"`
	// CustomRecipients hold one identifier each (an email address or a
	// mobile number); the platform rejects objects with more than one.
	CustomRecipients                     []NotificationRecipient `json:"customRecipients,omitempty"`
	OverrideRegisteredContactInformation bool                    `json:"overrideRegisteredContactInformation"`
}

// InitializeCorrespondencesResponse lists the correspondences created, one per recipient.
type InitializeCorrespondencesResponse struct {
	Correspondences []CorrespondenceDetails `json:"correspondences"`
	AttachmentIDs   []string                `json:"attachmentIds"`
}

// CorrespondenceDetails is one created correspondence.
type CorrespondenceDetails struct {
	CorrespondenceID string                `json:"correspondenceId"`
	Status           string                `json:"status"`
	Recipient        string                `json:"recipient"`
	Notifications    []NotificationDetails `json:"notifications,omitempty"`
}

// NotificationDetails is a notification order created with a correspondence.
type NotificationDetails struct {
	OrderID    string `json:"orderId"`
	IsReminder bool   `json:"isReminder"`
	Status     string `json:"status"`
}

package wire

import "time"

// Correspondence recipients (Altinn/altinn-correspondence
// src/Altinn.Correspondence.API/ValidationAttributes/RecipientListAttribute.cs):
// a national ID or an organisation number in URN form, as app-lib sends
// them. Party UUIDs are refused.
const (
	RecipientPersonPrefix = "urn:altinn:person:identifier-no:"
	RecipientOrgPrefix    = "urn:altinn:organization:identifier-no:"
)

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

// InitializeCorrespondencesRequest sends one correspondence to its recipients
// (Altinn/altinn-correspondence src/Altinn.Correspondence.API/Models/InitializeCorrespondencesExt.cs).
// Recipients carry national IDs: never log the request.
type InitializeCorrespondencesRequest struct {
	Correspondence Correspondence `json:"correspondence"`
	// Recipients are URNs (RecipientPersonPrefix, RecipientOrgPrefix), 1 to 500.
	Recipients []string `json:"recipients"`
	// ExistingAttachments are IDs of attachments uploaded (and published) before.
	ExistingAttachments []string `json:"existingAttachments"`
	// IdempotentKey, a GUID, makes a repeat a 409; only with one recipient.
	IdempotentKey string `json:"idempotentKey,omitempty"`
}

// Correspondence is the message itself (…/Models/BaseCorrespondenceExt.cs).
type Correspondence struct {
	ResourceID       string                      `json:"resourceId"`
	SendersReference string                      `json:"sendersReference"`
	Content          Content                     `json:"content"`
	Notification     *CorrespondenceNotification `json:"notification,omitempty"`
	DueDateTime      *time.Time                  `json:"dueDateTime,omitempty"`
	// PropertyList is the sender's own metadata: at most 10 entries, keys
	// up to 50 and values up to 300 characters (BaseCorrespondenceExt.cs,
	// PropertyListAttribute).
	PropertyList map[string]string `json:"propertyList,omitempty"`
}

// PropertyIdempotencyKey is the property that carries the sender's own
// idempotency key of a message, so the sender (and a test) can tell its
// messages apart; it holds no personal data.
const PropertyIdempotencyKey = "idempotencyKey"

// Content is the text of a correspondence
// (…/Models/InitializeCorrespondenceContentExt.cs); attachments are
// referenced through ExistingAttachments.
type Content struct {
	Language       string `json:"language"`
	MessageTitle   string `json:"messageTitle"`
	MessageSummary string `json:"messageSummary"`
	MessageBody    string `json:"messageBody"`
}

// InitializeAttachment registers an attachment before its bytes are
// uploaded (…/Models/InitializeAttachmentExt.cs, BaseAttachmentExt.cs):
// POST correspondence/api/v1/attachment answers the new ID as a JSON string.
type InitializeAttachment struct {
	ResourceID       string `json:"resourceId"`
	FileName         string `json:"fileName"`
	DisplayName      string `json:"displayName,omitempty"`
	IsEncrypted      bool   `json:"isEncrypted"`
	Checksum         string `json:"checksum,omitempty"`
	SendersReference string `json:"sendersReference"`
	ExpirationInDays *int   `json:"expirationInDays,omitempty"`
}

// Attachment statuses (…/Models/Enums/AttachmentStatus.cs).
const (
	AttachmentInitialized      = "Initialized"
	AttachmentUploadProcessing = "UploadProcessing"
	AttachmentPublished        = "Published"
	AttachmentFailed           = "Failed"
	AttachmentPurged           = "Purged"
	AttachmentExpired          = "Expired"
)

// AttachmentOverview is GET correspondence/api/v1/attachment/{id} and the
// answer to an upload (…/Models/AttachmentOverviewExt.cs).
type AttachmentOverview struct {
	InitializeAttachment
	AttachmentID      string    `json:"attachmentId"`
	Status            string    `json:"status"`
	StatusText        string    `json:"statusText"`
	StatusChanged     time.Time `json:"statusChanged"`
	CorrespondenceIDs []string  `json:"correspondenceIds"`
	DataType          string    `json:"dataType"`
}

// CorrespondenceIDs answers GET correspondence/api/v1/correspondence
// (…/Application/GetCorespondences/GetCorrespondencesResponse.cs).
type CorrespondenceIDs struct {
	IDs []string `json:"ids"`
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
	Notifications    []NotificationDetails `json:"notifications"`
}

// NotificationDetails is a notification order created with a correspondence.
type NotificationDetails struct {
	OrderID    string `json:"orderId"`
	IsReminder bool   `json:"isReminder"`
	Status     string `json:"status"`
}

// NotificationRecipient is one custom recipient of a correspondence's
// notification, named by exactly one identifier (Altinn/altinn-correspondence
// src/Altinn.Correspondence.API/Models/InitializeCorrespondenceNotificationExt.cs,
// customRecipients).
type NotificationRecipient struct {
	EmailAddress string `json:"emailAddress,omitempty"`
	MobileNumber string `json:"mobileNumber,omitempty"`
}

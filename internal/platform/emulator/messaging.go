package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/platform/wire"
)

var (
	emailPattern  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	mobilePattern = regexp.MustCompile(`^\+?[0-9]{8,15}$`)
	channels      = []string{wire.ChannelEmail, wire.ChannelSMS, wire.ChannelEmailPreferred, wire.ChannelSMSPreferred, wire.ChannelEmailAndSMS}
)

// orgRecipientPrefix is the correspondence recipient form of an organisation number.
const orgRecipientPrefix = "urn:altinn:organization:identifier-no:"

// MessageRecord is one correspondence sent, with its attachments' bytes.
type MessageRecord struct {
	ID                 string                           `json:"correspondenceId"`
	IdempotencyKey     string                           `json:"idempotencyKey,omitempty"`
	ResourceID         string                           `json:"resourceId"`
	SendersReference   string                           `json:"sendersReference"`
	Recipient          string                           `json:"recipient"`
	RecipientPartyUUID string                           `json:"recipientPartyUuid"`
	Language           string                           `json:"language"`
	Title              string                           `json:"title"`
	Summary            string                           `json:"summary"`
	Body               string                           `json:"body"`
	Attachments        []AttachmentRecord               `json:"attachments"`
	Notification       *wire.CorrespondenceNotification `json:"notification,omitempty"`
	NotificationOrders []string                         `json:"notificationOrderIds,omitempty"`
	SentAt             time.Time                        `json:"sentAt"`
}

// AttachmentRecord is an attachment as the recipient gets it.
type AttachmentRecord struct {
	DataElementID string `json:"dataElementId"`
	FileName      string `json:"fileName"`
	ContentType   string `json:"contentType"`
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256"`
	Bytes         []byte `json:"bytes"`
}

// NotificationRecord is one email/SMS order, placed directly or by a correspondence.
type NotificationRecord struct {
	OrderID string `json:"orderId"`
	// Source is "orders" (the notifications API) or "correspondence".
	Source           string `json:"source"`
	IdempotencyKey   string `json:"idempotencyKey,omitempty"`
	CorrespondenceID string `json:"correspondenceId,omitempty"`
	SendersReference string `json:"sendersReference,omitempty"`
	Channel          string `json:"channel"`
	Template         string `json:"template,omitempty"`
	EmailSubject     string `json:"emailSubject,omitempty"`
	EmailBody        string `json:"emailBody,omitempty"`
	SMSBody          string `json:"smsBody,omitempty"`
	// Recipients are resolved: a party recipient carries the registered
	// address the platform would use.
	Recipients   []wire.NotificationRecipient `json:"recipients"`
	SendReminder bool                         `json:"sendReminder,omitempty"`
	OrderedAt    time.Time                    `json:"orderedAt"`
}

func usesEmail(channel string) bool { return channel != wire.ChannelSMS }
func usesSMS(channel string) bool   { return channel != wire.ChannelEmail }

// checkAddress validates a recipient holding exactly one identifier.
func checkAddress(fields fieldErrors, field string, r wire.NotificationRecipient, allowParty bool) {
	n := 0
	for _, v := range []string{r.EmailAddress, r.MobileNumber, r.PartyUUID} {
		if v != "" {
			n++
		}
	}
	switch {
	case n != 1:
		fields.add(field, "must hold exactly one identifier")
	case r.EmailAddress != "" && !emailPattern.MatchString(r.EmailAddress):
		fields.add(field+".emailAddress", "must be an email address")
	case r.MobileNumber != "" && !mobilePattern.MatchString(r.MobileNumber):
		fields.add(field+".mobileNumber", "must be a mobile number such as +4799999999")
	case r.PartyUUID != "" && (!allowParty || !guidPattern.MatchString(r.PartyUUID)):
		fields.add(field+".partyUuid", "is not allowed here or is not a UUID")
	}
}

// resolve fills the registered address of a party recipient for channel;
// it reports false when the party has no address for it. The caller holds e.mu.
func (e *Emulator) resolve(r wire.NotificationRecipient, channel string) (wire.NotificationRecipient, bool) {
	if r.PartyUUID == "" {
		return r, true
	}
	p, ok := e.st.partiesByUUID[r.PartyUUID]
	if !ok {
		return r, false
	}
	email, mobile := p.contact()
	switch channel {
	case wire.ChannelEmail:
		r.EmailAddress = email
	case wire.ChannelSMS:
		r.MobileNumber = mobile
	case wire.ChannelEmailPreferred:
		if r.EmailAddress = email; email == "" {
			r.MobileNumber = mobile
		}
	case wire.ChannelSMSPreferred:
		if r.MobileNumber = mobile; mobile == "" {
			r.EmailAddress = email
		}
	default:
		r.EmailAddress, r.MobileNumber = email, mobile
	}
	return r, r.EmailAddress != "" || r.MobileNumber != ""
}

func (e *Emulator) sendCorrespondence(c *call) reply {
	var req wire.InitializeCorrespondencesRequest
	if rp, ok := decodeJSON(c, &req); !ok {
		return rp
	}
	key := c.r.Header.Get("Idempotency-Key")
	corr := req.Correspondence
	fields := fieldErrors{}
	if strings.TrimSpace(corr.ResourceID) == "" {
		fields.add("correspondence.resourceId", "must be set")
	}
	if !slices.Contains([]string{"nb", "nn", "en"}, corr.Content.Language) {
		fields.add("correspondence.content.language", "must be nb, nn or en")
	}
	if strings.TrimSpace(corr.Content.MessageTitle) == "" {
		fields.add("correspondence.content.messageTitle", "must be set")
	}
	if strings.TrimSpace(corr.Content.MessageBody) == "" {
		fields.add("correspondence.content.messageBody", "must be set")
	}
	if len(req.Recipients) == 0 {
		fields.add("recipients", "must list at least one recipient")
	}
	if n := corr.Notification; n != nil {
		if n.NotificationTemplate != wire.TemplateCustomMessage && n.NotificationTemplate != wire.TemplateGenericAltinnMessage {
			fields.add("correspondence.notification.notificationTemplate", "must be CustomMessage or GenericAltinnMessage")
		}
		if !slices.Contains(channels, n.NotificationChannel) {
			fields.add("correspondence.notification.notificationChannel", "must be one of %v", channels)
		} else if n.NotificationTemplate == wire.TemplateCustomMessage {
			if usesEmail(n.NotificationChannel) && (n.EmailSubject == "" || n.EmailBody == "") {
				fields.add("correspondence.notification.emailBody", "a custom email needs emailSubject and emailBody")
			}
			if usesSMS(n.NotificationChannel) && n.SMSBody == "" {
				fields.add("correspondence.notification.smsBody", "a custom SMS needs smsBody")
			}
		}
		for i, r := range n.CustomRecipients {
			checkAddress(fields, fmt.Sprintf("correspondence.notification.customRecipients[%d]", i), r, false)
		}
		if n.OverrideRegisteredContactInformation && len(n.CustomRecipients) == 0 {
			fields.add("correspondence.notification.customRecipients", "must be set to override the registered contact information")
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	var recipients []party
	for i, rcpt := range req.Recipients {
		field := fmt.Sprintf("recipients[%d]", i)
		var p party
		var ok bool
		if v, isUUID := strings.CutPrefix(rcpt, wire.RecipientPartyUUIDPrefix); isUUID {
			p, ok = e.st.partiesByUUID[strings.ToLower(v)]
		} else if v, isOrg := strings.CutPrefix(rcpt, orgRecipientPrefix); isOrg {
			if o, found := e.st.orgsByNumber[v]; found {
				p, ok = party{org: o}, true
			}
		} else {
			fields.add(field, "must be %s<uuid> or %s<number>", wire.RecipientPartyUUIDPrefix, orgRecipientPrefix)
			continue
		}
		if !ok {
			fields.add(field, "no such party")
			continue
		}
		recipients = append(recipients, p)
	}
	var attachments []AttachmentRecord
	for i, a := range corr.Content.Attachments {
		el, ok := e.st.elements[strings.ToLower(a.DataElementID)]
		if !ok {
			fields.add(fmt.Sprintf("correspondence.content.attachments[%d].dataElementId", i), "no such data element")
			continue
		}
		attachments = append(attachments, attachmentOf(a, el))
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	hash := bodyHash(c, req)
	if rp, ok := e.replay(c, key, hash); ok {
		return rp
	}

	now := e.now()
	resp := wire.InitializeCorrespondencesResponse{AttachmentIDs: []string{}}
	for i, p := range recipients {
		msg := MessageRecord{
			ID: e.newID(), IdempotencyKey: key, ResourceID: corr.ResourceID, SendersReference: corr.SendersReference,
			Recipient: req.Recipients[i], RecipientPartyUUID: p.uuid(), Language: corr.Content.Language,
			Title: corr.Content.MessageTitle, Summary: corr.Content.MessageSummary, Body: corr.Content.MessageBody,
			Attachments: cloneAttachments(attachments), Notification: corr.Notification, SentAt: now,
		}
		details := wire.CorrespondenceDetails{CorrespondenceID: msg.ID, Status: "Initialized", Recipient: req.Recipients[i]}
		if n := corr.Notification; n != nil {
			rec := NotificationRecord{
				OrderID: e.newID(), Source: "correspondence", CorrespondenceID: msg.ID, SendersReference: n.SendersReference,
				Channel: n.NotificationChannel, Template: n.NotificationTemplate, EmailSubject: n.EmailSubject,
				EmailBody: n.EmailBody, SMSBody: n.SMSBody, SendReminder: n.SendReminder, OrderedAt: now,
				Recipients: []wire.NotificationRecipient{},
			}
			status := "Success"
			if n.OverrideRegisteredContactInformation {
				rec.Recipients = append(rec.Recipients, n.CustomRecipients...)
			} else if r, ok := e.resolve(wire.NotificationRecipient{PartyUUID: p.uuid()}, n.NotificationChannel); ok {
				rec.Recipients = append(rec.Recipients, r)
			} else {
				status = "MissingContact"
			}
			e.st.notifications = append(e.st.notifications, rec)
			msg.NotificationOrders = []string{rec.OrderID}
			details.Notifications = []wire.NotificationDetails{{OrderID: rec.OrderID, Status: status}}
		}
		e.st.messages = append(e.st.messages, msg)
		resp.Correspondences = append(resp.Correspondences, details)
	}
	rp := jsonReply(http.StatusOK, resp)
	e.remember(c, key, hash, rp)
	return rp
}

// attachmentOf copies a data element into an attachment; the caller holds e.mu.
func attachmentOf(a wire.Attachment, el *element) AttachmentRecord {
	sum := sha256.Sum256(el.bytes)
	out := AttachmentRecord{
		DataElementID: el.meta.ID, FileName: a.FileName, ContentType: a.ContentType,
		Size: int64(len(el.bytes)), SHA256: hex.EncodeToString(sum[:]), Bytes: append([]byte(nil), el.bytes...),
	}
	if out.ContentType == "" {
		out.ContentType = el.meta.ContentType
	}
	if out.FileName == "" {
		out.FileName = el.meta.Filename
	}
	if out.FileName == "" {
		out.FileName = el.meta.DataType + extension(out.ContentType)
	}
	return out
}

// extension is the file extension the reference gives a content type.
func extension(contentType string) string {
	switch strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0])) {
	case "application/xml", "text/xml":
		return ".xml"
	case "application/pdf":
		return ".pdf"
	case "application/json":
		return ".json"
	}
	return ""
}

func cloneAttachments(in []AttachmentRecord) []AttachmentRecord {
	out := make([]AttachmentRecord, len(in))
	for i, a := range in {
		a.Bytes = append([]byte(nil), a.Bytes...)
		out[i] = a
	}
	return out
}

func (e *Emulator) orderNotification(c *call) reply {
	var req wire.NotificationOrderRequest
	if rp, ok := decodeJSON(c, &req); !ok {
		return rp
	}
	key := c.r.Header.Get("Idempotency-Key")
	fields := fieldErrors{}
	if !slices.Contains(channels, req.NotificationChannel) {
		fields.add("notificationChannel", "must be one of %v", channels)
	}
	if usesEmail(req.NotificationChannel) && (req.EmailTemplate == nil || req.EmailTemplate.Subject == "" || req.EmailTemplate.Body == "") {
		fields.add("emailTemplate", "must have a subject and a body for channel %s", req.NotificationChannel)
	}
	if usesSMS(req.NotificationChannel) && (req.SMSTemplate == nil || req.SMSTemplate.Body == "") {
		fields.add("smsTemplate", "must have a body for channel %s", req.NotificationChannel)
	}
	if len(req.Recipients) == 0 {
		fields.add("recipients", "must list at least one recipient")
	}
	for i, r := range req.Recipients {
		checkAddress(fields, fmt.Sprintf("recipients[%d]", i), r, true)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	for i, r := range req.Recipients {
		if r.PartyUUID != "" {
			if _, ok := e.st.partiesByUUID[strings.ToLower(r.PartyUUID)]; !ok {
				fields.add(fmt.Sprintf("recipients[%d].partyUuid", i), "no such party")
			}
		}
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	hash := bodyHash(c, req)
	if rp, ok := e.replay(c, key, hash); ok {
		return rp
	}
	rec := NotificationRecord{
		OrderID: e.newID(), Source: "orders", IdempotencyKey: key, SendersReference: req.SendersReference,
		Channel: req.NotificationChannel, OrderedAt: e.now(), Recipients: []wire.NotificationRecipient{},
	}
	if t := req.EmailTemplate; t != nil && usesEmail(req.NotificationChannel) {
		rec.EmailSubject, rec.EmailBody = t.Subject, t.Body
	}
	if t := req.SMSTemplate; t != nil && usesSMS(req.NotificationChannel) {
		rec.SMSBody = t.Body
	}
	resolved := 0
	for _, r := range req.Recipients {
		r.PartyUUID = strings.ToLower(r.PartyUUID)
		out, ok := e.resolve(r, req.NotificationChannel)
		if ok {
			resolved++
		}
		rec.Recipients = append(rec.Recipients, out)
	}
	status := "Success"
	switch {
	case resolved == 0:
		status = "Failed"
	case resolved < len(req.Recipients):
		status = "PartialSuccess"
	}
	e.st.notifications = append(e.st.notifications, rec)
	rp := jsonReply(http.StatusAccepted, wire.NotificationOrderResponse{OrderID: rec.OrderID, RecipientLookup: &wire.RecipientLookup{Status: status}})
	e.remember(c, key, hash, rp)
	return rp
}

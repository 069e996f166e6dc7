package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform/wire"
)

var (
	emailPattern  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	mobilePattern = regexp.MustCompile(`^\+?[0-9]{8,15}$`)
	channels      = []string{wire.ChannelEmail, wire.ChannelSMS, wire.ChannelEmailPreferred, wire.ChannelSMSPreferred, wire.ChannelEmailAndSMS}
)

// MessageRecord is one correspondence sent, with its attachments' bytes.
type MessageRecord struct {
	ID string `json:"correspondenceId"`
	// IdempotencyKey is the sender's key from the propertyList
	// (wire.PropertyIdempotencyKey); IdempotentKey the platform's GUID key.
	IdempotencyKey     string                           `json:"idempotencyKey,omitempty"`
	IdempotentKey      string                           `json:"idempotentKey,omitempty"`
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
	// Source is "correspondence": the platform orders them from a message.
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

// checkAddress validates a custom recipient holding exactly one identifier.
func checkAddress(fields fieldErrors, field string, r wire.NotificationRecipient) {
	n := 0
	for _, v := range []string{r.EmailAddress, r.MobileNumber} {
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
	}
}

// resolve returns the registered address of party p for channel, as the
// platform looks it up (KRR for persons, ER for organisations); it reports
// false when the party has none. The caller holds e.mu.
func (e *Emulator) resolve(p party, channel string) (wire.NotificationRecipient, bool) {
	var r wire.NotificationRecipient
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

// Correspondence (Altinn/altinn-correspondence at da785168, prefix
// src/Altinn.Correspondence.API/ and src/Altinn.Correspondence.Application/):
//
//	POST correspondence             Controllers/CorrespondenceController.cs; body Models/InitializeCorrespondencesExt.cs;
//	                                recipients ValidationAttributes/RecipientListAttribute.cs (URNs, 1–500, no
//	                                duplicates); idempotentKey only with one recipient (400 1047), reused → 409 1034
//	                                (InitializeCorrespondences/InitializeCorrespondencesHandler.cs); unknown recipient
//	                                → 404 1029; existingAttachments unknown → 400 1007, not published → 400 1018;
//	                                texts and notification rules Helpers/InitializeCorrespondenceHelper.cs
//	GET  correspondence?resourceId&role&idempotentKey  GetCorespondences/GetCorrespondencesHandler.cs → {ids}
//	POST attachment                 Controllers/AttachmentController.cs, Models/InitializeAttachmentExt.cs → "guid"
//	POST attachment/{id}/upload     application/octet-stream only (415), empty → 400, twice → 400 2005
//	GET  attachment/{id}            Models/AttachmentOverviewExt.cs; unknown → 404 2001
//
// The double publishes an upload at once ("Bypassed malware scan", as the
// platform does when scanning is off). It does not dedupe an
// Idempotency-Key header: the platform has none.

// corrProblem answers an Altinn correspondence error: code "CORR-0xxxx".
func corrProblem(status, code int, detail string) reply {
	// Altinn/altinn-correspondence src/Altinn.Correspondence.API/Helpers/ProblemDetailsHelper.cs:
	// the code, and the number as the errorCode extension.
	b, _ := json.Marshal(wire.Problem{
		Type: "https://tools.ietf.org/html/rfc9110", Title: http.StatusText(status), Status: status, Detail: detail,
		Code: fmt.Sprintf("CORR-%05d", code), StatusDescription: http.StatusText(status), ErrorCode: code,
	})
	return reply{status: status, header: http.Header{"Content-Type": {wire.ProblemContentType}}, body: append(b, '\n')}
}

// recipientParty resolves a recipient URN; the caller holds e.mu. ok is
// false with a 400 or 404 reply.
func (e *Emulator) recipientParty(field, rcpt string, fields fieldErrors) (party, string, bool) {
	v := strings.ToLower(strings.TrimSpace(rcpt))
	if org, isOrg := strings.CutPrefix(v, wire.RecipientOrgPrefix); isOrg || strings.HasPrefix(v, "0192:") {
		if !isOrg {
			org = strings.TrimPrefix(v, "0192:")
		}
		if _, err := ident.ParseOrgNumber(org); err != nil || len(org) != 9 {
			fields.add(field, "must be an organisation number with valid check digit")
			return party{}, "", false
		}
		o, ok := e.st.orgsByNumber[org]
		return party{org: o}, wire.RecipientOrgPrefix + org, ok
	}
	ssn := strings.TrimPrefix(v, wire.RecipientPersonPrefix)
	id, err := ident.ParseNationalID(ssn, ident.AllowSynthetic())
	if err != nil {
		fields.add(field, "must be %s<national ID> or %s<organisation number>", wire.RecipientPersonPrefix, wire.RecipientOrgPrefix)
		return party{}, "", false
	}
	p, ok := e.st.personsBySSN[ssn]
	return party{person: p}, wire.RecipientPersonPrefix + id.Digits(), ok
}

// maskedURN is a recipient URN as the inspection shows it: a national ID
// masked.
func maskedURN(urn string) string {
	if ssn, ok := strings.CutPrefix(urn, wire.RecipientPersonPrefix); ok {
		if id, err := ident.ParseNationalID(ssn, ident.AllowSynthetic()); err == nil {
			return wire.RecipientPersonPrefix + id.Masked()
		}
	}
	return urn
}

func (e *Emulator) sendCorrespondence(c *call) reply {
	var req wire.InitializeCorrespondencesRequest
	if rp, ok := decodeJSON(c, &req); !ok {
		return rp
	}
	corr := req.Correspondence
	fields := fieldErrors{}
	if n := len(strings.TrimSpace(corr.ResourceID)); n == 0 || n > 255 {
		fields.add("correspondence.resourceId", "must be 1 to 255 characters")
	}
	if n := len(strings.TrimSpace(corr.SendersReference)); n == 0 || n > 4096 {
		fields.add("correspondence.sendersReference", "must be 1 to 4096 characters")
	}
	if !slices.Contains([]string{"nb", "nn", "en"}, corr.Content.Language) {
		fields.add("correspondence.content.language", "must be nb, nn or en")
	}
	if t := strings.TrimSpace(corr.Content.MessageTitle); t == "" || len(t) > 255 {
		fields.add("correspondence.content.messageTitle", "must be 1 to 255 characters")
	}
	if len(corr.Content.MessageSummary) > 255 {
		fields.add("correspondence.content.messageSummary", "must be at most 255 characters")
	}
	if b := strings.TrimSpace(corr.Content.MessageBody); b == "" || len(b) > 30000 {
		fields.add("correspondence.content.messageBody", "must be 1 to 30000 characters")
	}
	if n := len(req.Recipients); n == 0 || n > 500 {
		fields.add("recipients", "must list 1 to 500 recipients")
	}
	if len(corr.PropertyList) > 10 {
		fields.add("correspondence.propertyList", "can contain at most 10 properties")
	}
	for k, v := range corr.PropertyList {
		if len(k) > 50 || len(v) > 300 {
			fields.add("correspondence.propertyList", "keys are at most 50 and values at most 300 characters")
		}
	}
	if req.IdempotentKey != "" && !guidPattern.MatchString(strings.ToLower(req.IdempotentKey)) {
		fields.add("idempotentKey", "must be a GUID")
	}
	if n := corr.Notification; n != nil {
		checkCorrespondenceNotification(fields, n)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	var recipients []party
	var urns []string
	seen := map[string]bool{}
	unknown := false
	for i, rcpt := range req.Recipients {
		p, urn, ok := e.recipientParty(fmt.Sprintf("recipients[%d]", i), rcpt, fields)
		if urn == "" {
			continue
		}
		if seen[urn] {
			fields.add("recipients", "lists a recipient twice (1006)")
		}
		seen[urn] = true
		if !ok {
			unknown = true
			continue
		}
		recipients = append(recipients, p)
		urns = append(urns, urn)
	}
	var attachments []AttachmentRecord
	for i, id := range req.ExistingAttachments {
		a, ok := e.st.corrAttachments[strings.ToLower(id)]
		switch {
		case !ok:
			return corrProblem(http.StatusBadRequest, 1007, fmt.Sprintf("existingAttachments[%d]: no such attachment", i))
		case a.overview.Status != wire.AttachmentPublished:
			return corrProblem(http.StatusBadRequest, 1018, fmt.Sprintf("existingAttachments[%d]: the attachment is not published", i))
		}
		attachments = append(attachments, a.record())
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	key := strings.ToLower(req.IdempotentKey)
	if key != "" && len(req.Recipients) != 1 {
		return corrProblem(http.StatusBadRequest, 1047, "an idempotent key is allowed with one recipient only")
	}
	if unknown {
		return corrProblem(http.StatusNotFound, 1029, "a recipient could not be found")
	}
	if _, reused := e.st.corrByKey[key]; key != "" && reused {
		return corrProblem(http.StatusConflict, 1034, "A correspondence with the same idempotent key already exists")
	}

	now := e.now()
	resp := wire.InitializeCorrespondencesResponse{AttachmentIDs: []string{}}
	for _, id := range req.ExistingAttachments {
		resp.AttachmentIDs = append(resp.AttachmentIDs, strings.ToLower(id))
	}
	for i, p := range recipients {
		msg := MessageRecord{
			ID: e.newID(), IdempotencyKey: corr.PropertyList[wire.PropertyIdempotencyKey], IdempotentKey: key,
			ResourceID: corr.ResourceID, SendersReference: corr.SendersReference,
			Recipient: maskedURN(urns[i]), RecipientPartyUUID: p.uuid(), Language: corr.Content.Language,
			Title: corr.Content.MessageTitle, Summary: corr.Content.MessageSummary, Body: corr.Content.MessageBody,
			Attachments: cloneAttachments(attachments), Notification: corr.Notification, SentAt: now,
		}
		details := wire.CorrespondenceDetails{CorrespondenceID: msg.ID, Status: "ReadyForPublish", Recipient: urns[i]}
		if n := corr.Notification; n != nil {
			rec := NotificationRecord{
				OrderID: e.newID(), Source: "correspondence", CorrespondenceID: msg.ID, SendersReference: n.SendersReference,
				Channel: n.NotificationChannel, Template: n.NotificationTemplate, EmailSubject: n.EmailSubject,
				EmailBody: n.EmailBody, SMSBody: n.SMSBody, SendReminder: n.SendReminder, OrderedAt: now,
				Recipients: []wire.NotificationRecipient{},
			}
			if n.OverrideRegisteredContactInformation {
				rec.Recipients = append(rec.Recipients, n.CustomRecipients...)
			} else if r, ok := e.resolve(p, n.NotificationChannel); ok {
				rec.Recipients = append(rec.Recipients, r)
			}
			e.st.notifications = append(e.st.notifications, rec)
			msg.NotificationOrders = []string{rec.OrderID}
		}
		for _, id := range req.ExistingAttachments {
			a := e.st.corrAttachments[strings.ToLower(id)]
			a.overview.CorrespondenceIDs = append(a.overview.CorrespondenceIDs, msg.ID)
		}
		if key != "" {
			e.st.corrByKey[key] = msg.ID
		}
		e.st.messages = append(e.st.messages, msg)
		resp.Correspondences = append(resp.Correspondences, details)
	}
	return jsonReply(http.StatusOK, resp)
}

// checkCorrespondenceNotification validates a notification block.
func checkCorrespondenceNotification(fields fieldErrors, n *wire.CorrespondenceNotification) {
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
		checkAddress(fields, fmt.Sprintf("correspondence.notification.customRecipients[%d]", i), r)
	}
	if n.OverrideRegisteredContactInformation && len(n.CustomRecipients) == 0 {
		fields.add("correspondence.notification.customRecipients", "must be set to override the registered contact information")
	}
}

// findCorrespondences answers GET correspondence: with idempotentKey, the
// one correspondence sent under it (by key only), else by resource.
func (e *Emulator) findCorrespondences(c *call) reply {
	q := c.r.URL.Query()
	fields := fieldErrors{}
	if strings.TrimSpace(q.Get("resourceId")) == "" {
		fields.add("resourceId", "is required")
	}
	if role := q.Get("role"); role != "" && !slices.Contains([]string{"Recipient", "Sender", "RecipientAndSender"}, role) {
		fields.add("role", "must be Recipient, Sender or RecipientAndSender")
	}
	key := strings.ToLower(q.Get("idempotentKey"))
	if key != "" && !guidPattern.MatchString(key) {
		fields.add("idempotentKey", "must be a GUID")
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := wire.CorrespondenceIDs{IDs: []string{}}
	if key != "" {
		if id, ok := e.st.corrByKey[key]; ok {
			out.IDs = append(out.IDs, id)
		}
		return jsonReply(http.StatusOK, out)
	}
	for _, m := range e.st.messages {
		if m.ResourceID == q.Get("resourceId") {
			out.IDs = append(out.IDs, m.ID)
		}
	}
	return jsonReply(http.StatusOK, out)
}

// corrAttachment is an attachment registered with correspondence.
type corrAttachment struct {
	overview wire.AttachmentOverview
	bytes    []byte
}

// record is the attachment as a recipient gets it.
func (a *corrAttachment) record() AttachmentRecord {
	sum := sha256.Sum256(a.bytes)
	return AttachmentRecord{
		DataElementID: a.overview.SendersReference, FileName: a.overview.FileName,
		ContentType: mime.TypeByExtension(path.Ext(a.overview.FileName)),
		Size:        int64(len(a.bytes)), SHA256: hex.EncodeToString(sum[:]), Bytes: append([]byte(nil), a.bytes...),
	}
}

func (e *Emulator) initializeAttachment(c *call) reply {
	var req wire.InitializeAttachment
	if rp, ok := decodeJSON(c, &req); !ok {
		return rp
	}
	fields := fieldErrors{}
	if n := len(strings.TrimSpace(req.ResourceID)); n == 0 || n > 255 {
		fields.add("resourceId", "must be 1 to 255 characters")
	}
	if n := len(strings.TrimSpace(req.FileName)); n == 0 || n > 255 {
		fields.add("fileName", "must be 1 to 255 characters")
	}
	if n := len(strings.TrimSpace(req.SendersReference)); n == 0 || n > 4096 {
		fields.add("sendersReference", "must be 1 to 4096 characters")
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := &corrAttachment{overview: wire.AttachmentOverview{
		InitializeAttachment: req, AttachmentID: e.newID(), Status: wire.AttachmentInitialized,
		StatusText: "Initialized", StatusChanged: e.now(), CorrespondenceIDs: []string{},
	}}
	e.st.corrAttachments[a.overview.AttachmentID] = a
	// Ok(id.ToString()) under [Produces("application/json")]: a JSON string.
	return jsonReply(http.StatusOK, a.overview.AttachmentID)
}

func (e *Emulator) uploadAttachment(c *call) reply {
	if mt, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type")); err != nil || mt != "application/octet-stream" {
		return problemReply(http.StatusUnsupportedMediaType, wire.CodeUnsupportedMedia, "the body must be application/octet-stream", nil)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.st.corrAttachments[strings.ToLower(c.r.PathValue("attachmentId"))]
	switch {
	case !ok:
		return corrProblem(http.StatusNotFound, 2001, "The requested attachment was not found")
	case len(c.body) == 0:
		return corrProblem(http.StatusBadRequest, 2004, "The file size is invalid")
	case a.overview.Status != wire.AttachmentInitialized:
		return corrProblem(http.StatusBadRequest, 2005, "File has already been or is being uploaded")
	}
	a.bytes = append([]byte(nil), c.body...)
	a.overview.Status, a.overview.StatusText, a.overview.StatusChanged = wire.AttachmentPublished, "Bypassed malware scan", e.now()
	return jsonReply(http.StatusOK, a.overview)
}

func (e *Emulator) getAttachment(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.st.corrAttachments[strings.ToLower(c.r.PathValue("attachmentId"))]
	if !ok {
		return corrProblem(http.StatusNotFound, 2001, "The requested attachment was not found")
	}
	return jsonReply(http.StatusOK, a.overview)
}

func cloneAttachments(in []AttachmentRecord) []AttachmentRecord {
	out := make([]AttachmentRecord, len(in))
	for i, a := range in {
		a.Bytes = append([]byte(nil), a.Bytes...)
		out[i] = a
	}
	return out
}

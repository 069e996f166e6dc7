// Package texts renders the human texts the signing service sends — the
// call-to-action inbox message, e-mail and SMS (first notice and reminder) and
// the signature receipt — in bokmål, nynorsk and English, from the app's text
// resources with the reference implementation's defaults as fallback.
package texts

import (
	"slices"
	"strings"
)

// Supported languages.
const (
	NB = "nb" // Norwegian bokmål, also the fallback for unknown languages.
	NN = "nn" // Norwegian nynorsk.
	EN = "en" // English.
)

// Text resource keys with a fixed meaning.
const (
	KeyCTATitle       = "signing.correspondence_cta_title"       // CTA inbox title when the signee has no key.
	KeyCTASummary     = "signing.correspondence_cta_summary"     // CTA inbox summary when the signee has no key.
	KeyCTABody        = "signing.correspondence_cta_body"        // CTA inbox body when the signee has no key.
	KeyReceiptTitle   = "signing.correspondence_receipt_title"   // Receipt title.
	KeyReceiptSummary = "signing.correspondence_receipt_summary" // Receipt summary.
	KeyReceiptBody    = "signing.correspondence_receipt_body"    // Receipt body.

	KeyCancelledTitle   = "signing.correspondence_cancelled_title"   // Cancellation title.
	KeyCancelledSummary = "signing.correspondence_cancelled_summary" // Cancellation summary.
	KeyCancelledBody    = "signing.correspondence_cancelled_body"    // Cancellation body.
	KeyReminderTitle    = "signing.correspondence_reminder_title"    // Reminder title.
	KeyReminderSummary  = "signing.correspondence_reminder_summary"  // Reminder summary.
	KeyReminderBody     = "signing.correspondence_reminder_body"     // Reminder body.
	KeyExtendedTitle    = "signing.correspondence_deadline_extended_title"
	KeyExtendedSummary  = "signing.correspondence_deadline_extended_summary"
	KeyExtendedBody     = "signing.correspondence_deadline_extended_body"
	KeyRejectedBody     = "signing.correspondence_rejected_body"  // Cancellation body after a signee's reject.
	KeyWithdrawnBody    = "signing.correspondence_withdrawn_body" // Cancellation body after the owner's cancel.
	KeyOwnerTitle       = "signing.correspondence_owner_rejected_title"
	KeyOwnerSummary     = "signing.correspondence_owner_rejected_summary"
	KeyOwnerBody        = "signing.correspondence_owner_rejected_body"
	// KeyNotNeeded* tell a surplus signee of a group with its k signatures.
	KeyNotNeededTitle   = "signing.correspondence_not_needed_title"
	KeyNotNeededSummary = "signing.correspondence_not_needed_summary"
	KeyNotNeededBody    = "signing.correspondence_not_needed_body"
	KeyAppName          = "appName"     // The app's display name.
	KeyServiceName      = "ServiceName" // The app's display name, older key.
)

// Resources holds an app's text resources as language (NB, NN, EN) → key → value.
type Resources map[string]map[string]string

// Vars are the values the rendered texts are built from.
type Vars struct {
	// AppName names the app in default texts (see AppName).
	AppName string
	// AppOwner names the service owner in default texts.
	AppOwner string
	// InstanceURL replaces $instanceUrl$ and $InstanceUrl in bodies; empty removes them.
	InstanceURL string
	// Args replace the positional placeholders {0}, {1}, … in app texts.
	Args []string
	// Deadline is the task's deadline as the message's reader writes it
	// (reminder.FormatDeadline); empty when the task has none. It replaces
	// $deadline$ in app texts.
	Deadline string
	// Reason is the reason a reject or cancel gave, free text from a person:
	// it is escaped for markdown in inbox bodies and replaces $reason$ in
	// app texts. Empty when none was given.
	Reason string
}

// Message is a rendered inbox message.
type Message struct {
	Language string // NB, NN or EN, normalized from the requested language.
	Title    string
	Summary  string
	Body     string // Markdown (CTA) or HTML line breaks (receipt defaults), as in the reference.
}

// CTA is the rendered call-to-action: the inbox message plus the notification texts.
type CTA struct {
	Message
	EmailSubject         string
	EmailBody            string
	SMSBody              string
	ReminderEmailSubject string
	ReminderEmailBody    string
	ReminderSMSBody      string
}

// CTAKeys are a signee's optional text resource keys for the call-to-action
// (the signee's communicationConfig); an empty key means not set.
type CTAKeys struct {
	InboxTitle           string // inboxMessage.titleTextResourceKey
	InboxSummary         string // inboxMessage.summaryTextResourceKey
	InboxBody            string // inboxMessage.bodyTextResourceKey
	EmailSubject         string // notification.email.subjectTextResourceKey
	EmailBody            string // notification.email.bodyTextResourceKey
	SMSBody              string // notification.sms.bodyTextResourceKey
	ReminderEmailSubject string // reminderNotification.email.subjectTextResourceKey
	ReminderEmailBody    string // reminderNotification.email.bodyTextResourceKey
	ReminderSMSBody      string // reminderNotification.sms.bodyTextResourceKey
}

// NormalizeLanguage maps a language code or tag (case-insensitive, e.g. "nob", "nn-NO", "en_US") to NB, NN or EN; anything else is NB.
func NormalizeLanguage(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	switch s {
	case "nn", "nno":
		return NN
	case "en", "eng":
		return EN
	default: // "nb", "no", "nob" and everything unknown
		return NB
	}
}

// Lookup returns the value of key in lang, falling back from nynorsk to bokmål; blank values count as missing.
func (r Resources) Lookup(lang, key string) (string, bool) {
	if key == "" {
		return "", false
	}
	lang = NormalizeLanguage(lang)
	if v := r[lang][key]; !isBlank(v) {
		return v, true
	}
	if v := r[NB][key]; lang == NN && !isBlank(v) {
		return v, true
	}
	return "", false
}

// CallToAction renders the call-to-action texts; each text comes from the signee's key, else (inbox only) the fixed signing.correspondence_cta_* key, else the default.
func CallToAction(res Resources, lang string, keys CTAKeys, v Vars) CTA {
	r := newRenderer(res, lang, v)
	d := r.defaults
	return CTA{
		Message: Message{
			Language: r.lang,
			Title:    r.render(r.text, d.CTATitle, keys.InboxTitle, KeyCTATitle),
			Summary:  r.render(r.text, d.CTASummary, keys.InboxSummary, KeyCTASummary),
			Body:     r.render(r.inbox, d.CTABody, keys.InboxBody, KeyCTABody),
		},
		EmailSubject:         r.render(r.text, d.EmailSubject, keys.EmailSubject),
		EmailBody:            r.render(r.plain, d.EmailBody, keys.EmailBody),
		SMSBody:              r.render(r.plain, d.SMSBody, keys.SMSBody),
		ReminderEmailSubject: r.render(r.text, d.ReminderEmailSubject, keys.ReminderEmailSubject),
		ReminderEmailBody:    r.render(r.plain, d.ReminderEmailBody, keys.ReminderEmailBody),
		ReminderSMSBody:      r.render(r.plain, d.ReminderSMSBody, keys.ReminderSMSBody),
	}
}

// Receipt renders the signature receipt from the signing.correspondence_receipt_* keys, else the defaults.
func Receipt(res Resources, lang string, v Vars) Message {
	r := newRenderer(res, lang, v)
	d := r.defaults
	return r.message(d.ReceiptTitle, d.ReceiptSummary, d.ReceiptBody, KeyReceiptTitle, KeyReceiptSummary, KeyReceiptBody)
}

// Cancelled renders the message that withdraws a request to sign (the task
// was rejected or expired), from the signing.correspondence_cancelled_* keys,
// else the defaults.
func Cancelled(res Resources, lang string, v Vars) Message {
	r := newRenderer(res, lang, v)
	d := r.defaults
	return r.message(d.CancelledTitle, d.CancelledSummary, d.CancelledBody, KeyCancelledTitle, KeyCancelledSummary, KeyCancelledBody)
}

// Reminder renders a reminder to a signee who has not signed: the inbox
// message from the signing.correspondence_reminder_* keys, else the
// defaults, which name the deadline when there is one; the notification
// texts are the call-to-action's reminder texts (the signee's
// reminderNotification keys, else the reference's defaults).
func Reminder(res Resources, lang string, keys CTAKeys, v Vars) CTA {
	r := newRenderer(res, lang, v)
	d := r.defaults
	cta := CallToAction(res, lang, keys, v)
	cta.Message = r.message(d.ReminderTitle, d.ReminderSummary, d.ReminderBody, KeyReminderTitle, KeyReminderSummary, KeyReminderBody)
	cta.EmailSubject, cta.EmailBody, cta.SMSBody = cta.ReminderEmailSubject, cta.ReminderEmailBody, cta.ReminderSMSBody
	return cta
}

// DeadlineExtended tells a signee the new deadline (v.Deadline).
func DeadlineExtended(res Resources, lang string, v Vars) Message {
	r := newRenderer(res, lang, v)
	d := r.defaults
	return r.message(d.ExtendedTitle, d.ExtendedSummary, d.ExtendedBody, KeyExtendedTitle, KeyExtendedSummary, KeyExtendedBody)
}

// Why a request to sign was withdrawn, for CancelledBecause.
const (
	ByReject   = "rejected"  // a signee rejected
	ByOwner    = "withdrawn" // the owner (or the app) cancelled
	ByDeadline = "expired"   // the deadline passed, or the task failed
)

// CancelledBecause renders Cancelled with the body for why: a signee's
// reject or the owner's cancel, each with v.Reason when one was given.
// Any other why is Cancelled.
func CancelledBecause(res Resources, lang, why string, v Vars) Message {
	r := newRenderer(res, lang, v)
	d := r.defaults
	switch why {
	case ByReject:
		return r.message(d.CancelledTitle, d.CancelledSummary, d.RejectedBody, KeyCancelledTitle, KeyCancelledSummary, KeyRejectedBody)
	case ByOwner:
		return r.message(d.CancelledTitle, d.CancelledSummary, d.WithdrawnBody, KeyCancelledTitle, KeyCancelledSummary, KeyWithdrawnBody)
	}
	return r.message(d.CancelledTitle, d.CancelledSummary, d.CancelledBody, KeyCancelledTitle, KeyCancelledSummary, KeyCancelledBody)
}

// OwnerRejected tells the instance owner that a signee rejected, with
// v.Reason when one was given.
func OwnerRejected(res Resources, lang string, v Vars) Message {
	r := newRenderer(res, lang, v)
	d := r.defaults
	return r.message(d.OwnerTitle, d.OwnerSummary, d.OwnerBody, KeyOwnerTitle, KeyOwnerSummary, KeyOwnerBody)
}

// NotNeeded tells a signee that their signing group has the signatures it
// requires, so theirs is no longer needed.
func NotNeeded(res Resources, lang string, v Vars) Message {
	r := newRenderer(res, lang, v)
	d := r.defaults
	return r.message(d.NotNeededTitle, d.NotNeededSummary, d.NotNeededBody, KeyNotNeededTitle, KeyNotNeededSummary, KeyNotNeededBody)
}

// message renders an inbox message: the title, summary and body from the
// app's text keys, else the given defaults.
func (r renderer) message(title, summary, body, titleKey, summaryKey, bodyKey string) Message {
	return Message{
		Language: r.lang,
		Title:    r.render(r.text, title, titleKey),
		Summary:  r.render(r.text, summary, summaryKey),
		Body:     r.render(r.inbox, body, bodyKey),
	}
}

// AppName returns the app's display name: text key appName, then ServiceName, then the metadata title in lang, then in nb, then any title, then appID.
func AppName(res Resources, lang string, metadataTitles map[string]string, appID string) string {
	for _, key := range []string{KeyAppName, KeyServiceName} {
		if v, ok := res.Lookup(lang, key); ok {
			return v
		}
	}
	for _, l := range []string{NormalizeLanguage(lang), NB} {
		if t := metadataTitles[l]; !isBlank(t) {
			return t
		}
	}
	// Any other title, in a stable order.
	langs := make([]string, 0, len(metadataTitles))
	for l := range metadataTitles {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		if t := metadataTitles[l]; !isBlank(t) {
			return t
		}
	}
	return appID
}

// renderer resolves the texts of one message in one language.
type renderer struct {
	res      Resources
	lang     string
	vars     Vars
	defaults defaultTexts
	link     string // markdown link to the instance

	inbox expansion // inbox bodies: URL placeholders become the markdown link
	plain expansion // e-mail and SMS bodies: URL placeholders become the plain URL
	text  expansion // titles, summaries, subjects: URL placeholders stay
}

func newRenderer(res Resources, lang string, v Vars) renderer {
	lang = NormalizeLanguage(lang)
	d := defaults[lang]
	link := markdownLink(d.LinkText, v.InstanceURL)
	return renderer{
		res:      res,
		lang:     lang,
		vars:     v,
		defaults: d,
		link:     link,
		inbox:    expansion{replaceURL: true, url: link, args: v.Args, deadline: v.Deadline, reason: EscapeMarkdown(v.Reason)},
		plain:    expansion{replaceURL: true, url: v.InstanceURL, args: v.Args, deadline: v.Deadline, reason: v.Reason},
		text:     expansion{args: v.Args, deadline: v.Deadline, reason: v.Reason},
	}
}

// render expands the first key found with e, else fills in the default text def.
func (r renderer) render(e expansion, def string, keys ...string) string {
	for _, key := range keys {
		if v, ok := r.res.Lookup(r.lang, key); ok {
			return e.expand(v)
		}
	}
	return r.fillDefault(def)
}

// fillDefault fills a default text's {appName}, {appOwner}, {link},
// {deadlineSentence} (with its {deadline}) and {reasonSentence} (with its
// {reason}, escaped for markdown) in a single pass.
func (r renderer) fillDefault(def string) string {
	v := r.vars
	deadline, reason := "", ""
	if v.Deadline != "" {
		deadline = strings.ReplaceAll(r.defaults.DeadlineSentence, "{deadline}", v.Deadline)
	}
	if v.Reason != "" {
		reason = strings.ReplaceAll(r.defaults.ReasonSentence, "{reason}", EscapeMarkdown(v.Reason))
	}
	return strings.NewReplacer(
		"{appName}", v.AppName,
		"{appOwner}", v.AppOwner,
		"{link}", r.link,
		"{deadlineSentence}", deadline,
		"{deadline}", v.Deadline,
		"{reasonSentence}", reason,
	).Replace(def)
}

// EscapeMarkdown makes free text inert in a markdown body: every markdown
// and HTML special character is escaped and line breaks become spaces, so
// a reason cannot add a link, a heading or markup to a message.
func EscapeMarkdown(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '\n' || c == '\r' || c == '\t':
			b.WriteByte(' ')
		case c < 0x20 || c == 0x7f:
		case strings.ContainsRune("\\`*_{}[]()#+-.!<>|~&\"'", c):
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// markdownLink returns "[text](url)", or "" when url is empty.
func markdownLink(text, url string) string {
	if url == "" {
		return ""
	}
	return "[" + text + "](" + url + ")"
}

// isBlank reports whether s is empty or only white space, which counts as a missing text.
func isBlank(s string) bool {
	return strings.TrimSpace(s) == ""
}

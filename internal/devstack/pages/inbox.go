package pages

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/platform/emulator"
)

// message is one inbox message as the pages show it.
type message struct {
	ID string `json:"id"`
	// Kind is what the sender's idempotency key says it is: cta, remind,
	// reminder, receipt, cancel, not-needed, release, replaced, notify.
	Kind string `json:"kind"`
	// To is the recipient's name: the persona or an organisation they act for.
	To          string       `json:"to"`
	ToPersona   bool         `json:"toPersona"`
	Title       string       `json:"title"`
	Summary     string       `json:"summary"`
	Body        string       `json:"body"`
	Language    string       `json:"language"`
	SentAt      time.Time    `json:"sentAt"`
	Instance    *instanceRef `json:"instance,omitempty"`
	Attachments []attachment `json:"attachments"`
}

type instanceRef struct {
	PartyID int64  `json:"partyId"`
	GUID    string `json:"guid"`
}

type attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

// inbox serves the correspondence the logged-in persona received, and what
// the organisations they hold a signing role in received, newest first.
func (s *Server) inbox(w http.ResponseWriter, r *http.Request) {
	p, ok := s.session(r)
	if !ok {
		problem(w, http.StatusUnauthorized, "log in as a persona")
		return
	}
	who := s.personaOf(p)
	names := map[string]string{who.PartyUUID: who.Name}
	for _, o := range who.ActsFor {
		names[o.PartyUUID] = o.Name
	}
	out := []message{}
	for _, m := range s.cfg.Emulator.Messages() {
		to, ok := names[m.RecipientPartyUUID]
		if !ok {
			continue
		}
		out = append(out, inboxMessage(m, to, m.RecipientPartyUUID == who.PartyUUID))
	}
	slices.SortStableFunc(out, func(a, b message) int { return b.SentAt.Compare(a.SentAt) })
	writeJSON(w, http.StatusOK, map[string]any{"messages": out})
}

func inboxMessage(m emulator.MessageRecord, to string, toPersona bool) message {
	kind, _, _ := strings.Cut(m.IdempotencyKey, ":")
	out := message{
		ID: m.ID, Kind: kind, To: to, ToPersona: toPersona, Title: plainText(m.Title), Summary: plainText(m.Summary),
		Body: plainText(m.Body), Language: m.Language, SentAt: m.SentAt, Instance: referencedInstance(m.SendersReference),
		Attachments: []attachment{},
	}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, attachment{
			Name: a.FileName, ContentType: a.ContentType, Size: a.Size,
			URL: "/dev/inbox/" + url.PathEscape(m.ID) + "/attachments/" + url.PathEscape(a.DataElementID),
		})
	}
	return out
}

var (
	guidPattern = regexp.MustCompile(`(?i)([0-9]+)/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`)
	breaks      = regexp.MustCompile(`(?i)<br\s*/?>|</p>`)
	tags        = regexp.MustCompile(`<[^>]*>`)
	mdLinks     = regexp.MustCompile(`\[([^\]]*)\]\(([^)]*)\)`)
)

// referencedInstance reads "{partyId}/{instanceGuid}" from a message's
// sender's reference.
func referencedInstance(ref string) *instanceRef {
	m := guidPattern.FindStringSubmatch(ref)
	if m == nil {
		return nil
	}
	party, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return nil
	}
	return &instanceRef{PartyID: party, GUID: strings.ToLower(m[2])}
}

// plainText is a message's text without markup: line breaks kept as
// newlines, other tags dropped, a Markdown link as its text and address,
// entities decoded. The page shows it as text, never as HTML.
func plainText(s string) string {
	s = breaks.ReplaceAllString(s, "\n")
	s = tags.ReplaceAllString(s, "")
	s = mdLinks.ReplaceAllString(s, "$1 ($2)")
	return strings.TrimSpace(html.UnescapeString(s))
}

// attachment serves an attachment of a message the logged-in persona may read.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) {
	p, ok := s.session(r)
	if !ok {
		problem(w, http.StatusUnauthorized, "log in as a persona")
		return
	}
	who := s.personaOf(p)
	readable := map[string]bool{who.PartyUUID: true}
	for _, o := range who.ActsFor {
		readable[o.PartyUUID] = true
	}
	for _, m := range s.cfg.Emulator.Messages() {
		if m.ID != r.PathValue("correspondenceId") || !readable[m.RecipientPartyUUID] {
			continue
		}
		for _, a := range m.Attachments {
			if a.DataElementID == r.PathValue("dataElementId") {
				serveFile(w, a.ContentType, a.FileName, a.Bytes)
				return
			}
		}
	}
	problem(w, http.StatusNotFound, "no such attachment in your inbox")
}

// serveFile writes a document to open in the browser.
func serveFile(w http.ResponseWriter, contentType, name string, b []byte) {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	if contentType != "application/pdf" {
		// Chromium refuses to show a PDF in a sandboxed document; anything
		// else the sender wrote runs no script here.
		w.Header().Set("Content-Security-Policy", "sandbox")
	}
	if name != "" {
		w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename*=UTF-8''%s", url.PathEscape(name)))
	}
	_, _ = w.Write(b)
}

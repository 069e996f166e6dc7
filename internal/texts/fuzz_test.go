package texts_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/signingflow/signing/internal/texts"
)

// Sentinels stand in for the URL and the arguments. Each starts with the only
// NUL byte it contains, so in a text without NUL bytes every occurrence of a
// sentinel in the output was inserted by the renderer.
const (
	sentinelURL  = "\x00u"
	sentinelArg0 = "\x00a0"
	sentinelArg1 = "\x00a1"
)

var allKeys = texts.CTAKeys{
	InboxTitle:           "k",
	InboxSummary:         "k",
	InboxBody:            "k",
	EmailSubject:         "k",
	EmailBody:            "k",
	SMSBody:              "k",
	ReminderEmailSubject: "k",
	ReminderEmailBody:    "k",
	ReminderSMSBody:      "k",
}

func ctaFields(c texts.CTA) []string {
	return []string{c.Title, c.Summary, c.Body, c.EmailSubject, c.EmailBody, c.SMSBody, c.ReminderEmailSubject, c.ReminderEmailBody, c.ReminderSMSBody}
}

// FuzzRender renders arbitrary override text with arbitrary URL and arguments,
// checking that nothing panics and that inserted values are never expanded
// again: rendering with sentinels and then swapping in the real values must
// give the same texts as rendering with the real values.
func FuzzRender(f *testing.F) {
	f.Add("Hei {0}, signer her: $instanceUrl$", "Kari", "Ola", "https://x/#/instance/1/abc", "nb")
	f.Add("$InstanceUrl $INSTANCEURL$ $instanceurl", "$instanceUrl$", "{0}", "https://x/?q={1}", "nn")
	f.Add("{0}{1}{2}{00}{99999999999}{", "{1}", "{0}", "$InstanceUrl", "en")
	f.Add("{{0}} }{ {1 } {-1} $$instanceUrl$$", "", "", "", "de")
	f.Add("\xff\xfe{0}\u212a$in\u017ftanceUrl$", "\xff", "ø", "https://ø/", "EN-gb")
	f.Add("   ", "x", "y", "https://z/", "nb")
	f.Fuzz(func(t *testing.T, text, arg0, arg1, url, lang string) {
		if strings.Contains(text, "\x00") {
			t.Skip("NUL bytes are reserved for sentinels")
		}
		res := texts.Resources{"nb": {"k": text}, "nn": {"k": text}, "en": {"k": text}}
		vars := texts.Vars{AppName: "App", AppOwner: "Owner"}

		vars.InstanceURL, vars.Args = url, []string{arg0, arg1}
		got := texts.CallToAction(res, lang, allKeys, vars)
		gotReceipt := texts.Receipt(res, lang, vars)

		vars.InstanceURL, vars.Args = sentinelURL, []string{sentinelArg0, sentinelArg1}
		if url == "" {
			vars.InstanceURL = "" // an empty URL removes the placeholder
		}
		marked := texts.CallToAction(res, lang, allKeys, vars)
		markedReceipt := texts.Receipt(res, lang, vars)

		swap := strings.NewReplacer(sentinelURL, url, sentinelArg0, arg0, sentinelArg1, arg1)
		gotFields := append(ctaFields(got), gotReceipt.Title, gotReceipt.Summary, gotReceipt.Body)
		markedFields := append(ctaFields(marked), markedReceipt.Title, markedReceipt.Summary, markedReceipt.Body)
		for i := range gotFields {
			if want := swap.Replace(markedFields[i]); gotFields[i] != want {
				t.Errorf("field %d not single-pass:\n got %q\nwant %q", i, gotFields[i], want)
			}
		}

		if got.Language != texts.NormalizeLanguage(lang) || gotReceipt.Language != got.Language {
			t.Errorf("Language = %q / %q, want %q", got.Language, gotReceipt.Language, texts.NormalizeLanguage(lang))
		}
		// Without placeholders the text comes back unchanged.
		if strings.TrimSpace(text) != "" && !strings.ContainsAny(text, "${") && got.SMSBody != text {
			t.Errorf("SMSBody = %q, want the text %q unchanged", got.SMSBody, text)
		}
		// Valid UTF-8 in gives valid UTF-8 out.
		if utf8.ValidString(text) && utf8.ValidString(arg0) && utf8.ValidString(arg1) && utf8.ValidString(url) {
			for i, s := range gotFields {
				if !utf8.ValidString(s) {
					t.Errorf("field %d is not valid UTF-8: %q", i, s)
				}
			}
		}
	})
}

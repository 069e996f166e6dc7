package texts_test

import (
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/texts"
)

const (
	testApp   = "Stiftelse AS"
	testOwner = "Brønnøysundregistrene"
	testURL   = "https://ttd.apps.altinn.no/ttd/stift/#/instance/512345/0b6c1b0e-7d5e-4f3a-9a63-2d4a3f6e8c11"
)

func testVars() texts.Vars {
	return texts.Vars{AppName: testApp, AppOwner: testOwner, InstanceURL: testURL, Args: []string{"Kari Nordmann"}}
}

// The expected texts are written out from the reference (§5.1), not derived from the defaults table.
var (
	wantCTANB = texts.CTA{
		Message: texts.Message{
			Language: "nb",
			Title:    "Stiftelse AS: Oppgave til signering",
			Summary:  "Din signatur ventes for Stiftelse AS.",
			Body:     "Du har en oppgave som venter på din signatur. [Klikk her for å åpne skjema](" + testURL + ")\n\nHvis du lurer på noe, kan du kontakte Brønnøysundregistrene.",
		},
		EmailSubject:         "Stiftelse AS: Oppgave til signering",
		EmailBody:            "Din signatur ventes for Stiftelse AS. Åpne Altinn-innboksen din for å fortsette.\n\nHvis du lurer på noe, kan du kontakte Brønnøysundregistrene.",
		SMSBody:              "Din signatur ventes for Stiftelse AS. Åpne Altinn-innboksen din for å fortsette.",
		ReminderEmailSubject: "Stiftelse AS: Påminnelse om oppgave til signering",
		ReminderEmailBody:    "Påminnelse: Din signatur ventes for Stiftelse AS. Åpne Altinn-innboksen din for å fortsette.\n\nHvis du lurer på noe, kan du kontakte Brønnøysundregistrene.",
		ReminderSMSBody:      "Påminnelse: Din signatur ventes for Stiftelse AS. Åpne Altinn-innboksen din for å fortsette.",
	}
	wantCTANN = texts.CTA{
		Message: texts.Message{
			Language: "nn",
			Title:    "Stiftelse AS: Oppgåve til signering",
			Summary:  "Signaturen din vert venta for Stiftelse AS.",
			Body:     "Du har ei oppgåve som ventar på signaturen din. [Klikk her for å opne skjema](" + testURL + ")\n\nOm du lurer på noko, kan du kontakte Brønnøysundregistrene.",
		},
		EmailSubject:         "Stiftelse AS: Oppgåve til signering",
		EmailBody:            "Signaturen din vert venta for Stiftelse AS. Opne Altinn-innboksen din for å gå vidare.\n\nOm du lurer på noko, kan du kontakte Brønnøysundregistrene.",
		SMSBody:              "Signaturen din vert venta for Stiftelse AS. Opne Altinn-innboksen din for å gå vidare.",
		ReminderEmailSubject: "Stiftelse AS: Påminning om oppgåve til signering",
		ReminderEmailBody:    "Påminning: Signaturen din vert venta for Stiftelse AS. Opne Altinn-innboksen din for å gå vidare.\n\nOm du lurer på noko, kan du kontakte Brønnøysundregistrene.",
		ReminderSMSBody:      "Påminning: Signaturen din vert venta for Stiftelse AS. Opne Altinn-innboksen din for å gå vidare.",
	}
	wantCTAEN = texts.CTA{
		Message: texts.Message{
			Language: "en",
			Title:    "Stiftelse AS: Task for signing",
			Summary:  "Your signature is requested for Stiftelse AS.",
			Body:     "You have a task waiting for your signature. [Click here to open the form](" + testURL + ")\n\nIf you have any questions, you can contact Brønnøysundregistrene.",
		},
		EmailSubject:         "Stiftelse AS: Task for signing",
		EmailBody:            "Your signature is requested for Stiftelse AS. Open your Altinn inbox to proceed.\n\nIf you have any questions, you can contact Brønnøysundregistrene.",
		SMSBody:              "Your signature is requested for Stiftelse AS. Open your Altinn inbox to proceed.",
		ReminderEmailSubject: "Stiftelse AS: Reminder for task for signing",
		ReminderEmailBody:    "Reminder: Your signature is requested for Stiftelse AS. Open your Altinn inbox to proceed.\n\nIf you have any questions, you can contact Brønnøysundregistrene.",
		ReminderSMSBody:      "Reminder: Your signature is requested for Stiftelse AS. Open your Altinn inbox to proceed.",
	}
)

func TestCallToAction_Defaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lang string
		want texts.CTA
	}{
		{name: "nb", lang: "nb", want: wantCTANB},
		{name: "nn", lang: "nn", want: wantCTANN},
		{name: "en", lang: "en", want: wantCTAEN},
		{name: "en_gb_tag", lang: "en-GB", want: wantCTAEN},
		{name: "nn_upper_case", lang: "NN", want: wantCTANN},
		{name: "empty_language_is_nb", lang: "", want: wantCTANB},
		{name: "unknown_language_is_nb", lang: "se", want: wantCTANB},
		{name: "unknown_tag_is_nb", lang: "de-DE", want: wantCTANB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for name, res := range map[string]texts.Resources{
				"nil_resources":   nil,
				"empty_resources": {"nb": {}, "nn": {}, "en": {}},
				"blank_overrides": {"nb": {texts.KeyCTATitle: " ", texts.KeyCTABody: ""}},
			} {
				got := texts.CallToAction(res, tt.lang, texts.CTAKeys{}, testVars())
				if got != tt.want {
					t.Errorf("%s: CallToAction(%q)\n got %#v\nwant %#v", name, tt.lang, got, tt.want)
				}
			}
		})
	}
}

func TestCallToAction_DefaultsWithoutURL(t *testing.T) {
	t.Parallel()
	v := testVars()
	v.InstanceURL = ""
	got := texts.CallToAction(nil, "nb", texts.CTAKeys{}, v).Body
	want := "Du har en oppgave som venter på din signatur. \n\nHvis du lurer på noe, kan du kontakte Brønnøysundregistrene."
	if got != want {
		t.Errorf("Body = %q, want %q", got, want)
	}
}

func TestCallToAction_Overrides(t *testing.T) {
	t.Parallel()
	res := texts.Resources{
		"nb": {
			texts.KeyCTATitle:   "Fast tittel",
			texts.KeyCTASummary: "Fast sammendrag",
			texts.KeyCTABody:    "Fast brødtekst $InstanceUrl",
			"custom.title":      "Egen tittel",
			"custom.body":       "Hei {0}. $instanceUrl$ og $INSTANCEURL$ og $instanceurl og {1}",
			"custom.subject":    "Emne for {0}",
			"custom.email":      "Hei {0},\n\nÅpne $instanceUrl$\n\nHilsen {1}",
			"custom.sms":        "Signer her: $InstanceUrl",
			"custom.rem.sub":    "Påminnelse for {0}",
			"custom.rem.email":  "Husk å signere: $instanceUrl$",
			"custom.rem.sms":    "Husk: $InstanceUrl",
			"only.nb":           "Bokmål for {0}",
		},
		"nn": {
			texts.KeyCTATitle: "Fast tittel på nynorsk",
			"custom.title":    "",
		},
		"en": {
			"custom.title": "Own title",
			"custom.body":  "Open: $instanceUrl$",
		},
	}
	link := "[Klikk her for å åpne skjema](" + testURL + ")"
	nnLink := "[Klikk her for å opne skjema](" + testURL + ")"
	enLink := "[Click here to open the form](" + testURL + ")"
	tests := []struct {
		name  string
		lang  string
		keys  texts.CTAKeys
		field func(texts.CTA) string
		want  string
	}{
		{
			name:  "signee_key_beats_fixed_key",
			lang:  "nb",
			keys:  texts.CTAKeys{InboxTitle: "custom.title"},
			field: func(c texts.CTA) string { return c.Title },
			want:  "Egen tittel",
		},
		{
			name:  "fixed_key_when_signee_key_unset",
			lang:  "nb",
			field: func(c texts.CTA) string { return c.Summary },
			want:  "Fast sammendrag",
		},
		{
			name:  "fixed_key_when_signee_key_unknown",
			lang:  "nb",
			keys:  texts.CTAKeys{InboxSummary: "no.such.key"},
			field: func(c texts.CTA) string { return c.Summary },
			want:  "Fast sammendrag",
		},
		{
			name:  "fixed_key_body_legacy_placeholder",
			lang:  "nb",
			field: func(c texts.CTA) string { return c.Body },
			want:  "Fast brødtekst " + link,
		},
		{
			name:  "default_when_no_key_in_language",
			lang:  "en",
			keys:  texts.CTAKeys{InboxSummary: "no.such.key"},
			field: func(c texts.CTA) string { return c.Summary },
			want:  "Your signature is requested for Stiftelse AS.",
		},
		{
			name:  "en_does_not_fall_back_to_nb",
			lang:  "en",
			keys:  texts.CTAKeys{SMSBody: "only.nb"},
			field: func(c texts.CTA) string { return c.SMSBody },
			want:  "Your signature is requested for Stiftelse AS. Open your Altinn inbox to proceed.",
		},
		{
			name:  "en_signee_key",
			lang:  "en",
			keys:  texts.CTAKeys{InboxTitle: "custom.title"},
			field: func(c texts.CTA) string { return c.Title },
			want:  "Own title",
		},
		{
			name:  "nn_falls_back_to_nb_for_missing_key",
			lang:  "nn",
			keys:  texts.CTAKeys{SMSBody: "only.nb"},
			field: func(c texts.CTA) string { return c.SMSBody },
			want:  "Bokmål for Kari Nordmann",
		},
		{
			name:  "nn_falls_back_to_nb_for_empty_value",
			lang:  "nn",
			keys:  texts.CTAKeys{InboxTitle: "custom.title"},
			field: func(c texts.CTA) string { return c.Title },
			want:  "Egen tittel",
		},
		{
			name:  "nn_fixed_key_in_nn",
			lang:  "nn",
			field: func(c texts.CTA) string { return c.Title },
			want:  "Fast tittel på nynorsk",
		},
		{
			name:  "nn_fixed_body_from_nb_uses_nn_link_text",
			lang:  "nn",
			field: func(c texts.CTA) string { return c.Body },
			want:  "Fast brødtekst " + nnLink,
		},
		{
			name:  "both_url_placeholders_any_case_in_inbox_body",
			lang:  "nb",
			keys:  texts.CTAKeys{InboxBody: "custom.body"},
			field: func(c texts.CTA) string { return c.Body },
			want:  "Hei Kari Nordmann. " + link + " og " + link + " og " + link + " og {1}",
		},
		{
			name:  "plain_url_in_email_body",
			lang:  "nb",
			keys:  texts.CTAKeys{EmailBody: "custom.email"},
			field: func(c texts.CTA) string { return c.EmailBody },
			want:  "Hei Kari Nordmann,\n\nÅpne " + testURL + "\n\nHilsen {1}",
		},
		{
			name:  "plain_url_in_sms_body",
			lang:  "nb",
			keys:  texts.CTAKeys{SMSBody: "custom.sms"},
			field: func(c texts.CTA) string { return c.SMSBody },
			want:  "Signer her: " + testURL,
		},
		{
			name:  "plain_url_in_reminder_email_body",
			lang:  "nb",
			keys:  texts.CTAKeys{ReminderEmailBody: "custom.rem.email"},
			field: func(c texts.CTA) string { return c.ReminderEmailBody },
			want:  "Husk å signere: " + testURL,
		},
		{
			name:  "plain_url_in_reminder_sms_body",
			lang:  "nb",
			keys:  texts.CTAKeys{ReminderSMSBody: "custom.rem.sms"},
			field: func(c texts.CTA) string { return c.ReminderSMSBody },
			want:  "Husk: " + testURL,
		},
		{
			name:  "args_in_email_subject",
			lang:  "nb",
			keys:  texts.CTAKeys{EmailSubject: "custom.subject"},
			field: func(c texts.CTA) string { return c.EmailSubject },
			want:  "Emne for Kari Nordmann",
		},
		{
			name:  "args_in_reminder_email_subject",
			lang:  "nb",
			keys:  texts.CTAKeys{ReminderEmailSubject: "custom.rem.sub"},
			field: func(c texts.CTA) string { return c.ReminderEmailSubject },
			want:  "Påminnelse for Kari Nordmann",
		},
		{
			name:  "url_placeholder_left_in_title",
			lang:  "nb",
			keys:  texts.CTAKeys{InboxTitle: "custom.body"},
			field: func(c texts.CTA) string { return c.Title },
			want:  "Hei Kari Nordmann. $instanceUrl$ og $INSTANCEURL$ og $instanceurl og {1}",
		},
		{
			name:  "en_link_text",
			lang:  "en",
			keys:  texts.CTAKeys{InboxBody: "custom.body"},
			field: func(c texts.CTA) string { return c.Body },
			want:  "Open: " + enLink,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.field(texts.CallToAction(res, tt.lang, tt.keys, testVars()))
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCallToAction_SinglePass(t *testing.T) {
	t.Parallel()
	res := texts.Resources{"nb": {
		texts.KeyCTABody: "Hei {0} {1}: $instanceUrl$",
		"email":          "Hei {0}: $InstanceUrl",
	}}
	v := texts.Vars{
		AppName:     "App {0} $instanceUrl$",
		AppOwner:    "Eier {appName}",
		InstanceURL: "https://x/?a={0}&b=$InstanceUrl",
		Args:        []string{"$instanceUrl$ {1}", "{0}"},
	}
	tests := []struct {
		name  string
		field func(texts.CTA) string
		want  string
	}{
		{
			name:  "inbox_body",
			field: func(c texts.CTA) string { return c.Body },
			want:  "Hei $instanceUrl$ {1} {0}: [Klikk her for å åpne skjema](https://x/?a={0}&b=$InstanceUrl)",
		},
		{
			name:  "email_body",
			field: func(c texts.CTA) string { return c.EmailBody },
			want:  "Hei $instanceUrl$ {1}: https://x/?a={0}&b=$InstanceUrl",
		},
		{
			name:  "default_title_with_placeholder_like_app_name",
			field: func(c texts.CTA) string { return c.Title },
			want:  "App {0} $instanceUrl$: Oppgave til signering",
		},
		{
			name:  "default_email_subject_with_placeholder_like_app_name",
			field: func(c texts.CTA) string { return c.EmailSubject },
			want:  "App {0} $instanceUrl$: Oppgave til signering",
		},
		{
			name:  "default_reminder_body_with_placeholder_like_owner",
			field: func(c texts.CTA) string { return c.ReminderEmailBody },
			want:  "Påminnelse: Din signatur ventes for App {0} $instanceUrl$. Åpne Altinn-innboksen din for å fortsette.\n\nHvis du lurer på noe, kan du kontakte Eier {appName}.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.field(texts.CallToAction(res, "nb", texts.CTAKeys{EmailBody: "email"}, v))
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCallToAction_Positional(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		args []string
		want string
	}{
		{name: "first_arg", text: "Hei {0}!", args: []string{"Kari"}, want: "Hei Kari!"},
		{name: "repeated_and_reordered", text: "{1} {0} {1}", args: []string{"a", "b"}, want: "b a b"},
		{name: "out_of_range_left_as_is", text: "{0} {2}", args: []string{"a", "b"}, want: "a {2}"},
		{name: "no_args_left_as_is", text: "Hei {0}", want: "Hei {0}"},
		{name: "leading_zero", text: "{00}", args: []string{"a"}, want: "a"},
		{name: "not_a_number", text: "{x} {0a} {-1} {} { 0}", args: []string{"a"}, want: "{x} {0a} {-1} {} { 0}"},
		{name: "unclosed", text: "{0", args: []string{"a"}, want: "{0"},
		{name: "huge_index", text: "{99999999999999999999}", args: []string{"a"}, want: "{99999999999999999999}"},
		{name: "nested_braces", text: "{{0}}", args: []string{"a"}, want: "{a}"},
		{name: "empty_arg", text: "[{0}]", args: []string{""}, want: "[]"},
		{name: "lone_dollar", text: "$ $$ $instance", want: "$ $$ $instance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := texts.Resources{"nb": {"k": tt.text}}
			got := texts.CallToAction(res, "nb", texts.CTAKeys{SMSBody: "k"}, texts.Vars{Args: tt.args}).SMSBody
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReceipt(t *testing.T) {
	t.Parallel()
	nb := texts.Message{
		Language: "nb",
		Title:    "Stiftelse AS: Signeringen er bekreftet",
		Summary:  "Du har signert for Stiftelse AS.",
		Body:     "Dokumentene du har signert er vedlagt. Disse kan lastes ned om ønskelig. <br /><br />Hvis du lurer på noe, kan du kontakte Brønnøysundregistrene.",
	}
	nn := texts.Message{
		Language: "nn",
		Title:    "Stiftelse AS: Signeringa er stadfesta",
		Summary:  "Du har signert for Stiftelse AS.",
		Body:     "Dokumenta du har signert er vedlagde. Dei kan lastast ned om ønskeleg. <br /><br />Om du lurer på noko, kan du kontakte Brønnøysundregistrene.",
	}
	en := texts.Message{
		Language: "en",
		Title:    "Stiftelse AS: Signature confirmed",
		Summary:  "Your signature has been registered for Stiftelse AS.",
		Body:     "The signed documents are attached. They may be downloaded. <br /><br />If you have any questions, you can contact Brønnøysundregistrene.",
	}
	// From the seed's example resource file.
	overrides := texts.Resources{"nb": {
		texts.KeyReceiptTitle:   "Receipt: Signing of founding documents",
		texts.KeyReceiptSummary: "You have signed the founding documents, {0}",
		texts.KeyReceiptBody:    "The documents you have signed are attached. These can be downloaded if desired. <br /><br />If you have any questions, contact the Brønnøysund Register Centre at phone 75 00 75 00. $instanceUrl$",
	}}
	overridden := texts.Message{
		Language: "nb",
		Title:    "Receipt: Signing of founding documents",
		Summary:  "You have signed the founding documents, Kari Nordmann",
		Body:     "The documents you have signed are attached. These can be downloaded if desired. <br /><br />If you have any questions, contact the Brønnøysund Register Centre at phone 75 00 75 00. [Klikk her for å åpne skjema](" + testURL + ")",
	}
	overriddenNN := overridden
	overriddenNN.Language = "nn"
	overriddenNN.Body = "The documents you have signed are attached. These can be downloaded if desired. <br /><br />If you have any questions, contact the Brønnøysund Register Centre at phone 75 00 75 00. [Klikk her for å opne skjema](" + testURL + ")"

	tests := []struct {
		name string
		res  texts.Resources
		lang string
		want texts.Message
	}{
		{name: "default_nb", lang: "nb", want: nb},
		{name: "default_nn", lang: "nn", want: nn},
		{name: "default_en", lang: "en", want: en},
		{name: "default_unknown_language_is_nb", lang: "fr", want: nb},
		{name: "default_empty_language_is_nb", lang: "", want: nb},
		{name: "overrides_nb", res: overrides, lang: "nb", want: overridden},
		{name: "overrides_nn_fall_back_to_nb", res: overrides, lang: "nn", want: overriddenNN},
		{name: "overrides_not_used_for_en", res: overrides, lang: "en", want: en},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := texts.Receipt(tt.res, tt.lang, testVars())
			if got != tt.want {
				t.Errorf("Receipt(%q)\n got %#v\nwant %#v", tt.lang, got, tt.want)
			}
		})
	}
}

func TestAppName(t *testing.T) {
	t.Parallel()
	titles := map[string]string{"nb": "Stiftelse", "nn": "Skiping", "en": "Founding"}
	tests := []struct {
		name   string
		res    texts.Resources
		lang   string
		titles map[string]string
		want   string
	}{
		{name: "app_name_key", res: texts.Resources{"en": {"appName": "Founding app", "ServiceName": "Service"}}, lang: "en", titles: titles, want: "Founding app"},
		{name: "service_name_key", res: texts.Resources{"en": {"ServiceName": "Service"}}, lang: "en", titles: titles, want: "Service"},
		{name: "blank_app_name_key_ignored", res: texts.Resources{"en": {"appName": "  ", "ServiceName": "Service"}}, lang: "en", titles: titles, want: "Service"},
		{name: "nn_key_falls_back_to_nb_key", res: texts.Resources{"nb": {"appName": "Stiftelsesapp"}}, lang: "nn", titles: titles, want: "Stiftelsesapp"},
		{name: "en_key_does_not_fall_back_to_nb_key", res: texts.Resources{"nb": {"appName": "Stiftelsesapp"}}, lang: "en", titles: titles, want: "Founding"},
		{name: "title_in_language", lang: "nn", titles: titles, want: "Skiping"},
		{name: "title_in_normalized_language", lang: "en-US", titles: titles, want: "Founding"},
		{name: "nb_title", lang: "en", titles: map[string]string{"nb": "Stiftelse", "nn": "Skiping"}, want: "Stiftelse"},
		{name: "any_title_sorted", lang: "en", titles: map[string]string{"se": "Sámi", "nn": "Skiping", "nb": ""}, want: "Skiping"},
		{name: "app_id", lang: "nb", titles: map[string]string{"nb": " "}, want: "ttd/stift"},
		{name: "app_id_without_titles", lang: "nb", want: "ttd/stift"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := texts.AppName(tt.res, tt.lang, tt.titles, "ttd/stift")
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalizeLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "nb", in: "nb", want: "nb"},
		{name: "no", in: "no", want: "nb"},
		{name: "nob", in: "NOB", want: "nb"},
		{name: "nb_no", in: "nb-NO", want: "nb"},
		{name: "nn", in: "nn", want: "nn"},
		{name: "nno", in: "Nno", want: "nn"},
		{name: "nn_no_underscore", in: "nn_NO", want: "nn"},
		{name: "en", in: " EN ", want: "en"},
		{name: "eng", in: "eng", want: "en"},
		{name: "en_gb", in: "en-GB", want: "en"},
		{name: "en_us", in: "en-US", want: "en"},
		{name: "empty", in: "", want: "nb"},
		{name: "sami", in: "se", want: "nb"},
		{name: "german", in: "de-DE", want: "nb"},
		{name: "garbage", in: "-", want: "nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := texts.NormalizeLanguage(tt.in); got != tt.want {
				t.Errorf("NormalizeLanguage(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestResources_Lookup(t *testing.T) {
	t.Parallel()
	res := texts.Resources{
		"nb": {"a": "nb a", "b": "nb b", "blank": "x"},
		"nn": {"a": "nn a", "blank": " \t"},
		"en": {"c": "en c"},
	}
	tests := []struct {
		name   string
		lang   string
		key    string
		want   string
		wantOK bool
	}{
		{name: "nn_hit", lang: "nn", key: "a", want: "nn a", wantOK: true},
		{name: "nn_falls_back_to_nb", lang: "nn", key: "b", want: "nb b", wantOK: true},
		{name: "nn_blank_falls_back_to_nb", lang: "nn", key: "blank", want: "x", wantOK: true},
		{name: "en_no_fallback", lang: "en", key: "a"},
		{name: "unknown_language_reads_nb", lang: "de", key: "a", want: "nb a", wantOK: true},
		{name: "missing_key", lang: "nb", key: "c"},
		{name: "empty_key", lang: "nb", key: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := res.Lookup(tt.lang, tt.key)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Lookup(%q, %q) = %q, %v; want %q, %v", tt.lang, tt.key, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	v := texts.Vars{AppName: "Stiftelse", AppOwner: "Brønnøysundregistrene"}
	tests := []struct {
		name      string
		res       texts.Resources
		lang      string
		wantTitle string
		wantBody  string
	}{
		{name: "nb_default", lang: "nb", wantTitle: "Stiftelse: Signeringen er avbrutt", wantBody: "Hvis du lurer på noe, kan du kontakte Brønnøysundregistrene."},
		{name: "nn_default", lang: "nn", wantTitle: "Stiftelse: Signeringa er avbroten", wantBody: "Om du lurer på noko, kan du kontakte Brønnøysundregistrene."},
		{name: "en_default", lang: "en-GB", wantTitle: "Stiftelse: Signing cancelled", wantBody: "If you have any questions, you can contact Brønnøysundregistrene."},
		{name: "unknown_language_is_nb", lang: "se", wantTitle: "Stiftelse: Signeringen er avbrutt", wantBody: "kontakte Brønnøysundregistrene."},
		{
			name:      "override",
			res:       texts.Resources{"nb": {texts.KeyCancelledTitle: "Avbrutt: {0}", texts.KeyCancelledBody: "Se $instanceUrl$"}},
			lang:      "nb",
			wantTitle: "Avbrutt: {0}",
			wantBody:  "Se ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := texts.Cancelled(tt.res, tt.lang, v)
			if got.Title != tt.wantTitle {
				t.Errorf("Title = %q, want %q", got.Title, tt.wantTitle)
			}
			if !strings.Contains(got.Body, tt.wantBody) {
				t.Errorf("Body = %q, want it to contain %q", got.Body, tt.wantBody)
			}
		})
	}
}

// TestNotNeeded checks the message to a signee whose group has the
// signatures it requires, in each language.
func TestNotNeeded(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]string{texts.NB: "trengs ikke lenger", texts.NN: "trengst ikkje lenger", texts.EN: "no longer needed"} {
		m := texts.NotNeeded(nil, lang, texts.Vars{AppName: "Stiftelse"})
		if m.Language != lang || !strings.Contains(m.Title, want) || !strings.Contains(m.Title, "Stiftelse") || m.Body == "" || m.Summary == "" {
			t.Errorf("NotNeeded(%s) = %+v, want a title with %q and the app's name", lang, m, want)
		}
	}
}

package texts

// defaultTexts is the built-in wording for one language, used for every text
// an app does not override. Only {appName}, {appOwner} and {link} (the
// markdown link to the instance) are filled in; see fillDefault.
type defaultTexts struct {
	LinkText string

	CTATitle             string
	CTASummary           string
	CTABody              string
	EmailSubject         string
	EmailBody            string
	SMSBody              string
	ReminderEmailSubject string
	ReminderEmailBody    string
	ReminderSMSBody      string

	ReceiptTitle   string
	ReceiptSummary string
	ReceiptBody    string

	// Cancelled* tell a signee that the request to sign was withdrawn
	// (rejected or expired); the reference sends no such message.
	CancelledTitle   string
	CancelledSummary string
	CancelledBody    string
}

// defaults holds the reference implementation's default texts verbatim, one
// entry per supported language. To add a language, add an entry here and a
// case to NormalizeLanguage.
var defaults = map[string]defaultTexts{
	NB: {
		LinkText: "Klikk her for å åpne skjema",

		CTATitle:             "{appName}: Oppgave til signering",
		CTASummary:           "Din signatur ventes for {appName}.",
		CTABody:              "Du har en oppgave som venter på din signatur. {link}\n\nHvis du lurer på noe, kan du kontakte {appOwner}.",
		EmailSubject:         "{appName}: Oppgave til signering",
		EmailBody:            "Din signatur ventes for {appName}. Åpne Altinn-innboksen din for å fortsette.\n\nHvis du lurer på noe, kan du kontakte {appOwner}.",
		SMSBody:              "Din signatur ventes for {appName}. Åpne Altinn-innboksen din for å fortsette.",
		ReminderEmailSubject: "{appName}: Påminnelse om oppgave til signering",
		ReminderEmailBody:    "Påminnelse: Din signatur ventes for {appName}. Åpne Altinn-innboksen din for å fortsette.\n\nHvis du lurer på noe, kan du kontakte {appOwner}.",
		ReminderSMSBody:      "Påminnelse: Din signatur ventes for {appName}. Åpne Altinn-innboksen din for å fortsette.",

		ReceiptTitle:     "{appName}: Signeringen er bekreftet",
		ReceiptSummary:   "Du har signert for {appName}.",
		ReceiptBody:      "Dokumentene du har signert er vedlagt. Disse kan lastes ned om ønskelig. <br /><br />Hvis du lurer på noe, kan du kontakte {appOwner}.",
		CancelledTitle:   "{appName}: Signeringen er avbrutt",
		CancelledSummary: "Du trenger ikke lenger signere for {appName}.",
		CancelledBody:    "Oppgaven med å signere {appName} er avbrutt, og du trenger ikke gjøre noe mer. <br /><br />Hvis du lurer på noe, kan du kontakte {appOwner}.",
	},
	NN: {
		LinkText: "Klikk her for å opne skjema",

		CTATitle:             "{appName}: Oppgåve til signering",
		CTASummary:           "Signaturen din vert venta for {appName}.",
		CTABody:              "Du har ei oppgåve som ventar på signaturen din. {link}\n\nOm du lurer på noko, kan du kontakte {appOwner}.",
		EmailSubject:         "{appName}: Oppgåve til signering",
		EmailBody:            "Signaturen din vert venta for {appName}. Opne Altinn-innboksen din for å gå vidare.\n\nOm du lurer på noko, kan du kontakte {appOwner}.",
		SMSBody:              "Signaturen din vert venta for {appName}. Opne Altinn-innboksen din for å gå vidare.",
		ReminderEmailSubject: "{appName}: Påminning om oppgåve til signering",
		ReminderEmailBody:    "Påminning: Signaturen din vert venta for {appName}. Opne Altinn-innboksen din for å gå vidare.\n\nOm du lurer på noko, kan du kontakte {appOwner}.",
		ReminderSMSBody:      "Påminning: Signaturen din vert venta for {appName}. Opne Altinn-innboksen din for å gå vidare.",

		ReceiptTitle:     "{appName}: Signeringa er stadfesta",
		ReceiptSummary:   "Du har signert for {appName}.",
		ReceiptBody:      "Dokumenta du har signert er vedlagde. Dei kan lastast ned om ønskeleg. <br /><br />Om du lurer på noko, kan du kontakte {appOwner}.",
		CancelledTitle:   "{appName}: Signeringa er avbroten",
		CancelledSummary: "Du treng ikkje lenger signere for {appName}.",
		CancelledBody:    "Oppgåva med å signere {appName} er avbroten, og du treng ikkje gjere noko meir. <br /><br />Om du lurer på noko, kan du kontakte {appOwner}.",
	},
	EN: {
		LinkText: "Click here to open the form",

		CTATitle:             "{appName}: Task for signing",
		CTASummary:           "Your signature is requested for {appName}.",
		CTABody:              "You have a task waiting for your signature. {link}\n\nIf you have any questions, you can contact {appOwner}.",
		EmailSubject:         "{appName}: Task for signing",
		EmailBody:            "Your signature is requested for {appName}. Open your Altinn inbox to proceed.\n\nIf you have any questions, you can contact {appOwner}.",
		SMSBody:              "Your signature is requested for {appName}. Open your Altinn inbox to proceed.",
		ReminderEmailSubject: "{appName}: Reminder for task for signing",
		ReminderEmailBody:    "Reminder: Your signature is requested for {appName}. Open your Altinn inbox to proceed.\n\nIf you have any questions, you can contact {appOwner}.",
		ReminderSMSBody:      "Reminder: Your signature is requested for {appName}. Open your Altinn inbox to proceed.",

		ReceiptTitle:     "{appName}: Signature confirmed",
		ReceiptSummary:   "Your signature has been registered for {appName}.",
		ReceiptBody:      "The signed documents are attached. They may be downloaded. <br /><br />If you have any questions, you can contact {appOwner}.",
		CancelledTitle:   "{appName}: Signing cancelled",
		CancelledSummary: "You no longer need to sign for {appName}.",
		CancelledBody:    "The request to sign {appName} has been withdrawn; there is nothing more for you to do. <br /><br />If you have any questions, you can contact {appOwner}.",
	},
}

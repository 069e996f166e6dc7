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

	// Reminder* remind a signee who has not signed (the reference leaves
	// reminders to Correspondence and has no inbox text for them); the
	// notification texts are the Reminder* ones above.
	ReminderTitle   string
	ReminderSummary string
	ReminderBody    string
	// DeadlineSentence follows a reminder's summary and body when the task
	// has a deadline.
	DeadlineSentence string

	// Extended* tell a signee that the deadline moved.
	ExtendedTitle   string
	ExtendedSummary string
	ExtendedBody    string

	// RejectedBody and WithdrawnBody replace CancelledBody when a signee
	// rejected or the owner withdrew the request; ReasonSentence follows
	// either when a reason was given. Owner* tell the instance owner that a
	// signee rejected.
	RejectedBody   string
	WithdrawnBody  string
	ReasonSentence string
	OwnerTitle     string
	OwnerSummary   string
	OwnerBody      string

	// NotNeeded* tell a signee that their signing group has the signatures
	// it requires (any k of n), so theirs is no longer needed.
	NotNeededTitle   string
	NotNeededSummary string
	NotNeededBody    string
}

// defaults holds the reference implementation's default texts verbatim (the
// reminder notification texts gain {deadlineSentence}, empty without a
// deadline, so they read as the reference's then), one
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
		ReminderEmailBody:    "Påminnelse: Din signatur ventes for {appName}.{deadlineSentence} Åpne Altinn-innboksen din for å fortsette.\n\nHvis du lurer på noe, kan du kontakte {appOwner}.",
		ReminderSMSBody:      "Påminnelse: Din signatur ventes for {appName}.{deadlineSentence} Åpne Altinn-innboksen din for å fortsette.",

		ReceiptTitle:     "{appName}: Signeringen er bekreftet",
		ReceiptSummary:   "Du har signert for {appName}.",
		ReceiptBody:      "Dokumentene du har signert er vedlagt. Disse kan lastes ned om ønskelig. <br /><br />Hvis du lurer på noe, kan du kontakte {appOwner}.",
		CancelledTitle:   "{appName}: Signeringen er avbrutt",
		CancelledSummary: "Du trenger ikke lenger signere for {appName}.",
		CancelledBody:    "Oppgaven med å signere {appName} er avbrutt, og du trenger ikke gjøre noe mer. <br /><br />Hvis du lurer på noe, kan du kontakte {appOwner}.",
		ReminderTitle:    "{appName}: Påminnelse om oppgave til signering",
		ReminderSummary:  "Din signatur ventes fortsatt for {appName}.{deadlineSentence}",
		ReminderBody:     "Du har fortsatt en oppgave som venter på din signatur.{deadlineSentence} {link}\n\nHvis du lurer på noe, kan du kontakte {appOwner}.",
		DeadlineSentence: " Fristen er {deadline}.",
		ExtendedTitle:    "{appName}: Fristen for signering er forlenget",
		ExtendedSummary:  "Ny frist for å signere er {deadline}.",
		ExtendedBody:     "Fristen for å signere {appName} er forlenget til {deadline}. {link}\n\nHvis du lurer på noe, kan du kontakte {appOwner}.",
		RejectedBody:     "Oppgaven med å signere {appName} er avbrutt fordi en av dem som skulle signere, avslo.{reasonSentence} Du trenger ikke gjøre noe mer. <br /><br />Hvis du lurer på noe, kan du kontakte {appOwner}.",
		WithdrawnBody:    "Avsenderen har trukket tilbake oppgaven med å signere {appName}.{reasonSentence} Du trenger ikke gjøre noe mer. <br /><br />Hvis du lurer på noe, kan du kontakte {appOwner}.",
		ReasonSentence:   " Begrunnelse: «{reason}».",
		OwnerTitle:       "{appName}: Signeringen ble avslått",
		OwnerSummary:     "En av dem som skulle signere {appName}, avslo.",
		OwnerBody:        "En av dem som skulle signere {appName}, avslo, og signeringen er avbrutt.{reasonSentence} {link}\n\nHvis du lurer på noe, kan du kontakte {appOwner}.",
		NotNeededTitle:   "{appName}: Din signatur trengs ikke lenger",
		NotNeededSummary: "Nok personer har signert {appName}.",
		NotNeededBody:    "Nok personer har nå signert {appName}, så din signatur trengs ikke lenger, og du trenger ikke gjøre noe mer. <br /><br />Hvis du lurer på noe, kan du kontakte {appOwner}.",
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
		ReminderEmailBody:    "Påminning: Signaturen din vert venta for {appName}.{deadlineSentence} Opne Altinn-innboksen din for å gå vidare.\n\nOm du lurer på noko, kan du kontakte {appOwner}.",
		ReminderSMSBody:      "Påminning: Signaturen din vert venta for {appName}.{deadlineSentence} Opne Altinn-innboksen din for å gå vidare.",

		ReceiptTitle:     "{appName}: Signeringa er stadfesta",
		ReceiptSummary:   "Du har signert for {appName}.",
		ReceiptBody:      "Dokumenta du har signert er vedlagde. Dei kan lastast ned om ønskeleg. <br /><br />Om du lurer på noko, kan du kontakte {appOwner}.",
		CancelledTitle:   "{appName}: Signeringa er avbroten",
		CancelledSummary: "Du treng ikkje lenger signere for {appName}.",
		CancelledBody:    "Oppgåva med å signere {appName} er avbroten, og du treng ikkje gjere noko meir. <br /><br />Om du lurer på noko, kan du kontakte {appOwner}.",
		ReminderTitle:    "{appName}: Påminning om oppgåve til signering",
		ReminderSummary:  "Signaturen din vert framleis venta for {appName}.{deadlineSentence}",
		ReminderBody:     "Du har framleis ei oppgåve som ventar på signaturen din.{deadlineSentence} {link}\n\nOm du lurer på noko, kan du kontakte {appOwner}.",
		DeadlineSentence: " Fristen er {deadline}.",
		ExtendedTitle:    "{appName}: Fristen for signering er forlengd",
		ExtendedSummary:  "Ny frist for å signere er {deadline}.",
		ExtendedBody:     "Fristen for å signere {appName} er forlengd til {deadline}. {link}\n\nOm du lurer på noko, kan du kontakte {appOwner}.",
		RejectedBody:     "Oppgåva med å signere {appName} er avbroten fordi ein av dei som skulle signere, avslo.{reasonSentence} Du treng ikkje gjere noko meir. <br /><br />Om du lurer på noko, kan du kontakte {appOwner}.",
		WithdrawnBody:    "Avsendaren har trekt tilbake oppgåva med å signere {appName}.{reasonSentence} Du treng ikkje gjere noko meir. <br /><br />Om du lurer på noko, kan du kontakte {appOwner}.",
		ReasonSentence:   " Grunngiving: «{reason}».",
		OwnerTitle:       "{appName}: Signeringa vart avslått",
		OwnerSummary:     "Ein av dei som skulle signere {appName}, avslo.",
		OwnerBody:        "Ein av dei som skulle signere {appName}, avslo, og signeringa er avbroten.{reasonSentence} {link}\n\nOm du lurer på noko, kan du kontakte {appOwner}.",
		NotNeededTitle:   "{appName}: Signaturen din trengst ikkje lenger",
		NotNeededSummary: "Nok personar har signert {appName}.",
		NotNeededBody:    "Nok personar har no signert {appName}, så signaturen din trengst ikkje lenger, og du treng ikkje gjere noko meir. <br /><br />Om du lurer på noko, kan du kontakte {appOwner}.",
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
		ReminderEmailBody:    "Reminder: Your signature is requested for {appName}.{deadlineSentence} Open your Altinn inbox to proceed.\n\nIf you have any questions, you can contact {appOwner}.",
		ReminderSMSBody:      "Reminder: Your signature is requested for {appName}.{deadlineSentence} Open your Altinn inbox to proceed.",

		ReceiptTitle:     "{appName}: Signature confirmed",
		ReceiptSummary:   "Your signature has been registered for {appName}.",
		ReceiptBody:      "The signed documents are attached. They may be downloaded. <br /><br />If you have any questions, you can contact {appOwner}.",
		CancelledTitle:   "{appName}: Signing cancelled",
		CancelledSummary: "You no longer need to sign for {appName}.",
		CancelledBody:    "The request to sign {appName} has been withdrawn; there is nothing more for you to do. <br /><br />If you have any questions, you can contact {appOwner}.",
		ReminderTitle:    "{appName}: Reminder for task for signing",
		ReminderSummary:  "Your signature is still requested for {appName}.{deadlineSentence}",
		ReminderBody:     "You still have a task waiting for your signature.{deadlineSentence} {link}\n\nIf you have any questions, you can contact {appOwner}.",
		DeadlineSentence: " The deadline is {deadline}.",
		ExtendedTitle:    "{appName}: Signing deadline extended",
		ExtendedSummary:  "The new deadline for signing is {deadline}.",
		ExtendedBody:     "The deadline for signing {appName} has been extended to {deadline}. {link}\n\nIf you have any questions, you can contact {appOwner}.",
		RejectedBody:     "The request to sign {appName} has been cancelled because one of the signees declined.{reasonSentence} There is nothing more for you to do. <br /><br />If you have any questions, you can contact {appOwner}.",
		WithdrawnBody:    "The sender has withdrawn the request to sign {appName}.{reasonSentence} There is nothing more for you to do. <br /><br />If you have any questions, you can contact {appOwner}.",
		ReasonSentence:   " Reason given: “{reason}”.",
		OwnerTitle:       "{appName}: Signing declined",
		OwnerSummary:     "One of the signees of {appName} declined.",
		OwnerBody:        "One of the signees of {appName} declined, and the signing has been cancelled.{reasonSentence} {link}\n\nIf you have any questions, you can contact {appOwner}.",
		NotNeededTitle:   "{appName}: Your signature is no longer needed",
		NotNeededSummary: "Enough people have signed {appName}.",
		NotNeededBody:    "Enough people have now signed {appName}, so your signature is no longer needed and there is nothing more for you to do. <br /><br />If you have any questions, you can contact {appOwner}.",
	},
}

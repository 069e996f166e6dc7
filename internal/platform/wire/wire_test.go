package wire_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/signingflow/signing/internal/platform/wire"
)

// TestDelegationRequest_golden pins the access management body of the
// reference (§4.2): from/to party UUIDs and one right per action scoped to
// app, org and task.
func TestDelegationRequest_golden(t *testing.T) {
	t.Parallel()

	got, err := json.Marshal(wire.DelegationRequest{
		From:   wire.Attribute{Type: wire.TypePartyUUID, Value: "a"},
		To:     wire.Attribute{Type: wire.TypePartyUUID, Value: "b"},
		Rights: []wire.Right{wire.TaskRight("ttd", "founders", "SigningTask", "read")},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"from":{"type":"urn:altinn:party:uuid","value":"a"},"to":{"type":"urn:altinn:party:uuid","value":"b"},` +
		`"rights":[{"resource":[{"type":"urn:altinn:app","value":"founders"},{"type":"urn:altinn:org","value":"ttd"},` +
		`{"type":"urn:altinn:task","value":"SigningTask"}],"action":{"type":"urn:oasis:names:tc:xacml:1.0:action:action-id","value":"read"}}]}`
	if string(got) != want {
		t.Errorf("DelegationRequest JSON =\n%s\nwant\n%s", got, want)
	}
}

// TestCorrespondenceNotification_golden pins the notification block of the
// reference (§5.2): one recipient object per identifier.
func TestCorrespondenceNotification_golden(t *testing.T) {
	t.Parallel()

	got, err := json.Marshal(wire.CorrespondenceNotification{
		NotificationTemplate: wire.TemplateCustomMessage, NotificationChannel: wire.ChannelEmailAndSMS,
		EmailSubject: "s", EmailBody: "b", SMSBody: "t", SendersReference: "1/g",
		CustomRecipients:                     []wire.NotificationRecipient{{EmailAddress: "a@example.com"}, {MobileNumber: "+4799999999"}},
		OverrideRegisteredContactInformation: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"notificationTemplate":"CustomMessage","notificationChannel":"EmailAndSms","emailSubject":"s","emailBody":"b","smsBody":"t",` +
		`"sendReminder":false,"sendersReference":"1/g","customRecipients":[{"emailAddress":"a@example.com"},{"mobileNumber":"+4799999999"}],` +
		`"overrideRegisteredContactInformation":true}`
	if string(got) != want {
		t.Errorf("CorrespondenceNotification JSON =\n%s\nwant\n%s", got, want)
	}
}

func TestDataElement_GeneratedFromTask(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		refs []wire.Reference
		want string
	}{
		{name: "none", want: ""},
		{name: "task", refs: []wire.Reference{{Value: "SigningTask", Relation: wire.RelationGeneratedFrom, ValueType: wire.ValueTypeTask}}, want: "SigningTask"},
		{name: "other_relation", refs: []wire.Reference{{Value: "x", Relation: "Other", ValueType: wire.ValueTypeTask}}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := (wire.DataElement{References: tt.refs}).GeneratedFromTask(); got != tt.want {
				t.Errorf("GeneratedFromTask() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestParty_nulls checks that a register party writes absent strings as
// null, as Register's Newtonsoft models do, and carries the national ID
// where Register does (Altinn/altinn-register
// src/pkgs/Altinn.Register.Contracts/src/Altinn.Register.Contracts/V1/Party.cs).
func TestParty_nulls(t *testing.T) {
	t.Parallel()

	b, err := json.Marshal(wire.Party{Person: &wire.Person{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"ssn":null`, `"orgNumber":null`, `"organization":null`, `"lastName":null`} {
		if !bytes.Contains(b, []byte(field)) {
			t.Errorf("Party JSON %s lacks %s", b, field)
		}
	}
	var back wire.Party
	if err := json.Unmarshal([]byte(`{"partyId":1,"ssn":null,"person":{"lastName":"Nordmann"}}`), &back); err != nil || back.SSN != "" || back.Person.LastName != "Nordmann" {
		t.Errorf("Unmarshal = %+v, %v", back, err)
	}
}

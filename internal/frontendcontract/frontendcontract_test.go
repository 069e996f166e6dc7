package frontendcontract_test

import (
	"testing"

	"github.com/signingflow/signing/internal/frontendcontract"
)

// TestCheck pins what each schema refuses: the answers the frontend's zod
// schemas reject, from the faults a backend could make.
func TestCheck(t *testing.T) {
	t.Parallel()
	signee := func(fields string) string {
		return `{"signeeStates":[{` + fields + `}]}`
	}
	tests := []struct {
		name, schema, body string
		ok                 bool
	}{
		{"signee_ok", frontendcontract.SigneeList, signee(`"name":"Kari","organization":null,"signedTime":null,"delegationSuccessful":true,"notificationStatus":"Sent","partyId":50001`), true},
		{"signee_signed_utc", frontendcontract.SigneeList, signee(`"name":"Kari","signedTime":"2026-03-03T10:00:00.123456789Z","delegationSuccessful":true,"notificationStatus":"Sent","partyId":50001`), true},
		{"signee_org_only", frontendcontract.SigneeList, signee(`"name":null,"organization":"Acme","signedTime":null,"delegationSuccessful":false,"notificationStatus":"Failed","partyId":50100`), true},
		{"signee_offset_time", frontendcontract.SigneeList, signee(`"name":"Kari","signedTime":"2026-03-03T11:00:00+01:00","delegationSuccessful":true,"notificationStatus":"Sent","partyId":50001`), false},
		{"signee_time_without_seconds", frontendcontract.SigneeList, signee(`"name":"Kari","signedTime":"2026-03-03T10:00Z","delegationSuccessful":true,"notificationStatus":"Sent","partyId":50001`), false},
		{"signee_no_signed_time_key", frontendcontract.SigneeList, signee(`"name":"Kari","delegationSuccessful":true,"notificationStatus":"Sent","partyId":50001`), false},
		{"signee_no_name_nor_org", frontendcontract.SigneeList, signee(`"name":"","organization":null,"signedTime":null,"delegationSuccessful":true,"notificationStatus":"Sent","partyId":50001`), false},
		{"signee_unknown_status", frontendcontract.SigneeList, signee(`"name":"Kari","signedTime":null,"delegationSuccessful":true,"notificationStatus":"Pending","partyId":50001`), false},
		{"signee_party_as_string", frontendcontract.SigneeList, signee(`"name":"Kari","signedTime":null,"delegationSuccessful":true,"notificationStatus":"Sent","partyId":"50001"`), false},
		{"documents_ok", frontendcontract.SigningDocuments, `{"dataElements":[{"id":"a","dataType":"ref-data-as-pdf","contentType":"application/pdf","filename":null,"size":10,"tags":[],"selfLinks":{"apps":"https://x/ttd/app/instances/1/a/data/a"}}]}`, true},
		{"documents_no_tags", frontendcontract.SigningDocuments, `{"dataElements":[{"id":"a","dataType":"d","contentType":"application/pdf","size":10,"selfLinks":{"apps":"u"}}]}`, false},
		{"documents_no_self_links", frontendcontract.SigningDocuments, `{"dataElements":[{"id":"a","dataType":"d","contentType":"application/pdf","size":10,"tags":[]}]}`, false},
		{"organizations_ok", frontendcontract.AuthorizedOrganizations, `{"organizations":[{"orgNumber":"312847612","orgName":"ACME","partyId":50100}]}`, true},
		{"organizations_number_as_number", frontendcontract.AuthorizedOrganizations, `{"organizations":[{"orgNumber":312847612,"orgName":"ACME","partyId":50100}]}`, false},
		{"process_ok", frontendcontract.ProcessState, `{"started":"2026-03-03T09:00:00Z","currentTask":{"flow":2,"started":"2026-03-03T09:00:00Z","elementId":"SigningTask","name":"Signering","altinnTaskType":"signing"},"ended":null}`, true},
		{"process_ended", frontendcontract.ProcessState, `{"started":"2026-03-03T09:00:00Z","currentTask":null,"ended":"2026-03-03T10:00:00Z"}`, true},
		{"process_nowhere_to_go", frontendcontract.ProcessState, `{"started":"2026-03-03T09:00:00Z","currentTask":null,"ended":null}`, false},
		{"process_our_old_answer", frontendcontract.ProcessState, `{"action":"complete","task":{"taskId":"SigningTask","status":"completed"}}`, false},
		{"issues_ok", frontendcontract.ValidationIssues, `[{"severity":1,"code":"MissingSignatures","description":"x","source":"s","noIncrementalUpdates":true}]`, true},
		{"issues_no_source", frontendcontract.ValidationIssues, `[{"severity":1,"code":"MissingSignatures"}]`, false},
		{"action_ok", frontendcontract.UserActionResponse, `{"instance":{"id":"50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","appId":"ttd/founders","instanceOwner":{"partyId":"50001"}},"clientActions":[],"redirectUrl":null}`, true},
		{"action_no_instance", frontendcontract.UserActionResponse, `{"clientActions":[]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := frontendcontract.Check(tt.schema, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Errorf("Check() = %v, want ok %v", err, tt.ok)
			}
		})
	}
	if err := frontendcontract.Check("nope", []byte(`{}`)); err == nil {
		t.Error("Check(unknown schema) = nil")
	}
}

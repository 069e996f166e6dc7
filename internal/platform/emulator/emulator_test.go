package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/wire"
)

const (
	kariSSN      = "15838523428"
	olaSSN       = "02919043558"
	kariUUID     = "0b6c1f2e-3d4a-4b5c-8d6e-000000050001"
	olaUUID      = "0b6c1f2e-3d4a-4b5c-8d6e-000000050002"
	instanceGUID = "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"
	modelID      = "8a2f4c6e-1b3d-4f5a-9c7e-0d2b4f6a8c10"
	instancePath = "/storage/api/v1/instances/50001/" + instanceGUID
	delegatePath = "/accessmanagement/api/v1/app/delegations/resource/app_ttd_founders/instance/" + instanceGUID
	revokePath   = "/accessmanagement/api/v1/app/delegationrevoke/resource/app_ttd_founders/instance/" + instanceGUID
	sendPath     = "/correspondence/api/v1/correspondence"
	lookupPath   = "/register/api/v1/parties/lookup"
	decisionPath = "/authorization/api/v1/decision"
	// validDecision asks whether user 1001 (Kari) holds a key role in the holding company.
	validDecision = `{"request":{"returnPolicyIdList":true,"accessSubject":[{"id":"s1","attribute":[{"attributeId":"urn:altinn:userid","value":"1001"}]}],` +
		`"action":[{"id":"a1","attribute":[{"attributeId":"urn:oasis:names:tc:xacml:1.0:action:action-id","value":"access"}]}],` +
		`"resource":[{"id":"r0","attribute":[{"attributeId":"urn:altinn:resource","value":"altinn_keyrole_access"},{"attributeId":"urn:altinn:organization:identifier-no","value":"312847612","includeInResult":true}]}],` +
		`"multiRequests":{"requestReference":[{"referenceId":["s1","a1","r0"]}]}}}`
)

func start(t *testing.T, opts ...emulator.Option) (*emulator.Emulator, *httptest.Server) {
	t.Helper()
	e := emulator.New(emulator.Founders(), append([]emulator.Option{emulator.WithSequentialIDs(1)}, opts...)...)
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	return e, srv
}

// response is what a raw request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) problem(t *testing.T) wire.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != wire.ProblemContentType {
		t.Fatalf("Content-Type = %q, want %s (body %s)", ct, wire.ProblemContentType, r.body)
	}
	var p wire.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem body %q: %v", r.body, err)
	}
	if p.Status != r.status || p.Title == "" || p.Type == "" {
		t.Errorf("problem = %+v, want status %d with title and type", p, r.status)
	}
	return p
}

// request sends a raw request; headers are name/value pairs. Authorization
// and PlatformAccessToken default to valid values, "" removes them.
func request(t *testing.T, srv *httptest.Server, method, path, contentType, body string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", ownerBearer(t))
	req.Header.Set("PlatformAccessToken", platformToken(t))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// snapshot captures everything the APIs can change.
func snapshot(t *testing.T, e *emulator.Emulator) string {
	t.Helper()
	in, _ := e.Instance(50001, instanceGUID)
	b, err := json.Marshal([]any{e.Delegations(), e.Messages(), e.Notifications(), e.Data(), in})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const validDelegation = `{"from":{"type":"urn:altinn:party:uuid","value":"` + kariUUID + `"},
 "to":{"type":"urn:altinn:party:uuid","value":"` + olaUUID + `"},
 "rights":[{"resource":[{"type":"urn:altinn:app","value":"founders"},{"type":"urn:altinn:org","value":"ttd"},{"type":"urn:altinn:task","value":"SigningTask"}],
            "action":{"type":"urn:oasis:names:tc:xacml:1.0:action:action-id","value":"sign"}}]}`

const validCorrespondence = `{"correspondence":{"resourceId":"ttd-founders-correspondence","sendersReference":"50001/` + instanceGUID + `",
 "content":{"language":"nb","messageTitle":"Title","messageSummary":"Summary","messageBody":"Body"}},
 "recipients":["urn:altinn:person:identifier-no:` + olaSSN + `"]}`

// TestHandler_badInput sends malformed and unknown input to every API and
// checks the problem answer and that nothing changed.
func TestHandler_badInput(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		headers     []string
		wantStatus  int
		wantCode    string
		wantField   string
	}{
		{name: "get_unknown_instance", method: "GET", path: "/storage/api/v1/instances/50001/00000000-0000-4000-8000-000000000000", wantStatus: 404, wantCode: wire.CodeInstanceNotFound},
		{name: "get_instance_malformed_guid", method: "GET", path: "/storage/api/v1/instances/50001/not-a-guid", wantStatus: 400, wantCode: wire.CodeValidation, wantField: "instanceGuid"},
		{name: "read_unknown_data_element", method: "GET", path: instancePath + "/data/00000000-0000-4000-8000-0000000000ff", wantStatus: 404, wantCode: wire.CodeDataElementNotFound},
		{name: "create_data_unknown_instance", method: "POST", path: "/storage/api/v1/instances/50001/00000000-0000-4000-8000-000000000000/data?dataType=x", contentType: "application/pdf", body: "%PDF", wantStatus: 404, wantCode: wire.CodeInstanceNotFound},
		{name: "create_data_without_type", method: "POST", path: instancePath + "/data", contentType: "application/pdf", body: "%PDF", wantStatus: 400, wantCode: wire.CodeValidation, wantField: "dataType"},
		{name: "create_data_without_content_type", method: "POST", path: instancePath + "/data?dataType=x", body: "%PDF", wantStatus: 400, wantCode: wire.CodeValidation, wantField: "Content-Type"},
		{name: "create_data_path_in_filename", method: "POST", path: instancePath + "/data?dataType=x", contentType: "application/pdf", body: "%PDF", headers: []string{"Content-Disposition", `attachment; filename="../x.pdf"`}, wantStatus: 400, wantCode: wire.CodeValidation, wantField: "Content-Disposition"},
		{name: "send_malformed_json", method: "POST", path: sendPath, contentType: "application/json", body: `{"correspondence":{`, wantStatus: 400, wantCode: wire.CodeInvalidJSON},
		{name: "send_missing_fields", method: "POST", path: sendPath, contentType: "application/json", body: `{"correspondence":{"content":{"language":"de"}},"recipients":[]}`, wantStatus: 400, wantCode: wire.CodeValidation, wantField: "correspondence.content.language"},
		{name: "send_unknown_recipient", method: "POST", path: sendPath, contentType: "application/json", body: strings.Replace(validCorrespondence, olaSSN, "01819012365", 1), wantStatus: 404, wantCode: "CORR-01029"},
		{name: "send_party_uuid_recipient", method: "POST", path: sendPath, contentType: "application/json", body: strings.Replace(validCorrespondence, "urn:altinn:person:identifier-no:"+olaSSN, "urn:altinn:party:uuid:"+olaUUID, 1), wantStatus: 400, wantCode: wire.CodeValidation, wantField: "recipients[0]"},
		{name: "send_bad_check_digits", method: "POST", path: sendPath, contentType: "application/json", body: strings.Replace(validCorrespondence, olaSSN, "02919043559", 1), wantStatus: 400, wantCode: wire.CodeValidation, wantField: "recipients[0]"},
		{name: "send_bare_org_number", method: "POST", path: sendPath, contentType: "application/json", body: strings.Replace(validCorrespondence, "urn:altinn:person:identifier-no:"+olaSSN, "312847612", 1), wantStatus: 400, wantCode: wire.CodeValidation, wantField: "recipients[0]"},
		{name: "send_duplicate_recipients", method: "POST", path: sendPath, contentType: "application/json", body: strings.Replace(validCorrespondence, `"urn:altinn:person:identifier-no:`+olaSSN+`"`, `"urn:altinn:person:identifier-no:`+olaSSN+`","`+olaSSN+`"`, 1), wantStatus: 400, wantCode: wire.CodeValidation, wantField: "recipients"},
		{name: "send_key_with_two_recipients", method: "POST", path: sendPath, contentType: "application/json", body: strings.Replace(strings.Replace(validCorrespondence, `"urn:altinn:person:identifier-no:`+olaSSN+`"`, `"urn:altinn:person:identifier-no:`+olaSSN+`","urn:altinn:organization:identifier-no:312847612"`, 1), `"recipients"`, `"idempotentKey":"6f1d7a0e-1b2c-4d3e-8f4a-5b6c7d8e9f00","recipients"`, 1), wantStatus: 400, wantCode: "CORR-01047"},
		{name: "send_unknown_attachment", method: "POST", path: sendPath, contentType: "application/json", body: strings.Replace(validCorrespondence, `"recipients"`, `"existingAttachments":["00000000-0000-4000-8000-0000000000ff"],"recipients"`, 1), wantStatus: 400, wantCode: "CORR-01007"},
		{name: "send_key_not_a_guid", method: "POST", path: sendPath, contentType: "application/json", body: strings.Replace(validCorrespondence, `"recipients"`, `"idempotentKey":"k-1","recipients"`, 1), wantStatus: 400, wantCode: wire.CodeValidation, wantField: "idempotentKey"},
		{name: "upload_unknown_attachment", method: "POST", path: "/correspondence/api/v1/attachment/00000000-0000-4000-8000-0000000000ff/upload", contentType: "application/octet-stream", body: "x", wantStatus: 404, wantCode: "CORR-02001"},
		{name: "upload_not_octet_stream", method: "POST", path: "/correspondence/api/v1/attachment/00000000-0000-4000-8000-0000000000ff/upload", contentType: "application/pdf", body: "x", wantStatus: 415, wantCode: wire.CodeUnsupportedMedia},
		{name: "initialize_attachment_without_file_name", method: "POST", path: "/correspondence/api/v1/attachment", contentType: "application/json", body: `{"resourceId":"r","sendersReference":"s"}`, wantStatus: 400, wantCode: wire.CodeValidation, wantField: "fileName"},
		{name: "find_without_resource", method: "GET", path: sendPath + "?role=Sender", wantStatus: 400, wantCode: wire.CodeValidation, wantField: "resourceId"},
		{name: "send_multi_identifier_recipient", method: "POST", path: sendPath, contentType: "application/json", body: strings.Replace(validCorrespondence, `"messageBody":"Body"}`, `"messageBody":"Body"},"notification":{"notificationTemplate":"CustomMessage","notificationChannel":"EmailAndSms","emailSubject":"s","emailBody":"b","smsBody":"t","customRecipients":[{"emailAddress":"a@example.com","mobileNumber":"+4799999999"}],"overrideRegisteredContactInformation":true}`, 1), wantStatus: 400, wantCode: wire.CodeValidation, wantField: "correspondence.notification.customRecipients[0]"},
		{name: "notifications_orders_not_served", method: "POST", path: "/notifications/api/v1/orders", contentType: "application/json", body: `{}`, wantStatus: 404, wantCode: wire.CodeNotFound},
		{name: "lookup_malformed_json", method: "POST", path: lookupPath, contentType: "application/json", body: `{"ssn":` + kariSSN, wantStatus: 400, wantCode: wire.CodeInvalidJSON},
		{name: "lookup_ssn_as_number", method: "POST", path: lookupPath, contentType: "application/json", body: `{"ssn":` + kariSSN + `}`, wantStatus: 400, wantCode: wire.CodeInvalidJSON},
		{name: "lookup_both_keys", method: "POST", path: lookupPath, contentType: "application/json", body: `{"ssn":"` + kariSSN + `","orgNo":"312847612"}`, wantStatus: 400, wantCode: "STD-00000"},
		{name: "lookup_neither_key", method: "POST", path: lookupPath, contentType: "application/json", body: `{}`, wantStatus: 400, wantCode: "STD-00000"},
		{name: "lookup_bad_check_digits", method: "POST", path: lookupPath, contentType: "application/json", body: `{"ssn":"15838523429"}`, wantStatus: 400, wantCode: "STD-00000"},
		{name: "lookup_bad_org_number", method: "POST", path: lookupPath, contentType: "application/json", body: `{"orgNo":"312847613"}`, wantStatus: 400, wantCode: "STD-00000"},
		{name: "lookup_unknown_person", method: "POST", path: lookupPath, contentType: "application/json", body: `{"ssn":"01819012365"}`, wantStatus: 404, wantCode: wire.CodePartyNotFound},
		{name: "get_party_unknown", method: "GET", path: "/register/api/v1/parties/99999", wantStatus: 404, wantCode: wire.CodePartyNotFound},
		{name: "get_party_not_a_number", method: "GET", path: "/register/api/v1/parties/x", wantStatus: 400, wantCode: wire.CodeValidation},
		{name: "decide_without_references", method: "POST", path: decisionPath, contentType: "application/json", body: `{"request":{"accessSubject":[],"action":[],"resource":[]}}`, wantStatus: 400, wantCode: wire.CodeValidation, wantField: "request.multiRequests"},
		{name: "decide_unknown_category", method: "POST", path: decisionPath, contentType: "application/json", body: `{"request":{"accessSubject":[],"action":[],"resource":[],"multiRequests":{"requestReference":[{"referenceId":["s1"]}]}}}`, wantStatus: 400, wantCode: wire.CodeValidation, wantField: "request.multiRequests.requestReference[0]"},
		{name: "unknown_route", method: "GET", path: "/storage/api/v1/nothing", wantStatus: 404, wantCode: wire.CodeNotFound},
		{name: "wrong_method", method: "DELETE", path: instancePath, wantStatus: 405, wantCode: wire.CodeMethodNotAllowed},
		{name: "json_too_large", method: "POST", path: sendPath, contentType: "application/json", body: `{"x":"` + strings.Repeat("a", 1<<20) + `"}`, wantStatus: 413, wantCode: wire.CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, srv := start(t)
			before := snapshot(t, e)

			got := request(t, srv, tt.method, tt.path, tt.contentType, tt.body, tt.headers...)
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", got.status, tt.wantStatus, got.body)
			}
			p := got.problem(t)
			if p.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", p.Code, tt.wantCode)
			}
			if _, ok := p.Errors[tt.wantField]; tt.wantField != "" && !ok {
				t.Errorf("errors = %v, want an entry for %q", p.Errors, tt.wantField)
			}
			for _, ssn := range []string{kariSSN, olaSSN, "01819012365"} {
				if bytes.Contains(got.body, []byte(ssn)) {
					t.Errorf("problem body %s echoes a national ID", got.body)
				}
			}
			if after := snapshot(t, e); after != before {
				t.Errorf("state changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestHandler_concurrentDelegations delegates the same right from many
// goroutines: one right is in force.
func TestHandler_concurrentDelegations(t *testing.T) {
	t.Parallel()
	e, srv := start(t)

	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if got := request(t, srv, "POST", delegatePath, "application/json", validDelegation); got.status != 200 {
				t.Errorf("delegate = %d", got.status)
			}
		})
	}
	wg.Wait()
	if got := len(e.Delegations()); got != 1 {
		t.Errorf("delegations = %d, want 1", got)
	}
	if got := e.Calls(emulator.OpDelegate); got != 16 {
		t.Errorf("Calls() = %d, want 16", got)
	}
}

func TestHandler_readData(t *testing.T) {
	t.Parallel()
	_, srv := start(t)

	got := request(t, srv, "GET", instancePath+"/data/"+modelID, "", "")
	if got.status != 200 || got.header.Get("Content-Type") != "application/xml" || got.header.Get("Last-Modified") != "Mon, 03 Mar 2025 09:12:00 GMT" ||
		!bytes.Contains(got.body, []byte(`<Selskapsnavn>`)) || got.header.Get("Etag") == "" {
		t.Errorf("read = %d %v %s", got.status, got.header, got.body)
	}
}

// TestHandler_decide plays the decision point for the key-role resource: no
// token needed (DecisionController has no [Authorize]), Permit for a key
// role with the organisation number in the result, NotApplicable otherwise.
func TestHandler_decide(t *testing.T) {
	t.Parallel()
	_, srv := start(t)

	tests := []struct {
		name         string
		body         string
		wantDecision string
	}{
		{name: "general_manager_permit", body: validDecision, wantDecision: "Permit"},
		{name: "board_member_not_applicable", body: strings.Replace(validDecision, `"value":"1001"`, `"value":"1002"`, 1), wantDecision: "NotApplicable"},
		{name: "other_resource_not_applicable", body: strings.Replace(validDecision, "altinn_keyrole_access", "app_ttd_founders", 1), wantDecision: "NotApplicable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := request(t, srv, "POST", decisionPath, "application/json", tt.body, "Authorization", "", "PlatformAccessToken", "")
			if got.status != 200 {
				t.Fatalf("status = %d, want 200 (body %s)", got.status, got.body)
			}
			var resp wire.XACMLResponse
			if err := json.Unmarshal(got.body, &resp); err != nil || len(resp.Response) != 1 {
				t.Fatalf("body %s: %v", got.body, err)
			}
			if resp.Response[0].Decision != tt.wantDecision {
				t.Errorf("decision = %q, want %q", resp.Response[0].Decision, tt.wantDecision)
			}
			if tt.wantDecision == "Permit" && (len(resp.Response[0].Category) != 1 || resp.Response[0].Category[0].Attribute[0].Value != "312847612") {
				t.Errorf("category = %+v, want the organisation number", resp.Response[0].Category)
			}
		})
	}
}

// TestHandler_correspondenceKey plays the platform's idempotency: the key is
// the body's idempotentKey, a reuse is 409 CORR-01034 without the first ID,
// GET correspondence finds it by key, and an Idempotency-Key header changes
// nothing (the platform has none: the same body twice is two messages).
func TestHandler_correspondenceKey(t *testing.T) {
	t.Parallel()
	e, srv := start(t)
	const key = "6f1d7a0e-1b2c-4d3e-8f4a-5b6c7d8e9f00"
	keyed := strings.Replace(validCorrespondence, `"recipients"`, `"idempotentKey":"`+key+`","recipients"`, 1)

	first := request(t, srv, "POST", sendPath, "application/json", keyed)
	if first.status != 200 {
		t.Fatalf("status = %d %s", first.status, first.body)
	}
	var sent wire.InitializeCorrespondencesResponse
	if err := json.Unmarshal(first.body, &sent); err != nil || len(sent.Correspondences) != 1 {
		t.Fatalf("body %s: %v", first.body, err)
	}
	again := request(t, srv, "POST", sendPath, "application/json", keyed)
	if again.status != 409 || again.problem(t).Code != "CORR-01034" || bytes.Contains(again.body, []byte(sent.Correspondences[0].CorrespondenceID)) {
		t.Errorf("reuse = %d %s, want 409 CORR-01034 without the first ID", again.status, again.body)
	}
	found := request(t, srv, "GET", sendPath+"?resourceId=ttd-founders-correspondence&role=Sender&idempotentKey="+key, "", "")
	var ids wire.CorrespondenceIDs
	if err := json.Unmarshal(found.body, &ids); err != nil || len(ids.IDs) != 1 || ids.IDs[0] != sent.Correspondences[0].CorrespondenceID {
		t.Errorf("find = %d %s, want the first ID", found.status, found.body)
	}
	for range 2 {
		if got := request(t, srv, "POST", sendPath, "application/json", validCorrespondence, "Idempotency-Key", "k-1"); got.status != 200 {
			t.Fatalf("status = %d %s", got.status, got.body)
		}
	}
	if n := len(e.Messages()); n != 3 {
		t.Errorf("messages = %d, want 3: a header deduplicates nothing", n)
	}
}

package emulator_test

import (
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/wire"
)

// TestHandler_sign_refusals refuses what Storage's sign endpoint refuses,
// in its order (Altinn/altinn-storage src/Storage/Controllers/SignController.cs,
// src/Storage/Services/SigningService.cs), and changes nothing when it does.
func TestHandler_sign_refusals(t *testing.T) {
	t.Parallel()
	person := func(ssn string) emulator.Person {
		for _, p := range emulator.Founders().Persons {
			if p.SSN == ssn {
				return p
			}
		}
		t.Fatalf("no fixture person %s", ssn)
		return emulator.Person{}
	}
	token := func(claims map[string]any) string {
		tok, err := emulator.DevUserToken(claims)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	kari, err := emulator.PersonToken(person(kariSSN))
	if err != nil {
		t.Fatal(err)
	}
	ola, err := emulator.PersonToken(person(olaSSN))
	if err != nil {
		t.Fatal(err)
	}
	const path = "/storage/api/v1/instances/50001/" + instanceGUID + "/sign"
	body := `{"signatureDocumentDataType":"signatures","generatedFromTask":"SigningTask","dataElementSignatures":[{"dataElementId":"` + modelID + `","signed":true}],` +
		`"signee":{"userId":"1001","personNumber":"` + kariSSN + `","organisationNumber":null}}`

	tests := []struct {
		name       string
		path       string
		auth       string
		body       string
		wantStatus int
		wantCode   string
	}{
		{name: "no_token", path: path, auth: "", body: body, wantStatus: 401, wantCode: wire.CodeUnauthenticated},
		{name: "foreign_key", path: path, auth: "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln", body: body, wantStatus: 401, wantCode: wire.CodeUnauthenticated},
		{name: "not_delegated", path: path, auth: "Bearer " + ola, body: body, wantStatus: 403, wantCode: wire.CodeForbidden},
		{name: "unknown_instance", path: "/storage/api/v1/instances/50001/00000000-0000-4000-8000-000000000000/sign", auth: "Bearer " + kari, body: body, wantStatus: 403, wantCode: wire.CodeForbidden},
		{name: "no_user_in_signee", path: path, auth: "Bearer " + kari, body: strings.Replace(body, `"userId":"1001"`, `"userId":null`, 1), wantStatus: 400, wantCode: wire.CodeValidation},
		{name: "token_without_user_id", path: path, auth: token(map[string]any{emulator.ClaimPartyID: "50001"}), body: body, wantStatus: 401, wantCode: wire.CodeUnauthenticated},
		{name: "undeclared_type", path: path, auth: "Bearer " + kari, body: strings.Replace(body, `"signatures"`, `"no-such-type"`, 1), wantStatus: 405, wantCode: wire.CodeMethodNotAllowed},
		{name: "element_not_in_instance", path: path, auth: "Bearer " + kari, body: strings.Replace(body, modelID, "00000000-0000-4000-8000-0000000000ff", 1), wantStatus: 404, wantCode: wire.CodeDataElementNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, srv := start(t)
			before := snapshot(t, e)
			got := request(t, srv, "POST", tt.path, "application/json", tt.body, "Authorization", tt.auth)
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", got.status, tt.wantStatus, got.body)
			}
			if p := got.problem(t); p.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", p.Code, tt.wantCode)
			}
			if after := snapshot(t, e); after != before {
				t.Errorf("a refused signing changed the state")
			}
		})
	}

	t.Run("owner_signs", func(t *testing.T) {
		t.Parallel()
		_, srv := start(t)
		got := request(t, srv, "POST", path, "application/json", body, "Authorization", "Bearer "+kari)
		if got.status != 201 || strings.TrimSpace(string(got.body)) != `"SignDocument is created"` {
			t.Errorf("sign = %d %s, want 201 \"SignDocument is created\"", got.status, got.body)
		}
	})
}

package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/signingflow/signing/internal/platform/wire"
)

// TestProblem_validationErrors_golden pins access management's validation
// problem (ProblemDetails 4.0.1), the shape of Altinn/altinn-authorization-tmp
// src/apps/Altinn.AccessManagement/test/AccessMgmt.Tests/Data/Json/AppsInstanceDelegation/Delegation/app_ttd_am-devtest-instancedelegation/00000000-0000-0000-0000-000000000006/response.json,
// both ways.
func TestProblem_validationErrors_golden(t *testing.T) {
	t.Parallel()
	const want = `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"Bad Request","status":400,` +
		`"detail":"One or more validation errors occurred.","code":"STD-00000",` +
		`"validationErrors":[{"code":"AM.VLD-00001","detail":"Invalid party URN.","paths":["From"]},` +
		`{"code":"AM.VLD-00001","detail":"Invalid party URN.","paths":["To"]}]}`
	var p wire.Problem
	if err := json.Unmarshal([]byte(want), &p); err != nil {
		t.Fatal(err)
	}
	if p.Code != wire.CodeStdValidation || len(p.ValidationErrors) != 2 || p.ValidationErrors[1].Code != wire.CodeAMInvalidPartyURN ||
		p.ValidationErrors[1].Paths[0] != "To" {
		t.Errorf("decoded = %+v", p)
	}
	got, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("Problem JSON =\n%s\nwant\n%s", got, want)
	}
}

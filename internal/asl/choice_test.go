package asl_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/asl"
)

// TestState_Choose evaluates the definition's own Choice states on data in
// the shape the workflow gives them.
func TestState_Choose(t *testing.T) {
	t.Parallel()
	def, _, _, _ := project(t)
	data := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	const round = `"budget": {"units": 3, "rounds": 1}, "retries": {"n": 0}`
	tests := []struct {
		state, data, want string
	}{
		{"Check Attempt", `{"attempt": 2}`, "Load Settings"},
		{"Check Attempt", `{}`, "Default Attempt"},
		{"Check Continuation", `{"input": {"continuation": {}}}`, "Collect Signatures"},
		{"Check Continuation", `{"input": {}}`, "Resolve Signees"},
		{"Check Retries", `{"input": {}, ` + round + `, "collected": {"needDelegation": ["p-1"]}}`, "Retry Delegations"},
		{"Check Retries", `{"input": {}, ` + round + `, "collected": {"needDelegation": []}}`, "Check All Signed"},
		{"Check Retries", `{"input": {}, ` + round + `, "collected": {"needDelegation": [], "needRelease": ["p-1"]}}`, "Release Signees"},
		{"Check Retries", `{"input": {}, ` + round + `, "collected": {"needDelegation": ["p-2"], "needRelease": ["p-1"]}}`, "Retry Delegations"},
		{"Check Releases", `{"input": {}, ` + round + `, "collected": {"needDelegation": [], "needRelease": ["p-1"]}}`, "Release Signees"},
		{"Check Releases", `{"input": {}, ` + round + `, "collected": {"needDelegation": [], "needRelease": []}}`, "Check All Signed"},
		{"Check Retries", `{"input": {}, "budget": {"units": 600, "rounds": 1}, "collected": {"needDelegation": ["p-1"]}}`, "Check All Signed"},
		{"Check All Signed", `{"input": {"config": {}}, ` + round + `, "collected": {"status": "completed"}}`, "Finalize Task"},
		{"Check All Signed", `{"input": {"config": {"completeAutomatically": true}}, ` + round + `, "collected": {"status": "collecting", "allSigned": true, "needDelegation": []}}`, "Finalize Task"},
		{"Check All Signed", `{"input": {"config": {}}, ` + round + `, "collected": {"status": "collecting", "allSigned": true, "needDelegation": []}}`, "Await Completion"},
		{"Check All Signed", `{"input": {"config": {}}, ` + round + `, "collected": {"status": "collecting", "allSigned": false, "needDelegation": []}}`, "Wait For Signature"},
		{"Check All Signed", `{"input": {"config": {}}, ` + round + `, "collected": {"status": "collecting", "allSigned": false, "needDelegation": ["p-1"], "moreToDelegate": true}}`, "Collect Signatures"},
		{"Check All Signed", `{"input": {"config": {}}, ` + round + `, "collected": {"status": "collecting", "allSigned": false, "needDelegation": ["p-1"], "moreToDelegate": false}}`, "Count Retry"},
		{"Check All Signed", `{"input": {"continuation": {}, "config": {}}, "budget": {"units": 700, "rounds": 1}, "retries": {"n": 0}, "collected": {"status": "collecting", "allSigned": false, "needDelegation": []}}`, "Wait For Signature"},
		{"Check All Signed", `{"input": {"continuation": {}, "config": {}}, "budget": {"units": 700, "rounds": 2}, "retries": {"n": 0}, "collected": {"status": "collecting", "allSigned": false, "needDelegation": []}}`, "Continue As New Execution"},
		{"Check Finish Outcome", `{"result": {"outcome": "expired"}}`, "Expired"},
		{"Check Finish Outcome", `{"result": {"outcome": "failed"}}`, "Fail Signing"},
		{"Check Failure", `{"failure": {"Error": "Signing.DataChanged"}}`, "Fail Data Changed"},
	}
	for _, tt := range tests {
		got, err := def.States[tt.state].Choose(data(tt.data))
		if err != nil || got != tt.want {
			t.Errorf("%s.Choose(%s) = %q, %v; want %q", tt.state, tt.data, got, err, tt.want)
		}
	}
}

func TestChoice_Matches_refuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ rule, want string }{
		{`{"Variable": "$.a", "StringMatches": "x*", "Next": "N"}`, "not modelled"},
		{`{"Variable": "$.a", "NumericLessThan": 1, "Next": "N"}`, "absent"},
		{`{"Next": "N"}`, "without"},
	} {
		var s asl.State
		if err := json.Unmarshal([]byte(`{"Type": "Choice", "Choices": [`+tt.rule+`], "Default": "D"}`), &s); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Choose(map[string]any{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Choose(%s) error = %v, want %q", tt.rule, err, tt.want)
		}
	}
}

func TestLookupSet(t *testing.T) {
	t.Parallel()
	data := map[string]any{}
	if err := asl.Set(data, "$.collected.needDelegation", []any{"p-1"}); err != nil {
		t.Fatal(err)
	}
	if v, ok := asl.Lookup(data, "$.collected.needDelegation[0]"); !ok || v != "p-1" {
		t.Errorf("Lookup([0]) = %v, %v", v, ok)
	}
	if _, ok := asl.Lookup(data, "$.collected.needDelegation[1]"); ok {
		t.Error("Lookup([1]) found an item past the end")
	}
	if v, ok := asl.Lookup(data, "$"); !ok || v == nil {
		t.Error("Lookup($) is the whole document")
	}
}

package workflow_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/proof"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/workflow"
)

// FuzzParseInput feeds arbitrary execution inputs to the parser the
// process engine's input goes through: a refused input is signing.ErrInvalid
// naming its fields, with no national ID in the message; an accepted one
// validates, parses the same after encoding, and names an execution the
// way Step Functions allows.
func FuzzParseInput(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(signingtest.ModuleRoot(f), "schema", "examples", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`,
		`{"version":2}`,
		`{"version":1,"instance":{"org":"ttd","app":"founders","instanceOwnerPartyId":50001,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"SigningTask","config":{"dataTypesToSign":["ref-data-as-pdf"],"signatureDataType":"signatures","signeeProviderId":"founders","signeeStatesDataTypeId":"signeeState"},"deadline":"2026-03-04T10:00:00Z","attempt":3}`,
		`{"version":1,"instance":{"org":"ttd","app":"founders","instanceOwnerPartyId":50001,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"SigningTask","config":{},"deadline":"tomorrow"}`,
		`{"version":1,"instance":{"org":"ttd","app":"founders","instanceOwnerPartyId":50001,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"_15838523428","config":{"dataTypesToSign":["15838523428"],"signatureDataType":"signatures","signeeProviderId":"founders","signeeStatesDataTypeId":"signeeState"}}`,
		`{"version":1,"continuation":{"parentExecutionArn":"x"},"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID":"arn:aws:states:eu-north-1:1:execution:s:e"}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := workflow.ParseInput(data, now)
		if err != nil {
			var fe *signing.FieldError
			if !errors.Is(err, signing.ErrInvalid) || !errors.As(err, &fe) {
				t.Fatalf("ParseInput() error = %v, want signing.ErrInvalid naming a field", err)
			}
			if leaks := proof.Leaks(err.Error()); len(leaks) > 0 {
				t.Errorf("the error quotes the input: %v", leaks)
			}
			return
		}
		if err := in.Validate(now); err != nil {
			t.Fatalf("an accepted input does not validate: %v", err)
		}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := workflow.ParseInput(b, now)
		if err != nil {
			t.Fatalf("ParseInput(%s) of an accepted input: %v", b, err)
		}
		if !reflect.DeepEqual(again, in) {
			t.Errorf("round trip = %+v, want %+v", again, in)
		}
		name := workflow.ExecutionName(in.Instance.InstanceGUID, in.TaskID, max(in.Attempt, 1))
		if len(name) > 80 {
			t.Errorf("execution name %q is %d characters, more than 80", name, len(name))
		}
		if _, err := workflow.ExecutionARN("arn:aws:states:eu-north-1:123456789012:stateMachine:signing", name); err != nil {
			t.Errorf("ExecutionARN(%q) = %v", name, err)
		}
		if si := in.StartInput("arn:x"); si.Instance != in.Instance || si.TaskID != in.TaskID || in.Key().Validate() != nil {
			t.Errorf("StartInput() = %+v, Key() = %v", si, in.Key())
		}
	})
}

package workflow_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/workflow"
)

func compileSchema(t *testing.T) (*jsonschema.Schema, map[string]any) {
	t.Helper()
	sch, b := signingtest.Schema(t, workflow.SchemaPath)
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	return sch, raw
}

// jsonFields returns the JSON names of a struct type's fields.
func jsonFields(typ reflect.Type) []string {
	var out []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// TestSchema_matchesGo checks that the schema declares every JSON field of
// the Go types, and nothing more.
func TestSchema_matchesGo(t *testing.T) {
	t.Parallel()
	_, raw := compileSchema(t)
	props := func(v any) map[string]any { return v.(map[string]any)["properties"].(map[string]any) }
	defs := raw["$defs"].(map[string]any)
	tests := []struct {
		name   string
		typ    reflect.Type
		schema map[string]any
	}{
		{name: "input", typ: reflect.TypeFor[workflow.Input](), schema: props(raw)},
		{name: "instance", typ: reflect.TypeFor[signing.InstanceRef](), schema: props(defs["instance"])},
		{name: "config", typ: reflect.TypeFor[signing.Config](), schema: props(defs["config"])},
		{name: "correspondence_resource", typ: reflect.TypeFor[signing.CorrespondenceResource](), schema: props(defs["config"])["correspondenceResources"].(map[string]any)["items"].(map[string]any)["properties"].(map[string]any)},
		{name: "continuation", typ: reflect.TypeFor[workflow.Continuation](), schema: props(raw)["continuation"].(map[string]any)["properties"].(map[string]any)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := jsonFields(tt.typ)
			for _, f := range got {
				if _, ok := tt.schema[f]; !ok {
					t.Errorf("%s: Go field %q is not in the schema", tt.typ, f)
				}
			}
			if len(tt.schema) != len(got) {
				t.Errorf("%s: schema has %d properties, Go has %d (%v)", tt.typ, len(tt.schema), len(got), got)
			}
		})
	}
}

// TestSchema_examples validates the example inputs with the schema and with
// the Go validation; both must agree.
func TestSchema_examples(t *testing.T) {
	t.Parallel()
	sch, _ := compileSchema(t)
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	files, err := filepath.Glob(filepath.Join(signingtest.ModuleRoot(t), "schema", "examples", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	valid := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		valid[filepath.Base(f)] = b
	}
	invalid := map[string]string{
		"wrong_version":   `{"version":2,"instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"T","config":{"dataTypesToSign":["m"],"signatureDataType":"s","signeeProviderId":"p","signeeStatesDataTypeId":"x"}}`,
		"unknown_field":   `{"version":1,"extra":1,"instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"T","config":{"dataTypesToSign":["m"],"signatureDataType":"s","signeeProviderId":"p","signeeStatesDataTypeId":"x"}}`,
		"no_provider":     `{"version":1,"instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"T","config":{"dataTypesToSign":["m"],"signatureDataType":"s"}}`,
		"upper_case_guid": `{"version":1,"instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1D3C5B7A-9E8F-4A6B-8C2D-4E6F8A0B2C4D"},"taskId":"T","config":{"dataTypesToSign":["m"],"signatureDataType":"s","signeeProviderId":"p","signeeStatesDataTypeId":"x"}}`,
		"bad_task_id":     `{"version":1,"instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"1 x","config":{"dataTypesToSign":["m"],"signatureDataType":"s","signeeProviderId":"p","signeeStatesDataTypeId":"x"}}`,
		"bad_deadline":    `{"version":1,"deadline":"tomorrow","instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"T","config":{"dataTypesToSign":["m"],"signatureDataType":"s","signeeProviderId":"p","signeeStatesDataTypeId":"x"}}`,
		"bad_reminder":    `{"version":1,"instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"T","config":{"dataTypesToSign":["m"],"signatureDataType":"s","signeeProviderId":"p","signeeStatesDataTypeId":"x","reminders":["P7X"]}}`,
		"empty_reminder":  `{"version":1,"instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"T","config":{"dataTypesToSign":["m"],"signatureDataType":"s","signeeProviderId":"p","signeeStatesDataTypeId":"x","reminders":["P"]}}`,
		"reminder_twice":  `{"version":1,"instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"T","config":{"dataTypesToSign":["m"],"signatureDataType":"s","signeeProviderId":"p","signeeStatesDataTypeId":"x","reminders":["P7D","P7D"]}}`,
		"bad_sms_window":  `{"version":1,"instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"T","config":{"dataTypesToSign":["m"],"signatureDataType":"s","signeeProviderId":"p","signeeStatesDataTypeId":"x","smsWindow":"8-21"}}`,
		"negative_resend": `{"version":1,"instance":{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"T","config":{"dataTypesToSign":["m"],"signatureDataType":"s","signeeProviderId":"p","signeeStatesDataTypeId":"x","resendInterval":"-PT1H"}}`,
	}
	for name, b := range valid {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Errorf("schema: %v", err)
			}
			if _, err := workflow.ParseInput(b, now); err != nil {
				t.Errorf("ParseInput() error = %v", err)
			}
		})
	}
	for name, s := range invalid {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(s))
			if err != nil {
				t.Fatal(err)
			}
			if sch.Validate(doc) == nil {
				t.Error("schema accepts it")
			}
			if _, err := workflow.ParseInput([]byte(s), now); err == nil {
				t.Error("ParseInput() accepts it")
			}
		})
	}
}

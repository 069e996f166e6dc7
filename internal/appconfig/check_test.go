package appconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// anyLine in wantFinding.line asks for some line > 0.
const anyLine = -1

// wantFinding describes a finding a test expects; empty strings match anything.
type wantFinding struct {
	severity Severity
	path     string
	field    string // substring of Finding.Field
	message  string // substring of Finding.Message
	line     int    // 0: not checked, anyLine: > 0, else exact
}

func (w wantFinding) matches(f Finding) bool {
	switch {
	case f.Severity != w.severity,
		w.path != "" && f.Path != w.path,
		!strings.Contains(f.Field, w.field),
		!strings.Contains(f.Message, w.message),
		w.line == anyLine && f.Line <= 0,
		w.line > 0 && f.Line != w.line:
		return false
	}
	return true
}

func TestApp_Check_example(t *testing.T) {
	t.Parallel()
	got := mustLoad(t, exampleDir).Check()
	if len(got) != 0 {
		t.Errorf("Check() on the example = %d findings, want none:%s", len(got), formatFindings(got))
	}
}

func TestApp_Check(t *testing.T) {
	t.Parallel()
	const (
		bpmn     = processPath
		meta     = metadataPath
		sets     = layoutSetsPath
		policy   = policyPath
		textsNB  = "App/config/texts/resource.nb.json"
		textsNN  = "App/config/texts/resource.nn.json"
		stateTag = "<altinn:signeeStatesDataTypeId>signeeState</altinn:signeeStatesDataTypeId>"
	)
	tests := []struct {
		name       string
		mutate     func(t *testing.T, dir string)
		want       []wantFinding
		wantErrors int // exact number of error findings
	}{
		{
			name: "seed_typo_signees_state",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, stateTag, "<altinn:signeeStatesDataTypeId>signeesState</altinn:signeeStatesDataTypeId>")
			},
			want: []wantFinding{{
				severity: Error, path: bpmn, field: "SigningTask.signeeStatesDataTypeId", line: anyLine,
				message: `data type "signeesState" is not defined in App/config/applicationmetadata.json; did you mean "signeeState"?`,
			}},
			wantErrors: 1,
		},
		{
			name: "values_are_trimmed",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, stateTag, "<altinn:signeeStatesDataTypeId>\n   signeeState\n </altinn:signeeStatesDataTypeId>")
			},
		},
		{
			name: "namespace_matched_by_uri_not_prefix",
			mutate: func(t *testing.T, dir string) {
				replaceAll(t, dir, bpmn, "altinn:", "proc:")
				replace(t, dir, bpmn, "xmlns:altinn=", "xmlns:proc=")
			},
		},
		{
			name: "wrong_altinn_namespace",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, `xmlns:altinn="http://altinn.no/process"`, `xmlns:altinn="http://altinn.no"`)
			},
			want: []wantFinding{
				{severity: Warning, path: bpmn, field: "xmlns:altinn", line: anyLine, message: "http://altinn.no/process"},
				{severity: Warning, path: bpmn, field: "SigningTask.taskExtension", line: anyLine},
				{severity: Warning, path: bpmn, message: "no task has altinn:taskType signing"},
			},
		},
		{
			name: "undeclared_altinn_prefix",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, `xmlns:altinn="http://altinn.no/process"`, ``)
			},
			want:       []wantFinding{{severity: Error, path: bpmn, field: "xmlns:altinn", line: anyLine, message: "not declared"}},
			wantErrors: 1,
		},
		{
			name: "seed_signee_state_as_pdf",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, "\"application/json\"\n      ],\n      \"allowedContributors\": [\n        \"app:owned\"\n      ],\n      \"taskId\": \"SigningTask\",\n      \"maxCount\": 1",
					"\"application/pdf\"\n      ],\n      \"allowedContributors\": [\n        \"app:owned\"\n      ],\n      \"taskId\": \"SigningTask\",\n      \"maxCount\": 1")
			},
			want: []wantFinding{{
				severity: Error, path: meta, field: "dataTypes[signeeState].allowedContentTypes", line: anyLine,
				message: `signee-state data type of task "SigningTask" must have allowedContentTypes ["application/json"], not ["application/pdf"]`,
			}},
			wantErrors: 1,
		},
		{
			name: "legacy_contributers_spelling_is_read",
			mutate: func(t *testing.T, dir string) {
				replaceAll(t, dir, meta, `"allowedContributors"`, `"allowedContributers"`)
			},
		},
		{
			name: "legacy_spelling_wins_when_both_set",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, `"id": "signatures",`, `"id": "signatures", "allowedContributers": ["app:owned", "org"],`)
			},
			want: []wantFinding{
				{severity: Error, path: meta, field: "dataTypes[signatures].allowedContributors", message: `not ["app:owned","org"]`},
				{severity: Warning, path: meta, field: "dataTypes[signatures].allowedContributors", message: "only allowedContributers is used"},
			},
			wantErrors: 1,
		},
		{
			name: "signature_type_not_app_owned",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, `"id": "signatures",`, `"id": "signatures", "allowedContributers": [],`)
				replace(t, dir, meta, "\"app:owned\"\n      ],\n      \"taskId\": \"SigningTask\",\n      \"maxCount\": 0",
					"\"app:owned\", \"org:ttd\"\n      ],\n      \"taskId\": \"SigningTask\",\n      \"maxCount\": 0")
			},
			want:       []wantFinding{{severity: Error, path: meta, field: "dataTypes[signatures].allowedContributors", line: anyLine, message: `must have allowedContributors ["app:owned"]`}},
			wantErrors: 1,
		},
		{
			name: "provider_without_signee_states",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, stateTag, "")
			},
			want: []wantFinding{{
				severity: Error, path: bpmn, field: "SigningTask.signeeProviderId", line: anyLine,
				message: "signeeProviderId and signeeStatesDataTypeId must be set together or both omitted",
			}},
			wantErrors: 1,
		},
		{
			name: "signee_states_without_provider",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:signeeProviderId>founders</altinn:signeeProviderId>", "")
			},
			want: []wantFinding{{
				severity: Error, path: bpmn, field: "SigningTask.signeeStatesDataTypeId", line: anyLine,
				message: "signeeProviderId and signeeStatesDataTypeId must be set together or both omitted; signeeProviderId is missing",
			}},
			wantErrors: 1,
		},
		{
			name: "policy_based_signing_without_provider_or_states",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, stateTag, "")
				replace(t, dir, bpmn, "<altinn:signeeProviderId>founders</altinn:signeeProviderId>", "")
			},
		},
		{
			name: "misspelt_signee_states_element",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, stateTag, "<altinn:signeeStateDataTypeId>signeeState</altinn:signeeStateDataTypeId>")
			},
			want: []wantFinding{
				{severity: Warning, path: bpmn, field: "SigningTask.signeeStateDataTypeId", line: anyLine, message: `unknown element altinn:signeeStateDataTypeId in signatureConfig is ignored; did you mean "signeeStatesDataTypeId"?`},
				{severity: Error, path: bpmn, field: "SigningTask.signeeProviderId", message: "must be set together"},
			},
			wantErrors: 1,
		},
		{
			name: "signing_task_without_signature_config",
			mutate: func(t *testing.T, dir string) {
				data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(bpmn)))
				if err != nil {
					t.Fatal(err)
				}
				s := string(data)
				start, end := strings.Index(s, "<altinn:signatureConfig>"), strings.Index(s, "</altinn:signatureConfig>")
				replace(t, dir, bpmn, s[start:end+len("</altinn:signatureConfig>")], "")
			},
			want:       []wantFinding{{severity: Error, path: bpmn, field: "SigningTask.signatureConfig", line: anyLine, message: "has no altinn:signatureConfig"}},
			wantErrors: 1,
		},
		{
			name: "empty_signee_provider_id",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:signeeProviderId>founders</altinn:signeeProviderId>", "<altinn:signeeProviderId> </altinn:signeeProviderId>")
			},
			want: []wantFinding{
				{severity: Warning, path: bpmn, field: "SigningTask.signeeProviderId", line: anyLine, message: "present but empty"},
				{severity: Error, path: bpmn, field: "SigningTask.signeeStatesDataTypeId", message: "signeeProviderId is missing"},
			},
			wantErrors: 1,
		},
		{
			name: "foreign_element_in_signature_config",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:runDefaultValidator>", `<x:note xmlns:x="urn:example">hi</x:note><altinn:runDefaultValidator>`)
			},
			want: []wantFinding{{severity: Warning, path: bpmn, field: "SigningTask.note", line: anyLine, message: `unknown element <note> (namespace "urn:example")`}},
		},
		{
			name: "product_extensions_parsed",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:runDefaultValidator>", "<altinn:maxSignees>ten</altinn:maxSignees><altinn:keepReadAccess>1</altinn:keepReadAccess><altinn:runDefaultValidator>")
			},
			want:       []wantFinding{{severity: Error, path: bpmn, field: "SigningTask.maxSignees", line: anyLine, message: `maxSignees must be a whole number of 0 or more, not "ten"`}},
			wantErrors: 1,
		},
		{
			name: "missing_signature_data_type",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:signatureDataType>signatures</altinn:signatureDataType>", "")
			},
			want:       []wantFinding{{severity: Error, path: bpmn, field: "SigningTask.signatureDataType", line: anyLine, message: "signatureDataType is not set"}},
			wantErrors: 1,
		},
		{
			name: "empty_data_types_to_sign",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:dataType>ref-data-as-pdf</altinn:dataType>", "")
			},
			want:       []wantFinding{{severity: Error, path: bpmn, field: "SigningTask.dataTypesToSign", line: anyLine, message: "dataTypesToSign is empty"}},
			wantErrors: 1,
		},
		{
			name: "unknown_data_type_to_sign",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:dataType>ref-data-as-pdf</altinn:dataType>", "<altinn:dataType>ref-data-as-pfd</altinn:dataType>")
			},
			want:       []wantFinding{{severity: Error, path: bpmn, field: "SigningTask.dataTypesToSign[0]", line: anyLine, message: `did you mean "ref-data-as-pdf"?`}},
			wantErrors: 1,
		},
		{
			name: "unique_from_unknown_data_type",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:signatureDataType>", "<altinn:uniqueFromSignaturesInDataTypes><altinn:dataType>signaturez</altinn:dataType></altinn:uniqueFromSignaturesInDataTypes>\n<altinn:signatureDataType>")
			},
			want: []wantFinding{
				{severity: Error, path: bpmn, field: "SigningTask.uniqueFromSignaturesInDataTypes[0]", line: anyLine, message: `did you mean "signatures"?`},
			},
			wantErrors: 1,
		},
		{
			name: "missing_sign_action",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:action>sign</altinn:action>", "")
			},
			want:       []wantFinding{{severity: Error, path: bpmn, field: "SigningTask.actions", line: anyLine, message: "no altinn:action sign"}},
			wantErrors: 1,
		},
		{
			name: "runtime_delegated_without_correspondence_resource",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:correspondenceResource>ttd-founders-correspondence</altinn:correspondenceResource>", "")
				replace(t, dir, bpmn, `<altinn:correspondenceResource env="tt02">ttd-founders-correspondence-test</altinn:correspondenceResource>`, "")
			},
			want:       []wantFinding{{severity: Error, path: bpmn, field: "SigningTask.correspondenceResource", line: anyLine, message: "needs a correspondenceResource"}},
			wantErrors: 1,
		},
		{
			name: "unknown_correspondence_env",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, `env="tt02"`, `env="tt2"`)
			},
			want: []wantFinding{{severity: Warning, path: bpmn, field: "SigningTask.correspondenceResource[1]", line: anyLine, message: `env "tt2" is not a known environment`}},
		},
		{
			name: "correspondence_resource_only_for_staging",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:correspondenceResource>ttd-founders-correspondence</altinn:correspondenceResource>", "")
			},
			want: []wantFinding{{severity: Warning, path: bpmn, field: "SigningTask.correspondenceResource", message: "no correspondenceResource applies in development, production"}},
		},
		{
			name: "duplicate_correspondence_bucket",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, `env="tt02"`, `env="at22"`)
				replace(t, dir, bpmn, "<altinn:runDefaultValidator>", `<altinn:correspondenceResource env="tt02">other</altinn:correspondenceResource><altinn:runDefaultValidator>`)
			},
			want: []wantFinding{{severity: Warning, path: bpmn, field: "SigningTask.correspondenceResource[2]", message: "a second correspondenceResource for staging"}},
		},
		{
			name: "run_default_validator_not_bool",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:runDefaultValidator>true<", "<altinn:runDefaultValidator>yes<")
			},
			want:       []wantFinding{{severity: Error, path: bpmn, field: "SigningTask.runDefaultValidator", line: anyLine, message: `must be true or false, not "yes"`}},
			wantErrors: 1,
		},
		{
			name: "signing_pdf_not_pdf",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, "\"application/pdf\"\n      ],\n      \"allowedContributors\": [\n        \"app:owned\"\n      ],\n      \"taskId\": \"SigningTask\"",
					"\"application/json\"\n      ],\n      \"allowedContributors\": [\n        \"app:owned\"\n      ],\n      \"taskId\": \"SigningTask\"")
			},
			want:       []wantFinding{{severity: Error, path: meta, field: "dataTypes[signing-step-pdf].allowedContentTypes", line: anyLine, message: `must allow "application/pdf"`}},
			wantErrors: 1,
		},
		{
			name: "signee_state_max_count_not_one",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, "\"maxCount\": 1,\n      \"minCount\": 0,\n      \"actionRequiredToRead\": \"signee-state-access\"",
					"\"maxCount\": 2,\n      \"minCount\": 0,\n      \"actionRequiredToRead\": \"signee-state-access\"")
			},
			want: []wantFinding{{severity: Warning, path: meta, field: "dataTypes[signeeState].maxCount", line: anyLine, message: "should have maxCount 1, not 2"}},
		},
		{
			name: "signee_state_readable_by_anyone",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, "\"actionRequiredToRead\": \"signee-state-access\",", "")
			},
			want: []wantFinding{{severity: Warning, path: meta, field: "dataTypes[signeeState].actionRequiredToRead", line: anyLine, message: "personal data"}},
		},
		{
			name: "signature_type_of_other_task",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, "\"taskId\": \"SigningTask\",\n      \"maxCount\": 0", "\"taskId\": \"Task_1\",\n      \"maxCount\": 0")
			},
			want: []wantFinding{{severity: Warning, path: meta, field: "dataTypes[signatures].taskId", line: anyLine, message: `should belong to signing task "SigningTask"; taskId is "Task_1"`}},
		},
		{
			name: "same_type_for_signatures_and_signee_states",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, stateTag, "<altinn:signeeStatesDataTypeId>signatures</altinn:signeeStatesDataTypeId>")
			},
			want:       []wantFinding{{severity: Error, path: bpmn, field: "SigningTask.signeeStatesDataTypeId", message: `signatureDataType and signeeStatesDataTypeId both use data type "signatures"`}},
			wantErrors: 1,
		},
		{
			name: "no_layout_set_for_signing_task",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, sets, `"SigningTask"`, `"Task_2"`)
			},
			want: []wantFinding{
				{severity: Error, path: sets, field: "sets", message: `no layout set lists signing task "SigningTask"`},
				{severity: Warning, path: sets, field: "sets[signing].tasks", message: `task "Task_2" is not in`},
			},
			wantErrors: 1,
		},
		{
			name: "layout_sets_file_missing",
			mutate: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, filepath.FromSlash(sets))); err != nil {
					t.Fatal(err)
				}
			},
			want:       []wantFinding{{severity: Error, path: sets, field: "sets", message: "file is missing"}},
			wantErrors: 1,
		},
		{
			name: "layout_set_folder_missing",
			mutate: func(t *testing.T, dir string) {
				if err := os.RemoveAll(filepath.Join(dir, "App", "ui", "signing")); err != nil {
					t.Fatal(err)
				}
			},
			want: []wantFinding{{severity: Warning, path: sets, field: "sets[signing]", line: anyLine, message: "has no folder App/ui/signing"}},
		},
		{
			name: "policy_malformed_like_the_seed",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, policy, "  </xacml:Rule>\n  <xacml:ObligationExpressions>", "  <xacml:ObligationExpressions>")
			},
			want:       []wantFinding{{severity: Error, path: policy, line: anyLine, message: "malformed XML"}},
			wantErrors: 1,
		},
		{
			name: "metadata_malformed",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, `"id": "signatures",`, `"id": "signatures",,`)
			},
			want:       []wantFinding{{severity: Error, path: meta, line: anyLine, message: "invalid JSON at line"}},
			wantErrors: 1,
		},
		{
			name: "metadata_wrong_type",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, `"id": "signatures",`, `"id": "signatures", "maxCount": "2",`)
			},
			want:       []wantFinding{{severity: Error, path: meta, line: anyLine, message: "must be a number"}},
			wantErrors: 1,
		},
		{
			name: "metadata_duplicate_data_type",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, `"id": "signing-step-pdf",`, `"id": "signatures",`)
			},
			want:       []wantFinding{{severity: Error, path: meta, field: "dataTypes[signatures].id", line: anyLine, message: "declared twice"}},
			wantErrors: 2, // and signingPdfDataType now names an undefined type
		},
		{
			name: "metadata_bad_app_id",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, `"id": "ttd/founders",`, `"id": "founders",`)
			},
			want:       []wantFinding{{severity: Error, path: meta, field: "id", message: `id must be "org/app"`}},
			wantErrors: 1,
		},
		{
			name: "bpmn_malformed",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "</altinn:signatureConfig>", "")
			},
			want:       []wantFinding{{severity: Error, path: bpmn, line: anyLine, message: "malformed XML"}},
			wantErrors: 1,
		},
		{
			name: "texts_language_mismatch",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, textsNN, `"language": "nn"`, `"language": "nb"`)
			},
			want: []wantFinding{{severity: Warning, path: textsNN, field: "language", line: 2, message: `language is "nb" but the file name says "nn"`}},
		},
		{
			name: "texts_duplicate_id",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, textsNB, `"id": "form.header"`, `"id": "appName"`)
			},
			want: []wantFinding{{severity: Warning, path: textsNB, field: "resources[appName]", line: anyLine, message: "defined twice"}},
		},
		{
			name: "texts_override_missing_in_one_language",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, textsNN, `"id": "signing.correspondence_receipt_title"`, `"id": "kvittering.tittel"`)
			},
			want: []wantFinding{{
				severity: Warning, path: textsNN, field: "resources[signing.correspondence_receipt_title]",
				message: `text "signing.correspondence_receipt_title" is defined for en, nb but not for nn`,
			}},
		},
		{
			name: "texts_malformed",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, textsNB, `"id": "form.header",`, `"id": "form.header"`)
			},
			want:       []wantFinding{{severity: Error, path: textsNB, line: anyLine, message: "invalid JSON"}},
			wantErrors: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t)
			tt.mutate(t, dir)
			got := mustLoad(t, dir).Check()
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, w.matches) {
					t.Errorf("missing finding %+v; got:%s", w, formatFindings(got))
				}
			}
			if errs, _ := Count(got); errs != tt.wantErrors {
				t.Errorf("got %d errors, want %d:%s", errs, tt.wantErrors, formatFindings(got))
			}
		})
	}
}

func TestApp_Check_exactLines(t *testing.T) {
	t.Parallel()
	dir := copyExample(t)
	replace(t, dir, metadataPath, `"id": "signatures",`, `"id": "signatures",,`)
	replace(t, dir, processPath, "<altinn:signeeStatesDataTypeId>signeeState<", "<altinn:signeeStatesDataTypeId>signeesState<")
	a := mustLoad(t, dir)
	got := a.Check()
	// The metadata is unusable, so only the JSON error is reported for it.
	want := []Finding{{
		Path: metadataPath, Line: lineOf(t, dir, metadataPath, ",,"), Severity: Error,
		Message: fmt.Sprintf("invalid JSON at line %d, column 26: invalid character ',' looking for beginning of object key string",
			lineOf(t, dir, metadataPath, ",,")),
	}}
	if !slices.Equal(got, want) {
		t.Errorf("Check() =%s\nwant%s", formatFindings(got), formatFindings(want))
	}

	dir = copyExample(t)
	replace(t, dir, processPath, "<altinn:signeeStatesDataTypeId>signeeState<", "<altinn:signeeStatesDataTypeId>signeesState<")
	got = mustLoad(t, dir).Check()
	if len(got) != 1 || got[0].Line != lineOf(t, dir, processPath, "signeesState") {
		t.Errorf("Check() =%s\nwant one finding on line %d", formatFindings(got), lineOf(t, dir, processPath, "signeesState"))
	}
}

func TestApp_Check_sorted(t *testing.T) {
	t.Parallel()
	dir := copyExample(t)
	replace(t, dir, processPath, "<altinn:action>sign</altinn:action>", "")
	replace(t, dir, metadataPath, "\"actionRequiredToRead\": \"signee-state-access\",", "")
	replace(t, dir, layoutSetsPath, `"SigningTask"`, `"Task_2"`)
	replace(t, dir, "App/config/texts/resource.nn.json", `"language": "nn"`, `"language": "nb"`)
	a := mustLoad(t, dir)
	first := a.Check()
	if len(first) < 4 {
		t.Fatalf("got %d findings, want at least 4:%s", len(first), formatFindings(first))
	}
	for range 5 {
		if got := a.Check(); !slices.Equal(got, first) {
			t.Fatalf("Check() not deterministic:%s\nthen:%s", formatFindings(first), formatFindings(got))
		}
	}
	sorted := slices.IsSortedFunc(first, func(x, y Finding) int {
		if x.Path != y.Path {
			return strings.Compare(x.Path, y.Path)
		}
		return x.Line - y.Line
	})
	if !sorted {
		t.Errorf("findings not sorted by path and line:%s", formatFindings(first))
	}
}

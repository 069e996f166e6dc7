package appconfig

import (
	"os"
	"path/filepath"
	"testing"
)

// addExampleFile adds the example app's file rel to the fuzz corpus.
func addExampleFile(f *testing.F, rel string) {
	f.Helper()
	data, err := os.ReadFile(filepath.Join(exampleDir, filepath.FromSlash(rel)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
}

// checkFindings fails when a parser reports a finding outside its file.
func checkFindings(t *testing.T, fs findings, path string) {
	t.Helper()
	for _, f := range fs {
		if f.Path != path || f.Line < 0 || f.Message == "" {
			t.Fatalf("bad finding %+v", f)
		}
	}
}

func FuzzParseBPMN(f *testing.F) {
	addExampleFile(f, processPath)
	f.Add([]byte(`<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:altinn="http://altinn.no/process">` +
		`<bpmn:task id="SigningTask"><bpmn:extensionElements><altinn:taskExtension><altinn:taskType>signing</altinn:taskType>` +
		`<altinn:signatureConfig><altinn:dataTypesToSign><altinn:dataType>ref-data-as-pdf</altinn:dataType></altinn:dataTypesToSign>` +
		`<altinn:signeeStatesDataTypeId>signeesState</altinn:signeeStatesDataTypeId><altinn:correspondenceResource env="tt02">x</altinn:correspondenceResource>` +
		`<altinn:runDefaultValidator>maybe</altinn:runDefaultValidator><altinn:maxSignees>-1</altinn:maxSignees>` +
		`</altinn:signatureConfig></altinn:taskExtension></bpmn:extensionElements></bpmn:task></bpmn:definitions>`))
	f.Add([]byte(`<a><b></a>`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fs findings
		tasks, signingTasks, ok := parseBPMN(data, &fs)
		checkFindings(t, fs, processPath)
		if !ok && (len(tasks) > 0 || len(signingTasks) > 0) {
			t.Fatalf("malformed document yielded %d tasks", len(tasks))
		}
		if len(signingTasks) > len(tasks) {
			t.Fatalf("%d signing tasks out of %d tasks", len(signingTasks), len(tasks))
		}
		for _, st := range signingTasks {
			if st.Lines == nil || st.Line <= 0 {
				t.Fatalf("signing task %q without line information", st.ID)
			}
			for _, r := range st.Config.CorrespondenceResources {
				if r.Value == "" {
					t.Fatalf("empty correspondence resource kept in %+v", st.Config)
				}
			}
		}
	})
}

func FuzzParseMetadata(f *testing.F) {
	addExampleFile(f, metadataPath)
	f.Add([]byte(`{"id":"ttd/app","dataTypes":[{"id":"signeeState","allowedContentTypes":["application/pdf"],"allowedContributers":["app:owned"],"maxCount":1}]}`))
	f.Add([]byte(`{"dataTypes":[{"id":"a"},{"id":"a"},{"id":""}],"dataTypes":[1]}`))
	f.Add([]byte("\xef\xbb\xbf{\"dataTypes\": [ {\"maxCount\": \"x\"} ]}"))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fs findings
		m, ok := parseMetadata(data, &fs)
		checkFindings(t, fs, metadataPath)
		if !ok && len(m.DataTypes) > 0 {
			t.Fatalf("malformed metadata yielded %d data types", len(m.DataTypes))
		}
		for _, dt := range m.DataTypes {
			if dt.Line < 0 || dt.FieldLine("taskId") < 0 {
				t.Fatalf("negative line in %+v", dt)
			}
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	addExampleFile(f, policyPath)
	f.Add([]byte(`<Policy><Rule RuleId="r" Effect="Permit"><Target><AnyOf><AllOf><Match MatchId="urn:oasis:names:tc:xacml:1.0:function:string-equal">` +
		`<AttributeValue>read</AttributeValue><AttributeDesignator AttributeId="urn:oasis:names:tc:xacml:1.0:action:action-id"/></Match></AllOf></AnyOf></Target></Rule></Policy>`))
	f.Add([]byte(`<Policy><Rule><Target><AnyOf><AllOf></AnyOf></Target></Rule></Policy>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fs findings
		p, ok := parsePolicy(data, &fs)
		checkFindings(t, fs, policyPath)
		if ok != (p != nil) {
			t.Fatalf("ok = %v but policy = %v", ok, p)
		}
		for _, action := range p.actions() {
			p.decide(delegationRequest("ttd", "app", "Task_1", action))
		}
	})
}

func FuzzParseTexts(f *testing.F) {
	addExampleFile(f, "App/config/texts/resource.nb.json")
	f.Add([]byte(`{"language":"en","resources":[{"id":"a","value":"x"},{"id":"a","value":"y"},{"id":""}]}`))
	f.Add([]byte(`{"resources":[{"id":1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fs findings
		tf := parseTexts("nb", "App/config/texts/resource.nb.json", data, &fs)
		checkFindings(t, fs, "App/config/texts/resource.nb.json")
		if !tf.ok && len(tf.texts) > 0 {
			t.Fatalf("malformed texts yielded %d texts", len(tf.texts))
		}
	})
}

func FuzzParseLayoutSets(f *testing.F) {
	addExampleFile(f, layoutSetsPath)
	f.Add([]byte(`{"sets":[{"id":"","tasks":[" SigningTask "]},{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fs findings
		sets, ok := parseLayoutSets(data, &fs)
		checkFindings(t, fs, layoutSetsPath)
		if !ok && len(sets) > 0 {
			t.Fatalf("malformed layout sets yielded %d sets", len(sets))
		}
	})
}

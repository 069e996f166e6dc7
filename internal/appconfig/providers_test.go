package appconfig

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/signingflow/signing/internal/signees"
)

func TestApp_Check_providers(t *testing.T) {
	t.Parallel()
	const specs = signees.SpecsPath
	tests := []struct {
		name   string
		mutate func(t *testing.T, dir string)
		want   wantFinding
	}{
		{
			name: "unknown_provider_id",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, processPath, "<altinn:signeeProviderId>founders<", "<altinn:signeeProviderId>stiftere<")
			},
			want: wantFinding{severity: Warning, path: processPath, field: "SigningTask.signeeProviderId", message: `"stiftere"`, line: anyLine},
		},
		{
			name: "configured_provider_selected",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, processPath, "<altinn:signeeProviderId>founders<", "<altinn:signeeProviderId>founders-configured<")
				replace(t, dir, specs, `"dataType": "model"`, `"dataType": "modell"`)
			},
			want: wantFinding{severity: Error, path: specs, field: "providers[0]", message: `data type "modell"`},
		},
		{
			name: "text_key_missing_everywhere",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, specs, `"emailSubjectKey": "signing.email_subject"`, `"emailSubjectKey": "signing.email_subjekt"`)
			},
			want: wantFinding{severity: Error, path: specs, field: "providers[0]", message: `"signing.email_subjekt"`},
		},
		{
			name: "text_key_missing_in_one_language",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, "App/config/texts/resource.nn.json", `"id": "signing.email_subject"`, `"id": "signing.email_subject_old"`)
			},
			want: wantFinding{severity: Warning, path: specs, field: "providers[0]", message: "[nn]"},
		},
		{
			name: "built_in_provider_text_key_missing",
			mutate: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, filepath.FromSlash(specs))); err != nil {
					t.Fatal(err)
				}
				for _, lang := range []string{"nb", "nn", "en"} {
					replace(t, dir, "App/config/texts/resource."+lang+".json", `"id": "signing.notification_content"`, `"id": "signing.notification_body"`)
				}
			},
			want: wantFinding{severity: Error, path: processPath, field: "SigningTask.signeeProviderId", message: `"signing.notification_content"`},
		},
		{
			name: "malformed_specs",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, specs, `"lastName": "etternavn",`, ``)
			},
			want: wantFinding{severity: Error, path: specs, field: "providers[0].persons[0].lastName"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t)
			tt.mutate(t, dir)
			got := mustLoad(t, dir).Check()
			for _, f := range got {
				if tt.want.matches(f) {
					return
				}
			}
			t.Errorf("Check() = %s\nwant a finding like %+v", formatFindings(got), tt.want)
		})
	}
}

func TestLoad_providers(t *testing.T) {
	t.Parallel()
	a := mustLoad(t, exampleDir)
	if len(a.Providers) != 1 || a.Providers[0].ID != "founders-configured" {
		t.Fatalf("Providers = %+v, want the example's founders-configured", a.Providers)
	}
}

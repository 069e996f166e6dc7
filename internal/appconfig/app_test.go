package appconfig

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/signing"
)

func TestLoad_example(t *testing.T) {
	t.Parallel()
	a := mustLoad(t, exampleDir)

	if got, want := a.Org+"/"+a.Name, "ttd/founders"; got != want {
		t.Errorf("org/name = %q, want %q", got, want)
	}
	var taskIDs []string
	for _, task := range a.Tasks {
		taskIDs = append(taskIDs, task.ID+":"+task.Type)
	}
	if got, want := taskIDs, []string{"Task_1:data", "SigningTask:signing"}; !slices.Equal(got, want) {
		t.Errorf("tasks = %v, want %v", got, want)
	}

	st, ok := a.Task("SigningTask")
	if !ok {
		t.Fatal(`Task("SigningTask") not found`)
	}
	wantConfig := signing.Config{
		DataTypesToSign:        []string{"ref-data-as-pdf"},
		SignatureDataType:      "signatures",
		SigneeProviderID:       "founders",
		SigneeStatesDataTypeID: "signeeState",
		SigningPDFDataType:     "signing-step-pdf",
		CorrespondenceResources: []signing.CorrespondenceResource{
			{Value: "ttd-founders-correspondence"},
			{Env: "tt02", Value: "ttd-founders-correspondence-test"},
		},
		RunDefaultValidator: true,
	}
	if !reflect.DeepEqual(st.Config, wantConfig) {
		t.Errorf("config = %+v\nwant %+v", st.Config, wantConfig)
	}
	if got, want := st.Actions, []string{"sign", "reject"}; !slices.Equal(got, want) {
		t.Errorf("actions = %v, want %v", got, want)
	}
	if got, want := st.Name, "Signering"; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
	if got, want := st.Lines["signeeStatesDataTypeId"], lineOf(t, exampleDir, processPath, "<altinn:signeeStatesDataTypeId>"); got != want {
		t.Errorf("line of signeeStatesDataTypeId = %d, want %d", got, want)
	}
	if got, want := st.Line, lineOf(t, exampleDir, processPath, `<bpmn:task id="SigningTask"`); got != want {
		t.Errorf("task line = %d, want %d", got, want)
	}
	if _, ok := a.Task("Task_1"); ok {
		t.Error(`Task("Task_1") found, but it is a data task`)
	}

	model, ok := a.Metadata.DataType("model")
	if !ok || !model.HasAppLogic() || model.AppLogic.ClassRef != "Altinn.App.Models.Skjemadata" || model.TaskID != "Task_1" {
		t.Errorf("model data type = %+v (found %v), want app logic with classRef and task Task_1", model, ok)
	}
	state, _ := a.Metadata.DataType("signeeState")
	if got, want := state.AllowedContributors, []string{"app:owned"}; !slices.Equal(got, want) {
		t.Errorf("signeeState contributors = %v, want %v", got, want)
	}
	if state.MaxCount != 1 || state.MinCount != 0 || state.ActionRequiredToRead == "" {
		t.Errorf("signeeState = %+v, want maxCount 1, minCount 0, restricted read", state)
	}
	if got, want := a.Metadata.Title["nn"], "Stiftingsdokument"; got != want {
		t.Errorf("nn title = %q, want %q", got, want)
	}

	if got, want := a.Languages(), []string{"en", "nb", "nn"}; !slices.Equal(got, want) {
		t.Errorf("Languages() = %v, want %v", got, want)
	}
	for _, lang := range a.Languages() {
		for _, key := range []string{"appName", "signing.correspondence_cta_title", "signing.correspondence_receipt_body", "signing.notification_content", "signing.email_subject"} {
			if !a.HasText(lang, key) {
				t.Errorf("HasText(%q, %q) = false, want true", lang, key)
			}
		}
	}
	if a.HasText("de", "appName") || a.HasText("nb", "no.such.key") {
		t.Error("HasText reports a text that does not exist")
	}

	var sets []string
	for _, s := range a.LayoutSets {
		sets = append(sets, s.ID+":"+strings.Join(s.Tasks, ","))
	}
	if got, want := sets, []string{"form:Task_1", "signing:SigningTask"}; !slices.Equal(got, want) {
		t.Errorf("layout sets = %v, want %v", got, want)
	}
}

func TestLoad_productExtensions(t *testing.T) {
	t.Parallel()
	dir := copyExample(t)
	replace(t, dir, processPath, "<altinn:runDefaultValidator>true</altinn:runDefaultValidator>",
		"<altinn:runDefaultValidator>0</altinn:runDefaultValidator>\n"+
			"<altinn:completeAutomatically>true</altinn:completeAutomatically>\n"+
			"<altinn:keepReadAccess>1</altinn:keepReadAccess>\n"+
			"<altinn:allowNoSignees>false</altinn:allowNoSignees>\n"+
			"<altinn:maxSignees> 25 </altinn:maxSignees>\n"+
			"<altinn:submitterActions>complete, complete</altinn:submitterActions>")
	a := mustLoad(t, dir)
	st, _ := a.Task("SigningTask")
	got := []any{st.Config.RunDefaultValidator, st.Config.CompleteAutomatically, st.Config.KeepReadAccess, st.Config.AllowNoSignees, st.Config.MaxSignees, st.Config.SubmitterActions}
	want := []any{false, true, true, false, 25, []string{"complete"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("runDefaultValidator, completeAutomatically, keepReadAccess, allowNoSignees, maxSignees, submitterActions = %v, want %v", got, want)
	}
	if fs := a.Check(); len(fs) != 0 {
		t.Errorf("Check() = %s, want no findings", formatFindings(fs))
	}
}

func TestLoad_badSubmitterActions(t *testing.T) {
	t.Parallel()
	dir := copyExample(t)
	replace(t, dir, processPath, "<altinn:runDefaultValidator>true</altinn:runDefaultValidator>",
		"<altinn:submitterActions>complete sign</altinn:submitterActions>")
	fs := mustLoad(t, dir).Check()
	if errs, _ := Count(fs); errs != 1 || !strings.Contains(formatFindings(fs), `not "sign"`) {
		t.Errorf("Check() = %s, want one error naming the unknown action", formatFindings(fs))
	}
}

func TestLoad_deadlineSettings(t *testing.T) {
	t.Parallel()
	dir := copyExample(t)
	replace(t, dir, processPath, "<altinn:runDefaultValidator>true</altinn:runDefaultValidator>",
		"<altinn:runDefaultValidator>true</altinn:runDefaultValidator>\n"+
			"<altinn:reminder>P7D</altinn:reminder>\n"+
			"<altinn:reminder> -P2D </altinn:reminder>\n"+
			"<altinn:smsWindow>09:00-20:00</altinn:smsWindow>\n"+
			"<altinn:resendInterval>PT4H</altinn:resendInterval>\n"+
			"<altinn:quietDeadlineExtension>true</altinn:quietDeadlineExtension>\n"+
			"<altinn:requireRejectReason>true</altinn:requireRejectReason>\n"+
			"<altinn:requiredSignatures>2</altinn:requiredSignatures>\n"+
			"<altinn:requiredSignatures group=\"3\">1</altinn:requiredSignatures>")
	a := mustLoad(t, dir)
	st, _ := a.Task("SigningTask")
	c := st.Config
	got := []any{c.Reminders, c.SMSWindow, c.ResendInterval, c.QuietDeadlineExtension, c.RequireRejectReason}
	want := []any{[]string{"P7D", "-P2D"}, "09:00-20:00", "PT4H", true, true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reminders, smsWindow, resendInterval, quietDeadlineExtension, requireRejectReason = %v, want %v", got, want)
	}
	if _, err := c.DeadlineSettings(); err != nil {
		t.Errorf("DeadlineSettings() error = %v", err)
	}
	if want := []signing.GroupRequirement{{Group: 1, Required: 2}, {Group: 3, Required: 1}}; !slices.Equal(c.RequiredSignatures, want) {
		t.Errorf("requiredSignatures = %+v, want %+v", c.RequiredSignatures, want)
	}
	if fs := a.Check(); len(fs) != 0 {
		t.Errorf("Check() = %s, want no findings", formatFindings(fs))
	}
}

func TestLoad_badDeadlineSettings(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, xml, want string }{
		{"reminder", "<altinn:reminder>7 days</altinn:reminder>", "SigningTask.reminder[0]"},
		{"zero_reminder", "<altinn:reminder>P0D</altinn:reminder>", "must not be zero"},
		{"sms_window", "<altinn:smsWindow>21:00-08:00</altinn:smsWindow>", "SigningTask.smsWindow"},
		{"resend_interval", "<altinn:resendInterval>-PT1H</altinn:resendInterval>", "SigningTask.resendInterval"},
		{"require_reason", "<altinn:requireRejectReason>maybe</altinn:requireRejectReason>", "requireRejectReason"},
		{"required_zero", "<altinn:requiredSignatures>0</altinn:requiredSignatures>", "SigningTask.requiredSignatures[0].required"},
		{"required_not_a_number", "<altinn:requiredSignatures>two</altinn:requiredSignatures>", "SigningTask.requiredSignatures[0].required"},
		{"required_group", "<altinn:requiredSignatures group=\"21\">1</altinn:requiredSignatures>", "SigningTask.requiredSignatures[0].group"},
		{"required_group_twice", "<altinn:requiredSignatures group=\"2\">1</altinn:requiredSignatures><altinn:requiredSignatures group=\"2\">2</altinn:requiredSignatures>", "SigningTask.requiredSignatures[1].group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t)
			replace(t, dir, processPath, "<altinn:runDefaultValidator>true</altinn:runDefaultValidator>", tt.xml)
			fs := mustLoad(t, dir).Check()
			if errs, _ := Count(fs); errs != 1 || !strings.Contains(formatFindings(fs), tt.want) {
				t.Errorf("Check() = %s, want one error with %q", formatFindings(fs), tt.want)
			}
		})
	}
}

func TestApp_DelegableActions(t *testing.T) {
	t.Parallel()
	a := mustLoad(t, exampleDir)
	tests := []struct {
		name string
		task string
		want []string
	}{
		{name: "signing_task", task: "SigningTask", want: []string{"read", "reject", "sign"}},
		{name: "data_task", task: "Task_1", want: nil},
		{name: "unknown_task", task: "SingingTask", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := a.DelegableActions(tt.task); !slices.Equal(got, tt.want) {
				t.Errorf("DelegableActions(%q) = %v, want %v", tt.task, got, tt.want)
			}
		})
	}
}

func TestApp_CanDelegate(t *testing.T) {
	t.Parallel()
	a := mustLoad(t, exampleDir)
	tests := []struct {
		name   string
		task   string
		action string
		want   bool
	}{
		{name: "read_on_signing_task", task: "SigningTask", action: "read", want: true},
		{name: "sign_case_insensitive", task: "SigningTask", action: "SIGN", want: true},
		{name: "write_not_delegable", task: "SigningTask", action: "write", want: false},
		{name: "reject_on_signing_task", task: "SigningTask", action: "reject", want: true},
		{name: "instantiate_not_delegable", task: "SigningTask", action: "instantiate", want: false},
		{name: "other_task", task: "Task_1", action: "read", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := a.CanDelegate(tt.task, tt.action); got != tt.want {
				t.Errorf("CanDelegate(%q, %q) = %v, want %v", tt.task, tt.action, got, tt.want)
			}
		})
	}
}

func TestLoad_loadError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(t *testing.T) string
		wantPath string // suffix of LoadError.Path, slash-separated
	}{
		{
			name:     "missing_folder",
			setup:    func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") },
			wantPath: "nope",
		},
		{
			name: "file_not_folder",
			setup: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			},
			wantPath: "file",
		},
		{
			name:     "no_app_folder",
			setup:    func(t *testing.T) string { return t.TempDir() },
			wantPath: "/App",
		},
		{
			name: "missing_process_bpmn",
			setup: func(t *testing.T) string {
				dir := copyExample(t)
				if err := os.Remove(filepath.Join(dir, filepath.FromSlash(processPath))); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			wantPath: processPath,
		},
		{
			name: "missing_metadata",
			setup: func(t *testing.T) string {
				dir := copyExample(t)
				if err := os.Remove(filepath.Join(dir, filepath.FromSlash(metadataPath))); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			wantPath: metadataPath,
		},
		{
			name: "process_bpmn_is_folder",
			setup: func(t *testing.T) string {
				dir := copyExample(t)
				p := filepath.Join(dir, filepath.FromSlash(processPath))
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				if err := os.Mkdir(p, 0o755); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			wantPath: processPath,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := Load(tt.setup(t))
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Load() = %v, %v; want a *LoadError", a, err)
			}
			if got := filepath.ToSlash(le.Path); !strings.HasSuffix(got, tt.wantPath) {
				t.Errorf("LoadError.Path = %q, want suffix %q", got, tt.wantPath)
			}
			if !strings.Contains(le.Error(), le.Path) {
				t.Errorf("Error() = %q, want it to name %q", le.Error(), le.Path)
			}
		})
	}
}

func TestFinding_String(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    Finding
		want string
	}{
		{
			name: "with_line",
			f:    Finding{Path: processPath, Line: 44, Field: "SigningTask.signeeStatesDataTypeId", Severity: Error, Message: "bad"},
			want: "App/config/process/process.bpmn:SigningTask.signeeStatesDataTypeId: error: bad (line 44)",
		},
		{
			name: "without_line",
			f:    Finding{Path: metadataPath, Field: "dataTypes[signeeState].maxCount", Severity: Warning, Message: "hmm"},
			want: "App/config/applicationmetadata.json:dataTypes[signeeState].maxCount: warning: hmm",
		},
		{
			name: "without_field",
			f:    Finding{Path: policyPath, Line: 3, Severity: Error, Message: "malformed XML: x"},
			want: "App/config/authorization/policy.xml: error: malformed XML: x (line 3)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.f.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	ids := []string{"model", "ref-data-as-pdf", "signatures", "signeeState", "signing-step-pdf"}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "seed_typo", in: "signeesState", want: "signeeState"},
		{name: "case_only", in: "SigneeState", want: "signeeState"},
		{name: "missing_letter", in: "signature", want: "signatures"},
		{name: "nothing_close", in: "attachments", want: ""},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := suggest(tt.in, ids); got != tt.want {
				t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(exampleDir, filepath.FromSlash(policyPath)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		t.Fatalf("ParsePolicy() error = %v", err)
	}
	if !p.CanDelegate("ttd", "founders", "SigningTask", "sign") || p.CanDelegate("ttd", "founders", "SigningTask", "write") ||
		p.CanDelegate("ttd", "other", "SigningTask", "sign") {
		t.Error("CanDelegate does not follow rule 5 of the example policy")
	}
	if !p.DelegatesAny("ttd", "founders") || p.DelegatesAny("ttd", "other") {
		t.Error("DelegatesAny(ttd, founders) = false or DelegatesAny(ttd, other) = true")
	}
	for _, bad := range []string{"<x", "<Rule/>"} {
		if _, err := ParsePolicy([]byte(bad)); err == nil {
			t.Errorf("ParsePolicy(%q) error = nil", bad)
		}
	}
}

package signing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	testNow  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	testInst = InstanceRef{Org: "ttd", App: "founders", PartyID: 50001337, InstanceGUID: "6f1c2d3e-0000-4000-8000-000000000001"}
	testCfg  = Config{DataTypesToSign: []string{"ref-data-as-pdf"}, SignatureDataType: "signatures"}
)

func TestNewTask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		inst      InstanceRef
		taskID    string
		cfg       Config
		deadline  time.Time
		wantField string
	}{
		{name: "valid", inst: testInst, taskID: "SigningTask", cfg: testCfg, deadline: testNow.Add(time.Hour)},
		{name: "no_deadline", inst: testInst, taskID: "SigningTask", cfg: testCfg},
		{name: "bad_guid", inst: InstanceRef{Org: "ttd", App: "founders", PartyID: 1, InstanceGUID: "nope"}, taskID: "SigningTask", cfg: testCfg, wantField: "instanceGuid"},
		{name: "bad_party", inst: InstanceRef{Org: "ttd", App: "founders", InstanceGUID: testInst.InstanceGUID}, taskID: "SigningTask", cfg: testCfg, wantField: "instanceOwnerPartyId"},
		{name: "bad_task_id", inst: testInst, taskID: "Signing Task", cfg: testCfg, wantField: "taskId"},
		{name: "no_signature_type", inst: testInst, taskID: "SigningTask", cfg: Config{DataTypesToSign: []string{"x"}}, wantField: "config.signatureDataType"},
		{name: "nothing_to_sign", inst: testInst, taskID: "SigningTask", cfg: Config{SignatureDataType: "s"}, wantField: "config.dataTypesToSign"},
		{name: "deadline_past", inst: testInst, taskID: "SigningTask", cfg: testCfg, deadline: testNow.Add(-time.Second), wantField: "deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := NewTask(tt.inst, tt.taskID, tt.cfg, 3, tt.deadline, testNow)
			if tt.wantField != "" {
				assertField(t, err, tt.wantField)
				return
			}
			if err != nil {
				t.Fatalf("NewTask() error = %v", err)
			}
			if got.Status != TaskCollecting || got.Counts.Total != 3 || got.ConfigDigest != tt.cfg.Digest() || got.Version != 1 {
				t.Errorf("NewTask() = %+v", got)
			}
		})
	}
}

func TestTask_CanComplete(t *testing.T) {
	t.Parallel()
	task, err := NewTask(testInst, "SigningTask", testCfg, 2, time.Time{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.CanComplete(); !errors.Is(err, ErrConflict) {
		t.Errorf("0/2 signed: err = %v, want ErrConflict", err)
	}
	task.Counts.Signed = 2
	if err := task.CanComplete(); err != nil {
		t.Errorf("2/2 signed: err = %v", err)
	}
	task.Status = TaskRejected
	if err := task.CanComplete(); !errors.Is(err, ErrTaskClosed) {
		t.Errorf("rejected: err = %v, want ErrTaskClosed", err)
	}
}

func TestTaskStatus_Outcome(t *testing.T) {
	t.Parallel()
	for status, want := range map[TaskStatus]Outcome{TaskCompleted: OutcomeSigned, TaskRejected: OutcomeRejected, TaskExpired: OutcomeExpired} {
		if got, ok := status.Outcome(); !ok || got != want {
			t.Errorf("%s.Outcome() = %q, %v; want %q", status, got, ok, want)
		}
	}
	if _, ok := TaskCollecting.Outcome(); ok {
		t.Error("collecting has an outcome")
	}
}

func TestParseInstanceRef(t *testing.T) {
	t.Parallel()
	got, err := ParseInstanceRef("ttd", "founders", "50001337", " 6F1C2D3E-0000-4000-8000-000000000001 ")
	if err != nil {
		t.Fatal(err)
	}
	if got != testInst {
		t.Errorf("ParseInstanceRef() = %+v, want %+v", got, testInst)
	}
	if got.InstanceID() != "50001337/6f1c2d3e-0000-4000-8000-000000000001" || got.ResourceID() != "app_ttd_founders" || got.AppID() != "ttd/founders" {
		t.Errorf("derived IDs: %q %q %q", got.InstanceID(), got.ResourceID(), got.AppID())
	}
	_, err = ParseInstanceRef("TTD", "", "-1", "x")
	for _, field := range []string{"org", "app", "instanceOwnerPartyId", "instanceGuid"} {
		if !strings.Contains(err.Error(), field+":") {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
}

func TestConfig_CorrespondenceResourceFor(t *testing.T) {
	t.Parallel()
	cfg := Config{CorrespondenceResources: []CorrespondenceResource{
		{Value: "global-res"},
		{Env: "tt02", Value: "staging-res"},
		{Env: "prod", Value: "prod-old"},
		{Env: "Production", Value: "prod-res"},
	}}
	tests := []struct {
		env    string
		want   string
		wantOK bool
	}{
		{env: "at23", want: "staging-res", wantOK: true},
		{env: "produksjon", want: "prod-res", wantOK: true},
		{env: "local", want: "global-res", wantOK: true},
		{env: "mars", want: "global-res", wantOK: true},
	}
	for _, tt := range tests {
		got, ok := cfg.CorrespondenceResourceFor(tt.env)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("CorrespondenceResourceFor(%q) = %q, %v; want %q, %v", tt.env, got, ok, tt.want, tt.wantOK)
		}
	}
	if _, ok := (Config{}).CorrespondenceResourceFor("tt02"); ok {
		t.Error("empty config resolved a resource")
	}
}

func TestConfig_Digest(t *testing.T) {
	t.Parallel()
	a, b := testCfg, testCfg
	b.RunDefaultValidator = true
	if a.Digest() == b.Digest() || a.Digest() != testCfg.Digest() || len(a.Digest()) != 64 {
		t.Errorf("digests: %s %s", a.Digest(), b.Digest())
	}
	if !(Config{SigneeProviderID: "p", SigneeStatesDataTypeID: "s"}).RuntimeDelegated() || (Config{SigneeProviderID: "p"}).RuntimeDelegated() {
		t.Error("RuntimeDelegated needs both fields")
	}
}

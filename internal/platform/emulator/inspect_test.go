package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
)

func TestInspectionEndpoints(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	if got := request(t, srv, "POST", delegatePath, "application/json", validDelegation); got.status != 200 {
		t.Fatal(got.status)
	}
	att := request(t, srv, "POST", "/correspondence/api/v1/attachment", "application/json",
		`{"resourceId":"ttd-founders-correspondence","fileName":"model.xml","isEncrypted":false,"sendersReference":"`+modelID+`"}`)
	var attID string
	if err := json.Unmarshal(att.body, &attID); att.status != 200 || err != nil {
		t.Fatal(att.status, string(att.body))
	}
	if got := request(t, srv, "POST", "/correspondence/api/v1/attachment/"+attID+"/upload", "application/octet-stream", "<model/>"); got.status != 200 {
		t.Fatal(got.status, string(got.body))
	}
	if got := request(t, srv, "POST", sendPath, "application/json", strings.Replace(strings.Replace(validCorrespondence, `"recipients"`, `"existingAttachments":["`+attID+`"],"recipients"`, 1),
		`"messageBody":"Body"}`, `"messageBody":"Body"},"notification":{"notificationTemplate":"GenericAltinnMessage","notificationChannel":"Email"}`, 1)); got.status != 200 {
		t.Fatal(got.status, string(got.body))
	}

	tests := []struct {
		name string
		path string
		want []string
	}{
		{name: "delegations", path: "/_emulator/delegations", want: []string{`"action":"sign"`, `"toPartyUuid":"` + olaUUID + `"`, `"taskId":"SigningTask"`}},
		{name: "messages_with_attachment_bytes", path: "/_emulator/messages", want: []string{`"title":"Title"`, `"dataElementId":"` + modelID + `"`, `"fileName":"model.xml"`, `"bytes":"`}},
		{name: "notifications", path: "/_emulator/notifications", want: []string{`"source":"correspondence"`, `"channel":"Email"`}},
		{name: "data_without_bytes", path: "/_emulator/data", want: []string{`"source":"fixture"`, `"sha256":"`}},
		{name: "data_with_bytes", path: "/_emulator/data?bytes=true", want: []string{`"bytes":"`}},
		{name: "calls", path: "/_emulator/calls", want: []string{`"access.delegate":1`, `"correspondence.send":1`, `"correspondence.uploadAttachment":1`, `"storage.getInstance":0`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got := request(t, srv, "GET", tt.path, "", "", "Authorization", "")
			if got.status != 200 || !strings.HasPrefix(got.header.Get("Content-Type"), "application/json") {
				t.Fatalf("GET %s = %d %s", tt.path, got.status, got.header.Get("Content-Type"))
			}
			for _, w := range tt.want {
				if !bytes.Contains(got.body, []byte(w)) {
					t.Errorf("GET %s = %s, want it to contain %s", tt.path, got.body, w)
				}
			}
			if tt.name == "data_without_bytes" && bytes.Contains(got.body, []byte(`"bytes"`)) {
				t.Errorf("GET %s includes bytes", tt.path)
			}
		})
	}

	t.Run("reset", func(t *testing.T) {
		t.Parallel()
		e2, srv2 := start(t)
		request(t, srv2, "POST", delegatePath, "application/json", validDelegation)
		if got := request(t, srv2, "POST", "/_emulator/reset", "", ""); got.status != 204 || len(e2.Delegations()) != 0 {
			t.Errorf("reset = %d, delegations %v", got.status, e2.Delegations())
		}
	})
}

func TestFaultEndpoints(t *testing.T) {
	t.Parallel()
	e, srv := start(t)

	bad := []string{`{"operation":"nope","status":503}`, `{"operation":"correspondence.send"}`, `{"operation":"correspondence.send","status":200}`, `{"operation":"x","stauts":503}`, `{`}
	for _, b := range bad {
		if got := request(t, srv, "POST", "/_emulator/faults", "application/json", b); got.status != 400 {
			t.Errorf("POST faults %s = %d, want 400", b, got.status)
		}
	}
	if got := request(t, srv, "POST", "/_emulator/faults", "application/json", `{"operation":"correspondence.send","status":503,"count":2,"latencyMs":0}`); got.status != 201 {
		t.Fatalf("POST faults = %d %s", got.status, got.body)
	}
	for i, want := range []int{503, 503, 200} {
		if got := request(t, srv, "POST", sendPath, "application/json", validCorrespondence); got.status != want {
			t.Errorf("send #%d = %d, want %d", i+1, got.status, want)
		}
	}
	if got := request(t, srv, "POST", "/_emulator/faults", "application/json", `{"operation":"*","status":500}`); got.status != 201 {
		t.Fatal(got.status)
	}
	if got := request(t, srv, "GET", instancePath, "", ""); got.status != 500 || got.problem(t).Code != "InjectedFault" {
		t.Errorf("get instance with a * fault = %d", got.status)
	}
	if got := request(t, srv, "GET", "/_emulator/faults", "", ""); !bytes.Contains(got.body, []byte(`"operation":"*"`)) {
		t.Errorf("GET faults = %s", got.body)
	}
	if got := request(t, srv, "DELETE", "/_emulator/faults", "", ""); got.status != 204 || len(e.Faults()) != 0 {
		t.Errorf("DELETE faults = %d, pending %v", got.status, e.Faults())
	}
	if got := request(t, srv, "GET", instancePath, "", ""); got.status != 200 {
		t.Errorf("get instance after clearing = %d", got.status)
	}
	if got := e.Calls(emulator.OpSend); got != 3 {
		t.Errorf("Calls(send) = %d, want 3", got)
	}
}

func TestStart(t *testing.T) {
	t.Parallel()
	e := emulator.New(emulator.Founders())

	if _, err := e.Start("0.0.0.0:0"); err == nil {
		t.Error("Start(0.0.0.0:0) error = nil, want loopback only")
	}
	srv, err := e.Start("")
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	c, err := platform.NewStorageClient(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.GetInstance(t.Context(), signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001, InstanceGUID: instanceGUID})
	if err != nil || in.CurrentTask != "SigningTask" {
		t.Errorf("GetInstance() = %+v, %v", in, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown() error = %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close() after Shutdown error = %v", err)
	}
}

// TestLogging_neverNationalID runs register calls with a logger and checks
// that no national ID, last name or token reaches the log.
func TestLogging_neverNationalID(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	_, srv := start(t, emulator.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))

	const auth = "Bearer s3cr3t-token"
	request(t, srv, "POST", lookupPath, "application/json", `{"ssn":"`+kariSSN+`","lastName":"Nordmann"}`, "Authorization", auth)
	request(t, srv, "POST", lookupPath, "application/json", `{"ssn":"`+olaSSN+`","lastName":"Wrong"}`, "Authorization", auth)
	request(t, srv, "GET", "/register/api/v1/parties/50002", "", "", "Authorization", auth)
	request(t, srv, "POST", lookupPath, "application/json", `{"ssn":`+kariSSN+`}`, "Authorization", auth)

	log := buf.String()
	if strings.Count(log, "\n") != 4 || !strings.Contains(log, `"path":"/register/api/v1/parties/lookup"`) {
		t.Errorf("log = %s, want 4 request lines", log)
	}
	for _, secret := range []string{kariSSN, olaSSN, "Nordmann", "Bearer", "s3cr3t"} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q: %s", secret, log)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSetCurrentTask moves the process as the engine would.
func TestSetCurrentTask(t *testing.T) {
	t.Parallel()
	e := emulator.New(emulator.Founders())

	if !e.SetCurrentTask(50001, instanceGUID, "", "") {
		t.Fatal("SetCurrentTask() = false")
	}
	in, _ := e.Instance(50001, instanceGUID)
	if in.Process.CurrentTask != nil || in.Process.Ended == nil {
		b, _ := json.Marshal(in.Process)
		t.Errorf("process = %s, want ended", b)
	}
	if e.SetCurrentTask(50002, instanceGUID, "x", "data") {
		t.Error("SetCurrentTask(wrong owner) = true")
	}
}

func TestChangeData(t *testing.T) {
	t.Parallel()
	e, srv := start(t)
	if !e.ChangeData(instanceGUID, modelID, []byte("<model>changed</model>")) {
		t.Fatal("ChangeData() = false")
	}
	got := request(t, srv, "GET", "/storage/api/v1/instances/50001/"+instanceGUID+"/data/"+modelID, "", "")
	if got.status != 200 || string(got.body) != "<model>changed</model>" {
		t.Errorf("read after the change = %d %q", got.status, got.body)
	}
	if e.ChangeData("00000000-0000-4000-8000-000000000000", modelID, nil) || e.ChangeData(instanceGUID, "00000000-0000-4000-8000-000000000001", nil) {
		t.Error("ChangeData() of another instance or an unknown element = true")
	}
}

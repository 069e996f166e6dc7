package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/signingtest"
)

// eventStatus is the answer each events/api-*.json gets from a ready founders task.
var eventStatus = map[string]int{
	"api-sign":                http.StatusOK,
	"api-sign-on-behalf-of":   http.StatusOK,
	"api-reject":              http.StatusOK,
	"api-process-next":        http.StatusConflict, // not everyone has signed yet
	"api-signing-state":       http.StatusOK,
	"api-data-elements":       http.StatusOK,
	"api-organizations":       http.StatusOK,
	"api-validate":            http.StatusOK,
	"api-signing-requests":    http.StatusOK,
	"api-sign-no-token":       http.StatusUnauthorized,
	"api-sign-malformed-body": http.StatusBadRequest,
	"api-sign-bad-guid":       http.StatusBadRequest,
	"api-reject-with-reason":  http.StatusOK,
	"api-cancel":              http.StatusOK,
	"api-deadline":            http.StatusOK,
	"api-replace-signee":      http.StatusOK,
	"api-audit":               http.StatusOK,
	"api-events":              http.StatusOK,
	"api-evidence":            http.StatusOK,
	"api-verify":              http.StatusOK,
	"api-replay-events":       http.StatusOK,
}

func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(signingtest.ModuleRoot(t), "events", "api-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	slices.Sort(names)
	var want []string
	for name := range eventStatus {
		want = append(want, name)
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("events/api-*.json = %v, want exactly %v", names, want)
	}
	for _, name := range names {
		t.Run(strings.ReplaceAll(name, "-", "_"), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			resp := e.do(t, loadEvent(t, name))
			if resp.StatusCode != eventStatus[name] {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, eventStatus[name], resp.Body)
			}
		})
	}
}

// TestHandler_logs runs every sample event and more through one handler and
// scans its log: one JSON line per request with the request's context, and
// never a national ID or a token (newEnv's cleanup checks that too, for every test).
func TestHandler_logs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	files, err := filepath.Glob(filepath.Join(signingtest.ModuleRoot(t), "events", "api-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Closing the task (or replacing a signee) last lets the signatures through first.
	slices.SortStableFunc(files, func(a, b string) int {
		closes := func(f string) bool {
			return strings.Contains(f, "reject") || strings.Contains(f, "cancel") || strings.Contains(f, "process-next") || strings.Contains(f, "replace")
		}
		switch {
		case closes(a) == closes(b):
			return strings.Compare(a, b)
		case closes(a):
			return 1
		}
		return -1
	})
	requests := 0
	for _, f := range files {
		ev := loadEvent(t, strings.TrimSuffix(filepath.Base(f), ".json"))
		e.do(t, ev)
		e.do(t, as(ev, "stranger"))
		requests += 2
	}
	e.h.Repo.Err = func(string) error { return errors.New("memrepo: disk on fire") }
	e.do(t, loadEvent(t, "api-signing-state"))
	requests++
	e.h.Repo.Err = nil

	logs := e.logs.String()
	checkNoSecrets(t, "log", logs)
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	var handled int
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec["msg"] != "request" {
			continue
		}
		handled++
		for _, key := range []string{"api_request_id", "route", "method", "status", "duration_ms"} {
			if _, ok := rec[key]; !ok {
				t.Errorf("log line without %s: %s", key, line)
			}
		}
		if route, _ := rec["route"].(string); strings.Contains(route, "{instanceGuid}") && rec["status"] != float64(400) && rec["status"] != float64(401) {
			if rec["instance_guid"] != signingtest.FoundersInstance.InstanceGUID || rec["task_id"] != "SigningTask" {
				t.Errorf("log line without the instance and task: %s", line)
			}
		}
	}
	if handled != requests {
		t.Errorf("%d request log lines for %d requests", handled, requests)
	}
	if !strings.Contains(logs, `"level":"ERROR"`) || !strings.Contains(logs, `"signee_key":"p-`) {
		t.Errorf("want the failed request logged as an error and a signature with its signee key:\n%s", logs)
	}
}

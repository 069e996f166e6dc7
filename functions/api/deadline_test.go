package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// A reject carries its reason to the task (never to the log); a reason
// with another action, or too long, is refused naming the field.
func TestHandler_rejectReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("x", signing.MaxReasonLength+1)
	for _, tt := range []struct{ body, field string }{
		{`{"action":"sign","reason":"no"}`, "reason"},
		{`{"action":"reject","reason":"` + long + `"}`, "reason"},
	} {
		resp := e.do(t, as(withBody(loadEvent(t, "api-reject"), tt.body), "kari"))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, `"`+tt.field+`"`) {
			t.Errorf("%.40s…: %d %s, want 400 naming %s", tt.body, resp.StatusCode, resp.Body, tt.field)
		}
	}
	resp := e.do(t, as(loadEvent(t, "api-reject-with-reason"), "kari"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reject with a reason: %d %s", resp.StatusCode, resp.Body)
	}
	task, err := e.h.Repo.GetTask(context.Background(), signingtest.FoundersTask)
	if err != nil || task.RejectReason != "Feil aksjekapital i stiftelsesdokumentet" || task.RejectedBy != signing.RejectedByOwner {
		t.Errorf("task reason %q by %q (%v), want the owner's reason kept", task.RejectReason, task.RejectedBy, err)
	}
	state := e.do(t, as(loadEvent(t, "api-signing-state"), "ola"))
	if state.StatusCode != http.StatusOK || !strings.Contains(state.Body, `"rejectReason":"Feil aksjekapital i stiftelsesdokumentet"`) || !strings.Contains(state.Body, `"rejectedBy":"owner"`) {
		t.Errorf("signing state after the reject: %d %s, want the reason and who rejected", state.StatusCode, state.Body)
	}
	if strings.Contains(e.logs.String(), "aksjekapital") {
		t.Errorf("the reason reached the log:\n%s", e.logs.String())
	}
}

// Only the owner cancels; the outcome is cancelled.
func TestHandler_cancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if resp := e.do(t, as(loadEvent(t, "api-cancel"), "ola")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cancel by a signee: %d %s, want 403", resp.StatusCode, resp.Body)
	}
	if resp := e.do(t, as(loadEvent(t, "api-cancel"), "kari")); resp.StatusCode != http.StatusOK {
		t.Fatalf("cancel by the owner: %d %s", resp.StatusCode, resp.Body)
	}
	task, _ := e.h.Repo.GetTask(context.Background(), signingtest.FoundersTask)
	if o, _ := task.Outcome(); o != signing.OutcomeCancelled {
		t.Errorf("outcome = %q, want cancelled", o)
	}
	if resp := e.do(t, as(loadEvent(t, "api-cancel"), "kari")); resp.StatusCode != http.StatusConflict || !strings.Contains(resp.Body, "task-rejected") {
		t.Errorf("cancel again: %d %s, want 409 task-rejected", resp.StatusCode, resp.Body)
	}
}

// The deadline route refuses what is not a later RFC 3339 time, naming
// deadline, and moves it otherwise.
func TestHandler_extendDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, body := range []string{`{}`, `{"deadline":"tomorrow"}`, `{"deadline":"2020-01-01T00:00:00Z"}`, `{"deadline":"2031-01-01T00:00:00Z"}`} {
		resp := e.do(t, as(withBody(loadEvent(t, "api-deadline"), body), "kari"))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, `"deadline"`) {
			t.Errorf("%s: %d %s, want 400 naming deadline", body, resp.StatusCode, resp.Body)
		}
	}
	if resp := e.do(t, as(loadEvent(t, "api-deadline"), "ola")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("extension by a signee: %d, want 403", resp.StatusCode)
	}
	resp := e.do(t, as(loadEvent(t, "api-deadline"), "kari"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"deadline":"2026-06-30T22:00:00Z"`) {
		t.Fatalf("extension: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := e.do(t, as(loadEvent(t, "api-deadline"), "kari")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the same deadline again: %d, want 400 (must be later)", resp.StatusCode)
	}
}

// An invitation sent again twice within the interval: 429 with Retry-After.
func TestHandler_resend(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var company signing.SigneeKey
	list, _, _ := e.h.Repo.ListSignees(context.Background(), signingtest.FoundersTask, signing.Page{})
	for _, sg := range list {
		if sg.PartyUUID == signingtest.CompanyUUID {
			company = sg.Key
		}
	}
	ev := loadEvent(t, "api-cancel")
	ev.RouteKey = "POST " + instancePrefix + "/signing/signees/{signeeKey}/remind"
	ev.RequestContext.RouteKey = ev.RouteKey
	ev = withPath(ev, "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/signing/signees/"+string(company)+"/remind")
	ev = withBody(ev, "")
	if resp := e.do(t, as(ev, "kari")); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"resends":1`) {
		t.Fatalf("resend: %d %s", resp.StatusCode, resp.Body)
	}
	resp := e.do(t, as(ev, "kari"))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Headers["Retry-After"] != "3600" || !strings.Contains(resp.Body, "too-soon") {
		t.Errorf("resend again at once: %d Retry-After %q %s, want 429 too-soon with Retry-After 3600", resp.StatusCode, resp.Headers["Retry-After"], resp.Body)
	}
	bad := withPath(ev, "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/signing/signees/x-1/remind")
	if resp := e.do(t, as(bad, "kari")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, "signeeKey") {
		t.Errorf("resend to a malformed key: %d %s, want 400 naming signeeKey", resp.StatusCode, resp.Body)
	}
}

// A signee of a signing group that may not sign yet is refused with 403
// group-not-open, and the state shows each signee's group.
func TestHandler_groupNotOpen(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, testConfig(), signingtest.InOrder)
	resp := e.do(t, as(loadEvent(t, "api-sign"), "ola"))
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "/problems/group-not-open") {
		t.Errorf("sign by Ola before the company signed: %d %s, want 403 group-not-open", resp.StatusCode, resp.Body)
	}
	state := e.do(t, as(loadEvent(t, "api-signing-state"), "kari"))
	if state.StatusCode != http.StatusOK || !strings.Contains(state.Body, `"openGroup":1`) || !strings.Contains(state.Body, `"group":2,"groupOpen":false`) {
		t.Errorf("signing state: %d %s, want open group 1 and the founders in group 2, not open", state.StatusCode, state.Body)
	}
	if resp := e.do(t, as(loadEvent(t, "api-sign-on-behalf-of"), "kari")); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign for the company: %d %s", resp.StatusCode, resp.Body)
	}
	// Group 2 is open now; Ola is delegated by the workflow's next round,
	// and until then the platform's own check refuses.
	state = e.do(t, as(loadEvent(t, "api-signing-state"), "kari"))
	if !strings.Contains(state.Body, `"group":2,"groupOpen":true`) {
		t.Errorf("signing state after the company signed: %s, want group 2 open", state.Body)
	}
}

// Once a group has its required signatures, another signee of it is
// refused with 409 signature-not-needed, and the task may be submitted.
func TestHandler_signatureNotNeeded(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, testConfig(), func(_ *testing.T, h *signingtest.Harness) {
		h.Cfg.RequiredSignatures = []signing.GroupRequirement{{Group: 1, Required: 2}}
	})
	for _, who := range []string{"ola", "kari"} {
		if resp := e.do(t, as(loadEvent(t, "api-sign"), who)); resp.StatusCode != http.StatusOK {
			t.Fatalf("sign as %s: %d %s", who, resp.StatusCode, resp.Body)
		}
	}
	resp := e.do(t, as(loadEvent(t, "api-sign-on-behalf-of"), "kari"))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(resp.Body, "/problems/signature-not-needed") {
		t.Errorf("sign for the company after 2 of 3: %d %s, want 409 signature-not-needed", resp.StatusCode, resp.Body)
	}
}

// The owner replaces Ola, who has not signed, by Per Hansen: 200 with both
// keys, Ola replaced in the state and Per resolved in his group; the owner
// alone may, a signee who signed or was replaced is refused (409), and a
// body that names nobody is refused naming the field.
func TestHandler_replaceSignee(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if resp := e.do(t, as(loadEvent(t, "api-replace-signee"), "ola")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("replace by a signee: %d %s, want 403", resp.StatusCode, resp.Body)
	}
	for _, tt := range []struct{ body, field string }{
		{`{}`, "nationalId"},
		{`{"nationalId":"12847832280"}`, "lastName"},
		{`{"nationalId":"12847832281","lastName":"Hansen"}`, "nationalId"},
		{`{"organisationNumber":"123"}`, "organisationNumber"},
	} {
		resp := e.do(t, as(withBody(loadEvent(t, "api-replace-signee"), tt.body), "kari"))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, `"`+tt.field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", tt.body, resp.StatusCode, resp.Body, tt.field)
		}
	}
	resp := e.do(t, as(loadEvent(t, "api-replace-signee"), "kari"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"replacedSigneeKey":"p-775735aa3661a2e57beb46a4"`) || !strings.Contains(resp.Body, `"status":"replaced"`) {
		t.Fatalf("replace Ola by Per: %d %s", resp.StatusCode, resp.Body)
	}
	state := e.do(t, as(loadEvent(t, "api-signing-state"), "kari"))
	if !strings.Contains(state.Body, `"status":"replaced"`) || !strings.Contains(state.Body, `"name":"Per Hansen"`) {
		t.Errorf("signing state after the replacement: %s, want Ola replaced and Per Hansen listed", state.Body)
	}
	if resp := e.do(t, as(loadEvent(t, "api-replace-signee"), "kari")); resp.StatusCode != http.StatusConflict {
		t.Errorf("replace Ola again: %d %s, want 409", resp.StatusCode, resp.Body)
	}
	// Kari signs; a signature is never replaced.
	if resp := e.do(t, as(loadEvent(t, "api-sign"), "kari")); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign as Kari: %d %s", resp.StatusCode, resp.Body)
	}
	kari := withPath(loadEvent(t, "api-replace-signee"), strings.Replace(loadEvent(t, "api-replace-signee").RawPath, "p-775735aa3661a2e57beb46a4", "p-470efb2ec61806d293f3e5c3", 1))
	kari.PathParameters = cloneMap(kari.PathParameters)
	kari.PathParameters["signeeKey"] = "p-470efb2ec61806d293f3e5c3"
	if resp := e.do(t, as(withBody(kari, `{"organisationNumber":"312847612"}`), "kari")); resp.StatusCode != http.StatusConflict {
		t.Errorf("replace Kari, who signed: %d %s, want 409", resp.StatusCode, resp.Body)
	}
}

// The owner reads the audit trail (paged), the evidence and a verification;
// a signee may not (403); every answer matches the OpenAPI document
// (e.do checks it).
func TestHandler_evidence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if resp := e.do(t, as(loadEvent(t, "api-sign"), "kari")); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign as Kari: %d %s", resp.StatusCode, resp.Body)
	}
	for _, name := range []string{"api-audit", "api-events", "api-evidence", "api-verify"} {
		if resp := e.do(t, as(loadEvent(t, name), "ola")); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s by a signee: %d %s, want 403", name, resp.StatusCode, resp.Body)
		}
		if resp := e.do(t, as(loadEvent(t, name), "kari")); resp.StatusCode != http.StatusOK {
			t.Errorf("%s by the owner: %d %s, want 200", name, resp.StatusCode, resp.Body)
		}
	}
	page := e.do(t, as(withQuery(loadEvent(t, "api-audit"), "taskId=SigningTask&limit=2"), "kari"))
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `"next":"`) {
		t.Errorf("audit page of 2: %d %s, want a next token", page.StatusCode, page.Body)
	}
	if resp := e.do(t, as(withQuery(loadEvent(t, "api-audit"), "taskId=SigningTask&limit=0"), "kari")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, `"limit"`) {
		t.Errorf("audit limit 0: %d %s, want 400 naming limit", resp.StatusCode, resp.Body)
	}
	v := e.do(t, as(loadEvent(t, "api-verify"), "kari"))
	if !strings.Contains(v.Body, `"intact":true`) {
		t.Errorf("verify: %s, want intact", v.Body)
	}
}

// The app's service owner has the task's events put on the bus again with
// their ids (all, or those named); an id the task lacks is 400 naming ids,
// with nothing put; no person may, the instance owner included (403: the
// subscribers are the service owner's); a bus that fails is 503.
func TestHandler_replayEvents(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	bus := cfg.Bus.(*recordingBus)
	e := newEnvWith(t, cfg)
	list := e.do(t, as(loadEvent(t, "api-events"), "kari"))
	var listed struct {
		Events []struct{ ID string } `json:"events"`
	}
	if err := json.Unmarshal([]byte(list.Body), &listed); err != nil || len(listed.Events) < 2 {
		t.Fatalf("events: %s", list.Body)
	}
	for _, who := range []string{"ola", "kari", "app-read-scope"} {
		if resp := e.do(t, as(loadEvent(t, "api-replay-events"), who)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("replay by %s: %d %s, want 403", who, resp.StatusCode, resp.Body)
		}
	}
	if len(bus.got) != 0 {
		t.Fatalf("refused replays put %d events", len(bus.got))
	}
	if resp := e.do(t, as(loadEvent(t, "api-replay-events"), "app")); resp.StatusCode != http.StatusOK {
		t.Fatalf("replay all: %d %s", resp.StatusCode, resp.Body)
	}
	if len(bus.got) != len(listed.Events) || bus.got[0].ID != listed.Events[0].ID {
		t.Errorf("put %d events, want the %d listed, same ids", len(bus.got), len(listed.Events))
	}
	one := listed.Events[1].ID
	if resp := e.do(t, as(withBody(loadEvent(t, "api-replay-events"), `{"ids":["`+one+`"]}`), "app")); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, one) {
		t.Errorf("replay one: %d %s", resp.StatusCode, resp.Body)
	}
	if n := len(bus.got); n != len(listed.Events)+1 || bus.got[n-1].ID != one {
		t.Errorf("after replaying one: %d events put, want %d ending with %s", n, len(listed.Events)+1, one)
	}
	before := len(bus.got)
	if resp := e.do(t, as(withBody(loadEvent(t, "api-replay-events"), `{"ids":["`+one+`","nope"]}`), "app")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, `"ids"`) || !strings.Contains(resp.Body, "nope") {
		t.Errorf("replay an unknown id: %d %s, want 400 naming ids", resp.StatusCode, resp.Body)
	}
	if len(bus.got) != before {
		t.Errorf("an unknown id put %d events, want none", len(bus.got)-before)
	}
	bus.mu.Lock()
	bus.fail = errors.New("InternalFailure")
	bus.mu.Unlock()
	if resp := e.do(t, as(loadEvent(t, "api-replay-events"), "app")); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("replay with the bus down: %d %s, want 503", resp.StatusCode, resp.Body)
	}
}

// The app's service owner (a token with urn:altinn:org of the app's org
// and no person) reads the task's record, its state, and has events
// replayed; another org's token may not (403); a person's action with it
// is 401 (it names no person).
func TestHandler_appReadsRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, name := range []string{"api-audit", "api-events", "api-evidence", "api-verify", "api-replay-events", "api-signing-state", "api-data-elements", "api-validate"} {
		if resp := e.do(t, as(loadEvent(t, name), "app")); resp.StatusCode != http.StatusOK {
			t.Errorf("%s by the app's service owner: %d %s, want 200", name, resp.StatusCode, resp.Body)
		}
		if resp := e.do(t, as(loadEvent(t, name), "other-app")); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s by another service owner: %d %s, want 403", name, resp.StatusCode, resp.Body)
		}
	}
	// A service-owner token without an instance scope reads nothing
	// (app-lib and Storage count only those as instance scopes).
	for _, name := range []string{"api-audit", "api-events", "api-signing-state"} {
		if resp := e.do(t, as(loadEvent(t, name), "app-no-scope")); resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, ScopeInstancesRead) {
			t.Errorf("%s by a service owner without an instance scope: %d %s, want 403 naming the scope", name, resp.StatusCode, resp.Body)
		}
		if resp := e.do(t, as(loadEvent(t, name), "app-read-scope")); resp.StatusCode != http.StatusOK {
			t.Errorf("%s by a service owner with the read scope: %d %s, want 200", name, resp.StatusCode, resp.Body)
		}
		if resp := e.do(t, as(loadEvent(t, name), "app-altinn-scope")); resp.StatusCode != http.StatusOK {
			t.Errorf("%s by a service owner whose scopes are in urn:altinn:scope: %d %s, want 200", name, resp.StatusCode, resp.Body)
		}
	}
	for _, name := range []string{"api-sign", "api-reject", "api-reject-with-reason", "api-cancel", "api-deadline", "api-replace-signee", "api-organizations", "api-signing-requests", "api-process-next"} {
		if resp := e.do(t, as(loadEvent(t, name), "app")); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s by the app's service owner: %d %s, want 401 (no person)", name, resp.StatusCode, resp.Body)
		}
	}
}

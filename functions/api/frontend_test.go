package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/frontendcontract"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// frontendCall is one call as Altinn's app frontend makes it: no taskId
// except where its route has one, language on actions and process/next.
func frontendCall(t *testing.T, event, who, query, body string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev := withQuery(as(loadEvent(t, event), who), query)
	if body != "" {
		ev = withBody(ev, body)
	} else {
		ev.Body = ""
	}
	return ev
}

// checkFrontend fails the test unless the answer has status want and a
// body the frontend's schema accepts.
func checkFrontend(t *testing.T, resp events.APIGatewayV2HTTPResponse, want int, schema string) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, want, resp.Body)
	}
	if err := frontendcontract.Check(schema, []byte(resp.Body)); err != nil {
		t.Errorf("%v\nbody: %s", err, resp.Body)
	}
}

// TestFrontend_callSequence runs the app frontend's signing step as it
// calls the API (app-frontend-react SigneeList, SigningDocumentList,
// SigningActions): list, documents, organisations, validation, a refused
// submit, sign, sign on behalf, submit. No call names the task.
func TestFrontend_callSequence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	resp := e.do(t, frontendCall(t, "api-signing-state", "kari", "", ""))
	checkFrontend(t, resp, http.StatusOK, frontendcontract.SigneeList)

	resp = e.do(t, frontendCall(t, "api-data-elements", "kari", "", ""))
	checkFrontend(t, resp, http.StatusOK, frontendcontract.SigningDocuments)
	var docs struct {
		DataElements []struct {
			ID        string                `json:"id"`
			SelfLinks struct{ Apps string } `json:"selfLinks"`
		} `json:"dataElements"`
	}
	decode(t, resp, &docs)
	if len(docs.DataElements) == 0 {
		t.Fatal("no documents to sign")
	}
	wantLink := "https://k7q2m9x4ab.execute-api.eu-north-1.amazonaws.com/ttd/founders/instances/50001/" +
		signingtest.FoundersInstance.InstanceGUID + "/data/" + docs.DataElements[0].ID
	if got := docs.DataElements[0].SelfLinks.Apps; got != wantLink {
		t.Errorf("selfLinks.apps = %q, want %q (the reference's SelfLinkHelper)", got, wantLink)
	}

	resp = e.do(t, frontendCall(t, "api-organizations", "kari", "", ""))
	checkFrontend(t, resp, http.StatusOK, frontendcontract.AuthorizedOrganizations)
	if !strings.Contains(resp.Body, signingtest.CompanyOrg) {
		t.Errorf("organizations = %s, want the company Kari holds a key role in", resp.Body)
	}

	resp = e.do(t, frontendCall(t, "api-validate", "kari", "language=en", ""))
	checkFrontend(t, resp, http.StatusOK, frontendcontract.ValidationIssues)
	if !strings.Contains(resp.Body, `"code":"MissingSignatures"`) || !strings.Contains(resp.Body, "Required signatures are missing.") {
		t.Errorf("validate before signing = %s, want MissingSignatures in English", resp.Body)
	}

	// Submit too early: 409 with the validation issues the frontend shows.
	resp = e.do(t, frontendCall(t, "api-process-next", "kari", "language=nn", "null"))
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("early submit = %d %s, want 409", resp.StatusCode, resp.Body)
	}
	var refused struct {
		ValidationIssues json.RawMessage `json:"validationIssues"`
	}
	decode(t, resp, &refused)
	if err := frontendcontract.Check(frontendcontract.ValidationIssues, refused.ValidationIssues); err != nil || !strings.Contains(string(refused.ValidationIssues), "Det manglar påkravde signaturar.") {
		t.Errorf("early submit's validationIssues = %s (%v), want MissingSignatures in nynorsk", refused.ValidationIssues, err)
	}

	for _, c := range []struct{ who, body string }{
		{"kari", `{"action":"sign"}`},
		{"kari", `{"action":"sign","onBehalfOf":"` + signingtest.CompanyOrg + `"}`},
		{"ola", `{"action":"sign"}`},
	} {
		resp = e.do(t, frontendCall(t, "api-sign", c.who, "language=nb", c.body))
		checkFrontend(t, resp, http.StatusOK, frontendcontract.UserActionResponse)
	}

	resp = e.do(t, frontendCall(t, "api-validate", "ola", "language=nb", ""))
	checkFrontend(t, resp, http.StatusOK, frontendcontract.ValidationIssues)
	if resp.Body != "[]" {
		t.Errorf("validate after signing = %s, want []", resp.Body)
	}
	resp = e.do(t, frontendCall(t, "api-signing-state", "ola", "", ""))
	checkFrontend(t, resp, http.StatusOK, frontendcontract.SigneeList)
	if strings.Contains(resp.Body, `"signedTime":null`) {
		t.Errorf("signing state after signing = %s, want every signee signed", resp.Body)
	}

	// The frontend's submit: PUT with a null body.
	resp = e.do(t, frontendCall(t, "api-process-next", "kari", "language=nb", "null"))
	checkFrontend(t, resp, http.StatusOK, frontendcontract.ProcessState)
	var state struct {
		CurrentTask struct {
			ElementID string `json:"elementId"`
		} `json:"currentTask"`
		Task struct{ Status string } `json:"task"`
	}
	decode(t, resp, &state)
	if state.CurrentTask.ElementID != "SigningTask" || state.Task.Status != "completed" {
		t.Errorf("submit answered %s, want the process in SigningTask and the task completed", resp.Body)
	}
}

// TestFrontend_pendingDelegation pins what a signee whose delegation is
// still under way reports: delegationSuccessful true (the frontend's
// "waiting"), so the owner never sees the frontend's delegation-failed
// error for a delegation that has not failed; false only for a delegation
// that failed for good.
func TestFrontend_pendingDelegation(t *testing.T) {
	t.Parallel()
	h := signingtest.New(t)
	started := h.Start(t)
	handler := NewHandler(h.Svc, testConfig(), slog.New(slog.DiscardHandler))
	states := func() []struct {
		DelegationSuccessful bool   `json:"delegationSuccessful"`
		Status               string `json:"status"`
	} {
		t.Helper()
		resp, err := handler.Handle(context.Background(), frontendCall(t, "api-signing-state", "kari", "", ""))
		if err != nil {
			t.Fatal(err)
		}
		checkFrontend(t, resp, http.StatusOK, frontendcontract.SigneeList)
		var out struct {
			SigneeStates []struct {
				DelegationSuccessful bool   `json:"delegationSuccessful"`
				Status               string `json:"status"`
			} `json:"signeeStates"`
		}
		decode(t, resp, &out)
		return out.SigneeStates
	}
	got := states()
	if len(got) != len(started.Signees) {
		t.Fatalf("%d signees, want %d", len(got), len(started.Signees))
	}
	for i, s := range got {
		if !s.DelegationSuccessful || s.Status != "resolved" {
			t.Errorf("signee %d before delegation: delegationSuccessful %v, status %q; want true, resolved", i, s.DelegationSuccessful, s.Status)
		}
	}

	// Access management refuses every delegation for good: each fails.
	if err := h.Emu.InjectFault(emulator.Fault{Operation: emulator.OpDelegate, Status: http.StatusBadRequest}); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, sk := range started.Signees {
		sg, err := h.Svc.Delegate(context.Background(), signingtest.FoundersTask, sk)
		if err != nil {
			t.Fatal(err)
		}
		if sg.FailedStep == "delegate" {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("no delegation failed; the test cannot tell false from true")
	}
	falses := 0
	for _, s := range states() {
		if !s.DelegationSuccessful {
			falses++
			if s.Status != "failed" {
				t.Errorf("delegationSuccessful false with status %q, want failed", s.Status)
			}
		}
	}
	if falses != failed {
		t.Errorf("%d signees report delegationSuccessful false, want the %d whose delegation failed", falses, failed)
	}
}

// TestFrontend_waitsForTheStart: the frontend's first call may come while
// the workflow is still starting the task Storage shows as current. The
// answer waits for the start instead of failing, and gives up with 503 and
// Retry-After (never 404) when the start takes too long.
func TestFrontend_waitsForTheStart(t *testing.T) {
	t.Parallel()
	t.Run("started_meanwhile", func(t *testing.T) {
		t.Parallel()
		h := signingtest.New(t)
		handler := NewHandler(h.Svc, testConfig(), slog.New(slog.DiscardHandler))
		startErr := make(chan error, 1)
		go func() {
			time.Sleep(300 * time.Millisecond)
			_, err := h.Svc.Start(context.Background(), signing.StartInput{Instance: signingtest.FoundersInstance, TaskID: "SigningTask", Config: h.Cfg})
			startErr <- err
		}()
		resp, err := handler.Handle(context.Background(), frontendCall(t, "api-signing-state", "kari", "", ""))
		if err != nil {
			t.Fatal(err)
		}
		if err := <-startErr; err != nil {
			t.Fatal(err)
		}
		checkFrontend(t, resp, http.StatusOK, frontendcontract.SigneeList)
		if !strings.Contains(resp.Body, `"partyId"`) {
			t.Errorf("signing state = %s, want the signees of the started task", resp.Body)
		}
	})
	t.Run("not_started", func(t *testing.T) {
		t.Parallel()
		h := signingtest.New(t)
		handler := NewHandler(h.Svc, testConfig(), slog.New(slog.DiscardHandler))
		handler.startWait = 400 * time.Millisecond
		resp, err := handler.Handle(context.Background(), frontendCall(t, "api-signing-state", "kari", "", ""))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Headers["Retry-After"] == "" {
			t.Errorf("answer = %d (Retry-After %q) %s, want 503 with Retry-After", resp.StatusCode, resp.Headers["Retry-After"], resp.Body)
		}
	})
	t.Run("taskId_given_is_not_waited_for", func(t *testing.T) {
		t.Parallel()
		h := signingtest.New(t)
		handler := NewHandler(h.Svc, testConfig(), slog.New(slog.DiscardHandler))
		resp, err := handler.Handle(context.Background(), frontendCall(t, "api-signing-state", "kari", "taskId=SigningTask", ""))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("answer = %d %s, want 404 at once", resp.StatusCode, resp.Body)
		}
	})
}

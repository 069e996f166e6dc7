package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// signatureBody is the part of a sign answer the tests look at.
type signatureBody struct {
	TaskID     string    `json:"taskId"`
	SigneeKey  string    `json:"signeeKey"`
	SignedTime time.Time `json:"signedTime"`
	OnBehalfOf string    `json:"onBehalfOf"`
	Signer     struct {
		MaskedID string `json:"maskedId"`
	} `json:"signer"`
	DataElementSignatures []struct {
		DataElementID string `json:"dataElementId"`
		DataType      string `json:"dataType"`
		SHA256Hash    string `json:"sha256Hash"`
		Signed        bool   `json:"signed"`
	} `json:"dataElementSignatures"`
}

type actionBody struct {
	Instance struct {
		ID    string `json:"id"`
		AppID string `json:"appId"`
	} `json:"instance"`
	Signature *signatureBody `json:"signature"`
	Task      *taskSummary   `json:"task"`
}

type processNextBody struct {
	Action    string         `json:"action"`
	Task      taskSummary    `json:"task"`
	Signature *signatureBody `json:"signature"`
}

// checkSignature checks a signature answer against the stored one and the stored document.
func checkSignature(t *testing.T, e *env, got *signatureBody, wantMasked, wantOrg string) {
	t.Helper()
	if got == nil {
		t.Fatal("the answer has no signature")
	}
	if got.Signer.MaskedID != wantMasked || got.OnBehalfOf != wantOrg || got.TaskID != "SigningTask" {
		t.Errorf("signature = %+v, want masked %s for %q", got, wantMasked, wantOrg)
	}
	stored, err := e.h.Repo.GetSignature(context.Background(), signingtest.FoundersTask, signing.SigneeKey(got.SigneeKey))
	if err != nil {
		t.Fatalf("the answered signature is not stored: %v", err)
	}
	if !stored.SignedAt.Equal(got.SignedTime) {
		t.Errorf("signedTime = %v, stored %v", got.SignedTime, stored.SignedAt)
	}
	if len(got.DataElementSignatures) != 1 {
		t.Fatalf("dataElementSignatures = %+v, want the founding documents", got.DataElementSignatures)
	}
	d := got.DataElementSignatures[0]
	for _, el := range e.h.Emu.Data() {
		if el.ID == d.DataElementID {
			sum := sha256.Sum256(el.Bytes)
			if want := hex.EncodeToString(sum[:]); d.SHA256Hash != want || d.DataType != "ref-data-as-pdf" || !d.Signed {
				t.Errorf("digest = %+v, want sha256 %s of ref-data-as-pdf", d, want)
			}
			return
		}
	}
	t.Errorf("the signed data element %s is not in storage", d.DataElementID)
}

func TestHandler_Handle_routes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event func(t *testing.T) events.APIGatewayV2HTTPRequest
		setup func(t *testing.T, e *env)
		check func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse)
	}{
		{
			name:  "actions_sign",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return loadEvent(t, "api-sign") },
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got actionBody
				decode(t, resp, &got)
				if got.Instance.ID != "50001/"+signingtest.FoundersInstance.InstanceGUID || got.Instance.AppID != "ttd/founders" {
					t.Errorf("instance = %+v", got.Instance)
				}
				checkSignature(t, e, got.Signature, "029190*****", "")
			},
		},
		{
			name:  "actions_sign_on_behalf_of",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return loadEvent(t, "api-sign-on-behalf-of") },
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got actionBody
				decode(t, resp, &got)
				checkSignature(t, e, got.Signature, "158385*****", companyOrg)
			},
		},
		{
			name:  "actions_reject",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return loadEvent(t, "api-reject") },
			setup: func(t *testing.T, e *env) {
				if err := e.h.Repo.RegisterWait(context.Background(), signingtest.FoundersTask, "wait-token"); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got actionBody
				decode(t, resp, &got)
				if got.Task == nil || got.Task.Status != signing.TaskRejected || got.Signature != nil {
					t.Errorf("answer = %s, want the rejected task", resp.Body)
				}
				if task, _ := e.h.Repo.GetTask(context.Background(), signingtest.FoundersTask); task.Status != signing.TaskRejected {
					t.Errorf("task status = %s, want rejected", task.Status)
				}
				if e.h.Workflow.Failed["wait-token"] != signing.ErrorRejected {
					t.Errorf("the workflow's wait was not failed: %v", e.h.Workflow.Failed)
				}
			},
		},
		{
			name:  "process_next_completes",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return loadEvent(t, "api-process-next") },
			setup: func(t *testing.T, e *env) {
				e.signAll(t)
				if err := e.h.Repo.RegisterCompletionWait(context.Background(), signingtest.FoundersTask, "completion-token"); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got processNextBody
				decode(t, resp, &got)
				if got.Action != "complete" || got.Task.Status != signing.TaskCompleted {
					t.Errorf("answer = %s, want the completed task", resp.Body)
				}
				if task, _ := e.h.Repo.GetTask(context.Background(), signingtest.FoundersTask); task.Status != signing.TaskCompleted {
					t.Errorf("task status = %s, want completed", task.Status)
				}
				if len(e.h.Workflow.Resumed) != 1 || e.h.Workflow.Resumed[0] != "completion-token" {
					t.Errorf("resumed = %v, want the completion wait", e.h.Workflow.Resumed)
				}
			},
		},
		{
			name: "process_next_completes_with_empty_object",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest {
				return withBody(loadEvent(t, "api-process-next"), `{"action":null}`)
			},
			setup: func(t *testing.T, e *env) { e.signAll(t) },
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got processNextBody
				decode(t, resp, &got)
				if got.Action != "complete" {
					t.Errorf("answer = %s, want complete", resp.Body)
				}
			},
		},
		{
			name: "process_next_signs",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest {
				return as(withBody(loadEvent(t, "api-process-next"), `{"action":"sign"}`), "ola")
			},
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got processNextBody
				decode(t, resp, &got)
				if got.Action != "sign" || got.Task.Status != signing.TaskCollecting {
					t.Errorf("answer = %s", resp.Body)
				}
				checkSignature(t, e, got.Signature, "029190*****", "")
			},
		},
		{
			name: "process_next_signs_on_behalf_of",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest {
				return withBody(loadEvent(t, "api-process-next"), `{"action":"sign","actionOnBehalfOf":"312 847 612"}`)
			},
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got processNextBody
				decode(t, resp, &got)
				checkSignature(t, e, got.Signature, "158385*****", companyOrg)
			},
		},
		{
			name: "process_next_rejects",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest {
				return withBody(loadEvent(t, "api-process-next"), `{"action":"reject"}`)
			},
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got processNextBody
				decode(t, resp, &got)
				if got.Action != "reject" || got.Task.Status != signing.TaskRejected {
					t.Errorf("answer = %s", resp.Body)
				}
				if task, _ := e.h.Repo.GetTask(context.Background(), signingtest.FoundersTask); task.Status != signing.TaskRejected {
					t.Errorf("task status = %s, want rejected", task.Status)
				}
			},
		},
		{
			name:  "signing_state",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return loadEvent(t, "api-signing-state") },
			setup: func(t *testing.T, e *env) {
				if _, err := e.h.Svc.Sign(context.Background(), signing.SignInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t), OnBehalfOf: companyOrg}); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, _ *env, resp events.APIGatewayV2HTTPResponse) {
				var got signingStateResponse
				decode(t, resp, &got)
				if len(got.SigneeStates) != 3 {
					t.Fatalf("signeeStates = %s, want 3", resp.Body)
				}
				company := got.SigneeStates[2]
				if company.Organization == nil || *company.Organization != "Eksempel Holding AS" || company.SignedTime == nil || company.Name == nil || *company.Name != "Kari Nordmann" {
					t.Errorf("company = %+v, want signed by Kari", company)
				}
				for _, st := range got.SigneeStates[:2] {
					if st.Name == nil || !st.DelegationSuccessful || st.NotificationStatus != "Sent" || st.SignedTime != nil {
						t.Errorf("person = %+v", st)
					}
				}
			},
		},
		{
			name:  "data_elements",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return loadEvent(t, "api-data-elements") },
			check: func(t *testing.T, _ *env, resp events.APIGatewayV2HTTPResponse) {
				var got dataElementsResponse
				decode(t, resp, &got)
				if len(got.DataElements) != 1 || got.DataElements[0].DataType != "ref-data-as-pdf" || got.DataElements[0].Filename != "Stiftelsesdokumenter.pdf" {
					t.Errorf("dataElements = %s, want the founding documents", resp.Body)
				}
			},
		},
		{
			name:  "organizations_for_kari",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return loadEvent(t, "api-organizations") },
			check: func(t *testing.T, _ *env, resp events.APIGatewayV2HTTPResponse) {
				var got organizationsResponse
				decode(t, resp, &got)
				want := signing.AuthorizedOrganisation{OrgNumber: companyOrg, OrgName: "Eksempel Holding AS", PartyID: 50003}
				if len(got.Organizations) != 1 || got.Organizations[0] != want {
					t.Errorf("organizations = %s, want %+v", resp.Body, want)
				}
			},
		},
		{
			name:  "organizations_for_ola",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return as(loadEvent(t, "api-organizations"), "ola") },
			check: func(t *testing.T, _ *env, resp events.APIGatewayV2HTTPResponse) {
				if resp.Body != `{"organizations":[]}` {
					t.Errorf("body = %s, want no organisations", resp.Body)
				}
			},
		},
		{
			name:  "signing_requests",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return loadEvent(t, "api-signing-requests") },
			check: func(t *testing.T, _ *env, resp events.APIGatewayV2HTTPResponse) {
				var got signingRequestsResponse
				decode(t, resp, &got)
				if len(got.SigningRequests) != 1 || got.SigningRequests[0].Instance != signingtest.FoundersInstance || got.Next != "" {
					t.Errorf("signing requests = %s, want Ola's one request", resp.Body)
				}
			},
		},
		{
			name: "no_task_id_the_current_task",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest {
				return withQuery(loadEvent(t, "api-signing-state"), "language=nb")
			},
			check: func(t *testing.T, _ *env, resp events.APIGatewayV2HTTPResponse) {
				if !strings.Contains(resp.Body, `"signeeStates":[{`) {
					t.Errorf("body = %s", resp.Body)
				}
			},
		},
		{
			name: "named_stage_and_upper_case_guid",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest {
				ev := withPath(loadEvent(t, "api-data-elements"), "/prod/ttd/founders/instances/50001/1D3C5B7A-9E8F-4A6B-8C2D-4E6F8A0B2C4D/signing/data-elements")
				ev.RequestContext.Stage = "prod"
				return ev
			},
			check: func(t *testing.T, _ *env, resp events.APIGatewayV2HTTPResponse) {
				if !strings.Contains(resp.Body, "ref-data-as-pdf") {
					t.Errorf("body = %s", resp.Body)
				}
			},
		},
		{
			name:  "sign_when_the_workflow_is_unreachable",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return loadEvent(t, "api-sign") },
			setup: func(t *testing.T, e *env) {
				if err := e.h.Repo.RegisterWait(context.Background(), signingtest.FoundersTask, "wait-token"); err != nil {
					t.Fatal(err)
				}
				e.h.Workflow.Err = fmt.Errorf("sfn: send task success: %w", signing.ErrTransient)
			},
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got actionBody
				decode(t, resp, &got)
				checkSignature(t, e, got.Signature, "029190*****", "")
				if !strings.Contains(e.logs.String(), "workflow not woken") {
					t.Errorf("the lost wake-up is not logged:\n%s", e.logs.String())
				}
			},
		},
		{
			name:  "reject_when_the_workflow_is_unreachable",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest { return loadEvent(t, "api-reject") },
			setup: func(t *testing.T, e *env) {
				if err := e.h.Repo.RegisterWait(context.Background(), signingtest.FoundersTask, "wait-token"); err != nil {
					t.Fatal(err)
				}
				e.h.Workflow.Err = fmt.Errorf("sfn: send task failure: %w", signing.ErrTransient)
			},
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				if task, _ := e.h.Repo.GetTask(context.Background(), signingtest.FoundersTask); task.Status != signing.TaskRejected {
					t.Errorf("task status = %s, want rejected", task.Status)
				}
				if !strings.Contains(e.logs.String(), "workflow not told") {
					t.Errorf("the lost failure is not logged:\n%s", e.logs.String())
				}
			},
		},
		{
			name: "altinn_ssn_claim",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest {
				return withClaims(loadEvent(t, "api-sign"), map[string]string{"pid": "", "urn:altinn:ssn": olaID})
			},
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got actionBody
				decode(t, resp, &got)
				checkSignature(t, e, got.Signature, "029190*****", "")
			},
		},
		{
			name: "base64_body",
			event: func(t *testing.T) events.APIGatewayV2HTTPRequest {
				ev := loadEvent(t, "api-sign")
				ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(ev.Body)), true
				return ev
			},
			check: func(t *testing.T, e *env, resp events.APIGatewayV2HTTPResponse) {
				var got actionBody
				decode(t, resp, &got)
				checkSignature(t, e, got.Signature, "029190*****", "")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			e := newEnvWith(t, cfg)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			resp := e.do(t, tt.event(t))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, resp.Body)
			}
			tt.check(t, e, resp)
		})
	}
}

func TestHandler_Handle_signingRequestsPaginate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	second := signingtest.FoundersTask
	second.TaskID = "SigningTask2"
	e.h.AllowDelegation(t, second.TaskID)
	started, err := e.h.Svc.Start(ctx, signing.StartInput{Instance: signingtest.FoundersInstance, TaskID: second.TaskID, Config: e.h.Cfg})
	if err != nil {
		t.Fatal(err)
	}
	for _, sk := range started.Signees {
		if _, err := e.h.Svc.Delegate(ctx, second, sk); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	query := "limit=1"
	for page := 0; page < 5; page++ {
		resp := e.do(t, withQuery(loadEvent(t, "api-signing-requests"), query))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status = %d: %s", resp.StatusCode, resp.Body)
		}
		var body signingRequestsResponse
		decode(t, resp, &body)
		if len(body.SigningRequests) != 1 {
			t.Fatalf("page %d = %s, want one request", page, resp.Body)
		}
		got = append(got, body.SigningRequests[0].TaskID)
		if body.Next == "" {
			break
		}
		query = "limit=1&next=" + body.Next
	}
	if want := []string{"SigningTask", "SigningTask2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
}

func TestHandler_Handle_problems(t *testing.T) {
	t.Parallel()
	fault := func(op string, status, retryAfter int) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			if err := e.h.Emu.InjectFault(emulator.Fault{Operation: op, Status: status, RetryAfterSeconds: retryAfter}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ev := func(name string, change ...func(events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest) func(t *testing.T) events.APIGatewayV2HTTPRequest {
		return func(t *testing.T) events.APIGatewayV2HTTPRequest {
			e := loadEvent(t, name)
			for _, c := range change {
				e = c(e)
			}
			return e
		}
	}
	body := func(b string) func(events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
		return func(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest { return withBody(e, b) }
	}
	claims := func(c map[string]string) func(events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
		return func(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest { return withClaims(e, c) }
	}
	person := func(who string) func(events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
		return func(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest { return as(e, who) }
	}
	path := func(p string) func(events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
		return func(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest { return withPath(e, p) }
	}
	query := func(q string) func(events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
		return func(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest { return withQuery(e, q) }
	}
	header := func(k, v string) func(events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
		return func(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
			e.Headers = cloneMap(e.Headers)
			if v == "" {
				delete(e.Headers, k)
			} else {
				e.Headers[k] = v
			}
			return e
		}
	}
	method := func(m string) func(events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
		return func(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
			e.RequestContext.HTTP.Method = m
			return e
		}
	}
	signAs := func(who func(*testing.T) signing.Caller, org string) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			if _, err := e.h.Svc.Sign(context.Background(), signing.SignInput{Task: signingtest.FoundersTask, Caller: who(t), OnBehalfOf: org}); err != nil {
				t.Fatal(err)
			}
		}
	}
	closeAs := func(status signing.TaskStatus) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			if _, err := e.h.Repo.Close(context.Background(), signingtest.FoundersTask, status, e.h.Clock.Now(), "system", "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	moveProcess := func(task, taskType string) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			if !e.h.Emu.SetCurrentTask(signingtest.FoundersInstance.PartyID, signingtest.FoundersInstance.InstanceGUID, task, taskType) {
				t.Fatal("SetCurrentTask() = false")
			}
		}
	}
	repoErr := func(err error) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) { e.h.Repo.Err = func(string) error { return err } }
	}
	tests := []struct {
		name   string
		config func(*Config)
		setup  func(t *testing.T, e *env)
		event  func(t *testing.T) events.APIGatewayV2HTTPRequest
		// wantStatus, wantType and (for 400) wantField describe the problem.
		wantStatus int
		wantType   ProblemType
		wantField  string
		// wantRetryAfter is the Retry-After of a 503.
		wantRetryAfter string
	}{
		// 401
		{name: "no_token", event: ev("api-sign-no-token"), wantType: ProblemUnauthenticated},
		{name: "no_national_id_claim", event: ev("api-sign", claims(map[string]string{"pid": ""})), wantType: ProblemUnauthenticated},
		// The reference answers organisations 401 for a caller who is not a platform user.
		{name: "organizations_without_user_id", event: ev("api-organizations", claims(map[string]string{"urn:altinn:userid": ""})), wantType: ProblemUnauthenticated},
		{name: "national_id_with_bad_control_digits", event: ev("api-sign", claims(map[string]string{"pid": "15838523429"})), wantType: ProblemUnauthenticated},
		{name: "synthetic_id_where_not_allowed", config: func(c *Config) { c.AllowSyntheticIDs = false }, event: ev("api-sign"), wantType: ProblemUnauthenticated},
		{name: "national_id_claims_disagree", event: ev("api-sign", claims(map[string]string{"urn:altinn:ssn": kariID})), wantType: ProblemUnauthenticated},
		{name: "malformed_party_uuid_claim", event: ev("api-sign", claims(map[string]string{"urn:altinn:party:uuid": "not-a-uuid"})), wantType: ProblemUnauthenticated},
		{name: "malformed_party_id_claim", event: ev("api-sign", claims(map[string]string{"urn:altinn:partyid": "-1"})), wantType: ProblemUnauthenticated},
		{name: "malformed_user_id_claim", event: ev("api-sign", claims(map[string]string{"urn:altinn:userid": "abc"})), wantType: ProblemUnauthenticated},
		{name: "signing_requests_without_token", event: ev("api-signing-requests", func(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
			e = withoutToken(e)
			return e
		}), wantType: ProblemUnauthenticated},
		// 403
		{name: "stranger_signs", event: ev("api-sign", person("stranger")), wantType: ProblemForbidden},
		{name: "stranger_reads_state", event: ev("api-signing-state", person("stranger")), wantType: ProblemForbidden},
		{name: "stranger_reads_data_elements", event: ev("api-data-elements", person("stranger")), wantType: ProblemForbidden},
		{name: "stranger_reads_organizations", event: ev("api-organizations", person("stranger")), wantType: ProblemForbidden},
		{name: "ola_signs_for_the_company", event: ev("api-sign-on-behalf-of", person("ola")), wantType: ProblemForbidden},
		{name: "kari_signs_for_an_organisation_not_asked", event: ev("api-sign", person("kari"), body(`{"action":"sign","onBehalfOf":"974760673"}`)), wantType: ProblemForbidden},
		{name: "ola_rejects", event: ev("api-reject", person("ola")), wantType: ProblemForbidden},
		{name: "ola_completes", setup: func(t *testing.T, e *env) { e.signAll(t) }, event: ev("api-process-next", person("ola")), wantType: ProblemForbidden},
		{name: "owner_without_party_uuid_claim_completes", setup: func(t *testing.T, e *env) { e.signAll(t) }, event: ev("api-process-next", claims(map[string]string{"urn:altinn:party:uuid": ""})), wantType: ProblemForbidden},
		// 404
		{name: "unknown_task", event: ev("api-sign", query("taskId=OtherTask")), wantType: ProblemNotFound},
		{name: "unknown_task_on_read", event: ev("api-signing-state", query("taskId=OtherTask")), wantType: ProblemNotFound},
		{name: "tampered_party_id", event: ev("api-sign", path("/ttd/founders/instances/50002/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions")), wantType: ProblemNotFound},
		{name: "tampered_app", event: ev("api-signing-state", path("/ttd/other-app/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/signing")), wantType: ProblemNotFound},
		{name: "unknown_instance", event: ev("api-sign", path("/ttd/founders/instances/50001/00000000-0000-4000-8000-000000000000/actions")), wantType: ProblemNotFound},
		{name: "unknown_route", event: ev("api-signing-requests", path("/signing-requests/mine")), wantType: ProblemNotFound},
		// 405
		{name: "wrong_method", event: ev("api-sign", method("DELETE")), wantType: ProblemMethodNotAllowed},
		// 409
		{name: "second_signature", setup: signAs(signingtest.Ola, ""), event: ev("api-sign"), wantType: ProblemConflict},
		{name: "second_signature_for_the_company", setup: signAs(signingtest.Kari, companyOrg), event: ev("api-sign-on-behalf-of"), wantType: ProblemConflict},
		{name: "sign_after_reject", setup: closeAs(signing.TaskRejected), event: ev("api-sign"), wantType: ProblemTaskRejected},
		{name: "sign_after_expiry", setup: closeAs(signing.TaskExpired), event: ev("api-sign"), wantType: ProblemTaskExpired},
		{name: "sign_after_completion", setup: func(t *testing.T, e *env) {
			e.signAll(t)
			if _, err := e.h.Svc.Complete(context.Background(), signing.CompleteInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
				t.Fatal(err)
			}
		}, event: ev("api-sign"), wantType: ProblemTaskClosed},
		{name: "reject_after_reject", setup: closeAs(signing.TaskRejected), event: ev("api-reject"), wantType: ProblemTaskRejected},
		{name: "complete_before_everyone_signed", setup: signAs(signingtest.Ola, ""), event: ev("api-process-next"), wantType: ProblemMissingSignatures},
		{name: "process_next_sign_after_reject", setup: closeAs(signing.TaskRejected), event: ev("api-process-next", person("ola"), body(`{"action":"sign"}`)), wantType: ProblemTaskRejected},
		// 400: path and query
		{name: "bad_guid", event: ev("api-sign-bad-guid"), wantType: ProblemInvalidRequest, wantField: "instanceGuid"},
		{name: "bad_party_id", event: ev("api-sign", path("/ttd/founders/instances/abc/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions")), wantType: ProblemInvalidRequest, wantField: "instanceOwnerPartyId"},
		{name: "party_id_beyond_32_bits", event: ev("api-sign", path("/ttd/founders/instances/19283746501/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions")), wantType: ProblemInvalidRequest, wantField: "instanceOwnerPartyId"},
		{name: "bad_org", event: ev("api-signing-state", path("/TTD/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/signing")), wantType: ProblemInvalidRequest, wantField: "org"},
		{name: "bad_app_encoding", event: ev("api-signing-state", path("/ttd/found%20ers/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/signing")), wantType: ProblemInvalidRequest, wantField: "app"},
		{name: "no_task_id_current_task_not_signing", setup: moveProcess("Task_1", "data"), event: ev("api-sign", query("language=nb")), wantType: ProblemNotSigningTask},
		{name: "no_task_id_process_ended", setup: moveProcess("", ""), event: ev("api-signing-state", query("language=nb")), wantType: ProblemNotSigningTask},
		{name: "bad_task_id", event: ev("api-data-elements", query("taskId=1-not-a-task")), wantType: ProblemInvalidRequest, wantField: "taskId"},
		{name: "task_id_twice", event: ev("api-signing-state", query("taskId=SigningTask&taskId=Other")), wantType: ProblemInvalidRequest, wantField: "taskId"},
		{name: "bad_language", event: ev("api-organizations", query("taskId=SigningTask&language=n%20b")), wantType: ProblemInvalidRequest, wantField: "language"},
		{name: "bad_query_string", event: ev("api-signing-state", query("taskId=%zz")), wantType: ProblemInvalidRequest, wantField: "query"},
		{name: "limit_zero", event: ev("api-signing-requests", query("limit=0")), wantType: ProblemInvalidRequest, wantField: "limit"},
		{name: "limit_too_large", event: ev("api-signing-requests", query("limit=101")), wantType: ProblemInvalidRequest, wantField: "limit"},
		{name: "limit_not_a_number", event: ev("api-signing-requests", query("limit=ten")), wantType: ProblemInvalidRequest, wantField: "limit"},
		{name: "next_not_a_token", event: ev("api-signing-requests", query("next=bm90LWEtdG9rZW4")), wantType: ProblemInvalidRequest, wantField: "next"},
		{name: "next_too_long", event: ev("api-signing-requests", query("next="+strings.Repeat("a", 3000))), wantType: ProblemInvalidRequest, wantField: "next"},
		// 400: bodies
		{name: "malformed_body", event: ev("api-sign-malformed-body"), wantType: ProblemMalformedJSON},
		{name: "body_not_an_object", event: ev("api-sign", body(`["sign"]`)), wantType: ProblemMalformedJSON},
		{name: "body_with_trailing_data", event: ev("api-sign", body(`{"action":"sign"} {"action":"reject"}`)), wantType: ProblemMalformedJSON},
		{name: "body_not_utf8", event: ev("api-sign", body("{\"action\":\"sign\",\"buttonId\":\"\xff\"}")), wantType: ProblemMalformedJSON},
		{name: "body_bad_base64", event: ev("api-sign", func(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
			e.Body, e.IsBase64Encoded = "not base64!", true
			return e
		}), wantType: ProblemMalformedJSON},
		{name: "no_body", event: ev("api-sign", body("")), wantType: ProblemInvalidRequest, wantField: "action"},
		{name: "no_action", event: ev("api-sign", body(`{"onBehalfOf":"312847612"}`)), wantType: ProblemInvalidRequest, wantField: "action"},
		{name: "null_body", event: ev("api-sign", body(`null`)), wantType: ProblemInvalidRequest, wantField: "action"},
		{name: "unknown_action", event: ev("api-sign", body(`{"action":"approve"}`)), wantType: ProblemInvalidRequest, wantField: "action"},
		{name: "action_not_a_string", event: ev("api-sign", body(`{"action":5}`)), wantType: ProblemInvalidRequest, wantField: "action"},
		// encoding/json keeps the last of two names: "reject" then "sign" would sign.
		{name: "action_given_twice", event: ev("api-sign", body(`{"action":"reject","action":"sign"}`)), wantType: ProblemInvalidRequest, wantField: "action"},
		{name: "metadata_key_given_twice", event: ev("api-sign", body(`{"action":"sign","metadata":{"a":"1","a":"2"}}`)), wantType: ProblemInvalidRequest, wantField: "metadata.a"},
		{name: "process_next_action_given_twice", event: ev("api-process-next", body(`{"action":null,"action":"reject"}`)), wantType: ProblemInvalidRequest, wantField: "action"},
		{name: "on_behalf_of_as_a_number", event: ev("api-sign", body(`{"action":"sign","onBehalfOf":312847612}`)), wantType: ProblemInvalidRequest, wantField: "onBehalfOf"},
		{name: "unknown_field", event: ev("api-sign", body(`{"action":"sign","signee":"x"}`)), wantType: ProblemInvalidRequest, wantField: "signee"},
		{name: "metadata_not_strings", event: ev("api-sign", body(`{"action":"sign","metadata":{"a":1}}`)), wantType: ProblemInvalidRequest, wantField: "metadata"},
		{name: "bad_on_behalf_of", event: ev("api-sign", body(`{"action":"sign","onBehalfOf":"12345"}`)), wantType: ProblemInvalidRequest, wantField: "onBehalfOf"},
		{name: "on_behalf_of_with_reject", event: ev("api-reject", body(`{"action":"reject","onBehalfOf":"312847612"}`)), wantType: ProblemInvalidRequest, wantField: "onBehalfOf"},
		{name: "process_next_unknown_action", event: ev("api-process-next", body(`{"action":"confirm"}`)), wantType: ProblemInvalidRequest, wantField: "action"},
		{name: "process_next_bad_on_behalf_of", event: ev("api-process-next", body(`{"action":"sign","actionOnBehalfOf":"31284761"}`)), wantType: ProblemInvalidRequest, wantField: "actionOnBehalfOf"},
		{name: "process_next_on_behalf_of_without_action", event: ev("api-process-next", body(`{"actionOnBehalfOf":"312847612"}`)), wantType: ProblemInvalidRequest, wantField: "actionOnBehalfOf"},
		{name: "process_next_unknown_field", event: ev("api-process-next", body(`{"onBehalfOf":"312847612"}`)), wantType: ProblemInvalidRequest, wantField: "onBehalfOf"},
		// 413, 415
		{name: "body_too_large", event: ev("api-sign", body(`{"action":"sign","buttonId":"`+strings.Repeat("x", MaxBodyBytes)+`"}`)), wantType: ProblemPayloadTooLarge},
		{name: "base64_body_too_large", event: ev("api-sign", func(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
			e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", MaxBodyBytes+1))), true
			return e
		}), wantType: ProblemPayloadTooLarge},
		{name: "text_body", event: ev("api-sign", header("content-type", "text/plain")), wantType: ProblemUnsupportedMediaType},
		{name: "form_body", event: ev("api-sign", header("content-type", "application/x-www-form-urlencoded")), wantType: ProblemUnsupportedMediaType},
		{name: "json_in_latin1", event: ev("api-sign", header("content-type", "application/json; charset=iso-8859-1")), wantType: ProblemUnsupportedMediaType},
		{name: "body_without_content_type", event: ev("api-sign", header("content-type", "")), wantType: ProblemUnsupportedMediaType},
		{name: "process_next_text_body", event: ev("api-process-next", body(`{}`), header("content-type", "text/plain")), wantType: ProblemUnsupportedMediaType},
		// 503, 500
		{name: "storage_unavailable", setup: fault(emulator.OpReadData, http.StatusServiceUnavailable, 7), event: ev("api-sign"), wantType: ProblemUnavailable, wantRetryAfter: "7"},
		{name: "instance_lookup_unavailable", setup: fault(emulator.OpGetInstance, http.StatusBadGateway, 0), event: ev("api-data-elements"), wantType: ProblemUnavailable, wantRetryAfter: "2"},
		{name: "authorization_unavailable", setup: fault(emulator.OpDecide, http.StatusServiceUnavailable, 0), event: ev("api-sign-on-behalf-of"), wantType: ProblemUnavailable, wantRetryAfter: "2"},
		{name: "table_unavailable", setup: repoErr(fmt.Errorf("dynamo: get task: %w", signing.ErrTransient)), event: ev("api-signing-requests"), wantType: ProblemUnavailable, wantRetryAfter: "2"},
		{name: "table_broken", setup: repoErr(errors.New("dynamo: get task: something unexpected")), event: ev("api-sign"), wantType: ProblemInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			if tt.config != nil {
				tt.config(&cfg)
			}
			e := newEnvWith(t, cfg)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			saved := e.h.Repo.Err
			e.h.Repo.Err = nil
			before := e.snapshot(t)
			e.h.Repo.Err = saved

			resp := e.do(t, tt.event(t))

			e.h.Repo.Err = nil
			if after := e.snapshot(t); after != before {
				t.Errorf("a refused request changed the state:\nbefore %+v\nafter  %+v", before, after)
			}
			var got Problem
			decode(t, resp, &got)
			wantStatus := tt.wantType.Status
			if resp.StatusCode != wantStatus || got.Status != wantStatus || got.Type != tt.wantType.URI() || got.Title != tt.wantType.Title || got.Detail == "" {
				t.Fatalf("answer = %d %s, want %d %s", resp.StatusCode, resp.Body, wantStatus, tt.wantType.URI())
			}
			if !strings.HasPrefix(got.Instance, "/") {
				t.Errorf("instance = %q, want the request path", got.Instance)
			}
			if tt.wantField != "" {
				if _, ok := got.Errors[tt.wantField]; !ok || got.Errors[tt.wantField] == "" {
					t.Errorf("errors = %v, want one naming %q", got.Errors, tt.wantField)
				}
			}
			if got := resp.Headers["Retry-After"]; got != tt.wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetryAfter)
			}
			if tt.wantType == ProblemMethodNotAllowed && resp.Headers["Allow"] != "POST" {
				t.Errorf("Allow = %q, want POST", resp.Headers["Allow"])
			}
			if tt.wantType == ProblemInternal {
				if strings.Contains(resp.Body, "dynamo") || !strings.Contains(e.logs.String(), "something unexpected") {
					t.Errorf("a 500 must hide its cause from the client and log it: body %s", resp.Body)
				}
			}
		})
	}
}

func TestHandler_Handle_panic(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	// A Service whose methods panic: the embedded interface is nil.
	h := NewHandler(struct{ Service }{}, testConfig(), slog.New(slog.NewJSONHandler(logs, nil)))
	ev := loadEvent(t, "api-signing-state")
	resp, err := h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	checkResponse(t, ev, resp)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(resp.Body, ProblemInternal.URI()) {
		t.Errorf("answer = %d %s, want 500 internal", resp.StatusCode, resp.Body)
	}
	if got := logs.String(); !strings.Contains(got, `"level":"ERROR"`) || !strings.Contains(got, "panic") {
		t.Errorf("log = %s, want the panic logged as an error", got)
	}
	checkNoSecrets(t, "log", logs.String())
}

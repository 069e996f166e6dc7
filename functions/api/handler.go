package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	sigevents "github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/signing"
)

// Service is what the API needs from the signing domain: signing.API,
// which main wires; *signing.Service (the tests' harness) implements it too.
type Service interface {
	Sign(ctx context.Context, in signing.SignInput) (signing.SignResult, error)
	Reject(ctx context.Context, in signing.RejectInput) (signing.RejectResult, error)
	Complete(ctx context.Context, in signing.CompleteInput) (signing.CompleteResult, error)
	State(ctx context.Context, in signing.ReadInput) ([]signing.SigneeState, error)
	DocumentsToSign(ctx context.Context, in signing.ReadInput) ([]signing.DataElement, error)
	Organisations(ctx context.Context, in signing.ReadInput) ([]signing.AuthorizedOrganisation, error)
	PendingRequests(ctx context.Context, caller signing.Caller, page signing.Page) ([]signing.SigningRequest, string, error)
	CurrentTask(ctx context.Context, ref signing.InstanceRef) (signing.TaskKey, signing.Instance, error)
	ReadInstance(ctx context.Context, ref signing.InstanceRef) (signing.Instance, error)
	MissingSignatures(ctx context.Context, in signing.ReadInput) (bool, error)
	Cancel(ctx context.Context, in signing.CancelInput) (signing.RejectResult, error)
	ExtendDeadline(ctx context.Context, in signing.ExtendInput) (signing.Task, error)
	Resend(ctx context.Context, in signing.ResendInput) (signing.Signee, error)
	ReplaceSignee(ctx context.Context, in signing.ReplaceInput) (signing.ReplaceResult, error)
	AuditTrail(ctx context.Context, in signing.ReadInput, page signing.Page) ([]signing.AuditEntry, string, error)
	Events(ctx context.Context, in signing.ReadInput, page signing.Page) ([]signing.CloudEvent, string, error)
	Evidence(ctx context.Context, in signing.ReadInput) (signing.Evidence, error)
	Verify(ctx context.Context, in signing.ReadInput) (signing.Verification, error)
	StateWithTask(ctx context.Context, in signing.ReadInput) ([]signing.SigneeState, signing.TaskState, error)
}

var (
	_ Service = signing.API{}
	_ Service = (*signing.Service)(nil)
)

// Handler serves the signing HTTP API behind API Gateway (HTTP API, payload
// format 2.0; it verifies the caller's token itself, auth.go). Every answer
// is JSON with Cache-Control: no-store; every failure is an RFC 9457
// problem (see ProblemTypes). It never returns an error to the Lambda runtime.
type Handler struct {
	svc    Service
	cfg    Config
	log    *slog.Logger
	router router
	// startWait is how long a request waits for a task being started.
	startWait time.Duration
}

// NewHandler returns a handler over svc; a nil logger logs to slog.Default().
func NewHandler(svc Service, cfg Config, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handler{svc: svc, cfg: cfg, log: logger, router: newRouter(), startWait: defaultStartWait}
}

// Handle answers one API Gateway request.
func (h *Handler) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, _ error) {
	start := time.Now()
	// The Lambda log handler adds the invocation's requestId; this is API Gateway's.
	log := h.log.With("api_request_id", ev.RequestContext.RequestID)
	method, path := requestLine(&ev)
	r := &request{ev: &ev, log: log}
	defer func() {
		if rec := recover(); rec != nil {
			p := newProblem(ProblemInternal, "The request failed because of an internal error.")
			p.cause = fmt.Errorf("panic: %v", rec)
			resp = h.problem(r, path, p)
		}
		h.logDone(ctx, r, method, resp.StatusCode, start)
	}()
	rt, params, allowed := h.router.match(method, path)
	if rt == nil {
		if len(allowed) > 0 {
			resp = h.problem(r, path, newProblem(ProblemMethodNotAllowed, "This path allows "+strings.Join(allowed, ", ")+"."))
			resp.Headers["Allow"] = strings.Join(allowed, ", ")
			return resp, nil
		}
		return h.problem(r, path, newProblem(ProblemNotFound, "No such route.")), nil
	}
	r.route, r.params = rt, params
	r.log = r.log.With("route", rt.method+" "+rt.pattern)
	if err := h.authenticate(ctx, r, method); err != nil {
		return h.problem(r, path, problemFor(err, nil)), nil
	}
	status, body, err := h.serve(ctx, r)
	if err != nil {
		p := problemFor(err, pageFields)
		for i := range p.ValidationIssues {
			// The issues speak the caller's language, as the reference's validator.
			p.ValidationIssues[i] = missingSignaturesIssue(r.query.Get("language"))
		}
		return h.problem(r, path, p), nil
	}
	resp = jsonResponse(status, "application/json", body)
	issueXSRF(r, method, &resp)
	if r.replayed {
		resp.Headers["Idempotent-Replayed"] = "true"
	}
	return resp, nil
}

// pageFields maps the repository's paging fields to the query parameters.
var pageFields = map[string]string{"page.limit": "limit", "page.token": "next"}

// serve parses what every route needs, then runs the route's handler.
func (h *Handler) serve(ctx context.Context, r *request) (int, any, error) {
	caller, err := callerFrom(r, h.cfg)
	if err != nil {
		return 0, nil, err
	}
	r.caller = caller
	if r.query, err = parseQuery(r.ev); err != nil {
		return 0, nil, err
	}
	if err := checkLanguage(r.query); err != nil {
		return 0, nil, err
	}
	if strings.HasPrefix(r.route.pattern, instancePrefix) {
		if err := h.resolveInstance(ctx, r); err != nil {
			return 0, nil, err
		}
		r.log = r.log.With("instance_guid", r.task.InstanceGUID, "task_id", r.task.TaskID)
	}
	return h.handleWaitingForStart(ctx, r)
}

// defaultStartWait bounds how long a request waits for a signing task that
// Storage shows as the current task but whose workflow has not recorded its
// start yet.
const defaultStartWait = 5 * time.Second

// handleWaitingForStart runs the route's handler. The reference starts a
// signing task while the process enters it, so the app frontend's first
// calls find it; here the workflow starts it a moment later, and the
// frontend does not retry a failed query. A request without taskId whose
// current task is not found yet is therefore run again, with backoff,
// until h.startWait has passed, then answered 503 with Retry-After. A
// handler that finds no task has written nothing, so running it again is
// safe.
func (h *Handler) handleWaitingForStart(ctx context.Context, r *request) (int, any, error) {
	deadline := time.Now().Add(h.startWait)
	delay := 100 * time.Millisecond
	for {
		status, body, err := r.route.handle(h, ctx, r)
		if r.current == nil || !errors.Is(err, signing.ErrNoTask) {
			return status, body, err
		}
		if time.Now().Add(delay).After(deadline) {
			p := newProblem(ProblemUnavailable, "The signing task is starting; try again shortly.")
			p.retryAfter, p.cause = defaultRetryAfter, err
			return 0, nil, problemError{p}
		}
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

// requestLine returns the method and the path below the stage.
func requestLine(ev *events.APIGatewayV2HTTPRequest) (method, path string) {
	method = strings.ToUpper(ev.RequestContext.HTTP.Method)
	path = ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	if method == "" {
		method, _, _ = strings.Cut(ev.RouteKey, " ")
	}
	if st := ev.RequestContext.Stage; st != "" && st != "$default" && strings.HasPrefix(path, "/"+st+"/") {
		path = path[len(st)+1:]
	}
	return method, path
}

// problem answers with p, the request path as its instance.
func (h *Handler) problem(r *request, path string, p *Problem) events.APIGatewayV2HTTPResponse {
	out := *p
	if out.Instance == "" && strings.HasPrefix(path, "/") && len(path) <= 1024 {
		out.Instance = path
	}
	r.problemCause = out.cause
	r.problemType = strings.TrimPrefix(out.Type, ProblemTypeBase)
	resp := jsonResponse(out.Status, "application/problem+json", out)
	if out.Status == http.StatusServiceUnavailable || out.Status == http.StatusTooManyRequests {
		ra := out.retryAfter
		if ra <= 0 {
			ra = defaultRetryAfter
		}
		resp.Headers["Retry-After"] = retryAfterSeconds(ra)
	}
	return resp
}

// jsonResponse encodes body with the headers every answer carries.
func jsonResponse(status int, contentType string, body any) events.APIGatewayV2HTTPResponse {
	b, err := json.Marshal(body)
	if err != nil {
		status, contentType = http.StatusInternalServerError, "application/problem+json"
		b, _ = json.Marshal(newProblem(ProblemInternal, "The response could not be encoded."))
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":           contentType,
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
		},
		Body: string(b),
	}
}

// logDone writes the request's one log line: never a national ID, token or body.
func (h *Handler) logDone(ctx context.Context, r *request, method string, status int, start time.Time) {
	attrs := []any{"method", method, "status", status, "duration_ms", time.Since(start).Milliseconds()}
	level := slog.LevelInfo
	if r.problemType != "" {
		attrs = append(attrs, "problem", r.problemType)
	}
	if r.problemCause != nil {
		attrs = append(attrs, "error", r.problemCause.Error())
	}
	switch {
	case status >= 500 && status != http.StatusServiceUnavailable:
		level = slog.LevelError
	case status >= 500:
		level = slog.LevelWarn
	}
	r.log.Log(ctx, level, "request", attrs...)
}

// The response bodies. Field names follow the reference's camelCase JSON.

// instanceSummary identifies the instance, in the shape of the reference's Instance.
type instanceSummary struct {
	ID            string        `json:"id"`
	AppID         string        `json:"appId"`
	InstanceOwner instanceOwner `json:"instanceOwner"`
}

type instanceOwner struct {
	PartyID string `json:"partyId"`
}

func summarizeInstance(ref signing.InstanceRef) instanceSummary {
	return instanceSummary{ID: ref.InstanceID(), AppID: ref.AppID(), InstanceOwner: instanceOwner{PartyID: strconv.FormatInt(ref.PartyID, 10)}}
}

// taskSummary is a task and where it stands.
type taskSummary struct {
	TaskID string             `json:"taskId"`
	Status signing.TaskStatus `json:"status"`
}

// userActionResponse is the answer of POST …/actions, in the shape of the
// reference's UserActionResponse plus the recorded signature or the task.
type userActionResponse struct {
	Instance                instanceSummary   `json:"instance"`
	UpdatedDataModels       map[string]any    `json:"updatedDataModels"`
	UpdatedValidationIssues map[string]any    `json:"updatedValidationIssues"`
	ClientActions           []any             `json:"clientActions"`
	RedirectURL             *string           `json:"redirectUrl"`
	Signature               *signatureSummary `json:"signature,omitempty"`
	Task                    *taskSummary      `json:"task,omitempty"`
}

func newUserActionResponse(ref signing.InstanceRef) userActionResponse {
	return userActionResponse{
		Instance:                summarizeInstance(ref),
		UpdatedDataModels:       map[string]any{},
		UpdatedValidationIssues: map[string]any{},
		ClientActions:           []any{},
	}
}

// signatureSummary is a recorded signature as the signer sees it: no
// personal data but their own masked national ID.
type signatureSummary struct {
	TaskID     string            `json:"taskId"`
	SigneeKey  signing.SigneeKey `json:"signeeKey"`
	SignedTime time.Time         `json:"signedTime"`
	// OnBehalfOf is the organisation number signed for, if any.
	OnBehalfOf            string                 `json:"onBehalfOf,omitempty"`
	Signer                signerSummary          `json:"signer"`
	DataElementSignatures []dataElementSignature `json:"dataElementSignatures"`
}

type signerSummary struct {
	MaskedID string `json:"maskedId"`
}

// dataElementSignature is the reference's DataElementSignature plus type and size.
type dataElementSignature struct {
	DataElementID string `json:"dataElementId"`
	DataType      string `json:"dataType"`
	SHA256Hash    string `json:"sha256Hash"`
	Size          int64  `json:"size"`
	Signed        bool   `json:"signed"`
}

func summarizeSignature(sig signing.Signature) *signatureSummary {
	out := &signatureSummary{
		TaskID:                sig.Task.TaskID,
		SigneeKey:             sig.SigneeKey,
		SignedTime:            sig.SignedAt.UTC(),
		OnBehalfOf:            sig.OnBehalfOf,
		Signer:                signerSummary{MaskedID: sig.Signer.MaskedID},
		DataElementSignatures: make([]dataElementSignature, 0, len(sig.Digests)),
	}
	for _, d := range sig.Digests {
		out.DataElementSignatures = append(out.DataElementSignatures, dataElementSignature{
			DataElementID: d.DataElementID, DataType: d.DataType, SHA256Hash: d.SHA256, Size: d.Size, Signed: true,
		})
	}
	return out
}

// The request bodies.

// actionRequest is the reference's UserActionRequest.
type actionRequest struct {
	Action     *string `json:"action"`
	OnBehalfOf *string `json:"onBehalfOf"`
	// ButtonID, Metadata and IgnoredValidators are accepted for compatibility
	// with the reference's frontend and not used.
	ButtonID          *string            `json:"buttonId"`
	Metadata          map[string]*string `json:"metadata"`
	IgnoredValidators []string           `json:"ignoredValidators"`
	// Reason is the reason of a reject (this API's addition; free text,
	// never logged).
	Reason *string `json:"reason"`
}

// processNextRequest is the reference's ProcessNext body, and a reject's
// reason (this API's addition).
type processNextRequest struct {
	Action           *string `json:"action"`
	ActionOnBehalfOf *string `json:"actionOnBehalfOf"`
	Reason           *string `json:"reason"`
}

// reasonOf returns a reject's reason from the body field reason, which
// only a reject may carry.
func reasonOf(v *string, action string) (string, error) {
	if v == nil {
		return "", nil
	}
	if action != actionReject {
		return "", invalid("reason", "is only allowed with the action reject")
	}
	return *v, nil
}

// Actions a body may name.
const (
	actionSign   = "sign"
	actionReject = "reject"
)

// onBehalfOf parses an optional organisation number from the body field named field.
func onBehalfOf(v *string, field, action string) (string, error) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return "", nil
	}
	if action != actionSign {
		return "", invalid(field, "is only allowed with the action sign")
	}
	org, err := ident.ParseOrgNumber(*v)
	if err != nil {
		return "", invalid(field, "must be a 9-digit organisation number")
	}
	return org.String(), nil
}

// actions serves POST …/actions: sign or reject.
func (h *Handler) actions(ctx context.Context, r *request) (int, any, error) {
	var body actionRequest
	present, err := decodeBody(r, &body)
	if err != nil {
		return 0, nil, err
	}
	if !present || body.Action == nil || *body.Action == "" {
		return 0, nil, invalid("action", `is required: "sign" or "reject"`)
	}
	action := *body.Action
	if action != actionSign && action != actionReject {
		return 0, nil, invalid("action", `must be "sign" or "reject"`)
	}
	org, err := onBehalfOf(body.OnBehalfOf, "onBehalfOf", action)
	if err != nil {
		return 0, nil, err
	}
	reason, err := reasonOf(body.Reason, action)
	if err != nil {
		return 0, nil, err
	}
	out := newUserActionResponse(r.instance)
	if action == actionSign {
		sig, err := h.sign(ctx, r, org)
		if err != nil {
			return 0, nil, err
		}
		out.Signature = sig
		return http.StatusOK, out, nil
	}
	task, err := h.reject(ctx, r, reason)
	if err != nil {
		return 0, nil, err
	}
	out.Task = &task
	return http.StatusOK, out, nil
}

// processNext serves PUT …/process/next: sign, reject, or (without an action) complete.
func (h *Handler) processNext(ctx context.Context, r *request) (int, any, error) {
	var body processNextRequest
	if _, err := decodeBody(r, &body); err != nil {
		return 0, nil, err
	}
	action := ""
	if body.Action != nil {
		action = *body.Action
	}
	if action != "" && action != actionSign && action != actionReject {
		return 0, nil, invalid("action", `must be "sign", "reject" or left out to complete the task`)
	}
	org, err := onBehalfOf(body.ActionOnBehalfOf, "actionOnBehalfOf", action)
	if err != nil {
		return 0, nil, err
	}
	reason, err := reasonOf(body.Reason, action)
	if err != nil {
		return 0, nil, err
	}
	switch action {
	case actionSign:
		sig, err := h.sign(ctx, r, org)
		if err != nil {
			return 0, nil, err
		}
		return h.processState(ctx, r, actionSign, taskSummary{TaskID: r.task.TaskID, Status: signing.TaskCollecting}, sig)
	case actionReject:
		task, err := h.reject(ctx, r, reason)
		if err != nil {
			return 0, nil, err
		}
		return h.processState(ctx, r, actionReject, task, nil)
	}
	res, err := h.svc.Complete(ctx, signing.CompleteInput{Task: r.task, Caller: r.caller, Instance: &r.instance})
	if err != nil {
		return 0, nil, err
	}
	if res.WakeErr != nil {
		// The task is completed; the workflow's wait times out and finds it so.
		r.log.WarnContext(ctx, "task completed, workflow not woken", "error", res.WakeErr.Error())
	}
	return h.processState(ctx, r, "complete", taskSummary{TaskID: r.task.TaskID, Status: signing.TaskCompleted}, nil)
}

// IdempotencyKeyHeader names the header that makes a sign request safe to
// retry: the same request sent again with the same key, after its
// signature was recorded, is answered with that signature (and
// Idempotent-Replayed: true) instead of 409.
const IdempotencyKeyHeader = "Idempotency-Key"

// sign records the caller's signature, for themself or for org.
func (h *Handler) sign(ctx context.Context, r *request, org string) (*signatureSummary, error) {
	key := r.header(IdempotencyKeyHeader)
	if key != "" {
		if err := signing.ValidateRequestKey(key); err != nil {
			return nil, invalid(IdempotencyKeyHeader, err.Error())
		}
	}
	res, err := h.svc.Sign(ctx, signing.SignInput{Task: r.task, Caller: r.caller, OnBehalfOf: org, Instance: &r.instance, RequestKey: key})
	if err != nil {
		return nil, err
	}
	r.log = r.log.With("signee_key", string(res.Signature.SigneeKey))
	if res.Replayed {
		r.replayed = true
		r.log = r.log.With("replayed", true)
		return summarizeSignature(res.Signature), nil
	}
	if res.WakeErr != nil {
		// The signature stands; the workflow's wait times out and looks again.
		r.log.WarnContext(ctx, "signature recorded, workflow not woken", "error", res.WakeErr.Error())
	}
	return summarizeSignature(res.Signature), nil
}

// reject closes the task as rejected, with the caller's reason.
func (h *Handler) reject(ctx context.Context, r *request, reason string) (taskSummary, error) {
	res, err := h.svc.Reject(ctx, signing.RejectInput{Task: r.task, Caller: r.caller, Instance: &r.instance, Reason: reason})
	if err != nil {
		return taskSummary{}, err
	}
	if res.WakeErr != nil {
		// The task is rejected; the workflow's wait times out and sees it.
		r.log.WarnContext(ctx, "task rejected, workflow not told", "error", res.WakeErr.Error())
	}
	return taskSummary{TaskID: r.task.TaskID, Status: signing.TaskRejected}, nil
}

// signingStateResponse is the reference's SigningStateResponse, and the
// task's own state (this API's addition; the frontend ignores it).
type signingStateResponse struct {
	SigneeStates []signing.SigneeState `json:"signeeStates"`
	Task         signing.TaskState     `json:"task"`
}

// signingState serves GET …/signing.
func (h *Handler) signingState(ctx context.Context, r *request) (int, any, error) {
	states, task, err := h.svc.StateWithTask(ctx, r.readInput())
	if err != nil {
		return 0, nil, err
	}
	if states == nil {
		states = []signing.SigneeState{}
	}
	return http.StatusOK, signingStateResponse{SigneeStates: states, Task: task}, nil
}

// dataElementsResponse is the reference's SigningDataElementsResponse.
type dataElementsResponse struct {
	DataElements []signingDataElement `json:"dataElements"`
}

// dataElements serves GET …/signing/data-elements.
func (h *Handler) dataElements(ctx context.Context, r *request) (int, any, error) {
	els, err := h.svc.DocumentsToSign(ctx, r.readInput())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, dataElementsResponse{DataElements: signingDataElements(r, els)}, nil
}

// organizationsResponse is the reference's SigningAuthorizedOrganizationsResponse.
type organizationsResponse struct {
	Organizations []signing.AuthorizedOrganisation `json:"organizations"`
}

// organizations serves GET …/signing/organizations: 401 for a caller who
// is not a platform user, as the reference (SigningController.cs).
func (h *Handler) organizations(ctx context.Context, r *request) (int, any, error) {
	if r.caller.UserID == "" {
		return 0, nil, fail(ProblemUnauthenticated, "Only a platform user (a token with a user ID) may sign for organisations.")
	}
	orgs, err := h.svc.Organisations(ctx, r.readInput())
	if err != nil {
		return 0, nil, err
	}
	if orgs == nil {
		orgs = []signing.AuthorizedOrganisation{}
	}
	return http.StatusOK, organizationsResponse{Organizations: orgs}, nil
}

func (r *request) readInput() signing.ReadInput {
	return signing.ReadInput{Task: r.task, Caller: r.caller, Instance: &r.instance, Current: r.current}
}

// Paging of GET /signing-requests.
const (
	defaultPageLimit = 50
	maxPageLimit     = 100
	maxPageToken     = 2048
)

// signingRequestsResponse is one page of the caller's open signing requests.
type signingRequestsResponse struct {
	SigningRequests []signing.SigningRequest `json:"signingRequests"`
	// Next continues the listing; absent on the last page.
	Next string `json:"next,omitempty"`
}

// signingRequests serves GET /signing-requests.
func (h *Handler) signingRequests(ctx context.Context, r *request) (int, any, error) {
	page := signing.Page{Limit: defaultPageLimit, Token: r.query.Get("next")}
	if v := r.query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageLimit {
			return 0, nil, invalid("limit", fmt.Sprintf("must be an integer from 1 to %d", maxPageLimit))
		}
		page.Limit = n
	}
	if len(page.Token) > maxPageToken {
		return 0, nil, invalid("next", "is not a token this listing returned")
	}
	reqs, next, err := h.svc.PendingRequests(ctx, r.caller, page)
	if err != nil {
		return 0, nil, err
	}
	if reqs == nil {
		reqs = []signing.SigningRequest{}
	}
	return http.StatusOK, signingRequestsResponse{SigningRequests: reqs, Next: next}, nil
}

// cancelRequest is the body of POST …/signing/cancel.
type cancelRequest struct {
	Reason *string `json:"reason"`
}

// cancel serves POST …/signing/cancel: the instance owner withdraws the
// task, apart from a reject (the execution's outcome is cancelled).
func (h *Handler) cancel(ctx context.Context, r *request) (int, any, error) {
	var body cancelRequest
	if _, err := decodeBody(r, &body); err != nil {
		return 0, nil, err
	}
	reason := ""
	if body.Reason != nil {
		reason = *body.Reason
	}
	res, err := h.svc.Cancel(ctx, signing.CancelInput{Task: r.task, Caller: r.caller, Instance: &r.instance, Reason: reason})
	if err != nil {
		return 0, nil, err
	}
	if res.WakeErr != nil {
		r.log.WarnContext(ctx, "task cancelled, workflow not told", "error", res.WakeErr.Error())
	}
	return http.StatusOK, taskSummary{TaskID: r.task.TaskID, Status: signing.TaskRejected}, nil
}

// deadlineRequest is the body of POST …/signing/deadline.
type deadlineRequest struct {
	Deadline *string `json:"deadline"`
}

// deadlineResponse answers an extension with the task's new deadline.
type deadlineResponse struct {
	TaskID   string    `json:"taskId"`
	Deadline time.Time `json:"deadline"`
}

// extendDeadline serves POST …/signing/deadline: the instance owner moves
// the deadline later.
func (h *Handler) extendDeadline(ctx context.Context, r *request) (int, any, error) {
	var body deadlineRequest
	present, err := decodeBody(r, &body)
	if err != nil {
		return 0, nil, err
	}
	if !present || body.Deadline == nil {
		return 0, nil, invalid("deadline", "is required: an RFC 3339 time such as 2026-04-01T12:00:00Z")
	}
	at, err := time.Parse(time.RFC3339, *body.Deadline)
	if err != nil {
		return 0, nil, invalid("deadline", "must be an RFC 3339 time such as 2026-04-01T12:00:00Z")
	}
	task, err := h.svc.ExtendDeadline(ctx, signing.ExtendInput{Task: r.task, Caller: r.caller, Instance: &r.instance, Deadline: at})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, deadlineResponse{TaskID: r.task.TaskID, Deadline: task.Deadline.UTC()}, nil
}

// resendResponse answers an invitation sent again.
type resendResponse struct {
	SigneeKey signing.SigneeKey `json:"signeeKey"`
	Resends   int               `json:"resends"`
	ResentAt  time.Time         `json:"resentAt"`
}

// resend serves POST …/signing/signees/{signeeKey}/remind: the instance
// owner sends one signee's invitation again (429 with Retry-After inside
// the configured interval).
func (h *Handler) resend(ctx context.Context, r *request) (int, any, error) {
	var body struct{}
	if _, err := decodeBody(r, &body); err != nil {
		return 0, nil, err
	}
	sk := signing.SigneeKey(r.params["signeeKey"])
	if sk.Validate() != nil {
		return 0, nil, invalid("signeeKey", "must look like p-<hex> or o-<hex>")
	}
	sg, err := h.svc.Resend(ctx, signing.ResendInput{Task: r.task, Caller: r.caller, Instance: &r.instance, Signee: sk})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, resendResponse{SigneeKey: sg.Key, Resends: sg.Resends, ResentAt: sg.ResentAt.UTC()}, nil
}

// replaceRequest is the new signee of a replacement: a person by national
// ID and last name, or an organisation by number; email and mobile are
// where the new signee is told (else the register's, for an organisation).
type replaceRequest struct {
	NationalID         string `json:"nationalId"`
	LastName           string `json:"lastName"`
	OrganisationNumber string `json:"organisationNumber"`
	Email              string `json:"email"`
	Mobile             string `json:"mobile"`
}

// replaceResponse answers a replacement with both keys; never an identity.
type replaceResponse struct {
	SigneeKey   signing.SigneeKey `json:"signeeKey"`
	ReplacedKey signing.SigneeKey `json:"replacedSigneeKey"`
	Status      string            `json:"status"`
}

// replaceSignee serves PUT …/signing/signees/{signeeKey}: the instance
// owner replaces a signee who has not signed by another person or
// organisation (signing.Service.ReplaceSignee); 409 for a signee who signed
// or a closed task.
func (h *Handler) replaceSignee(ctx context.Context, r *request) (int, any, error) {
	var body replaceRequest
	present, err := decodeBody(r, &body)
	if err != nil {
		return 0, nil, err
	}
	if !present {
		return 0, nil, invalid("nationalId", "the body names the new signee: nationalId and lastName, or organisationNumber")
	}
	sk := signing.SigneeKey(r.params["signeeKey"])
	if sk.Validate() != nil {
		return 0, nil, invalid("signeeKey", "must look like p-<hex> or o-<hex>")
	}
	by, err := signing.ReplacementCandidate(strings.TrimSpace(body.NationalID), strings.TrimSpace(body.LastName), strings.TrimSpace(body.OrganisationNumber), h.cfg.AllowSyntheticIDs)
	if err != nil {
		return 0, nil, err
	}
	by.Communication.Email, by.Communication.Mobile = strings.TrimSpace(body.Email), strings.TrimSpace(body.Mobile)
	res, err := h.svc.ReplaceSignee(ctx, signing.ReplaceInput{Task: r.task, Caller: r.caller, Instance: &r.instance, Signee: sk, By: by})
	if err != nil {
		return 0, nil, err
	}
	if res.WakeErr != nil {
		r.log.WarnContext(ctx, "replacement recorded; the workflow was not woken (it looks again at its next round)", "error", res.WakeErr.Error())
	}
	return http.StatusOK, replaceResponse{SigneeKey: res.New.Key, ReplacedKey: res.Old.Key, Status: string(res.Old.Status)}, nil
}

// auditResponse is a page of the audit trail, oldest first.
type auditResponse struct {
	Entries []signing.AuditEntry `json:"entries"`
	Next    string               `json:"next,omitempty"`
}

// auditPage reads the limit and next query parameters of a paged listing
// of the task's record.
func auditPage(r *request) (signing.Page, error) {
	page := signing.Page{Token: r.query.Get("next")}
	if v := r.query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > signing.MaxAuditPage {
			return page, invalid("limit", fmt.Sprintf("must be an integer from 1 to %d", signing.MaxAuditPage))
		}
		page.Limit = n
	}
	if len(page.Token) > maxPageToken {
		return page, invalid("next", "is not a token this listing returned")
	}
	return page, nil
}

// eventsResponse is a page of the task's events, oldest first.
type eventsResponse struct {
	Events []signing.CloudEvent `json:"events"`
	Next   string               `json:"next,omitempty"`
}

// events serves GET …/signing/events: the task's changes as CloudEvents,
// oldest first, paged, to its instance owner (the same change is the same
// event id on every read).
func (h *Handler) events(ctx context.Context, r *request) (int, any, error) {
	page, err := auditPage(r)
	if err != nil {
		return 0, nil, err
	}
	evs, next, err := h.svc.Events(ctx, r.readInput(), page)
	if err != nil {
		return 0, nil, err
	}
	if evs == nil {
		evs = []signing.CloudEvent{}
	}
	return http.StatusOK, eventsResponse{Events: evs, Next: next}, nil
}

// maxReplayIDs is the most event ids one replay names.
const maxReplayIDs = 100

// replayRequest is the body of POST …/signing/events/replay.
type replayRequest struct {
	// IDs are the events to send again; none means all of the task's.
	IDs []string `json:"ids"`
}

// replayResponse lists the events put on the bus again.
type replayResponse struct {
	Replayed []string `json:"replayed"`
}

// replayEvents serves POST …/signing/events/replay: the app's service
// owner (a token with the scope altinn:serviceowner/instances.write) has
// the task's events (all, or those {"ids": […]} names) put on the event bus
// again with their original ids, for a consumer or webhook subscriber that
// lost them (the bus's rule sends them to the webhooks too). The
// subscribers are the service owner's, so no person may: the instance
// owner could flood them. An id the task does not have is 400 naming it,
// and nothing is sent.
func (h *Handler) replayEvents(ctx context.Context, r *request) (int, any, error) {
	if !r.caller.IsApp() {
		return 0, nil, fail(ProblemForbidden, "Only the app's service owner (a service-owner token) has events sent again.")
	}
	if !hasScope(r.auth.claims, ScopeInstancesWrite) {
		return 0, nil, fail(ProblemForbidden, "The service owner's token lacks the scope "+ScopeInstancesWrite+", which sending events again needs.")
	}
	var body replayRequest
	if _, err := decodeBody(r, &body); err != nil {
		return 0, nil, err
	}
	if len(body.IDs) > maxReplayIDs {
		return 0, nil, invalid("ids", fmt.Sprintf("names %d events; at most %d at a time", len(body.IDs), maxReplayIDs))
	}
	var all []signing.CloudEvent
	page := signing.Page{Limit: maxPageLimit}
	for {
		evs, next, err := h.svc.Events(ctx, r.readInput(), page)
		if err != nil {
			return 0, nil, err
		}
		all = append(all, evs...)
		if next == "" {
			break
		}
		page.Token = next
	}
	picked, missing := sigevents.Select(all, body.IDs)
	if len(missing) > 0 {
		return 0, nil, invalid("ids", "the task has no event "+strings.Join(missing, ", "))
	}
	if h.cfg.Bus == nil {
		return 0, nil, errors.New("api: no event bus configured")
	}
	if err := sigevents.Put(ctx, h.cfg.Bus, picked); err != nil {
		return 0, nil, fmt.Errorf("%w: %w", signing.ErrTransient, err)
	}
	out := replayResponse{Replayed: make([]string, 0, len(picked))}
	for _, ev := range picked {
		out.Replayed = append(out.Replayed, ev.ID)
	}
	r.log.InfoContext(ctx, "events replayed", "events", len(out.Replayed))
	return http.StatusOK, out, nil
}

// auditTrail serves GET …/signing/audit: the task's audit trail to its
// instance owner, paged (limit, next), oldest first.
func (h *Handler) auditTrail(ctx context.Context, r *request) (int, any, error) {
	page, err := auditPage(r)
	if err != nil {
		return 0, nil, err
	}
	entries, next, err := h.svc.AuditTrail(ctx, r.readInput(), page)
	if err != nil {
		return 0, nil, err
	}
	if entries == nil {
		entries = []signing.AuditEntry{}
	}
	return http.StatusOK, auditResponse{Entries: entries, Next: next}, nil
}

// evidence serves GET …/signing/evidence: signatures with their digests,
// signees, times and the signing PDF's reference, to the instance owner.
func (h *Handler) evidence(ctx context.Context, r *request) (int, any, error) {
	ev, err := h.svc.Evidence(ctx, r.readInput())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ev, nil
}

// verify serves POST …/signing/verify: the SHA-256 of every signed data
// element recomputed from Storage, each changed or missing one reported.
func (h *Handler) verify(ctx context.Context, r *request) (int, any, error) {
	var body struct{}
	if _, err := decodeBody(r, &body); err != nil {
		return 0, nil, err
	}
	v, err := h.svc.Verify(ctx, r.readInput())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

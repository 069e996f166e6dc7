package pages

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/workflow"
)

// instance is a fixture instance as the pages list it.
type instance struct {
	Org     string `json:"org"`
	App     string `json:"app"`
	PartyID int64  `json:"partyId"`
	GUID    string `json:"guid"`
	// Owner is the instance owner's name; OwnerPartyUUID theirs.
	Owner          string `json:"owner"`
	OwnerPartyUUID string `json:"ownerPartyUuid"`
	// Path is the API's /{org}/{app}/instances/{partyId}/{guid}.
	Path string `json:"path"`
	// Executions are the task's executions, newest first (GET /dev/instances only).
	Executions []execution `json:"executions,omitempty"`
}

// execution is one Step Functions execution of a task.
type execution struct {
	Name    string     `json:"name"`
	ARN     string     `json:"arn"`
	Status  string     `json:"status"`
	Attempt int        `json:"attempt,omitempty"`
	Start   time.Time  `json:"start"`
	Stop    *time.Time `json:"stop,omitempty"`
	// History is the pages' link to the execution's history as JSON.
	History string `json:"history"`
	// States are the states the execution entered, oldest first (the timeline only).
	States []stateVisit `json:"states,omitempty"`
	// Outcome is a finished execution's outcome (workflow.Output): signed,
	// rejected, expired, cancelled (the latest of each instance only, and the timeline).
	Outcome string `json:"outcome,omitempty"`
	// Output, Error and Cause are the ended execution's (the timeline only).
	Output string `json:"output,omitempty"`
	Error  string `json:"error,omitempty"`
	Cause  string `json:"cause,omitempty"`
}

func (s *Server) instanceOf(in emulator.Instance) instance {
	out := instance{Org: in.Org, App: in.App, PartyID: in.PartyID, GUID: in.InstanceGUID, Path: instancePath(in)}
	for _, p := range s.cfg.Emulator.Persons() {
		if p.PartyID == in.PartyID {
			out.Owner, out.OwnerPartyUUID = p.Name(), p.PartyUUID
		}
	}
	for _, o := range s.cfg.Fixture.Organisations {
		if o.PartyID == in.PartyID {
			out.Owner, out.OwnerPartyUUID = o.Name, o.PartyUUID
		}
	}
	return out
}

// instances lists the fixture's instances with their tasks' executions.
func (s *Server) instances(w http.ResponseWriter, r *http.Request) {
	all, err := s.executions(r.Context())
	if err != nil {
		problem(w, http.StatusBadGateway, "Step Functions: "+err.Error())
		return
	}
	out := []instance{}
	for _, in := range s.cfg.Fixture.Instances {
		i := s.instanceOf(in)
		i.Executions = executionsOf(all, in.InstanceGUID)
		if len(i.Executions) > 0 && i.Executions[0].Status == string(sfntypes.ExecutionStatusSucceeded) {
			i.Executions[0].Outcome = s.outcome(r.Context(), i.Executions[0].ARN)
		}
		out = append(out, i)
	}
	writeJSON(w, http.StatusOK, map[string]any{"instances": out})
}

// outcome reads a finished execution's outcome from its output; "" when
// it cannot be read.
func (s *Server) outcome(ctx context.Context, arn string) string {
	d, err := s.cfg.StepFunctions.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return ""
	}
	var out workflow.Output
	_ = json.Unmarshal([]byte(aws.ToString(d.Output)), &out)
	return string(out.Outcome)
}

// executions lists every execution of the state machine, newest first.
func (s *Server) executions(ctx context.Context) ([]execution, error) {
	if s.cfg.StepFunctions == nil {
		return nil, nil
	}
	var out []execution
	in := &sfn.ListExecutionsInput{StateMachineArn: aws.String(s.cfg.StateMachineARN), MaxResults: 1000}
	for page := 0; page < 20; page++ {
		resp, err := s.cfg.StepFunctions.ListExecutions(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, e := range resp.Executions {
			x := execution{
				Name: aws.ToString(e.Name), ARN: aws.ToString(e.ExecutionArn), Status: string(e.Status),
				Start: aws.ToTime(e.StartDate), Stop: e.StopDate,
				History: "/dev/executions/history?arn=" + url.QueryEscape(aws.ToString(e.ExecutionArn)),
			}
			if i := strings.LastIndexByte(x.Name, '-'); i > 0 {
				x.Attempt, _ = strconv.Atoi(x.Name[i+1:])
			}
			out = append(out, x)
		}
		if resp.NextToken == nil {
			break
		}
		in.NextToken = resp.NextToken
	}
	slices.SortStableFunc(out, func(a, b execution) int { return b.Start.Compare(a.Start) })
	return out, nil
}

// executionsOf are the executions of the instance's tasks: named by its
// GUID (workflow.ExecutionName; a continuation's name starts with it too).
func executionsOf(all []execution, guid string) []execution {
	var out []execution
	for _, e := range all {
		if strings.HasPrefix(strings.ToLower(e.Name), strings.ToLower(guid)+"-") {
			out = append(out, e)
		}
	}
	return out
}

// start starts the signing task of an instance as the process engine does
// when the instance's process enters it: the configured input, the next
// attempt once an earlier one has ended. A task running already is 409.
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	in, ok := s.pathInstance(r)
	if !ok {
		problem(w, http.StatusNotFound, "no such instance in the fixture")
		return
	}
	if s.cfg.StepFunctions == nil {
		problem(w, http.StatusServiceUnavailable, "no Step Functions to start the task in")
		return
	}
	all, err := s.executions(r.Context())
	if err != nil {
		problem(w, http.StatusBadGateway, "Step Functions: "+err.Error())
		return
	}
	attempt := 1
	prefix := strings.ToLower(workflow.ExecutionName(in.InstanceGUID, s.cfg.Input.TaskID, 0))
	prefix = strings.TrimSuffix(prefix, "0")
	for _, e := range executionsOf(all, in.InstanceGUID) {
		if e.Status == string(sfntypes.ExecutionStatusRunning) {
			problem(w, http.StatusConflict, "the task is running already: "+e.Name)
			return
		}
		if strings.HasPrefix(strings.ToLower(e.Name), prefix) && e.Attempt >= attempt {
			attempt = e.Attempt + 1
		}
	}
	input := s.cfg.Input
	input.Instance.Org, input.Instance.App = in.Org, in.App
	input.Instance.PartyID, input.Instance.InstanceGUID = in.PartyID, in.InstanceGUID
	input.Attempt = attempt
	if input.Deadline.IsZero() {
		input.Deadline = time.Now().Add(14 * 24 * time.Hour).Truncate(time.Minute)
	}
	// The process enters the signing task (it may have moved on after an earlier attempt).
	s.cfg.Emulator.SetCurrentTask(in.PartyID, in.InstanceGUID, input.TaskID, "signing")
	wf := workflow.New(s.cfg.StepFunctions, s.cfg.StateMachineARN)
	arn, err := wf.Start(r.Context(), input)
	// A start cut short (moto under load) is retried as the process engine
	// would: the execution's name makes a repeated start harmless.
	for try := 0; errors.Is(err, signing.ErrTransient) && try < 3; try++ {
		time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
		arn, err = wf.Start(r.Context(), input)
	}
	if err != nil {
		problem(w, http.StatusBadGateway, "start the task: "+err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"executionArn": arn, "attempt": attempt})
}

// document serves a data element of an instance, as the app's data route
// does, to the owner and to a persona who was delegated read on the
// instance, or holds a signing role in an organisation that was.
func (s *Server) document(w http.ResponseWriter, r *http.Request) {
	p, ok := s.session(r)
	if !ok {
		problem(w, http.StatusUnauthorized, "log in as a persona")
		return
	}
	in, ok := s.pathInstance(r)
	if !ok || in.Org != r.PathValue("org") || in.App != r.PathValue("app") {
		problem(w, http.StatusNotFound, "no such instance")
		return
	}
	if !s.mayRead(p, in) {
		problem(w, http.StatusForbidden, "you have no right to read this instance")
		return
	}
	id := strings.ToLower(r.PathValue("dataId"))
	for _, d := range s.cfg.Emulator.Data() {
		if strings.ToLower(d.ID) == id && strings.HasSuffix(strings.ToLower(d.InstanceID), strings.ToLower(in.InstanceGUID)) {
			serveFile(w, d.ContentType, d.Filename, d.Bytes)
			return
		}
	}
	problem(w, http.StatusNotFound, "no such data element")
}

// mayRead reports whether p may read instance in: its owner, or a party
// delegated read on it (p, or an organisation p holds a signing role in).
func (s *Server) mayRead(p emulator.Person, in emulator.Instance) bool {
	if p.PartyID == in.PartyID {
		return true
	}
	parties := map[string]bool{p.PartyUUID: true}
	for _, o := range s.personaOf(p).ActsFor {
		parties[o.PartyUUID] = true
	}
	for _, d := range s.cfg.Emulator.Delegations() {
		if strings.EqualFold(d.InstanceGUID, in.InstanceGUID) && d.Action == "read" && parties[d.To] {
			return true
		}
	}
	return false
}

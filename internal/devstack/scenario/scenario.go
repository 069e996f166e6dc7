// Package scenario drives the seed's main flow on a running local stack:
// start a signing task's execution, act as each signee through the HTTP
// API, and observe what the platform emulator, DynamoDB and Step Functions
// show. `signing dev demo` and the end-to-end tests use it.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/workflow"
)

// Party is a person or organisation of the founders fixture.
type Party struct {
	Name      string
	SSN       string // persons only; never printed
	OrgNumber string // organisations only
	PartyID   int64
	PartyUUID string
	// UserID is a person's platform user ID (urn:altinn:userid).
	UserID int64
}

// Founders returns the persons and the company of the founders fixture:
// Kari (who holds a signing role for the company), Ola (who holds none
// that signs) and the company.
func Founders(f emulator.Fixture) (kari, ola, company Party) {
	for _, p := range f.Persons {
		party := Party{Name: p.Name(), SSN: p.SSN, PartyID: p.PartyID, PartyUUID: p.PartyUUID, UserID: p.UserID}
		switch p.FirstName {
		case "Kari":
			kari = party
		case "Ola":
			ola = party
		}
	}
	if len(f.Organisations) > 0 {
		o := f.Organisations[0]
		company = Party{Name: o.Name, OrgNumber: o.OrgNumber, PartyID: o.PartyID, PartyUUID: o.PartyUUID}
	}
	return kari, ola, company
}

// WithInstances returns f with n more copies of its first instance, each
// with its own instance GUID and data element IDs, so tests sharing one
// stack each have their own signing task.
func WithInstances(f emulator.Fixture, n int) emulator.Fixture {
	if len(f.Instances) == 0 {
		return f
	}
	base := f.Instances[0]
	for i := 1; i <= n; i++ {
		in := base
		in.InstanceGUID = derive(base.InstanceGUID, i)
		in.Data = nil
		for _, d := range base.Data {
			d.ID = derive(d.ID, i)
			in.Data = append(in.Data, d)
		}
		f.Instances = append(f.Instances, in)
	}
	return f
}

// derive replaces the second group of a GUID with i.
func derive(guid string, i int) string {
	if len(guid) != 36 {
		return guid
	}
	return guid[:9] + fmt.Sprintf("%04x", i) + guid[13:]
}

// Run is one signing task on the stack.
type Run struct {
	Stack    *devstack.Stack
	Instance emulator.Instance
	Input    workflow.Input
	// ExecutionARN is set by Start.
	ExecutionARN string
	client       *http.Client
}

// ExampleInput reads schema/examples/founders.json below the module root.
func ExampleInput(moduleRoot string) (workflow.Input, error) {
	b, err := os.ReadFile(filepath.Join(moduleRoot, "schema", "examples", "founders.json"))
	if err != nil {
		return workflow.Input{}, fmt.Errorf("scenario: %w", err)
	}
	var in workflow.Input
	if err := json.Unmarshal(b, &in); err != nil {
		return workflow.Input{}, fmt.Errorf("scenario: founders.json: %w", err)
	}
	return in, nil
}

// New prepares a run of the example input on instance.
func New(s *devstack.Stack, instance emulator.Instance, in workflow.Input) *Run {
	in.Instance.InstanceGUID = instance.InstanceGUID
	in.Instance.PartyID = instance.PartyID
	in.Instance.Org, in.Instance.App = instance.Org, instance.App
	return &Run{Stack: s, Instance: instance, Input: in, client: &http.Client{Timeout: 60 * time.Second}}
}

// StateMachineARN returns the ARN of the stack's (first) state machine.
func (r *Run) StateMachineARN() string {
	if v := r.Stack.Def.Outputs["SigningStateMachineArn"]; v != "" {
		return v
	}
	if len(r.Stack.Def.StateMachines) > 0 {
		return r.Stack.Def.StateMachines[0].ARN
	}
	return ""
}

// Start starts (or finds) the task's execution, as the process engine does.
func (r *Run) Start(ctx context.Context) (string, error) {
	wf := workflow.New(sfn.NewFromConfig(r.Stack.AWSConfig()), r.StateMachineARN())
	arn, err := wf.Start(ctx, r.Input)
	// A transient failure (moto's answer cut short under load, which the
	// SDK does not retry) is retried as the process engine would: the
	// execution's name makes a repeated start of the same input harmless.
	for try := 0; errors.Is(err, signing.ErrTransient) && try < 3 && ctx.Err() == nil; try++ {
		time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
		arn, err = wf.Start(ctx, r.Input)
	}
	if err != nil {
		return "", err
	}
	r.ExecutionARN = arn
	return arn, nil
}

// AltinnUserClaims are the claims Altinn Authentication puts in a person's
// token after an ID-porten login (Altinn/altinn-authentication at ad4f6f36,
// src/Authentication/Controllers/AuthenticationController.cs: userid as a
// string, partyid and authlevel as numbers, party UUID, the authentication
// method, and the ID-porten token's own claims such as pid and acr; names
// from src/jwtcookie/Authentication/Constants/AltinnCoreClaimTypes.cs).
// The level is 3, which AuthenticationController.cs gives an ID-porten
// login at idporten-loa-substantial (MinID; loa-high, BankID, is 4).
// userID 0 leaves the user ID out.
func AltinnUserClaims(userID, partyID int64, partyUUID, pid string) map[string]any {
	c := map[string]any{
		"urn:altinn:partyid":            partyID,
		"urn:altinn:party:uuid":         partyUUID,
		"urn:altinn:authenticatemethod": "IdportenTestId",
		"urn:altinn:authlevel":          3,
		"pid":                           pid,
		"acr":                           "idporten-loa-substantial",
	}
	if userID > 0 {
		c["urn:altinn:userid"] = strconv.FormatInt(userID, 10)
	}
	return c
}

// Token returns a token for a person from the local issuer, with the
// claims of Altinn's user tokens (AltinnUserClaims) and the name.
func (r *Run) Token(p Party) (string, error) {
	claims := AltinnUserClaims(p.UserID, p.PartyID, p.PartyUUID, p.SSN)
	claims["name"] = p.Name
	return r.Stack.Issuer.Token(claims, time.Hour)
}

// Response is an HTTP API answer.
type Response struct {
	Status int
	Body   []byte
}

func (resp Response) String() string {
	return fmt.Sprintf("%d %s", resp.Status, bytes.TrimSpace(resp.Body))
}

// ServiceOwnerToken returns a token of the app's service owner from the
// local issuer, as Altinn's token exchange makes one from a Maskinporten
// token: the org code and number, no person, and both service-owner
// instance scopes (Altinn/app-lib-dotnet
// src/Altinn.App.Core/Features/AuthenticationMethod.cs).
func (r *Run) ServiceOwnerToken() (string, error) {
	return r.Stack.Issuer.Token(map[string]any{
		"urn:altinn:org":       r.Instance.Org,
		"urn:altinn:orgNumber": "991825827",
		"urn:altinn:authlevel": 3,
		"scope":                "altinn:serviceowner/instances.read altinn:serviceowner/instances.write",
	}, time.Hour)
}

// CallAsServiceOwner makes an HTTP API request as the app's service owner
// (ServiceOwnerToken).
func (r *Run) CallAsServiceOwner(ctx context.Context, method, path string, body any) (Response, error) {
	tok, err := r.ServiceOwnerToken()
	if err != nil {
		return Response{}, err
	}
	return r.call(ctx, tok, method, path, body)
}

// Call makes an HTTP API request as p (no token when p is the zero Party).
func (r *Run) Call(ctx context.Context, p Party, method, path string, body any) (Response, error) {
	var tok string
	if p.SSN != "" {
		var err error
		if tok, err = r.Token(p); err != nil {
			return Response{}, err
		}
	}
	return r.call(ctx, tok, method, path, body)
}

// call makes an HTTP API request with tok as its bearer (none when empty).
func (r *Run) call(ctx context.Context, tok, method, path string, body any) (Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return Response{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.Stack.APIURL+path, rd)
	if err != nil {
		return Response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Body: b}, err
}

// instancePath is /{org}/{app}/instances/{partyId}/{guid}.
func (r *Run) instancePath() string {
	return fmt.Sprintf("/%s/%s/instances/%d/%s", r.Instance.Org, r.Instance.App, r.Instance.PartyID, r.Instance.InstanceGUID)
}

func (r *Run) query() string { return "?taskId=" + r.Input.TaskID }

// Sign signs as p, for onBehalfOf (an organisation number) when set.
func (r *Run) Sign(ctx context.Context, p Party, onBehalfOf string) (Response, error) {
	body := map[string]any{"action": "sign"}
	if onBehalfOf != "" {
		body["onBehalfOf"] = onBehalfOf
	}
	return r.Call(ctx, p, http.MethodPost, r.instancePath()+"/actions"+r.query(), body)
}

// Reject rejects the task as p.
func (r *Run) Reject(ctx context.Context, p Party) (Response, error) {
	return r.Call(ctx, p, http.MethodPost, r.instancePath()+"/actions"+r.query(), map[string]any{"action": "reject"})
}

// RejectBecause rejects the task as p, giving reason.
func (r *Run) RejectBecause(ctx context.Context, p Party, reason string) (Response, error) {
	return r.Call(ctx, p, http.MethodPost, r.instancePath()+"/actions"+r.query(), map[string]any{"action": "reject", "reason": reason})
}

// Cancel withdraws the task as p (the instance owner), giving reason.
func (r *Run) Cancel(ctx context.Context, p Party, reason string) (Response, error) {
	return r.Call(ctx, p, http.MethodPost, r.instancePath()+"/signing/cancel"+r.query(), map[string]any{"reason": reason})
}

// ExtendDeadline moves the task's deadline to deadline as p (the instance owner).
func (r *Run) ExtendDeadline(ctx context.Context, p Party, deadline time.Time) (Response, error) {
	return r.Call(ctx, p, http.MethodPost, r.instancePath()+"/signing/deadline"+r.query(), map[string]any{"deadline": deadline.UTC().Format(time.RFC3339)})
}

// Resend sends signee's invitation again as p (the instance owner).
func (r *Run) Resend(ctx context.Context, p Party, signee string) (Response, error) {
	return r.Call(ctx, p, http.MethodPost, r.instancePath()+"/signing/signees/"+url.PathEscape(signee)+"/remind"+r.query(), nil)
}

// Replace replaces signee by the person by as p (the instance owner):
// PUT …/signing/signees/{signeeKey} with by's national ID and last name.
func (r *Run) Replace(ctx context.Context, p Party, signee string, by Party, lastName string) (Response, error) {
	return r.Call(ctx, p, http.MethodPut, r.instancePath()+"/signing/signees/"+url.PathEscape(signee)+r.query(),
		map[string]any{"nationalId": by.SSN, "lastName": lastName})
}

// Per returns Per Hansen of the founders fixture, whom no form names (a
// replacement), or the zero Party.
func Per(f emulator.Fixture) Party {
	for _, p := range f.Persons {
		if p.FirstName == "Per" {
			return Party{Name: p.Name(), SSN: p.SSN, PartyID: p.PartyID, PartyUUID: p.PartyUUID, UserID: p.UserID}
		}
	}
	return Party{}
}

// Complete submits the task as p (process next).
func (r *Run) Complete(ctx context.Context, p Party) (Response, error) {
	return r.Call(ctx, p, http.MethodPut, r.instancePath()+"/process/next"+r.query(), nil)
}

// SigningCall calls a signing route of the instance, …/signing+suffix, as
// p (such as GET /audit, GET /evidence, POST /verify).
func (r *Run) SigningCall(ctx context.Context, p Party, method, suffix string) (Response, error) {
	return r.Call(ctx, p, method, r.instancePath()+"/signing"+suffix+r.query(), nil)
}

// State reads the signing state as p.
func (r *Run) State(ctx context.Context, p Party) (Response, error) {
	return r.Call(ctx, p, http.MethodGet, r.instancePath()+"/signing"+r.query(), nil)
}

// SigneeState is one row of the signing state the API returns.
type SigneeState struct {
	Name         string `json:"name"`
	Organization string `json:"organization"`
	SignedTime   string `json:"signedTime"`
	Status       string `json:"signeeStatus"`
}

// Delegations returns the rights in force on this instance.
func (r *Run) Delegations() []emulator.DelegationRecord {
	var out []emulator.DelegationRecord
	for _, d := range r.Stack.Emulator.Delegations() {
		if d.InstanceGUID == r.Instance.InstanceGUID {
			out = append(out, d)
		}
	}
	return out
}

// Messages returns the correspondences sent about this instance.
func (r *Run) Messages() []emulator.MessageRecord {
	ref := fmt.Sprintf("%d/%s", r.Instance.PartyID, r.Instance.InstanceGUID)
	var out []emulator.MessageRecord
	for _, m := range r.Stack.Emulator.Messages() {
		if m.SendersReference == ref || strings.Contains(m.SendersReference, r.Instance.InstanceGUID) {
			out = append(out, m)
		}
	}
	return out
}

// Data returns this instance's data elements created through storage.
func (r *Run) Data() []emulator.DataRecord {
	var out []emulator.DataRecord
	for _, d := range r.Stack.Emulator.Data() {
		// Written by the service: through Storage's data API or its sign endpoint.
		if strings.HasSuffix(d.InstanceID, r.Instance.InstanceGUID) && (d.Source == "api" || d.Source == "sign") {
			out = append(out, d)
		}
	}
	return out
}

// Execution describes the run's execution.
func (r *Run) Execution(ctx context.Context) (*sfn.DescribeExecutionOutput, error) {
	if r.ExecutionARN == "" {
		return nil, errors.New("scenario: not started")
	}
	return sfn.NewFromConfig(r.Stack.AWSConfig()).DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(r.ExecutionARN)})
}

// Outcome waits for the execution to end and returns its status and the
// outcome in its output ("signed", "rejected", "expired").
func (r *Run) Outcome(ctx context.Context) (status sfntypes.ExecutionStatus, outcome string, err error) {
	err = Eventually(ctx, func() (bool, error) {
		out, err := r.Execution(ctx)
		var cut *smithy.DeserializationError
		if errors.As(err, &cut) {
			// moto's answer was cut short on a loaded machine (unexpected
			// EOF); the SDK does not retry that, the next poll asks again.
			return false, nil
		}
		if err != nil {
			return false, err
		}
		status = out.Status
		if status == sfntypes.ExecutionStatusRunning {
			return false, nil
		}
		var o workflow.Output
		_ = json.Unmarshal([]byte(aws.ToString(out.Output)), &o)
		outcome = string(o.Outcome)
		if status != sfntypes.ExecutionStatusSucceeded {
			outcome = aws.ToString(out.Error) + ": " + aws.ToString(out.Cause)
		}
		return true, nil
	})
	return status, outcome, err
}

// Eventually polls cond every 50ms until it holds, fails or ctx ends.
func Eventually(ctx context.Context, cond func() (bool, error)) error {
	return Poll(ctx, 50*time.Millisecond, cond)
}

// Poll calls cond every interval until it holds, fails or ctx ends.
func Poll(ctx context.Context, interval time.Duration, cond func() (bool, error)) error {
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// Events reads the task's events as its owner p (GET …/signing/events,
// every page): event id → type.
func (r *Run) Events(ctx context.Context, p Party) (map[string]string, error) {
	out := map[string]string{}
	base := r.instancePath() + "/signing/events" + r.query()
	path := base
	for {
		resp, err := r.Call(ctx, p, http.MethodGet, path, nil)
		if err != nil {
			return nil, err
		}
		if resp.Status != http.StatusOK {
			return nil, fmt.Errorf("GET %s = %s", path, resp)
		}
		var page struct {
			Events []struct{ ID, Type string } `json:"events"`
			Next   string                      `json:"next"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, err
		}
		for _, e := range page.Events {
			out[e.ID] = e.Type
		}
		if page.Next == "" {
			return out, nil
		}
		path = base + "&next=" + url.QueryEscape(page.Next)
	}
}

// Webhooks returns the events of this run's instance the stack's webhook
// receiver accepted (signature checked): id → type, and how many
// deliveries each id had.
func (r *Run) Webhooks() (types map[string]string, deliveries map[string]int) {
	types, deliveries = map[string]string{}, map[string]int{}
	for _, e := range r.Stack.Webhooks.Events() {
		if strings.Contains(e.Subject, r.Instance.InstanceGUID) {
			types[e.ID] = e.Type
			deliveries[e.ID]++
		}
	}
	return types, deliveries
}

package faults_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/asl"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
)

// The driver runs a flow by walking statemachine/signing.asl.json: it
// starts at StartAt, takes each Choice by the definition's own rules, runs
// the step bound to the function each Lambda Task invokes, makes the store's
// own write for each callback state, runs each Map's item processor once per
// item, and follows Next, or the Catch that takes a step's error. So the
// order of the steps, their retries' catch paths and the Maps' items come
// from the definition; the driver only knows what each function does
// (steps), what the people do while the machine waits (while) and how the
// fake world answers. What it does not model it refuses by name.
//
// Pass states are not evaluated (their intrinsic functions are not
// modelled): the driver's data starts in the shape Load Settings gives it,
// and the round budget and the retry count stay at zero, which the flows,
// at two rounds, are far below.

// The state machine, loaded once; runs only read it.
var (
	machineOnce sync.Once
	machineDef  *asl.Definition
	machineErr  error
)

func machine(t testing.TB) *asl.Definition {
	t.Helper()
	machineOnce.Do(func() {
		machineDef, _, machineErr = asl.Load(filepath.Join(signingtest.ModuleRoot(t), asl.Path))
	})
	if machineErr != nil {
		t.Fatal(machineErr)
	}
	return machineDef
}

// remindStep is the steps key of the NotifySignee function invoked with a
// reminder time.
const remindStep = "NotifySignee+reminder"

// releaseStep is the steps key of the HandleReject function invoked with a
// signee (Release Signees).
const releaseStep = "HandleReject+signee"

// steps are the matrix's steps by the function a Lambda Task invokes (its
// ${…FunctionArn} placeholder): the step's name in the rows ("Start /
// repo.CreateTask") and what the function does. A Task invoking another
// function stops the driver, and TestMachine_covered names it.
var steps = map[string]struct {
	name string
	run  func(ctx context.Context, r *run, s asl.State, item signing.SigneeKey) (result any, err error)
}{
	"ResolveSignees": {"Start", func(ctx context.Context, r *run, _ asl.State, _ signing.SigneeKey) (any, error) {
		res, err := r.svc.Start(ctx, signing.StartInput{Instance: signingtest.FoundersInstance, TaskID: task.TaskID, Config: r.cfg, ExecutionARN: executionARN})
		r.keys = res.Signees
		return map[string]any{"signees": res.Signees, "count": len(res.Signees)}, err
	}},
	"DelegateSignee": {"Delegate", func(ctx context.Context, r *run, _ asl.State, sk signing.SigneeKey) (any, error) {
		return r.svc.Delegate(ctx, stepTask, sk)
	}},
	"NotifySignee": {"Notify", func(ctx context.Context, r *run, _ asl.State, sk signing.SigneeKey) (any, error) {
		return r.svc.Notify(ctx, stepTask, sk)
	}},
	// The NotifySignee function given a reminder time (functions/notify-signee).
	remindStep: {"Remind", func(ctx context.Context, r *run, _ asl.State, sk signing.SigneeKey) (any, error) {
		return r.svc.Remind(ctx, stepTask, sk, *r.reminder)
	}},
	"CollectSignatures": {"Collect", func(ctx context.Context, r *run, _ asl.State, _ signing.SigneeKey) (any, error) {
		return r.svc.Collect(ctx, stepTask, signing.CollectOptions{})
	}},
	"SendReceipt": {"SendReceipt", func(ctx context.Context, r *run, _ asl.State, sk signing.SigneeKey) (any, error) {
		return r.svc.SendReceipt(ctx, stepTask, sk)
	}},
	// HandleReject is Handle Reject, Handle Expiry and the failure path's
	// cleanup, by the status in the Task's payload (functions/handle-reject).
	"HandleReject": {"Finish", func(ctx context.Context, r *run, s asl.State, _ signing.SigneeKey) (any, error) {
		var p struct {
			Payload struct{ Status signing.TaskStatus }
		}
		if err := json.Unmarshal(s.Parameters, &p); err != nil {
			return nil, err
		}
		if p.Payload.Status == signing.TaskFailed {
			_, err := r.svc.Abandon(ctx, stepTask, "a step failed for good")
			return stepfn.OutcomeResult{Outcome: signing.OutcomeFailed}, err
		}
		reason := map[signing.TaskStatus]string{signing.TaskRejected: "rejected", signing.TaskExpired: "the deadline passed"}[p.Payload.Status]
		outcome, err := r.svc.Finish(ctx, stepTask, p.Payload.Status, reason)
		return stepfn.OutcomeResult{Outcome: outcome}, err
	}},
	// The HandleReject function given a signee (functions/handle-reject).
	releaseStep: {"Release", func(ctx context.Context, r *run, _ asl.State, sk signing.SigneeKey) (any, error) {
		return r.svc.ReleaseSignee(ctx, stepTask, sk)
	}},
	"Finalize": {"Finalize", func(ctx context.Context, r *run, _ asl.State, _ signing.SigneeKey) (any, error) {
		outcome, err := r.svc.Finalize(ctx, stepTask)
		return stepfn.OutcomeResult{Outcome: outcome}, err
	}},
}

// while returns what the people do in flow f while the state machine waits
// at a callback state for the visit-th time; nil when nobody does anything
// (the wait then times out into its Catch).
func (r *run) while(f flow, state string, visit int) func(ctx context.Context) error {
	kari, ola := signingtest.Kari(r.t), signingtest.Ola(r.t)
	sign := func(ctx context.Context, c signing.Caller, org, uuid string) error {
		return r.api(ctx, "Sign", func(ctx context.Context) error {
			_, err := r.svc.Sign(ctx, signing.SignInput{Task: task, Caller: c, OnBehalfOf: org, Instance: &signingtest.FoundersInstance})
			return err
		}, r.signed(uuid))
	}
	if f == replaceFlow {
		switch {
		case state == "Wait For Signature" && visit == 1:
			// Kari replaces Ola, who has not signed, by Per.
			return func(ctx context.Context) error {
				per, err := signing.ReplacementCandidate(signingtest.PerSSN, "Hansen", "", true)
				if err != nil {
					return err
				}
				ola := r.signeeKey(signingtest.OlaUUID)
				return r.api(ctx, "Replace", func(ctx context.Context) error {
					_, err := r.svc.ReplaceSignee(ctx, signing.ReplaceInput{Task: task, Caller: kari, Instance: &signingtest.FoundersInstance, Signee: ola, By: per})
					return err
				}, func() bool {
					sg, err := r.mem.GetSignee(context.Background(), task, ola)
					return err == nil && sg.Status != signing.SigneeNotified
				})
			}
		case state == "Wait For Signature" && visit == 2:
			return func(ctx context.Context) error {
				for _, s := range []struct {
					c         signing.Caller
					org, uuid string
				}{{signingtest.Per(r.t), "", signingtest.PerUUID}, {kari, "", signingtest.KariUUID}, {kari, companyOrg, signingtest.CompanyUUID}} {
					if err := sign(ctx, s.c, s.org, s.uuid); err != nil {
						return err
					}
				}
				return nil
			}
		case state == "Await Completion" && visit == 1:
			f = signFlow
		default:
			return nil
		}
	}
	if f == twoOfThreeFlow {
		switch {
		case state == "Wait For Signature" && visit == 1:
			// Two of three sign; the company is no longer needed.
			return func(ctx context.Context) error {
				if err := sign(ctx, ola, "", signingtest.OlaUUID); err != nil {
					return err
				}
				return sign(ctx, kari, "", signingtest.KariUUID)
			}
		case state == "Await Completion" && visit == 1:
			f = signFlow
		default:
			return nil
		}
	}
	if f == remindFlow {
		if state == "Wait For Signature" && visit == 1 {
			// Nobody signs for an hour: the wait times out, Collect finds the
			// reminder due and Send Reminders sends it; then as signFlow.
			return func(context.Context) error { r.clock.Advance(remindAfter + time.Minute); return nil }
		}
		if state == "Wait For Signature" {
			visit--
		}
		f = signFlow
	}
	switch {
	case state == "Wait For Signature" && visit == 1 && f == signFlow:
		return func(ctx context.Context) error {
			for _, s := range []struct {
				c         signing.Caller
				org, uuid string
			}{{ola, "", signingtest.OlaUUID}, {kari, "", signingtest.KariUUID}, {kari, companyOrg, signingtest.CompanyUUID}} {
				if err := sign(ctx, s.c, s.org, s.uuid); err != nil {
					return err
				}
			}
			return nil
		}
	case state == "Wait For Signature" && visit == 1 && f == rejectFlow:
		return func(ctx context.Context) error {
			if err := sign(ctx, ola, "", signingtest.OlaUUID); err != nil {
				return err
			}
			return r.api(ctx, "Reject", func(ctx context.Context) error {
				_, err := r.svc.Reject(ctx, signing.RejectInput{Task: task, Caller: kari, Instance: &signingtest.FoundersInstance, Reason: "the documents are wrong"})
				return err
			}, r.taskIs(signing.TaskRejected))
		}
	case state == "Await Completion" && visit == 1 && f == signFlow:
		return func(ctx context.Context) error {
			return r.api(ctx, "Complete", func(ctx context.Context) error {
				_, err := r.svc.Complete(ctx, signing.CompleteInput{Task: task, Caller: kari, Instance: &signingtest.FoundersInstance})
				return err
			}, r.taskIs(signing.TaskCompleted))
		}
	}
	return nil
}

// maxTransitions bounds one execution; the clean flows take about 30.
const maxTransitions = 300

// execution is one execution of the state machine, as the driver runs it.
type execution struct {
	r    *run
	f    flow
	data map[string]any
	// visits counts the visits of each callback state (its tokens' suffix).
	visits      map[string]int
	transitions int
	// cause is the error of the last step or wait that went into a Catch.
	cause error
	// delegated is the rights in force after the first Map that delegates.
	delegated    int
	delegatedSet bool
}

// drive runs flow f through the state machine to its end and returns the
// execution's outcome and the delegations in force once every signee was
// delegated and notified.
func (r *run) drive(ctx context.Context, f flow) (outcome signing.Outcome, delegated int, err error) {
	if r.visited == nil {
		r.visited = map[string]bool{}
	}
	if f == remindFlow {
		r.cfg.Reminders = []string{"PT1H"}
	}
	if f == twoOfThreeFlow {
		r.cfg.RequiredSignatures = []signing.GroupRequirement{{Group: 1, Required: 2}}
	}
	e := &execution{r: r, f: f, visits: map[string]int{}, data: map[string]any{
		// Check Attempt reads the input's attempt; the rest is Load Settings' shape.
		"attempt": 1,
		"input":   map[string]any{"attempt": 1, "config": jsonValue(r.cfg)},
		"task":    jsonValue(stepTask),
		"budget":  map[string]any{"units": 0, "rounds": 0},
		"retries": map[string]any{"n": 0},
		"collected": map[string]any{
			"needDelegation": []any{}, "openGroup": 0, "moreToDelegate": false, "needRelease": []any{}, "completeGroups": 0,
		},
	}}
	e.data = jsonValue(e.data).(map[string]any)
	name, end, err := e.walk(ctx, "", machine(r.t), "")
	switch {
	case err != nil:
		return "", e.delegated, err
	case end.Type == "Fail":
		return "", e.delegated, fmt.Errorf("the execution failed with %s at %s: %w", end.Error, name, e.cause)
	case end.Type != "Pass":
		return "", e.delegated, fmt.Errorf("the execution ended at %s, a %s state", name, end.Type)
	}
	var out struct{ Outcome signing.Outcome }
	if err := json.Unmarshal(end.Parameters, &out); err != nil || out.Outcome == "" {
		return "", e.delegated, fmt.Errorf("the execution ended at %s without an outcome (%v)", name, err)
	}
	return out.Outcome, e.delegated, nil
}

// walk runs d (the state machine, or a Map's item processor for item) from
// StartAt to the state that ends it, which it returns with its name.
func (e *execution) walk(ctx context.Context, scope string, d *asl.Definition, item signing.SigneeKey) (string, asl.State, error) {
	name := d.StartAt
	for {
		if e.transitions++; e.transitions > maxTransitions {
			return name, asl.State{}, fmt.Errorf("the execution did not end within %d states (at %s)", maxTransitions, statePath(scope, name))
		}
		s, ok := d.States[name]
		where := statePath(scope, name)
		if !ok {
			return name, s, fmt.Errorf("no state %s", where)
		}
		e.r.visited[where] = true
		var next string
		var err error
		switch s.Type {
		case "Pass", "Wait":
			next = s.Next
		case "Choice":
			if next, err = s.Choose(e.data); err != nil {
				err = fmt.Errorf("%s: %w", where, err)
			}
		case "Task":
			next, err = e.task(ctx, where, s, item)
		case "Map":
			next, err = e.iterate(ctx, where, s)
		case "Fail", "Succeed":
			return name, s, nil
		default:
			err = fmt.Errorf("%s: the driver does not model a %s state", where, s.Type)
		}
		if err != nil || next == "" {
			return name, s, err
		}
		name = next
	}
}

func statePath(scope, name string) string {
	if scope == "" {
		return name
	}
	return scope + " / " + name
}

// task runs a Task state and returns where the execution goes next.
func (e *execution) task(ctx context.Context, where string, s asl.State, item signing.SigneeKey) (string, error) {
	if s.Resource == asl.DynamoDBUpdateCallback {
		return e.wait(ctx, where, s)
	}
	fn := s.Function()
	if fn == "NotifySignee" && e.r.reminder != nil {
		fn = remindStep
	}
	if fn == "HandleReject" && item != "" {
		fn = releaseStep
	}
	st, ok := steps[fn]
	if !ok {
		return "", fmt.Errorf("%s: the driver has no step for %s (function %q)", where, s.Resource, fn)
	}
	var result any
	err := e.r.step(ctx, st.name, func(ctx context.Context) (err error) {
		result, err = st.run(ctx, e.r, s, item)
		return err
	})
	if err != nil {
		return e.caught(where, s, stepfn.Name(err), err)
	}
	if s.ResultPath != nil {
		if err := asl.Set(e.data, *s.ResultPath, jsonValue(result)); err != nil {
			return "", fmt.Errorf("%s: %w", where, err)
		}
	}
	return s.Next, nil
}

// wait makes the store's own write of a callback state (the same
// conditional update, internal/dynamo's RegisterWait… expressions), lets
// the people act, and goes on as the first callback for its token says: a
// resume to Next, a fail into its Catch; without one the wait times out.
func (e *execution) wait(ctx context.Context, where string, s asl.State) (string, error) {
	var p struct{ UpdateExpression string }
	if err := json.Unmarshal(s.Parameters, &p); err != nil {
		return "", fmt.Errorf("%s: %w", where, err)
	}
	writes := map[string]func(context.Context, signing.TaskKey, string) error{
		"${RegisterWaitUpdate}":       e.r.mem.RegisterWait,
		"${RegisterCompletionUpdate}": e.r.mem.RegisterCompletionWait,
	}
	write, ok := writes[p.UpdateExpression]
	if !ok {
		return "", fmt.Errorf("%s: the driver does not model the write %s", where, p.UpdateExpression)
	}
	e.visits[where]++
	visit := e.visits[where]
	token := fmt.Sprintf("%s-%d", strings.ReplaceAll(where, " ", "-"), visit)
	if err := write(ctx, stepTask, token); err != nil {
		name := "DynamoDb.ConditionalCheckFailedException"
		if errors.Is(err, signing.ErrTransient) {
			name = "DynamoDb.InternalServerErrorException"
		}
		return e.caught(where, s, name, fmt.Errorf("%s: %w", where, err))
	}
	if act := e.r.while(e.f, where, visit); act != nil {
		if err := act(ctx); err != nil {
			return "", err
		}
	}
	w, ok := e.r.wf.woken(token)
	switch {
	case !ok:
		return e.caught(where, s, "States.Timeout", fmt.Errorf("%s: nothing woke the wait (visit %d)", where, visit))
	case w.error != "":
		return e.caught(where, s, w.error, fmt.Errorf("%s: failed with %s", where, w.error))
	}
	return s.Next, nil
}

// iterate runs a Map state: its item processor for each item, one at a
// time, so the nth call of a boundary is one call. A failed iteration fails
// the Map with its Fail state's error.
func (e *execution) iterate(ctx context.Context, where string, s asl.State) (string, error) {
	v, ok := asl.Lookup(e.data, s.ItemsPath)
	items, isList := v.([]any)
	if !ok || !isList {
		return "", fmt.Errorf("%s: ItemsPath %s is not a list in the data", where, s.ItemsPath)
	}
	var sel struct {
		Reminder string `json:"reminder.$"`
	}
	if len(s.ItemSelector) > 0 {
		if err := json.Unmarshal(s.ItemSelector, &sel); err != nil {
			return "", fmt.Errorf("%s: ItemSelector: %w", where, err)
		}
	}
	if sel.Reminder != "" {
		v, _ := asl.Lookup(e.data, sel.Reminder)
		str, _ := v.(string)
		at, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return "", fmt.Errorf("%s: the items' reminder %s = %v: %w", where, sel.Reminder, v, err)
		}
		e.r.reminder = &at
		defer func() { e.r.reminder = nil }()
	}
	for _, it := range items {
		sk, _ := it.(string)
		name, end, err := e.walk(ctx, where, s.ItemProcessor, signing.SigneeKey(sk))
		if err != nil {
			return "", err
		}
		if end.Type == "Fail" {
			return e.caught(where, s, end.Error, fmt.Errorf("%s / %s: %s: %w", where, name, end.Error, e.cause))
		}
	}
	if !e.delegatedSet && invokes(s.ItemProcessor, "DelegateSignee") {
		e.delegated, e.delegatedSet = len(e.r.emu.Delegations()), true
	}
	return s.Next, nil
}

// invokes reports whether a state of d invokes the function fn.
func invokes(d *asl.Definition, fn string) bool {
	for _, s := range d.States {
		if s.Function() == fn {
			return true
		}
	}
	return false
}

// caught returns the Next of the state's first Catch that takes the error
// name, with the error put at the Catch's ResultPath; an error no Catch
// takes fails the execution.
func (e *execution) caught(where string, s asl.State, name string, cause error) (string, error) {
	e.cause = cause
	for _, c := range s.Catch {
		if !c.Catches(name) {
			continue
		}
		if c.ResultPath != "" {
			if err := asl.Set(e.data, c.ResultPath, map[string]any{"Error": name, "Cause": cause.Error()}); err != nil {
				return "", fmt.Errorf("%s: %w", where, err)
			}
		}
		return c.Next, nil
	}
	return "", fmt.Errorf("%s: %s, which no Catch takes: %w", where, name, cause)
}

// jsonValue returns v as json.Unmarshal into any makes it, for the Choice rules.
func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// uncovered are the Task states of the state machine that the matrix's
// flows do not reach, and why. TestMachine_covered fails for a Task state
// neither reached nor named here, and for one named here that a flow
// reaches, so a step added to the definition is either run by the matrix
// or listed here with its reason.
var uncovered = map[string]string{
	"Handle Expiry": "the HandleReject function, as Handle Reject (row Finish) with status expired; " +
		"the flows end before the deadline (TestOutlivesItsAttempt runs it)",
	"Clean Up Failed Task": "reached only when a step fails for good; the retries (5 attempts) cure every single fault, " +
		"so a run that reached it would fail its checks (TestOutlivesItsAttempt runs it)",
	"Continue As New Execution": "starts a child execution (startExecution.sync) and writes nothing itself; " +
		"the flows stay far below the round budget",
}

// TestMachine_covered runs the clean flows and checks that every Task state
// of the state machine is reached by one of them or named in uncovered, and
// that every Lambda Task invokes a function the driver has a step for.
func TestMachine_covered(t *testing.T) {
	t.Parallel()
	visited := map[string]bool{}
	for _, f := range flows {
		r := runFlow(t, f, nil)
		for s := range r.visited {
			visited[s] = true
		}
	}
	tasks := map[string]bool{}
	machine(t).Walk(func(scope, name string, s asl.State) {
		where := statePath(scope, name)
		if s.Type != "Task" {
			return
		}
		tasks[where] = true
		if fn := s.Function(); s.Resource == asl.LambdaInvoke {
			if _, ok := steps[fn]; !ok {
				t.Errorf("%s invokes %q, for which the fault matrix has no step; add it to steps and a flow that reaches it", where, fn)
			}
		}
		why, named := uncovered[where]
		switch {
		case visited[where] && named:
			t.Errorf("%s is reached by the flows; remove it from uncovered (%q)", where, why)
		case !visited[where] && !named:
			t.Errorf("%s is not reached by the fault matrix's flows; cover it with a flow or name it in uncovered with the reason", where)
		case !visited[where]:
			t.Logf("not covered: %s: %s", where, why)
		}
	})
	for where := range uncovered {
		if !tasks[where] {
			t.Errorf("uncovered names %s, which is no Task state of the state machine", where)
		}
	}
}

package asl_test

import (
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/asl"
	"github.com/signingflow/signing/internal/samtemplate"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
)

// project loads the definition, its bytes and the template's state machine.
func project(t *testing.T) (*asl.Definition, []byte, samtemplate.StateMachine, *samtemplate.Template) {
	t.Helper()
	root := signingtest.ModuleRoot(t)
	def, raw, err := asl.Load(filepath.Join(root, asl.Path))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(filepath.Join(root, samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	sms, err := tpl.StateMachines()
	if err != nil {
		t.Fatal(err)
	}
	if len(sms) != 1 || sms[0].DefinitionUri != asl.Path {
		t.Fatalf("state machines = %+v, want one with DefinitionUri %s", sms, asl.Path)
	}
	return def, raw, sms[0], tpl
}

func TestDefinition_transitions(t *testing.T) {
	t.Parallel()
	def, _, _, _ := project(t)
	check := func(scope string, d *asl.Definition) {
		if _, ok := d.States[d.StartAt]; !ok {
			t.Errorf("%q: StartAt %q is not a state", scope, d.StartAt)
		}
		reach := d.Reachable()
		for _, name := range d.Names() {
			s := d.States[name]
			for _, target := range s.Targets() {
				if _, ok := d.States[target]; !ok {
					t.Errorf("%q: state %q goes to %q, which is not a state of its scope", scope, name, target)
				}
			}
			if !reach[name] {
				t.Errorf("%q: state %q cannot be reached from %q", scope, name, d.StartAt)
			}
			terminal := s.Type == "Choice" || s.Type == "Fail" || s.Type == "Succeed"
			if !terminal && (s.Next == "") == !s.End {
				t.Errorf("%q: state %q must have exactly one of Next and End", scope, name)
			}
		}
	}
	check("", def)
	def.Walk(func(scope, name string, s asl.State) {
		if s.ItemProcessor != nil {
			check(name, s.ItemProcessor)
		}
	})
}

var titleCase = regexp.MustCompile(`^[A-Z][a-z]+( [A-Z][a-z]+)*$`)

func TestDefinition_states(t *testing.T) {
	t.Parallel()
	def, _, _, _ := project(t)
	lambdaErrors := []string{stepfn.ErrorTransient, "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException", "Sandbox.Timedout", "Runtime.ExitError", "Lambda.Unknown"}
	def.Walk(func(scope, name string, s asl.State) {
		where := strings.TrimPrefix(scope+" / "+name, " / ")
		if !titleCase.MatchString(name) {
			t.Errorf("%s: state names are Title Case words", where)
		}
		switch s.Type {
		case "Task":
			if len(s.Retry) == 0 {
				t.Errorf("%s: a Task retries transient errors", where)
			}
			for _, r := range s.Retry {
				if r.JitterStrategy != "FULL" || r.BackoffRate < 2 || r.MaxAttempts == nil || *r.MaxAttempts < 2 {
					t.Errorf("%s: retry %v needs backoff ≥ 2, MaxAttempts ≥ 2 and JitterStrategy FULL", where, r.ErrorEquals)
				}
			}
			if s.Resource == "arn:aws:states:::lambda:invoke" {
				for _, e := range lambdaErrors {
					if !slices.ContainsFunc(s.Retry, func(r asl.Retrier) bool { return slices.Contains(r.ErrorEquals, e) }) {
						t.Errorf("%s: does not retry %s", where, e)
					}
				}
			}
			if n := len(s.Catch); n == 0 || !slices.Equal(s.Catch[n-1].ErrorEquals, []string{"States.ALL"}) {
				t.Errorf("%s: the last Catch must take States.ALL into an explicit failure path", where)
			}
		case "Map":
			if !s.HasResultPath || s.ResultPath != nil {
				t.Errorf("%s: a Map discards its results (ResultPath: null)", where)
			}
			if s.MaxConcurrency < 1 || s.MaxConcurrency > 40 {
				t.Errorf("%s: MaxConcurrency = %d, want 1-40", where, s.MaxConcurrency)
			}
		case "Fail":
			inMap := strings.Contains(where, " / ")
			switch {
			case inMap && s.Error != stepfn.ErrorReceiptFailed && s.Error != stepfn.ErrorSuperseded:
				t.Errorf("%s: Fail error %q inside a Map, want %s or %s", where, s.Error, stepfn.ErrorReceiptFailed, stepfn.ErrorSuperseded)
			case !inMap && s.Error != stepfn.ErrorFailed && s.Error != stepfn.ErrorDataChanged:
				t.Errorf("%s: Fail error %q, want %s or %s", where, s.Error, stepfn.ErrorFailed, stepfn.ErrorDataChanged)
			}
		}
		for _, c := range s.Catch {
			for _, e := range c.ErrorEquals {
				if strings.HasPrefix(e, "Signing.") && !slices.Contains(stepfn.Names(), e) && e != stepfn.ErrorReceiptFailed {
					t.Errorf("%s: catches %q, which no function returns (internal/stepfn) and no Map's Fail state raises", where, e)
				}
			}
		}
	})
	for _, want := range []struct{ state, error, next string }{
		{"Wait For Signature", "Signing.Rejected", "Handle Reject"},
		{"Wait For Signature", "DynamoDb.ConditionalCheckFailedException", "Collect Signatures"},
		{"Wait For Signature", "States.Timeout", "Collect Signatures"},
		{"Await Completion", "Signing.Rejected", "Handle Reject"},
		{"Await Completion", "DynamoDB.ConditionalCheckFailedException", "Collect Signatures"},
		{"Await Completion", "States.Timeout", "Collect Signatures"},
		{"Collect Signatures", "Signing.Rejected", "Handle Reject"},
		{"Collect Signatures", "Signing.Expired", "Handle Expiry"},
		{"Finalize Task", "Signing.DataChanged", cleanUp},
		{cleanUp, "States.ALL", "Check Failure"},
	} {
		s := def.States[want.state]
		i := slices.IndexFunc(s.Catch, func(c asl.Catcher) bool { return slices.Contains(c.ErrorEquals, want.error) })
		if i < 0 || s.Catch[i].Next != want.next {
			t.Errorf("%s: %s must be caught into %s", want.state, want.error, want.next)
		}
	}
	// Every top-level failure path runs the cleanup before the execution
	// fails, so no delegation outlives a failed task.
	for name, s := range def.States {
		for _, c := range s.Catch {
			if name != cleanUp && def.States[c.Next].Type == "Fail" {
				t.Errorf("%s: catches %v straight into %s; failures go through %s", name, c.ErrorEquals, c.Next, cleanUp)
			}
		}
	}
	if s := def.States[cleanUp]; !strings.Contains(string(s.Parameters), `"status": "failed"`) || s.Next != "Check Failure" {
		t.Errorf("%s: want the HandleReject function with status failed, then Check Failure", cleanUp)
	}
}

// cleanUp is the state every failure path runs before the execution fails.
const cleanUp = "Clean Up Failed Task"

// TestDefinition_errorNames checks that the definition's Comment documents
// every error name the functions return, as internal/stepfn does.
func TestDefinition_errorNames(t *testing.T) {
	t.Parallel()
	def, _, _, _ := project(t)
	for _, name := range append(stepfn.Names(), stepfn.ErrorFailed) {
		if !strings.Contains(def.Comment, name+" = ") && !strings.Contains(def.Comment, name+" or") && !strings.Contains(def.Comment, "with "+name) {
			t.Errorf("the definition's Comment does not document %s", name)
		}
	}
	if stepfn.ErrorRejected != signing.ErrorRejected || stepfn.ErrorExpired != signing.ErrorExpired || stepfn.ErrorDataChanged != signing.ErrorDataChanged {
		t.Error("internal/stepfn and internal/signing disagree on an error name")
	}
}

// TestDefinition_substitutions checks every ${Placeholder} against
// DefinitionSubstitutions and the function ones against the template's
// functions; TestDefinition_directWrites checks the DynamoDB ones.
func TestDefinition_substitutions(t *testing.T) {
	t.Parallel()
	def, raw, sm, tpl := project(t)
	got := asl.Placeholders(raw)
	want := slices.Sorted(maps.Keys(sm.Substitutions))
	if !slices.Equal(got, want) {
		t.Errorf("placeholders = %v\nsubstitutions = %v\nwant the same names", got, want)
	}
	var fs []string
	for name, v := range sm.Substitutions {
		if fn, ok := strings.CutSuffix(name, "FunctionArn"); ok {
			in, _ := v.(samtemplate.Intrinsic)
			arg, _ := in.Arg.([]any)
			if in.Name != "Fn::GetAtt" || len(arg) != 2 || arg[0] != fn+"Function" || arg[1] != "Arn" {
				t.Errorf("substitution %s = %v, want !GetAtt %sFunction.Arn", name, v, fn)
			}
			if _, ok := tpl.Resource(fn + "Function"); !ok {
				t.Errorf("substitution %s names no function resource", name)
			}
			fs = append(fs, fn)
		}
	}
	// Each function substitution is invoked by a Lambda Task, and each
	// Lambda Task invokes its function through one.
	var invoked []string
	def.Walk(func(scope, name string, s asl.State) {
		if s.Resource != asl.LambdaInvoke {
			return
		}
		if s.Function() == "" {
			t.Errorf("%s: FunctionName is not a ${…FunctionArn} substitution", name)
		}
		invoked = append(invoked, s.Function())
	})
	if got, want := slices.Compact(slices.Sorted(slices.Values(invoked))), slices.Sorted(slices.Values(fs)); !slices.Equal(got, want) {
		t.Errorf("the Lambda Tasks invoke %v, the function substitutions are %v; want the same", got, want)
	}
}

package signingtest

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/signingflow/signing/internal/asl"
	"github.com/signingflow/signing/internal/signing"
)

// The state machine, loaded once; it is only read.
var (
	machineOnce sync.Once
	machineDef  *asl.Definition
	machineErr  error
)

// BeforeCollect reads statemachine/signing.asl.json for what it runs for a
// new task (an input with attempt 1 and no continuation) before its first
// Collect Signatures: the functions of the Lambda Tasks it passes, by their
// ${…FunctionArn} name (once), and those of each Map's iteration (for
// every signee), in order. It follows the definition's own Choice rules.
func BeforeCollect(t testing.TB) (once, perSignee []string) {
	t.Helper()
	machineOnce.Do(func() { machineDef, _, machineErr = asl.Load(filepath.Join(ModuleRoot(t), asl.Path)) })
	if machineErr != nil {
		t.Fatal(machineErr)
	}
	def := machineDef
	data := map[string]any{"attempt": 1.0, "input": map[string]any{"attempt": 1.0}}
	for name, n := def.StartAt, 0; ; n++ {
		s, ok := def.States[name]
		if !ok || n > len(def.States) {
			t.Fatalf("no state %q, or no Collect Signatures on the way from %s", name, def.StartAt)
		}
		switch fn := s.Function(); {
		case fn == "CollectSignatures":
			return once, perSignee
		case fn != "":
			once = append(once, fn)
		case s.Type == "Map":
			p := s.ItemProcessor
			for in := p.StartAt; in != ""; in = p.States[in].Next {
				if fn := p.States[in].Function(); fn != "" {
					perSignee = append(perSignee, fn)
				} else {
					t.Fatalf("%s / %s is no Lambda Task", name, in)
				}
			}
		case s.Type == "Task":
			t.Fatalf("%s is a Task without a function (%s)", name, s.Resource)
		}
		next := s.Next
		if s.Type == "Choice" {
			var err error
			if next, err = s.Choose(data); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		name = next
	}
}

// readyRoute runs the steps BeforeCollect reads, with the service: a
// function it has no step for fails the test, so a step added to the state
// machine before the first round is added here too.
func (h *Harness) readyRoute(t *testing.T) signing.StartResult {
	t.Helper()
	once, perSignee := BeforeCollect(t)
	var started *signing.StartResult
	for _, fn := range once {
		if fn != "ResolveSignees" {
			t.Fatalf("Ready has no step for the function %s", fn)
		}
		got := h.Start(t)
		started = &got
	}
	if started == nil {
		t.Fatal("Ready: the state machine collects before it resolves the signees")
	}
	for _, sk := range started.Signees {
		for _, fn := range perSignee {
			if err := SigneeStep(context.Background(), h.Svc, fn, FoundersTask, sk); err != nil {
				t.Fatal(err)
			}
		}
	}
	return *started
}

// SigneeStep runs the service's step for one of a Map iteration's functions
// (BeforeCollect's perSignee) for signee sk.
func SigneeStep(ctx context.Context, svc *signing.Service, fn string, key signing.TaskKey, sk signing.SigneeKey) error {
	var err error
	switch fn {
	case "DelegateSignee":
		_, err = svc.Delegate(ctx, key, sk)
	case "NotifySignee":
		_, err = svc.Notify(ctx, key, sk)
	default:
		err = fmt.Errorf("signingtest: no step for the function %s", fn)
	}
	return err
}

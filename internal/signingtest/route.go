package signingtest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/signingflow/signing/internal/asl"
	"github.com/signingflow/signing/internal/signing"
)

// The state machine, loaded once; Ready only reads it.
var (
	machineOnce sync.Once
	machineDef  *asl.Definition
	machineErr  error
)

// readyRoute runs what the state machine runs for a new task before its
// first Collect Signatures, in the order statemachine/signing.asl.json
// gives: from StartAt through its Choice rules (an input with attempt 1 and
// no continuation), each Lambda Task by the function it invokes and each
// Map's steps for every signee. A Task it has no step for fails the test,
// so a step added there is added here too.
func (h *Harness) readyRoute(t *testing.T) signing.StartResult {
	t.Helper()
	machineOnce.Do(func() { machineDef, _, machineErr = asl.Load(filepath.Join(ModuleRoot(t), asl.Path)) })
	if machineErr != nil {
		t.Fatal(machineErr)
	}
	def := machineDef
	data := map[string]any{"attempt": 1.0, "input": map[string]any{"attempt": 1.0}}
	var started *signing.StartResult
	for name, n := def.StartAt, 0; ; n++ {
		s, ok := def.States[name]
		if !ok || n > len(def.States) {
			t.Fatalf("Ready: no state %q, or no Collect Signatures on the way", name)
		}
		switch fn := s.Function(); {
		case fn == "CollectSignatures":
			if started == nil {
				t.Fatal("Ready: the state machine collects before it resolves the signees")
			}
			return *started
		case fn == "ResolveSignees":
			got := h.Start(t)
			started = &got
		case s.Type == "Map":
			if started == nil {
				t.Fatalf("Ready: %s runs before the signees are resolved", name)
			}
			for _, sk := range started.Signees {
				for in := s.ItemProcessor.StartAt; in != ""; in = s.ItemProcessor.States[in].Next {
					h.readyStep(t, name+" / "+in, s.ItemProcessor.States[in], sk)
				}
			}
		case s.Type == "Task":
			t.Fatalf("Ready has no step for %s (%s)", name, fn)
		}
		next := s.Next
		if s.Type == "Choice" {
			var err error
			if next, err = s.Choose(data); err != nil {
				t.Fatalf("Ready: %s: %v", name, err)
			}
		}
		name = next
	}
}

// readyStep runs one step of a signee's Map iteration.
func (h *Harness) readyStep(t *testing.T, where string, s asl.State, sk signing.SigneeKey) {
	t.Helper()
	var err error
	switch fn := s.Function(); fn {
	case "DelegateSignee":
		_, err = h.Svc.Delegate(context.Background(), FoundersTask, sk)
	case "NotifySignee":
		_, err = h.Svc.Notify(context.Background(), FoundersTask, sk)
	default:
		t.Fatalf("Ready has no step for %s (%s)", where, fn)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Package e2e holds the end-to-end tests of the signing service on the
// local stack: the unmodified template.yaml, state machine and function
// binaries, with DynamoDB Local, moto, the edge, the function host, the
// HTTP API emulation, the SQS event source mappings and the platform
// emulator. One stack serves the whole test binary (TestMain stops it);
// each test works on its own instance of the founders fixture. The tests
// run one after another because fault injection (a dropped call, a killed
// process) is stack-wide.
package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/devtest"
	"github.com/signingflow/signing/internal/devstack/proc"
	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/workflow"
)

// instances is how many copies of the founders instance the fixture has.
const instances = 40

// mayReject is the signee provider of the founders with the reject action.
const mayReject = "founders-may-reject"

// inOrder is the signee provider of the founders in two signing groups:
// the company first, then Kari and Ola.
const inOrder = "founders-in-order"

var (
	once     sync.Once
	stack    *devstack.Stack
	fixture  emulator.Fixture
	example  workflow.Input
	upErr    error
	logs     = proc.NewTail(256 << 10)
	nextMu   sync.Mutex
	nextInst = 1 // instance 0 is the demo's
)

func TestMain(m *testing.M) {
	code := m.Run()
	if stack != nil {
		if err := stack.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: stop the stack:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// up starts the shared stack on first use: free ports, waits of 2s instead
// of the template's hour (WaitTimeoutSeconds), a 1s visibility timeout so
// redrive shows within a test.
func up(t *testing.T) *devstack.Stack {
	t.Helper()
	devtest.Short(t)
	devtest.GoTool(t)
	once.Do(func() {
		fixture = scenario.WithInstances(emulator.Founders(), instances)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		root, err := devstack.FindModuleRoot("")
		if err != nil {
			upErr = err
			return
		}
		if example, err = scenario.ExampleInput(root); err != nil {
			upErr = err
			return
		}
		// Configured providers that give the founders the reject action
		// too (mayReject), for the tests of a signee's reject, and that put
		// the founders after the company (inOrder), for signing groups.
		spec := signees.Founders().Spec()
		spec.ID, spec.AdditionalActions = mayReject, []string{"reject"}
		ordered := signees.Founders().Spec()
		ordered.ID = inOrder
		for i := range ordered.Organisations {
			ordered.Organisations[i].Group = 1
		}
		for i := range ordered.Persons {
			ordered.Persons[i].Group = 2
		}
		providers, err := json.Marshal(map[string]any{"providers": []signees.Spec{spec, ordered}})
		if err != nil {
			upErr = err
			return
		}
		t0 := time.Now()
		stack, upErr = devstack.Up(ctx, devstack.Options{
			ModuleRoot: root, EdgeAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", EmulatorAddr: "127.0.0.1:0",
			Fixture:       &fixture,
			Substitutions: map[string]string{"WaitTimeoutSeconds": "2", "RetryWaitSeconds": "1"},
			// Webhook retries a second apart, doubling, for the receiver-down test.
			FunctionEnv: map[string]string{"SIGNEE_PROVIDERS": string(providers), "WEBHOOK_RETRY_BASE": "1s"},
			Logs:        logs,
		})
		if upErr == nil {
			fmt.Fprintf(os.Stderr, "e2e: local stack up in %s (build %s)\n", time.Since(t0).Round(time.Millisecond), stack.Timings["build"].Round(time.Millisecond))
		}
	})
	if errors.Is(upErr, devstack.ErrUnavailable) {
		devtest.Unavailable(t, upErr)
	}
	if upErr != nil {
		t.Fatalf("devstack.Up() error = %v", upErr)
	}
	return stack
}

// newRun returns a run on an instance no other test uses.
func newRun(t *testing.T) *scenario.Run {
	t.Helper()
	s := up(t)
	nextMu.Lock()
	i := nextInst
	nextInst++
	nextMu.Unlock()
	if i >= len(fixture.Instances) {
		t.Fatalf("the fixture has %d instances; raise instances", len(fixture.Instances))
	}
	r := scenario.New(s, fixture.Instances[i], example)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last output of the stack:\n%s", redact(logs.String()))
		}
	})
	return r
}

// redact keeps national IDs out of test logs (fixture IDs are synthetic, but the rule holds).
func redact(s string) string {
	kari, ola, _ := scenario.Founders(fixture)
	for _, p := range []scenario.Party{kari, ola} {
		if p.SSN != "" {
			s = strings.ReplaceAll(s, p.SSN, p.SSN[:6]+"*****")
		}
	}
	if len(s) > 16<<10 {
		s = s[len(s)-16<<10:]
	}
	return s
}

// waitSlack stretches every wait: on a loaded 2-core runner the stack is
// slow, and a passing run never waits longer for it.
const waitSlack = 4

// within returns a context for one wait of a test (d × waitSlack).
func within(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d*waitSlack)
	t.Cleanup(cancel)
	return ctx
}

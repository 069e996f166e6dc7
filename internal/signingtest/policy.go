package signingtest

import (
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
)

// AllowDelegation lets the example app delegate on task what rule 5 of
// examples/founders' policy.xml lets it delegate on SigningTask (read, sign
// and reject), for tests of a second signing task: the emulator, like
// access management, refuses to delegate on a task the policy does not name.
func (h *Harness) AllowDelegation(t *testing.T, task string) {
	t.Helper()
	app := emulator.Founders().Applications[0]
	policy := string(app.PolicyBytes)
	start := strings.Index(policy, `<xacml:Rule RuleId="urn:altinn:example:ruleid:5"`)
	end := strings.Index(policy[max(start, 0):], "</xacml:Rule>")
	if start < 0 || end < 0 {
		t.Fatal("signingtest: the example policy has no delegation rule 5")
	}
	rule := policy[start : start+end+len("</xacml:Rule>")]
	copied := strings.Replace(rule, "ruleid:5", "ruleid:5-"+task, 1)
	copied = strings.Replace(copied, ">SigningTask<", ">"+task+"<", 1)
	policy = policy[:start] + rule + "\n  " + copied + policy[start+len(rule):]
	if err := h.Emu.SetPolicy(app.Org, app.App, []byte(policy)); err != nil {
		t.Fatal(err)
	}
}

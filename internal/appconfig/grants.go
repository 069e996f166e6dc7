package appconfig

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/signingflow/signing/internal/signees"
)

// What policy.xml must grant for a signing task (docs/platform.md, "Calls"):
//
//   - the app (subject urn:altinn:resource:delegation = app_{org}_{app}) may
//     delegate read, sign and the signee provider's additional actions on
//     the task: access management refuses every delegation with
//     AM.VLD-00004 when the policy gives the app no delegable right, and
//     answers 206 with the right NotDelegated for an action it may not
//     delegate (Altinn/altinn-authorization-tmp
//     src/apps/Altinn.AccessManagement/src/Altinn.AccessManagement.Core/Services/AppsInstanceDelegationService.cs);
//   - a party (a subject such as a role code) has read and sign on the
//     task: Storage's sign endpoint asks the decision point for sign on the
//     current task (Altinn/altinn-storage src/Storage/Authorization/StorageAccessHandler.cs);
//   - the service owner (subject urn:altinn:org) may read the instance and
//     the documents to sign and write the signing PDF: Storage checks the
//     service owner's token against the app's policy like any other
//     (src/Storage/Controllers/InstancesController.cs, DataController.cs).

// grants checks that policy.xml grants what signing task t needs.
func (c *checker) grants(t SigningTask) {
	if c.a.Org == "" || c.a.Name == "" {
		return
	}
	if c.a.policyMissing {
		c.out.warnf(policyPath, 0, t.ID+".policy",
			"file is missing; cannot check that the app may delegate read and sign on task %q, that a party may sign it and that the service owner may read and write the instance", t.ID)
		return
	}
	if c.a.Policy == nil {
		return // malformed; already reported
	}
	if t.Config.RuntimeDelegated() {
		c.delegation(t)
	}
	c.signeeRights(t)
	c.serviceOwnerRights(t)
}

// delegation checks that the app may delegate read, sign and the signee
// provider's additional actions on the task.
func (c *checker) delegation(t SigningTask) {
	subject := "app_" + c.a.Org + "_" + c.a.Name
	field := t.ID + ".delegation"
	if !c.a.Policy.DelegatesAny(c.a.Org, c.a.Name) {
		c.out.errorf(policyPath, 0, field,
			"no rule has subject urn:altinn:resource:delegation = %q, so access management refuses every delegation with AM.VLD-00004 (no delegable right) and no signee of task %q gets read and sign; add a Permit rule for that subject with the task and the actions",
			subject, t.ID)
		return
	}
	line, hint := 0, ""
	if lines := c.a.Policy.subjectRuleLines(subject); len(lines) > 0 {
		line = lines[0]
		hint = " (the rule on that line names the subject; check its org, app, task and actions)"
	}
	var missing []string
	for _, action := range []string{"read", "sign"} {
		if !c.a.CanDelegate(t.ID, action) {
			missing = append(missing, action)
		}
	}
	if len(missing) > 0 {
		c.out.errorf(policyPath, line, field,
			"no Permit rule with subject urn:altinn:resource:delegation = %q lets the app delegate %s on task %q of %s/%s; access management answers 206 NotDelegated for %s and delegating to signees fails%s",
			subject, andList(missing), t.ID, c.a.Org, c.a.Name, pronoun(len(missing)), hint)
	}
	spec, where, ok := c.providerSpec(t.Config.SigneeProviderID)
	if !ok {
		return
	}
	var extra []string
	for _, action := range spec.AdditionalActions {
		action = strings.ToLower(strings.TrimSpace(action))
		if action == "" || action == "read" || action == "sign" || slices.Contains(extra, action) {
			continue
		}
		if !c.a.CanDelegate(t.ID, action) {
			extra = append(extra, action)
		}
	}
	if len(extra) > 0 {
		c.out.errorf(policyPath, line, field,
			"signee provider %q (%s) delegates %s on task %q as well, but no Permit rule with subject urn:altinn:resource:delegation = %q lets the app delegate %s; access management answers 206 NotDelegated and delegating to signees fails%s",
			spec.ID, where, andList(extra), t.ID, subject, pronoun(len(extra)), hint)
	}
}

// providerSpec returns the spec of the signee provider id, configured in
// the app or built in, and where it is declared.
func (c *checker) providerSpec(id string) (signees.Spec, string, bool) {
	if id == "" {
		return signees.Spec{}, "", false
	}
	for i, s := range c.a.Providers {
		if s.ID == id {
			return s, fmt.Sprintf("%s providers[%d].additionalActions", signees.SpecsPath, i), true
		}
	}
	for _, p := range signees.BuiltIn() {
		if cp, ok := p.(*signees.Configured); ok && p.ID() == id {
			return cp.Spec(), "built-in provider, additionalActions", true
		}
	}
	return signees.Spec{}, "", false
}

// signeeRights checks that some party may read and sign the task.
func (c *checker) signeeRights(t SigningTask) {
	var missing []string
	for _, action := range []string{"read", "sign"} {
		if !c.a.Policy.permitsParty(c.a.Org, c.a.Name, t.ID, action) {
			missing = append(missing, action)
		}
	}
	if len(missing) == 0 {
		return
	}
	var when []string
	for _, action := range missing {
		when = append(when, map[string]string{"read": "reads the instance", "sign": "signs"}[action])
	}
	c.out.warnf(policyPath, 0, t.ID+".signeeRights",
		"no Permit rule gives a party (a subject such as urn:altinn:rolecode PRIV or DAGL) %s on task %q of %s/%s, which Storage's decision point asks for when a user %s; only parties delegated %s at run time may, not the instance owner",
		andList(missing), t.ID, c.a.Org, c.a.Name, andList(when), pronoun(len(missing)))
}

// serviceOwnerRights checks that the service owner may read the instance
// and the documents to sign, and write the signing PDF.
func (c *checker) serviceOwnerRights(t SigningTask) {
	type need struct{ action, why string }
	needs := []need{{"read", "read the instance and its data elements"}}
	if c.a.metadataOK {
		for _, id := range t.Config.DataTypesToSign {
			if dt, ok := c.a.Metadata.DataType(id); ok && dt.ActionRequiredToRead != "" {
				needs = append(needs, need{dt.ActionRequiredToRead, fmt.Sprintf("read data type %q (its actionRequiredToRead)", id)})
			}
		}
	}
	if id := t.Config.SigningPDFDataType; id != "" {
		needs = append(needs, need{"write", fmt.Sprintf("write the signing PDF (%q)", id)})
		if dt, ok := c.a.Metadata.DataType(id); ok && c.a.metadataOK && dt.ActionRequiredToWrite != "" {
			needs = append(needs, need{dt.ActionRequiredToWrite, fmt.Sprintf("write data type %q (its actionRequiredToWrite)", id)})
		}
	}
	var actions, whys []string
	for _, n := range needs {
		a := strings.ToLower(n.action)
		if slices.Contains(actions, a) || c.a.Policy.permitsServiceOwner(c.a.Org, c.a.Name, t.ID, a) {
			continue
		}
		actions = append(actions, a)
		whys = append(whys, n.why)
	}
	if len(actions) == 0 {
		return
	}
	line, hint := 0, ""
	if lines := c.a.Policy.ruleLines(subjectCategory, orgAttr, c.a.Org); len(lines) > 0 {
		line = lines[0]
		hint = " (the rule on that line names the service owner; check its org, app, task and actions)"
	}
	c.out.errorf(policyPath, line, t.ID+".serviceOwnerRights",
		"no Permit rule gives the service owner (subject urn:altinn:org = %q) %s on task %q of %s/%s; the service must %s with the service owner's token, and Storage's decision point checks it against this policy%s",
		c.a.Org, andList(actions), t.ID, c.a.Org, c.a.Name, strings.Join(whys, " and "), hint)
}

// andList joins a list as "a", "a and b" or "a, b and c".
func andList(list []string) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		return list[0]
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// resourceRequest is a request for action on task of org/app, without a subject.
func resourceRequest(org, app, task, action string) xacmlRequest {
	return xacmlRequest{
		requestKey(resourceCategory, orgAttr):  org,
		requestKey(resourceCategory, appAttr):  app,
		requestKey(resourceCategory, taskAttr): task,
		requestKey(actionCategory, actionAttr): action,
	}
}

// permitsServiceOwner reports whether the policy permits the service owner
// (subject urn:altinn:org = org) action on task of org/app.
func (p *Policy) permitsServiceOwner(org, app, task, action string) bool {
	req := resourceRequest(org, app, task, action)
	req[requestKey(subjectCategory, orgAttr)] = org
	return p.decide(req)
}

// permitsParty reports whether the policy permits action on task of org/app
// to some party: a subject one of its Permit rules names (a role code, a
// user, a party…), other than a service owner (urn:altinn:org) and an app
// that delegates (urn:altinn:resource:delegation).
func (p *Policy) permitsParty(org, app, task, action string) bool {
	for _, subject := range p.partySubjects() {
		req := resourceRequest(org, app, task, action)
		maps.Copy(req, subject)
		if p.decide(req) {
			return true
		}
	}
	return false
}

// partySubjects returns the subjects the Permit rules name, one per AllOf
// with subject matches; a rule without any names every subject (the empty
// request).
func (p *Policy) partySubjects() []xacmlRequest {
	if p == nil {
		return nil
	}
	var out []xacmlRequest
	for _, r := range p.Rules {
		if r.Effect != "Permit" {
			continue
		}
		named := false
		for _, anyOf := range r.target {
			for _, allOf := range anyOf {
				subject := xacmlRequest{}
				for _, m := range allOf {
					if m.category == subjectCategory {
						subject[requestKey(m.category, m.attribute)] = m.value
					}
				}
				if len(subject) == 0 {
					continue
				}
				named = true
				_, org := subject[requestKey(subjectCategory, orgAttr)]
				_, app := subject[requestKey(subjectCategory, delegationAttr)]
				if !org && !app {
					out = append(out, subject)
				}
			}
		}
		if !named {
			out = append(out, xacmlRequest{})
		}
	}
	return out
}

// ruleLines returns the lines of the rules whose target matches attribute
// of category against value, ignoring case.
func (p *Policy) ruleLines(category, attribute, value string) []int {
	if p == nil {
		return nil
	}
	var lines []int
	for _, r := range p.Rules {
		if slices.ContainsFunc(r.target, func(anyOf [][]xacmlMatch) bool {
			return slices.ContainsFunc(anyOf, func(allOf []xacmlMatch) bool {
				return slices.ContainsFunc(allOf, func(m xacmlMatch) bool {
					return m.category == category && m.attribute == attribute && strings.EqualFold(m.value, value)
				})
			})
		}) {
			lines = append(lines, r.Line)
		}
	}
	return lines
}

package appconfig

import (
	"slices"
	"strings"
)

// XACML identifiers used by Altinn app policies.
const (
	subjectCategory  = "urn:oasis:names:tc:xacml:1.0:subject-category:access-subject"
	resourceCategory = "urn:oasis:names:tc:xacml:3.0:attribute-category:resource"
	actionCategory   = "urn:oasis:names:tc:xacml:3.0:attribute-category:action"

	delegationAttr = "urn:altinn:resource:delegation"
	orgAttr        = "urn:altinn:org"
	appAttr        = "urn:altinn:app"
	taskAttr       = "urn:altinn:task"
	actionAttr     = "urn:oasis:names:tc:xacml:1.0:action:action-id"
)

// Policy is the parsed XACML policy of the app (App/config/authorization/policy.xml).
type Policy struct {
	// Rules are the policy's rules in file order.
	Rules []Rule

	target [][][]xacmlMatch // the policy-level target
}

// Rule is one XACML rule.
type Rule struct {
	// ID is the RuleId attribute.
	ID string
	// Effect is "Permit" or "Deny".
	Effect string
	// Line is the line of the rule in policy.xml.
	Line int

	target       [][][]xacmlMatch // AnyOf → AllOf → Match
	hasCondition bool
}

// xacmlMatch is one <Match>: the designated attribute must equal value.
type xacmlMatch struct {
	function  string
	category  string
	attribute string
	value     string
}

// xacmlRequest maps category+"|"+attribute id to the requested value.
type xacmlRequest map[string]string

func requestKey(category, attribute string) string { return category + "|" + attribute }

// matches reports whether the request satisfies the match. Only the string
// equality functions are understood; values are compared case-insensitively.
func (m xacmlMatch) matches(req xacmlRequest) bool {
	switch m.function {
	case "urn:oasis:names:tc:xacml:1.0:function:string-equal",
		"urn:oasis:names:tc:xacml:3.0:function:string-equal-ignore-case":
	default:
		return false
	}
	v, ok := req[requestKey(m.category, m.attribute)]
	return ok && strings.EqualFold(v, m.value)
}

// targetMatches evaluates a target: every AnyOf needs one AllOf whose matches all hold.
func targetMatches(target [][][]xacmlMatch, req xacmlRequest) bool {
	for _, anyOf := range target {
		if !slices.ContainsFunc(anyOf, func(allOf []xacmlMatch) bool {
			for _, m := range allOf {
				if !m.matches(req) {
					return false
				}
			}
			return true
		}) {
			return false
		}
	}
	return true
}

// decide returns whether the policy permits the request: some Permit rule
// matches and no Deny rule does. Rules with a Condition are not evaluated.
func (p *Policy) decide(req xacmlRequest) bool {
	if p == nil || !targetMatches(p.target, req) {
		return false
	}
	permit := false
	for _, r := range p.Rules {
		if r.hasCondition || !targetMatches(r.target, req) {
			continue
		}
		switch r.Effect {
		case "Deny":
			return false
		case "Permit":
			permit = true
		}
	}
	return permit
}

// actions returns every action-id value mentioned in the policy, lower-cased and sorted.
func (p *Policy) actions() []string {
	var out []string
	collect := func(target [][][]xacmlMatch) {
		for _, anyOf := range target {
			for _, allOf := range anyOf {
				for _, m := range allOf {
					if m.attribute == actionAttr {
						out = append(out, strings.ToLower(m.value))
					}
				}
			}
		}
	}
	if p != nil {
		collect(p.target)
		for _, r := range p.Rules {
			collect(r.target)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// subjectRuleLines returns the lines of the rules whose target names the
// delegation subject (urn:altinn:resource:delegation) value, ignoring case.
func (p *Policy) subjectRuleLines(subject string) []int {
	var lines []int
	if p == nil {
		return nil
	}
	for _, r := range p.Rules {
		if slices.ContainsFunc(r.target, func(anyOf [][]xacmlMatch) bool {
			return slices.ContainsFunc(anyOf, func(allOf []xacmlMatch) bool {
				return slices.ContainsFunc(allOf, func(m xacmlMatch) bool {
					return m.attribute == delegationAttr && strings.EqualFold(m.value, subject)
				})
			})
		}) {
			lines = append(lines, r.Line)
		}
	}
	return lines
}

// parsePolicy reads policy.xml; ok is false when it is not well-formed.
func parsePolicy(data []byte, fs *findings) (*Policy, bool) {
	root, xe := parseXML(data)
	if xe != nil {
		fs.errorf(policyPath, xe.line, "", "malformed XML: %s", xe.msg)
		return nil, false
	}
	if root.name.Local != "Policy" {
		fs.errorf(policyPath, root.line, "", "root element is <%s>; want xacml:Policy", root.name.Local)
		return nil, false
	}
	p := &Policy{}
	for _, c := range root.children {
		switch c.name.Local {
		case "Target":
			p.target = parseTarget(c)
		case "Rule":
			id, _ := c.attr("RuleId")
			effect, _ := c.attr("Effect")
			r := Rule{ID: id, Effect: strings.TrimSpace(effect), Line: c.line}
			if r.Effect != "Permit" && r.Effect != "Deny" {
				fs.errorf(policyPath, c.line, "Rule["+id+"]", "Effect must be Permit or Deny, not %q", effect)
			}
			for _, rc := range c.children {
				switch rc.name.Local {
				case "Target":
					r.target = parseTarget(rc)
				case "Condition":
					r.hasCondition = true
				}
			}
			p.Rules = append(p.Rules, r)
		}
	}
	return p, true
}

// parseTarget converts a <Target> element into AnyOf → AllOf → Match lists.
func parseTarget(t *xmlNode) [][][]xacmlMatch {
	var target [][][]xacmlMatch
	for _, anyOf := range t.children {
		if anyOf.name.Local != "AnyOf" {
			continue
		}
		var alls [][]xacmlMatch
		for _, allOf := range anyOf.children {
			if allOf.name.Local != "AllOf" {
				continue
			}
			var ms []xacmlMatch
			for _, m := range allOf.children {
				if m.name.Local != "Match" {
					continue
				}
				fn, _ := m.attr("MatchId")
				xm := xacmlMatch{function: strings.TrimSpace(fn)}
				for _, c := range m.children {
					switch c.name.Local {
					case "AttributeValue":
						xm.value = strings.TrimSpace(c.text)
					case "AttributeDesignator":
						cat, _ := c.attr("Category")
						id, _ := c.attr("AttributeId")
						xm.category, xm.attribute = strings.TrimSpace(cat), strings.TrimSpace(id)
					}
				}
				ms = append(ms, xm)
			}
			alls = append(alls, ms)
		}
		target = append(target, alls)
	}
	return target
}

// delegationRequest is the request Access Management evaluates when the app
// delegates action on task to a signee.
func delegationRequest(org, app, task, action string) xacmlRequest {
	return xacmlRequest{
		requestKey(subjectCategory, delegationAttr): "app_" + org + "_" + app,
		requestKey(resourceCategory, orgAttr):       org,
		requestKey(resourceCategory, appAttr):       app,
		requestKey(resourceCategory, taskAttr):      task,
		requestKey(actionCategory, actionAttr):      action,
	}
}

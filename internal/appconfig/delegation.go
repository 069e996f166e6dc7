package appconfig

import (
	"errors"
	"fmt"
)

// ParsePolicy reads a policy.xml on its own, e.g. for a double of access
// management that decides what an app may delegate. It fails on XML that
// is not well-formed or whose root is not a Policy.
func ParsePolicy(data []byte) (*Policy, error) {
	var fs findings
	p, ok := parsePolicy(data, &fs)
	if !ok {
		if len(fs) > 0 {
			return nil, fmt.Errorf("appconfig: policy: %s", fs[0].Message)
		}
		return nil, errors.New("appconfig: policy: not a policy")
	}
	return p, nil
}

// CanDelegate reports whether the policy lets the app org/app (subject
// urn:altinn:resource:delegation = app_{org}_{app}) delegate action on task
// of that app.
func (p *Policy) CanDelegate(org, app, task, action string) bool {
	if org == "" || app == "" {
		return false
	}
	return p.decide(delegationRequest(org, app, task, action))
}

// DelegatesAny reports whether some rule of the policy names the app
// org/app as delegation subject (urn:altinn:resource:delegation =
// app_{org}_{app}), i.e. whether the app may delegate anything at all.
func (p *Policy) DelegatesAny(org, app string) bool {
	return len(p.subjectRuleLines("app_"+org+"_"+app)) > 0
}

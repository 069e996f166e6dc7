package asl

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// UnmarshalJSON keeps the rule's fields beside Next, so Matches can
// evaluate it; nested rules (And, Or, Not) are Choices without Next.
func (c *Choice) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	if n, ok := fields["Next"]; ok {
		if err := json.Unmarshal(n, &c.Next); err != nil {
			return err
		}
		delete(fields, "Next")
	}
	c.Rule = fields
	return nil
}

// Choose returns where a Choice state goes for data (a decoded JSON
// document, as json.Unmarshal into any makes it): the Next of the first
// rule data matches, else Default. An operator Matches does not know is an
// error, so a new kind of rule in the definition is not misread.
func (s State) Choose(data any) (string, error) {
	if s.Type != "Choice" {
		return "", fmt.Errorf("asl: a %s state has no choices", s.Type)
	}
	for i, c := range s.Choices {
		ok, err := c.Matches(data)
		if err != nil {
			return "", fmt.Errorf("asl: choice %d: %w", i, err)
		}
		if ok {
			return c.Next, nil
		}
	}
	if s.Default == "" {
		return "", fmt.Errorf("asl: no choice matches and there is no Default (States.NoChoiceMatched)")
	}
	return s.Default, nil
}

// Matches evaluates the rule against data. It knows And, Or, Not and, on
// a Variable, IsPresent, IsNull, StringEquals, BooleanEquals and the
// Numeric comparisons with a literal; a comparison whose Variable is
// absent is an error, as it is in Step Functions (States.Runtime).
func (c Choice) Matches(data any) (bool, error) {
	if raw, ok := c.Rule["And"]; ok {
		var rules []Choice
		if err := json.Unmarshal(raw, &rules); err != nil {
			return false, err
		}
		for _, r := range rules {
			if ok, err := r.Matches(data); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}
	if raw, ok := c.Rule["Or"]; ok {
		var rules []Choice
		if err := json.Unmarshal(raw, &rules); err != nil {
			return false, err
		}
		for _, r := range rules {
			if ok, err := r.Matches(data); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	if raw, ok := c.Rule["Not"]; ok {
		var r Choice
		if err := json.Unmarshal(raw, &r); err != nil {
			return false, err
		}
		ok, err := r.Matches(data)
		return !ok, err
	}
	var path string
	if err := json.Unmarshal(c.Rule["Variable"], &path); err != nil {
		return false, fmt.Errorf("a rule without And, Or, Not or Variable: %v", c.Rule)
	}
	for op, raw := range c.Rule {
		if op == "Variable" {
			continue
		}
		v, present := Lookup(data, path)
		var want any
		if err := json.Unmarshal(raw, &want); err != nil {
			return false, err
		}
		if !operators[op] {
			return false, fmt.Errorf("operator %s is not modelled", op)
		}
		if op == "IsPresent" {
			return present == want, nil
		}
		if !present {
			return false, fmt.Errorf("%s: %s is absent (States.Runtime)", op, path)
		}
		switch op {
		case "IsNull":
			return (v == nil) == want, nil
		case "StringEquals":
			s, ok := v.(string)
			return ok && s == want, nil
		case "BooleanEquals":
			b, ok := v.(bool)
			return ok && b == want, nil
		case "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
			n, ok := v.(float64)
			w, wok := want.(float64)
			if !ok || !wok {
				return false, nil
			}
			switch op {
			case "NumericEquals":
				return n == w, nil
			case "NumericLessThan":
				return n < w, nil
			case "NumericLessThanEquals":
				return n <= w, nil
			case "NumericGreaterThan":
				return n > w, nil
			}
			return n >= w, nil
		}
		return false, fmt.Errorf("operator %s is not modelled", op)
	}
	return false, fmt.Errorf("a rule on %s without an operator", path)
}

// operators are the comparisons Matches knows.
var operators = map[string]bool{
	"IsPresent": true, "IsNull": true, "StringEquals": true, "BooleanEquals": true, "NumericEquals": true,
	"NumericLessThan": true, "NumericLessThanEquals": true, "NumericGreaterThan": true, "NumericGreaterThanEquals": true,
}

var pathStep = regexp.MustCompile(`^([^.\[]+)((?:\[\d+\])*)$`)

// Lookup returns the value at a reference path ($, $.a.b, $.a[0]) in data
// and whether it is there.
func Lookup(data any, path string) (any, bool) {
	rest, ok := strings.CutPrefix(path, "$")
	if !ok {
		return nil, false
	}
	v := data
	for _, part := range strings.Split(strings.TrimPrefix(rest, "."), ".") {
		if part == "" {
			continue
		}
		m := pathStep.FindStringSubmatch(part)
		if m == nil {
			return nil, false
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[m[1]]; !ok {
			return nil, false
		}
		for _, idx := range strings.Split(strings.Trim(m[2], "[]"), "][") {
			if idx == "" {
				continue
			}
			i, _ := strconv.Atoi(idx)
			list, ok := v.([]any)
			if !ok || i >= len(list) {
				return nil, false
			}
			v = list[i]
		}
	}
	return v, true
}

// Set puts v at a reference path ($.a or $.a.b) of data, making the
// objects on the way, as a ResultPath does; "$" is not a place here.
func Set(data map[string]any, path string, v any) error {
	rest, ok := strings.CutPrefix(path, "$.")
	if !ok {
		return fmt.Errorf("asl: cannot set %q", path)
	}
	parts := strings.Split(rest, ".")
	obj := data
	for _, p := range parts[:len(parts)-1] {
		next, ok := obj[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[p] = next
		}
		obj = next
	}
	obj[parts[len(parts)-1]] = v
	return nil
}

var functionArn = regexp.MustCompile(`^\$\{([A-Za-z0-9]+)FunctionArn\}$`)

// Function returns the function a Lambda Task invokes: its FunctionName's
// ${…FunctionArn} placeholder without FunctionArn (ResolveSignees for
// ${ResolveSigneesFunctionArn}); "" for any other state.
func (s State) Function() string {
	if s.Type != "Task" || s.Resource != LambdaInvoke {
		return ""
	}
	var p struct{ FunctionName string }
	if json.Unmarshal(s.Parameters, &p) != nil {
		return ""
	}
	if m := functionArn.FindStringSubmatch(p.FunctionName); m != nil {
		return m[1]
	}
	return ""
}

// Resources of the Task states.
const (
	LambdaInvoke = "arn:aws:states:::lambda:invoke"
	// DynamoDBUpdateCallback is the direct DynamoDB write that stores the
	// task token and waits for it (the wait steps).
	DynamoDBUpdateCallback = "arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken"
)

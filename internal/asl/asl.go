// Package asl reads an Amazon States Language definition
// (statemachine/signing.asl.json) so tests can check it against the
// template, the functions and the limits of Step Functions: where every
// transition goes, which ${Placeholder}s it uses, and how many history
// events each state records.
package asl

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
)

// Path is the state machine definition, relative to the module root.
const Path = "statemachine/signing.asl.json"

// Definition is a state machine or a Map's item processor.
type Definition struct {
	Comment string           `json:"Comment"`
	StartAt string           `json:"StartAt"`
	States  map[string]State `json:"States"`
}

// State is one state, with the fields the checks read.
type State struct {
	Type           string          `json:"Type"`
	Comment        string          `json:"Comment"`
	Resource       string          `json:"Resource"`
	Next           string          `json:"Next"`
	End            bool            `json:"End"`
	Default        string          `json:"Default"`
	Choices        []Choice        `json:"Choices"`
	Catch          []Catcher       `json:"Catch"`
	Retry          []Retrier       `json:"Retry"`
	Parameters     json.RawMessage `json:"Parameters"`
	ResultPath     *string         `json:"ResultPath"`
	ItemsPath      string          `json:"ItemsPath"`
	MaxConcurrency int             `json:"MaxConcurrency"`
	ItemProcessor  *Definition     `json:"ItemProcessor"`
	ItemSelector   json.RawMessage `json:"ItemSelector"`
	Error          string          `json:"Error"`
	// HasResultPath tells ResultPath: null apart from no ResultPath.
	HasResultPath bool `json:"-"`
}

// Choice is one rule of a Choice state; only the top level has Next.
// Rule holds the rule's other fields (Variable and its operator, or And,
// Or, Not), for Matches.
type Choice struct {
	Next string                     `json:"Next"`
	Rule map[string]json.RawMessage `json:"-"`
}

// Catcher is one Catch entry.
type Catcher struct {
	ErrorEquals []string `json:"ErrorEquals"`
	ResultPath  string   `json:"ResultPath"`
	Next        string   `json:"Next"`
}

// Catches reports whether c takes the error name: named, or States.ALL.
func (c Catcher) Catches(name string) bool {
	return slices.Contains(c.ErrorEquals, name) || slices.Contains(c.ErrorEquals, "States.ALL")
}

// Retrier is one Retry entry.
type Retrier struct {
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds int      `json:"IntervalSeconds"`
	MaxAttempts     *int     `json:"MaxAttempts"`
	BackoffRate     float64  `json:"BackoffRate"`
	JitterStrategy  string   `json:"JitterStrategy"`
}

// UnmarshalJSON records whether ResultPath was present (null discards the result).
func (s *State) UnmarshalJSON(b []byte) error {
	type plain State
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	_, p.HasResultPath = fields["ResultPath"]
	*s = State(p)
	return nil
}

// Load reads the definition at path and returns it with its raw bytes.
func Load(path string) (*Definition, []byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("asl: %w", err)
	}
	var d Definition
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, nil, fmt.Errorf("asl: %s: %w", path, err)
	}
	return &d, raw, nil
}

// Targets returns the states s can go to: Next, Default, the Choice rules'
// Next and the Catchers' Next.
func (s State) Targets() []string {
	var out []string
	add := func(n string) {
		if n != "" {
			out = append(out, n)
		}
	}
	add(s.Next)
	add(s.Default)
	for _, c := range s.Choices {
		add(c.Next)
	}
	for _, c := range s.Catch {
		add(c.Next)
	}
	return out
}

// Walk calls fn for every state of d and of its nested item processors;
// scope is the path of Map states above ("" at the top).
func (d *Definition) Walk(fn func(scope, name string, s State)) {
	d.walk("", fn)
}

func (d *Definition) walk(scope string, fn func(scope, name string, s State)) {
	for _, name := range d.Names() {
		s := d.States[name]
		fn(scope, name, s)
		if s.ItemProcessor != nil {
			inner := name
			if scope != "" {
				inner = scope + " / " + name
			}
			s.ItemProcessor.walk(inner, fn)
		}
	}
}

// Names returns the state names in sorted order.
func (d *Definition) Names() []string {
	names := make([]string, 0, len(d.States))
	for n := range d.States {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Reachable returns the states reachable from StartAt in d (not nested).
func (d *Definition) Reachable() map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		s, ok := d.States[n]
		if !ok {
			return
		}
		seen[n] = true
		for _, t := range s.Targets() {
			visit(t)
		}
	}
	visit(d.StartAt)
	return seen
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// Placeholders returns the distinct ${Name} placeholders in raw, sorted.
func Placeholders(raw []byte) []string {
	seen := map[string]bool{}
	for _, m := range placeholder.FindAllSubmatch(raw, -1) {
		seen[string(m[1])] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Substitute replaces each ${Name} in raw with values[Name], as
// DefinitionSubstitutions does; placeholders without a value stay.
func Substitute(raw []byte, values map[string]string) []byte {
	return placeholder.ReplaceAllFunc(raw, func(m []byte) []byte {
		if v, ok := values[string(m[2:len(m)-1])]; ok {
			b, _ := json.Marshal(v)
			return b[1 : len(b)-1] // inside a JSON string
		}
		return m
	})
}

package samtemplate

import (
	"fmt"
	"sort"
)

// Resource types of the SAM transform the project uses.
const (
	TypeFunction     = "AWS::Serverless::Function"
	TypeStateMachine = "AWS::Serverless::StateMachine"
)

// Function is the typed view of an AWS::Serverless::Function.
type Function struct {
	LogicalID string
	// CodeUri is the function's folder, e.g. "functions/api/".
	CodeUri string
	// Environment holds the function's own variables (Globals not merged):
	// name → plain string or Intrinsic.
	Environment map[string]any
	// Events are the event sources by name: their Type and Properties.
	Events map[string]Event
	// BuildMethod is Metadata.BuildMethod, e.g. "go1.x".
	BuildMethod string
}

// Event is one event source of a function.
type Event struct {
	Type       string
	Properties map[string]any
}

// Functions returns every function in document order.
func (t *Template) Functions() ([]Function, error) {
	var out []Function
	for _, r := range t.ResourcesOfType(TypeFunction) {
		f := Function{LogicalID: r.LogicalID, Environment: map[string]any{}, Events: map[string]Event{}}
		var ok bool
		if f.CodeUri, ok = r.String("CodeUri"); !ok {
			return nil, fmt.Errorf("line %d: function %s: CodeUri must be a folder", r.Line, r.LogicalID)
		}
		if vars, ok := r.Value("Environment", "Variables"); ok {
			m, ok := vars.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("line %d: function %s: Environment.Variables must be a mapping", r.Line, r.LogicalID)
			}
			f.Environment = m
		}
		if evs, ok := r.Value("Events"); ok {
			m, _ := evs.(map[string]any)
			for name, v := range m {
				ev, _ := v.(map[string]any)
				typ, _ := ev["Type"].(string)
				props, _ := ev["Properties"].(map[string]any)
				f.Events[name] = Event{Type: typ, Properties: props}
			}
		}
		if md, ok := r.Attributes["Metadata"].(map[string]any); ok {
			f.BuildMethod, _ = md["BuildMethod"].(string)
		}
		out = append(out, f)
	}
	return out, nil
}

// EnvironmentNames returns the names of the function's variables, sorted.
func (f Function) EnvironmentNames() []string {
	names := make([]string, 0, len(f.Environment))
	for k := range f.Environment {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// StateMachine is the typed view of an AWS::Serverless::StateMachine.
type StateMachine struct {
	LogicalID     string
	DefinitionUri string
	// Substitutions are DefinitionSubstitutions: name → plain value or Intrinsic.
	Substitutions map[string]any
}

// StateMachines returns every state machine in document order.
func (t *Template) StateMachines() ([]StateMachine, error) {
	var out []StateMachine
	for _, r := range t.ResourcesOfType(TypeStateMachine) {
		sm := StateMachine{LogicalID: r.LogicalID, Substitutions: map[string]any{}}
		var ok bool
		if sm.DefinitionUri, ok = r.String("DefinitionUri"); !ok {
			return nil, fmt.Errorf("line %d: state machine %s: DefinitionUri must be a file", r.Line, r.LogicalID)
		}
		if subs, ok := r.Value("DefinitionSubstitutions"); ok {
			m, ok := subs.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("line %d: state machine %s: DefinitionSubstitutions must be a mapping", r.Line, r.LogicalID)
			}
			sm.Substitutions = m
		}
		out = append(out, sm)
	}
	return out, nil
}

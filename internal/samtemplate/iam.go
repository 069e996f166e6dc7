package samtemplate

import (
	"fmt"
	"strings"
)

// Resource types that carry IAM policies, besides functions and state
// machines (their Policies property).
const (
	TypeIAMRole          = "AWS::IAM::Role"
	TypeIAMPolicy        = "AWS::IAM::Policy"
	TypeIAMManagedPolicy = "AWS::IAM::ManagedPolicy"
)

// Statement is one statement of an IAM policy the template writes out, with
// its Action, Resource, NotAction and NotResource rendered as text (see
// Texts), so a test can look for wildcards without evaluating the template.
type Statement struct {
	// LogicalID is the resource that holds the policy: a function, a state
	// machine, a role or a policy.
	LogicalID string
	// Where locates the policy in that resource, e.g. "Policies[0]" or
	// "Policies[1].PolicyDocument".
	Where  string
	Sid    string
	Effect string
	// Actions, Resources, NotActions and NotResources are the rendered
	// values, one entry per list element (and per branch of an Fn::If).
	Actions      []string
	Resources    []string
	NotActions   []string
	NotResources []string
}

// String names the statement for messages, e.g. "ApiFunction Policies[0] ResumeWorkflow".
func (s Statement) String() string {
	name := s.Sid
	if name == "" {
		name = "(no Sid)"
	}
	return s.LogicalID + " " + s.Where + " " + name
}

// OpaquePolicy is a policy the template names without spelling out its
// statements: a managed policy (name or ARN), or a SAM policy template
// such as LambdaInvokePolicy.
type OpaquePolicy struct {
	LogicalID string
	Where     string
	// Name is the managed policy's name or ARN, or the policy template's name.
	Name string
	// Template is true for a SAM policy template.
	Template bool
}

// Policies returns every statement of the IAM policies the template writes
// out (the Policies of functions and state machines, the inline policies
// of roles, the documents of AWS::IAM::Policy and AWS::IAM::ManagedPolicy),
// in document order, and the policies it only names. It does not see what
// the SAM transform adds by itself (e.g. AWSLambdaBasicExecutionRole).
func (t *Template) Policies() ([]Statement, []OpaquePolicy, error) {
	var stmts []Statement
	var opaque []OpaquePolicy
	for _, id := range t.order {
		r := t.Resources[id]
		fail := func(where string, err error) error {
			return fmt.Errorf("samtemplate: %s (line %d) %s: %w", id, r.Line, where, err)
		}
		switch r.Type {
		case TypeFunction, TypeStateMachine:
			v, ok := r.Value("Policies")
			if !ok {
				continue
			}
			list, isList := v.([]any)
			if !isList {
				list = []any{v}
			}
			for i, p := range list {
				where := fmt.Sprintf("Policies[%d]", i)
				if !isList {
					where = "Policies"
				}
				switch p := p.(type) {
				case string:
					opaque = append(opaque, OpaquePolicy{LogicalID: id, Where: where, Name: p})
				case Intrinsic:
					opaque = append(opaque, OpaquePolicy{LogicalID: id, Where: where, Name: p.String()})
				case map[string]any:
					if _, doc := p["Statement"]; doc {
						s, err := statements(id, where, p)
						if err != nil {
							return nil, nil, fail(where, err)
						}
						stmts = append(stmts, s...)
						continue
					}
					if len(p) != 1 {
						return nil, nil, fail(where, fmt.Errorf("neither a policy document (Statement) nor a policy template"))
					}
					for name := range p {
						opaque = append(opaque, OpaquePolicy{LogicalID: id, Where: where, Name: name, Template: true})
					}
				default:
					return nil, nil, fail(where, fmt.Errorf("a policy must be a name, a document or a policy template"))
				}
			}
		case TypeIAMRole:
			if v, ok := r.Value("Policies"); ok {
				list, ok := v.([]any)
				if !ok {
					return nil, nil, fail("Policies", fmt.Errorf("must be a list"))
				}
				for i, p := range list {
					where := fmt.Sprintf("Policies[%d].PolicyDocument", i)
					doc, ok := path(p, "PolicyDocument")
					if !ok {
						return nil, nil, fail(where, fmt.Errorf("missing"))
					}
					s, err := statements(id, where, doc)
					if err != nil {
						return nil, nil, fail(where, err)
					}
					stmts = append(stmts, s...)
				}
			}
			if v, ok := r.Value("ManagedPolicyArns"); ok {
				list, ok := v.([]any)
				if !ok {
					list = []any{v}
				}
				for i, a := range list {
					for _, name := range Texts(a) {
						opaque = append(opaque, OpaquePolicy{LogicalID: id, Where: fmt.Sprintf("ManagedPolicyArns[%d]", i), Name: name})
					}
				}
			}
		case TypeIAMPolicy, TypeIAMManagedPolicy:
			doc, ok := r.Value("PolicyDocument")
			if !ok {
				return nil, nil, fail("PolicyDocument", fmt.Errorf("missing"))
			}
			s, err := statements(id, "PolicyDocument", doc)
			if err != nil {
				return nil, nil, fail("PolicyDocument", err)
			}
			stmts = append(stmts, s...)
		}
	}
	return stmts, opaque, nil
}

// statements reads the statements of one policy document.
func statements(id, where string, doc any) ([]Statement, error) {
	raw, ok := path(doc, "Statement")
	if !ok {
		return nil, fmt.Errorf("the policy document has no Statement")
	}
	list, ok := raw.([]any)
	if !ok {
		list = []any{raw}
	}
	out := make([]Statement, 0, len(list))
	for i, st := range list {
		m, ok := st.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("statement %d must be a mapping", i)
		}
		s := Statement{LogicalID: id, Where: where}
		s.Sid, _ = m["Sid"].(string)
		s.Effect, _ = m["Effect"].(string)
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return nil, fmt.Errorf("statement %d: Effect must be Allow or Deny", i)
		}
		s.Actions, s.NotActions = Texts(m["Action"]), Texts(m["NotAction"])
		s.Resources, s.NotResources = Texts(m["Resource"]), Texts(m["NotResource"])
		if len(s.Actions)+len(s.NotActions) == 0 {
			return nil, fmt.Errorf("statement %d has no Action or NotAction", i)
		}
		out = append(out, s)
	}
	return out, nil
}

// Texts renders a value as the text it stands for, without evaluating the
// template: a string as itself, a list element by element, !Ref X as
// "${X}", !GetAtt A.B as "${A.B}", !Sub as its template string (with the
// variables of its list form filled in), !Join joined, both branches of an
// !If, and any other call in its short form. !Ref AWS::NoValue and nil
// render as nothing.
func Texts(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, Texts(x)...)
		}
		return out
	case Intrinsic:
		return intrinsicTexts(v)
	}
	return []string{fmt.Sprint(v)}
}

func intrinsicTexts(in Intrinsic) []string {
	switch in.Name {
	case "Ref":
		if in.Arg == "AWS::NoValue" {
			return nil
		}
		return []string{fmt.Sprintf("${%v}", in.Arg)}
	case "Fn::GetAtt":
		if arg, ok := in.Arg.([]any); ok && len(arg) == 2 {
			return []string{fmt.Sprintf("${%v.%v}", arg[0], arg[1])}
		}
		return []string{fmt.Sprintf("${%v}", in.Arg)}
	case "Fn::Sub":
		switch arg := in.Arg.(type) {
		case string:
			return []string{arg}
		case []any:
			if len(arg) == 2 {
				s, ok1 := arg[0].(string)
				vars, ok2 := arg[1].(map[string]any)
				if ok1 && ok2 {
					for name, x := range vars {
						s = strings.ReplaceAll(s, "${"+name+"}", strings.Join(Texts(x), "|"))
					}
					return []string{s}
				}
			}
		}
	case "Fn::Join":
		if arg, ok := in.Arg.([]any); ok && len(arg) == 2 {
			if sep, ok := arg[0].(string); ok {
				return []string{strings.Join(Texts(arg[1]), sep)}
			}
		}
	case "Fn::If":
		if arg, ok := in.Arg.([]any); ok && len(arg) == 3 {
			return append(Texts(arg[1]), Texts(arg[2])...)
		}
	}
	return []string{in.String()}
}

package stackdef

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/signingflow/signing/internal/samtemplate"
)

// noValue is what AWS::NoValue evaluates to: the property is left out.
type noValue struct{}

// evaluator resolves CloudFormation intrinsic functions against the local
// stack's parameters, pseudo parameters and physical resources.
type evaluator struct {
	tpl        *samtemplate.Template
	params     map[string]string
	pseudo     map[string]string
	refs       map[string]string            // logical ID → Ref value
	attrs      map[string]map[string]string // logical ID → attribute → value
	conditions map[string]bool
}

// eval returns the tree v with every intrinsic function resolved. Strings,
// numbers and bools stay as they are; lists and maps are rebuilt.
func (e *evaluator) eval(v any) (any, error) {
	switch x := v.(type) {
	case samtemplate.Intrinsic:
		return e.intrinsic(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			r, err := e.eval(val)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, skip := r.(noValue); !skip {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, val := range x {
			r, err := e.eval(val)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, skip := r.(noValue); !skip {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

// evalString evaluates v and renders it as a string, as CloudFormation
// renders scalars in string properties.
func (e *evaluator) evalString(v any) (string, error) {
	r, err := e.eval(v)
	if err != nil {
		return "", err
	}
	return scalarString(r)
}

func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("want a scalar, got %T", v)
}

func (e *evaluator) intrinsic(in samtemplate.Intrinsic) (any, error) {
	switch in.Name {
	case "Ref":
		name, ok := in.Arg.(string)
		if !ok {
			return nil, errors.New("!Ref needs a name")
		}
		return e.ref(name)
	case "Fn::GetAtt":
		res, attr, err := getAttArgs(in.Arg)
		if err != nil {
			return nil, err
		}
		return e.getAtt(res, attr)
	case "Fn::Sub":
		return e.sub(in.Arg)
	case "Fn::Join":
		args, ok := in.Arg.([]any)
		if !ok || len(args) != 2 {
			return nil, errors.New("!Join needs [delimiter, list]")
		}
		delim, err := e.evalString(args[0])
		if err != nil {
			return nil, err
		}
		list, err := e.eval(args[1])
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok {
			return nil, errors.New("!Join needs a list")
		}
		parts := make([]string, len(items))
		for i, it := range items {
			if parts[i], err = scalarString(it); err != nil {
				return nil, fmt.Errorf("!Join: %w", err)
			}
		}
		return strings.Join(parts, delim), nil
	case "Fn::Select":
		args, ok := in.Arg.([]any)
		if !ok || len(args) != 2 {
			return nil, errors.New("!Select needs [index, list]")
		}
		idx, err := e.evalString(args[0])
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(idx)
		if err != nil {
			return nil, fmt.Errorf("!Select: index %q", idx)
		}
		list, err := e.eval(args[1])
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok || n < 0 || n >= len(items) {
			return nil, fmt.Errorf("!Select: index %d out of range", n)
		}
		return items[n], nil
	case "Fn::Split":
		args, ok := in.Arg.([]any)
		if !ok || len(args) != 2 {
			return nil, errors.New("!Split needs [delimiter, string]")
		}
		delim, err := e.evalString(args[0])
		if err != nil {
			return nil, err
		}
		s, err := e.evalString(args[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::If":
		args, ok := in.Arg.([]any)
		if !ok || len(args) != 3 {
			return nil, errors.New("!If needs [condition, then, else]")
		}
		name, ok := args[0].(string)
		if !ok {
			return nil, errors.New("!If needs a condition name")
		}
		c, err := e.condition(name)
		if err != nil {
			return nil, err
		}
		if c {
			return e.eval(args[1])
		}
		return e.eval(args[2])
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		return e.boolean(in)
	case "Fn::FindInMap":
		args, ok := in.Arg.([]any)
		if !ok || len(args) < 3 {
			return nil, errors.New("!FindInMap needs [map, key, key]")
		}
		keys := make([]string, 3)
		for i := range keys {
			s, err := e.evalString(args[i])
			if err != nil {
				return nil, err
			}
			keys[i] = s
		}
		m, _ := e.tpl.Mappings[keys[0]].(map[string]any)
		top, _ := m[keys[1]].(map[string]any)
		v, ok := top[keys[2]]
		if !ok {
			return nil, fmt.Errorf("!FindInMap: no %s.%s.%s", keys[0], keys[1], keys[2])
		}
		return e.eval(v)
	case "Fn::GetAZs":
		r := e.pseudo["AWS::Region"]
		return []any{r + "a", r + "b", r + "c"}, nil
	case "Fn::Base64":
		return e.eval(in.Arg)
	}
	return nil, fmt.Errorf("the local stack does not evaluate %s", in.Name)
}

func getAttArgs(arg any) (string, string, error) {
	switch a := arg.(type) {
	case []any:
		if len(a) == 2 {
			r, ok1 := a[0].(string)
			at, ok2 := a[1].(string)
			if ok1 && ok2 {
				return r, at, nil
			}
		}
	case string:
		if r, at, ok := strings.Cut(a, "."); ok {
			return r, at, nil
		}
	}
	return "", "", errors.New("!GetAtt needs Resource.Attribute")
}

func (e *evaluator) ref(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue{}, nil
	}
	if v, ok := e.pseudo[name]; ok {
		return v, nil
	}
	if v, ok := e.params[name]; ok {
		return v, nil
	}
	if v, ok := e.refs[name]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("!Ref %s: no such parameter or resource", name)
}

func (e *evaluator) getAtt(res, attr string) (any, error) {
	if a, ok := e.attrs[res]; ok {
		if v, ok := a[attr]; ok {
			return v, nil
		}
	}
	return nil, fmt.Errorf("!GetAtt %s.%s: the local stack has no such attribute", res, attr)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (e *evaluator) sub(arg any) (any, error) {
	var tmpl string
	vars := map[string]string{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return nil, errors.New("!Sub needs a string or [string, variables]")
		}
		s, ok := a[0].(string)
		if !ok {
			return nil, errors.New("!Sub needs a string")
		}
		tmpl = s
		m, ok := a[1].(map[string]any)
		if !ok {
			return nil, errors.New("!Sub variables must be a map")
		}
		for k, v := range m {
			s, err := e.evalString(v)
			if err != nil {
				return nil, fmt.Errorf("!Sub variable %s: %w", k, err)
			}
			vars[k] = s
		}
	default:
		return nil, errors.New("!Sub needs a string or [string, variables]")
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			return v
		}
		var v any
		var err error
		if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v, err = e.getAtt(res, attr)
		} else {
			v, err = e.ref(name)
		}
		if err == nil {
			var s string
			s, err = scalarString(v)
			if err == nil {
				return s
			}
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("!Sub %s: %w", m, err)
		}
		return m
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func (e *evaluator) condition(name string) (bool, error) {
	if v, ok := e.conditions[name]; ok {
		return v, nil
	}
	def, ok := e.tpl.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	v, err := e.boolValue(def)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	e.conditions[name] = v
	return v, nil
}

func (e *evaluator) boolValue(v any) (bool, error) {
	in, ok := v.(samtemplate.Intrinsic)
	if !ok {
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return false, fmt.Errorf("want a condition, got %T", v)
	}
	r, err := e.boolean(in)
	if err != nil {
		return false, err
	}
	return r.(bool), nil
}

func (e *evaluator) boolean(in samtemplate.Intrinsic) (any, error) {
	switch in.Name {
	case "Condition":
		name, ok := in.Arg.(string)
		if !ok {
			return nil, errors.New("!Condition needs a name")
		}
		return e.condition(name)
	case "Fn::Equals":
		args, ok := in.Arg.([]any)
		if !ok || len(args) != 2 {
			return nil, errors.New("!Equals needs two values")
		}
		a, err := e.evalString(args[0])
		if err != nil {
			return nil, err
		}
		b, err := e.evalString(args[1])
		if err != nil {
			return nil, err
		}
		return a == b, nil
	case "Fn::Not", "Fn::And", "Fn::Or":
		args, ok := in.Arg.([]any)
		if !ok || len(args) == 0 {
			return nil, fmt.Errorf("%s needs a list of conditions", in.Name)
		}
		vals := make([]bool, len(args))
		for i, a := range args {
			if s, ok := a.(map[string]any); ok && len(s) == 1 {
				if c, ok := s["Condition"].(string); ok {
					a = samtemplate.Intrinsic{Name: "Condition", Arg: c}
				}
			}
			v, err := e.boolValue(a)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		switch in.Name {
		case "Fn::Not":
			return !vals[0], nil
		case "Fn::And":
			for _, v := range vals {
				if !v {
					return false, nil
				}
			}
			return true, nil
		default:
			for _, v := range vals {
				if v {
					return true, nil
				}
			}
			return false, nil
		}
	}
	return nil, fmt.Errorf("%s is not a condition function", in.Name)
}

// parameters returns every parameter's value: the override, else the
// default; it checks AllowedValues, AllowedPattern and MinValue/MaxValue
// and reports every problem at once.
func parameters(tpl *samtemplate.Template, overrides map[string]string) (map[string]string, error) {
	out := map[string]string{}
	var errs []error
	names := make([]string, 0, len(tpl.Parameters))
	for n := range tpl.Parameters {
		names = append(names, n)
	}
	sort.Strings(names)
	for k := range overrides {
		if _, ok := tpl.Parameters[k]; !ok {
			errs = append(errs, fmt.Errorf("parameter %s: not in the template", k))
		}
	}
	for _, name := range names {
		def, _ := tpl.Parameters[name].(map[string]any)
		v, ok := overrides[name]
		if !ok {
			d, has := def["Default"]
			if !has {
				errs = append(errs, fmt.Errorf("parameter %s: no value and no default", name))
				continue
			}
			s, err := scalarString(d)
			if err != nil {
				errs = append(errs, fmt.Errorf("parameter %s: default: %w", name, err))
				continue
			}
			v = s
		}
		if allowed, ok := def["AllowedValues"].([]any); ok {
			found := false
			for _, a := range allowed {
				if s, _ := scalarString(a); s == v {
					found = true
				}
			}
			if !found {
				errs = append(errs, fmt.Errorf("parameter %s: %q is not one of its AllowedValues", name, v))
			}
		}
		if p, ok := def["AllowedPattern"].(string); ok {
			re, err := regexp.Compile("^(?:" + p + ")$")
			if err == nil && !re.MatchString(v) {
				errs = append(errs, fmt.Errorf("parameter %s: %q does not match its AllowedPattern %s", name, v, p))
			}
		}
		if typ, _ := def["Type"].(string); typ == "Number" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("parameter %s: %q is not a number", name, v))
			} else {
				if min, ok := number(def["MinValue"]); ok && n < min {
					errs = append(errs, fmt.Errorf("parameter %s: %v is below its MinValue %v", name, n, min))
				}
				if max, ok := number(def["MaxValue"]); ok && n > max {
					errs = append(errs, fmt.Errorf("parameter %s: %v is above its MaxValue %v", name, n, max))
				}
			}
		}
		out[name] = v
	}
	return out, errors.Join(errs...)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

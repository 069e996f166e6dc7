// Package samtemplate reads the SAM/CloudFormation template (template.yaml)
// so tests and the local stack build what production builds from the same
// definition. It keeps every resource as a generic tree, with CloudFormation
// intrinsic functions (short tags like !Ref and !GetAtt, or their long
// forms) as Intrinsic values, and offers typed views of the resource kinds
// the project uses.
//
// It serves development and is never deployed: the functions read their
// settings from the environment, not the template, and link neither this
// package nor a YAML parser (internal/layout checks).
package samtemplate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// FileName is the template's name in the module root.
const FileName = "template.yaml"

// Template is a parsed template.
type Template struct {
	// Path is the file the template was read from, if any.
	Path                     string
	AWSTemplateFormatVersion string
	Transform                []string
	Description              string
	// Parameters, Globals, Conditions, Mappings and Outputs are kept as generic trees.
	Parameters map[string]any
	Globals    map[string]any
	Conditions map[string]any
	Mappings   map[string]any
	Outputs    map[string]any
	// Resources are keyed by logical ID.
	Resources map[string]Resource
	// order is the logical IDs in document order.
	order []string
}

// Resource is one entry of the Resources section.
type Resource struct {
	LogicalID string
	Type      string
	// Properties is the resource's Properties as a generic tree: map[string]any,
	// []any, string, bool, int64, float64, nil or Intrinsic.
	Properties map[string]any
	// Attributes are the other resource attributes (DependsOn, DeletionPolicy,
	// Condition, Metadata, …) as generic trees.
	Attributes map[string]any
	// Line is the resource's line in the file, for error messages.
	Line int
}

// Intrinsic is a CloudFormation intrinsic function call, e.g. !Ref X
// (Name "Ref") or !GetAtt A.B (Name "Fn::GetAtt"), with its argument tree.
type Intrinsic struct {
	Name string
	Arg  any
}

// String renders the call in its short form, e.g. "!Ref SigningTable".
func (in Intrinsic) String() string {
	return fmt.Sprintf("!%s %v", strings.TrimPrefix(in.Name, "Fn::"), in.Arg)
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %s: %w", path, err)
	}
	t.Path = path
	return t, nil
}

// Read parses a template from r.
func Read(r io.Reader) (*Template, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	return Parse(b)
}

// FindFile walks up from dir (the working directory when empty) to the
// first folder that holds template.yaml and returns that file's path.
func FindFile(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("samtemplate: %w", err)
		}
		dir = wd
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("samtemplate: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, FileName)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("samtemplate: no %s in %s or above", FileName, dir)
		}
	}
}

// Parse parses template YAML (JSON is YAML too).
func Parse(b []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the template must be a mapping")
	}
	root := doc.Content[0]
	t := &Template{Resources: map[string]Resource{}}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		tree, err := decode(val)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		switch key {
		case "AWSTemplateFormatVersion":
			t.AWSTemplateFormatVersion = fmt.Sprint(tree)
		case "Description":
			t.Description, _ = tree.(string)
		case "Transform":
			switch v := tree.(type) {
			case string:
				t.Transform = []string{v}
			case []any:
				for _, x := range v {
					t.Transform = append(t.Transform, fmt.Sprint(x))
				}
			}
		case "Parameters":
			t.Parameters, _ = tree.(map[string]any)
		case "Globals":
			t.Globals, _ = tree.(map[string]any)
		case "Conditions":
			t.Conditions, _ = tree.(map[string]any)
		case "Mappings":
			t.Mappings, _ = tree.(map[string]any)
		case "Outputs":
			t.Outputs, _ = tree.(map[string]any)
		case "Resources":
			if val.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("line %d: Resources must be a mapping", val.Line)
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				id, node := val.Content[j].Value, val.Content[j+1]
				r, err := decodeResource(id, node)
				if err != nil {
					return nil, err
				}
				if _, dup := t.Resources[id]; dup {
					return nil, fmt.Errorf("line %d: resource %s is defined twice", node.Line, id)
				}
				t.Resources[id] = r
				t.order = append(t.order, id)
			}
		}
	}
	return t, nil
}

func decodeResource(id string, node *yaml.Node) (Resource, error) {
	tree, err := decode(node)
	if err != nil {
		return Resource{}, fmt.Errorf("resource %s: %w", id, err)
	}
	m, ok := tree.(map[string]any)
	if !ok {
		return Resource{}, fmt.Errorf("line %d: resource %s must be a mapping", node.Line, id)
	}
	r := Resource{LogicalID: id, Attributes: map[string]any{}, Line: node.Line}
	for k, v := range m {
		switch k {
		case "Type":
			r.Type, _ = v.(string)
		case "Properties":
			props, ok := v.(map[string]any)
			if !ok && v != nil {
				return Resource{}, fmt.Errorf("line %d: resource %s: Properties must be a mapping", node.Line, id)
			}
			r.Properties = props
		default:
			r.Attributes[k] = v
		}
	}
	if r.Type == "" {
		return Resource{}, fmt.Errorf("line %d: resource %s has no Type", node.Line, id)
	}
	if r.Properties == nil {
		r.Properties = map[string]any{}
	}
	return r, nil
}

// decode turns a YAML node into a generic tree, mapping CloudFormation tags
// and long-form intrinsic functions to Intrinsic.
func decode(n *yaml.Node) (any, error) {
	var v any
	var err error
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return decode(n.Content[0])
	case yaml.AliasNode:
		return decode(n.Alias)
	case yaml.ScalarNode:
		v, err = scalar(n)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			x, err := decode(c)
			if err != nil {
				return nil, err
			}
			list = append(list, x)
		}
		v = list
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			x, err := decode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = x
		}
		if len(m) == 1 {
			for k, x := range m {
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
					v = Intrinsic{Name: k, Arg: x}
				}
			}
		}
		if v == nil {
			v = m
		}
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", n.Line, err)
	}
	if name, ok := intrinsicTag(n.Tag); ok {
		arg := v
		if name == "Fn::GetAtt" {
			// !GetAtt A.B is ["A", "B"] in the long form.
			if s, ok := v.(string); ok {
				if res, attr, found := strings.Cut(s, "."); found {
					arg = []any{res, attr}
				}
			}
		}
		return Intrinsic{Name: name, Arg: arg}, nil
	}
	return v, nil
}

// intrinsicTag maps a short-form tag like !Sub to its long name.
func intrinsicTag(tag string) (string, bool) {
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return "", false
	}
	name := tag[1:]
	switch name {
	case "Ref", "Condition":
		return name, true
	}
	return "Fn::" + name, true
}

func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		err := n.Decode(&b)
		return b, err
	case "!!int":
		return strconv.ParseInt(n.Value, 0, 64)
	case "!!float":
		return strconv.ParseFloat(n.Value, 64)
	}
	return n.Value, nil
}

// LogicalIDs returns the resources' logical IDs in document order.
func (t *Template) LogicalIDs() []string { return append([]string(nil), t.order...) }

// Resource returns the resource with logical ID id.
func (t *Template) Resource(id string) (Resource, bool) {
	r, ok := t.Resources[id]
	return r, ok
}

// ResourcesOfType returns the resources of type typ (e.g.
// "AWS::DynamoDB::Table") in document order.
func (t *Template) ResourcesOfType(typ string) []Resource {
	var out []Resource
	for _, id := range t.order {
		if r := t.Resources[id]; r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// path walks a generic tree along keys.
func path(tree any, keys ...string) (any, bool) {
	cur := tree
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// String returns the string at keys below the resource's Properties; ok is
// false when it is missing or not a plain string (e.g. an Intrinsic).
func (r Resource) String(keys ...string) (string, bool) {
	v, ok := path(r.Properties, keys...)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

// Bool returns the bool at keys below the resource's Properties.
func (r Resource) Bool(keys ...string) (value, ok bool) {
	v, found := path(r.Properties, keys...)
	if !found {
		return false, false
	}
	b, ok := v.(bool)
	return b, ok
}

// Value returns the tree at keys below the resource's Properties.
func (r Resource) Value(keys ...string) (any, bool) { return path(r.Properties, keys...) }

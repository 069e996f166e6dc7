package signees

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/signingflow/signing/internal/signing"
)

// document is form data read into a generic tree: objects are map[string]any
// with lowercased keys, lists are []any, values are strings. JSON and XML read
// into the same shape, so one path works for both.
type document = map[string]any

// maxFormData bounds the form data a provider reads.
const maxFormData = 8 << 20

// parseFormData reads JSON or XML form data by content type (sniffing when
// the type is missing or generic).
func parseFormData(body []byte, contentType string) (document, error) {
	if len(body) > maxFormData {
		return nil, fmt.Errorf("form data is %d bytes, more than the %d allowed", len(body), maxFormData)
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return parseJSON(trimmed)
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return parseXML(trimmed)
	case len(trimmed) > 0 && trimmed[0] == '{':
		return parseJSON(trimmed)
	case len(trimmed) > 0 && trimmed[0] == '<':
		return parseXML(trimmed)
	}
	return nil, fmt.Errorf("form data content type %q is neither JSON nor XML", contentType)
}

func parseJSON(body []byte) (document, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("form data is not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("form data has more than one JSON value")
	}
	obj, ok := normaliseJSON(v).(document)
	if !ok {
		return nil, errors.New("form data must be a JSON object")
	}
	return obj, nil
}

func normaliseJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(document, len(t))
		for k, val := range t {
			out[strings.ToLower(k)] = normaliseJSON(val)
		}
		return out
	case []any:
		for i := range t {
			t[i] = normaliseJSON(t[i])
		}
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	return v
}

// parseXML reads the root element's children; repeated child elements become
// lists, leaf elements strings. Attributes are ignored.
func parseXML(body []byte) (document, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	type frame struct {
		obj  document
		text strings.Builder
		name string
		kids int
	}
	var stack []*frame
	var root document
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("form data is not valid XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				return nil, errors.New("form data has more than one XML root element")
			}
			if len(stack) > 64 {
				return nil, errors.New("form data XML is nested more than 64 levels deep")
			}
			stack = append(stack, &frame{obj: document{}, name: strings.ToLower(t.Name.Local)})
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			var val any = f.obj
			if f.kids == 0 {
				val = strings.TrimSpace(f.text.String())
			}
			if len(stack) == 0 {
				root = f.obj
				continue
			}
			parent := stack[len(stack)-1]
			parent.kids++
			switch existing := parent.obj[f.name].(type) {
			case nil:
				parent.obj[f.name] = val
			case []any:
				parent.obj[f.name] = append(existing, val)
			default:
				parent.obj[f.name] = []any{existing, val}
			}
		}
	}
	if root == nil {
		return nil, errors.New("form data has no XML root element")
	}
	return root, nil
}

// lookup follows a dotted path (case-insensitive) and returns the values it
// reaches; a list along the way fans out.
func lookup(v any, path string) []any {
	if path == "" || path == "." {
		return flatten(v)
	}
	head, rest, _ := strings.Cut(path, ".")
	head = strings.ToLower(head)
	var out []any
	for _, item := range flatten(v) {
		obj, ok := item.(document)
		if !ok {
			continue
		}
		child, ok := obj[head]
		if !ok {
			continue
		}
		if rest == "" {
			out = append(out, flatten(child)...)
		} else {
			out = append(out, lookup(child, rest)...)
		}
	}
	return out
}

// objects returns the rows at path that describe a signee: objects. A null,
// an empty string or an empty XML element is no row (a form without
// companies often holds one); any other value where a row belongs is an
// error naming the path.
func objects(doc document, path string) ([]document, error) {
	var out []document
	for i, v := range lookup(doc, path) {
		switch t := v.(type) {
		case document:
			out = append(out, t)
		case nil:
		case string:
			if strings.TrimSpace(t) != "" {
				return nil, &signing.FieldError{Field: fmt.Sprintf("formData.%s[%d]", path, i), Message: "must be an object describing a signee, got a value"}
			}
		default:
			return nil, &signing.FieldError{Field: fmt.Sprintf("formData.%s[%d]", path, i), Message: "must be an object describing a signee"}
		}
	}
	return out, nil
}

func flatten(v any) []any {
	if list, ok := v.([]any); ok {
		return list
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// text returns the string at path within obj, or "".
func text(obj any, path string) string {
	if path == "" {
		return ""
	}
	vals := lookup(obj, path)
	if len(vals) == 0 {
		return ""
	}
	s, _ := vals[0].(string)
	return strings.TrimSpace(s)
}

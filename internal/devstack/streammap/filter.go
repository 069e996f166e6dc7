package streammap

import (
	"encoding/json"
	"errors"
	"fmt"
)

// pattern is a compiled filter pattern: each key names a field of the
// record (as Lambda's event JSON has it); a nested object matches nested
// fields; an array lists the values the field may equal. This is the
// equality subset of Lambda's filter syntax (AWS Lambda developer guide,
// "Control which events Lambda sends to your function"); a pattern with an
// operator (prefix, exists, numeric, …) is refused, not half-applied.
type pattern map[string]any

func compile(s string) (pattern, error) {
	var p map[string]any
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if err := check(p); err != nil {
		return nil, err
	}
	return p, nil
}

func check(p map[string]any) error {
	for k, v := range p {
		switch v := v.(type) {
		case map[string]any:
			if err := check(v); err != nil {
				return fmt.Errorf("%s.%w", k, err)
			}
		case []any:
			for _, x := range v {
				switch x.(type) {
				case string, float64, bool, nil:
				default:
					return fmt.Errorf("%s: the local stack matches equal values only, not %v", k, x)
				}
			}
		default:
			return errors.New(k + ": want an object or an array of values")
		}
	}
	return nil
}

// matches reports whether rec passes: no filters, or one that matches.
func matches(filters []pattern, rec any) bool {
	if len(filters) == 0 {
		return true
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return false
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return false
	}
	for _, f := range filters {
		if match(f, doc) {
			return true
		}
	}
	return false
}

func match(p map[string]any, doc map[string]any) bool {
	for k, want := range p {
		got, ok := doc[k]
		switch want := want.(type) {
		case map[string]any:
			sub, isMap := got.(map[string]any)
			if !ok || !isMap || !match(want, sub) {
				return false
			}
		case []any:
			found := false
			for _, w := range want {
				if ok && w == got {
					found = true
				}
			}
			if !found {
				return false
			}
		}
	}
	return true
}

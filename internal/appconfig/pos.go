package appconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// lineCol converts a byte offset in data to a 1-based line and column.
func lineCol(data []byte, off int) (line, col int) {
	off = max(0, min(off, len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = off - bytes.LastIndexByte(before, '\n')
	return line, col
}

// jsonProblem describes a JSON decoding error and returns the line it
// points at (0 if unknown).
func jsonProblem(data []byte, err error) (line int, msg string) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// Offset counts the bytes read including the offending one.
		l, c := lineCol(data, int(se.Offset)-1)
		return l, fmt.Sprintf("invalid JSON at line %d, column %d: %s", l, c, se.Error())
	case errors.As(err, &te):
		l, c := lineCol(data, int(te.Offset)-1)
		field := te.Field
		if field == "" {
			field = "value"
		}
		return l, fmt.Sprintf("invalid JSON at line %d, column %d: %s must be %s, not %s", l, c, field, jsonKind(te.Type), te.Value)
	default:
		return 0, "invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	}
}

// jsonKind names the JSON value kind that decodes into t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	default:
		return "another kind of value"
	}
}

// arraySpan is the byte range of one element of a JSON array.
type arraySpan struct{ start, end int }

// topLevelArraySpans returns the byte ranges of the elements of the array
// stored under key in the top-level object of data. It returns nil if data
// is not such a document.
func topLevelArraySpans(data []byte, key string) []arraySpan {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil
		}
		if k != key {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil
			}
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return nil
		}
		var spans []arraySpan
		for dec.More() {
			from := int(dec.InputOffset())
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return spans
			}
			end := int(dec.InputOffset())
			start := skipJSONSeparators(data, from)
			spans = append(spans, arraySpan{start: start, end: end})
		}
		return spans
	}
	return nil
}

// skipJSONSeparators advances off past whitespace, commas and colons.
func skipJSONSeparators(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// keyLine returns the line of the first `"key":` inside data[span], or the
// span's own line when the key is not found.
func keyLine(data []byte, span arraySpan, keys ...string) int {
	if span.end <= span.start || span.end > len(data) {
		return 0
	}
	obj := data[span.start:span.end]
	for _, key := range keys {
		quoted := []byte(`"` + key + `"`)
		for from := 0; from < len(obj); {
			i := bytes.Index(obj[from:], quoted)
			if i < 0 {
				break
			}
			at := from + i
			if rest := bytes.TrimLeft(obj[at+len(quoted):], " \t\r\n"); len(rest) > 0 && rest[0] == ':' {
				l, _ := lineCol(data, span.start+at)
				return l
			}
			from = at + len(quoted)
		}
	}
	l, _ := lineCol(data, span.start)
	return l
}

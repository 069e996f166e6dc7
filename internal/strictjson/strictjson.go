// Package strictjson checks JSON input for what encoding/json lets
// through: bytes that are not UTF-8 (it replaces them with U+FFFD) and an
// object that names a member twice (it keeps the last). Both are refused
// before the input is decoded, so a request or a step event means one thing.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// Error says where the input is not strict JSON. Path is the member's
// path ("signee", "config.dataTypesToSign[2]"), empty for the whole input.
type Error struct {
	Path    string
	Message string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Check reports the first place raw is not UTF-8 or repeats a member name
// in one object. It never quotes the input. Malformed JSON is left to the
// decoder, which names it better; Check then returns nil.
func Check(raw []byte) error {
	if !utf8.Valid(raw) {
		return &Error{Message: "is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	// Each open object or array: its path, and for an object its names and
	// whether the next token is a name.
	type frame struct {
		path    string
		names   map[string]bool
		object  bool
		wantKey bool
		index   int
		key     string
	}
	var stack []*frame
	child := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			if f.path == "" {
				return f.key
			}
			return f.path + "." + f.key
		}
		p := f.path + "[" + strconv.Itoa(f.index) + "]"
		f.index++
		return p
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil
		}
		if len(stack) > 0 {
			if f := stack[len(stack)-1]; f.object && f.wantKey {
				if d, ok := tok.(json.Delim); ok && d == '}' {
					stack = stack[:len(stack)-1]
					continue
				}
				name, _ := tok.(string)
				if f.names[name] {
					p := name
					if f.path != "" {
						p = f.path + "." + name
					}
					return &Error{Path: p, Message: "is given more than once"}
				}
				f.names[name] = true
				f.key, f.wantKey = name, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			p := child()
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].wantKey = true
			}
			stack = append(stack, &frame{path: p, names: map[string]bool{}, object: true, wantKey: true})
		case json.Delim('['):
			p := child()
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].wantKey = true
			}
			stack = append(stack, &frame{path: p})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		default:
			if len(stack) > 0 {
				f := stack[len(stack)-1]
				if f.object {
					f.wantKey = true
				} else {
					f.index++
				}
			}
		}
	}
}

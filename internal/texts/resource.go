package texts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidResourceFile is matched (errors.Is) by every error ParseResourceFile returns.
var ErrInvalidResourceFile = errors.New("texts: invalid text resource file")

// fieldError names the offending field of a resource file.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string {
	if e.field == "" {
		return "texts: " + e.msg
	}
	return "texts: " + e.field + ": " + e.msg
}

func (e *fieldError) Unwrap() error { return ErrInvalidResourceFile }

// ParseResourceFile parses an app text resource file ({"language":"nb","resources":[{"id":…,"value":…}]}) into its language and id → value map.
func ParseResourceFile(data []byte) (lang string, values map[string]string, err error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // editors on Windows like a BOM
	var file struct {
		Language  json.RawMessage `json:"language"`
		Resources json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return "", nil, &fieldError{msg: describeJSONError(err)}
	}

	if isAbsent(file.Language) {
		return "", nil, &fieldError{field: "language", msg: "missing"}
	}
	if err := json.Unmarshal(file.Language, &lang); err != nil {
		return "", nil, &fieldError{field: "language", msg: "want a string"}
	}
	lang = strings.TrimSpace(lang)
	if lang == "" {
		return "", nil, &fieldError{field: "language", msg: "empty"}
	}

	if isAbsent(file.Resources) {
		return "", nil, &fieldError{field: "resources", msg: "missing"}
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(file.Resources, &entries); err != nil {
		return "", nil, &fieldError{field: "resources", msg: "want an array"}
	}

	// Report every bad entry at once, so an app developer fixes the file in one go.
	var errs []error
	values = make(map[string]string, len(entries))
	firstIndex := make(map[string]int, len(entries))
	for i, raw := range entries {
		at := fmt.Sprintf("resources[%d]", i)
		var entry struct {
			ID    *string `json:"id"`
			Value *string `json:"value"`
		}
		if err := json.Unmarshal(raw, &entry); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) && typeErr.Field != "" {
				errs = append(errs, &fieldError{field: at + "." + typeErr.Field, msg: "want a string"})
			} else {
				errs = append(errs, &fieldError{field: at, msg: "want an object with id and value"})
			}
			continue
		}
		switch {
		case entry.ID == nil:
			errs = append(errs, &fieldError{field: at + ".id", msg: "missing"})
			continue
		case strings.TrimSpace(*entry.ID) == "":
			errs = append(errs, &fieldError{field: at + ".id", msg: "empty"})
			continue
		case entry.Value == nil:
			errs = append(errs, &fieldError{field: at + ".value", msg: "missing"})
			continue
		}
		id := *entry.ID
		if first, dup := firstIndex[id]; dup {
			errs = append(errs, &fieldError{
				field: at + ".id",
				msg:   fmt.Sprintf("duplicate %q, also at resources[%d]", id, first),
			})
			continue
		}
		firstIndex[id] = i
		values[id] = *entry.Value
	}
	if len(errs) > 0 {
		return "", nil, errors.Join(errs...)
	}
	return lang, values, nil
}

// isAbsent reports whether a JSON field was missing or null.
func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// describeJSONError turns a top-level decoding error into a short message.
func describeJSONError(err error) string {
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field == "" {
		return "want a JSON object"
	}
	return err.Error()
}

package idp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"time"
)

// decodeSegment decodes a base64url JSON object.
func decodeSegment(seg string, v *map[string]json.RawMessage) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	if *v == nil {
		return errors.New("not an object")
	}
	return nil
}

// stringValue reads a JSON string.
func stringValue(raw json.RawMessage) (string, bool) {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// singleString reads a string or an array of exactly one string.
func singleString(raw json.RawMessage) (string, bool) {
	if s, ok := stringValue(raw); ok {
		return s, true
	}
	var a []string
	if raw == nil || json.Unmarshal(raw, &a) != nil || len(a) != 1 {
		return "", false
	}
	return a[0], true
}

// stringOrStrings reads a string or an array of strings.
func stringOrStrings(raw json.RawMessage) ([]string, bool) {
	if s, ok := stringValue(raw); ok && s != "" {
		return []string{s}, true
	}
	var a []string
	if json.Unmarshal(raw, &a) != nil || len(a) == 0 || slices.Contains(a, "") {
		return nil, false
	}
	return a, true
}

// numericDate reads an RFC 7519 NumericDate (seconds, maybe fractional).
func numericDate(raw json.RawMessage) (time.Time, bool) {
	if len(raw) == 0 || !bytes.ContainsAny(raw[:1], "-0123456789") { // not null, a string, …
		return time.Time{}, false
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil || math.IsNaN(f) || math.Abs(f) > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

package platform

import (
	"bytes"
	"encoding/json"
	"mime"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// maxDetail is the most bytes of an error body kept in an error.
const maxDetail = 512

// problem is what an error response says, already made safe to print.
type problem struct {
	Type   string
	Title  string
	Status int
	Code   string
	Detail string
}

// parseProblem reads an error response body. An RFC 9457 problem (or any
// JSON object with its members) fills every field; anything else becomes the
// Detail, truncated. Every field is redacted: no 11-digit number and no
// bearer token survives, and Detail is at most maxDetail bytes of valid UTF-8.
func parseProblem(contentType string, body []byte) problem {
	body = bytes.TrimSpace(body)
	if looksJSON(contentType, body) {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(body, &raw); err == nil {
			p := problem{
				Type:  clean(jsonString(raw["type"]), 200),
				Title: clean(jsonString(raw["title"]), 200),
				Code:  clean(firstNonEmpty(jsonString(raw["code"]), jsonString(raw["errorCode"])), 100),
			}
			p.Status = jsonInt(raw["status"])
			detail := jsonString(raw["detail"])
			if detail == "" {
				detail = p.Title
			}
			if fields := errorFields(raw["errors"]); fields != "" {
				if detail != "" {
					detail += "; "
				}
				detail += "invalid fields: " + fields
			}
			if code, list := validationErrors(raw["validationErrors"]); list != "" {
				if detail != "" {
					detail += "; "
				}
				detail += list
				// The wrapper code (STD-00000) says only "validation"; the
				// first entry's code (e.g. AM.VLD-00001) says what failed.
				if p.Code == "" || p.Code == stdValidationCode {
					p.Code = clean(code, 100)
				}
			}
			if detail == "" && p.Type == "" && p.Code == "" {
				detail = string(body)
			}
			p.Detail = clean(detail, maxDetail)
			return p
		}
	}
	return problem{Detail: clean(string(body), maxDetail)}
}

// looksJSON reports whether the body should be parsed as a JSON object.
func looksJSON(contentType string, body []byte) bool {
	if len(body) == 0 || body[0] != '{' {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" {
		return true
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/plain"
}

func jsonString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func jsonInt(raw json.RawMessage) int {
	var n json.Number
	if len(raw) == 0 || json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0
		}
		n = json.Number(s)
	}
	i, err := strconv.Atoi(n.String())
	if err != nil || i < 0 || i > 999 {
		return 0
	}
	return i
}

// errorFields lists the field names of an ASP.NET validation "errors" map,
// never their messages (which may echo values).
func errorFields(raw json.RawMessage) string {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return ""
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) > 10 {
		names = append(names[:10], "…")
	}
	return strings.Join(names, ", ")
}

// stdValidationCode is the code of an Altinn validation problem
// (Altinn/altinn-authorization-utils
// src/Altinn.Authorization.ProblemDetails/src/ProblemDetails.Abstractions/StdProblemDescriptors.cs).
const stdValidationCode = "STD-00000"

// validationErrors summarises an Altinn "validationErrors" list as
// "CODE at path, path: detail" entries and returns the first code. The
// texts are the platform's descriptors; clean redacts them like any detail.
func validationErrors(raw json.RawMessage) (first, list string) {
	var ves []struct {
		Code   string   `json:"code"`
		Title  string   `json:"title"`
		Detail string   `json:"detail"`
		Paths  []string `json:"paths"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &ves) != nil || len(ves) == 0 {
		return "", ""
	}
	entries := make([]string, 0, min(len(ves), 10))
	for i, v := range ves {
		if i == 10 {
			entries = append(entries, "…")
			break
		}
		e := v.Code
		if len(v.Paths) > 0 {
			e += " at " + strings.Join(v.Paths, ", ")
		}
		if text := firstNonEmpty(v.Detail, v.Title); text != "" {
			e += ": " + text
		}
		entries = append(entries, e)
		if first == "" {
			first = v.Code
		}
	}
	return first, "validation errors: " + strings.Join(entries, "; ")
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

var (
	// elevenDigits matches a run of digits that may be a national ID; the
	// run may be broken by spaces, as people type them.
	elevenDigits = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\d(?:[ \x{00a0}]?\d){10,}`) })
	// bearer matches a bearer token or a JWT.
	bearer = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)bearer\s+\S+|eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*`)
	})
)

// redact removes what must never appear in an error: runs of 11 or more digits
// and bearer tokens.
func redact(s string) string {
	s = elevenDigits().ReplaceAllString(s, "[redacted]")
	return bearer().ReplaceAllString(s, "[redacted]")
}

// clean makes s safe to print: valid UTF-8, control characters replaced by
// spaces, whitespace collapsed, redacted, and at most limit bytes.
func clean(s string, limit int) string {
	if s == "" {
		return ""
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	s = redact(s)
	return truncate(s, limit)
}

// truncate shortens s to at most limit bytes at a rune boundary, marking the cut with "…".
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const ellipsis = "…"
	cut := limit - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

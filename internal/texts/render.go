package texts

import (
	"strconv"
	"strings"
)

// URL placeholders, matched ASCII case-insensitively. The reference replaces
// "$instanceUrl$" first and then the legacy "$InstanceUrl", so the longer
// form is tried first.
const (
	urlPlaceholder       = "$instanceurl$"
	legacyURLPlaceholder = "$instanceurl"
)

// Placeholders of the reminder, extension and cancellation texts an app
// writes, matched ASCII case-insensitively; each becomes the deadline as
// its reader writes dates, or the reason given (escaped for markdown in
// inbox bodies).
const (
	deadlinePlaceholder = "$deadline$"
	reasonPlaceholder   = "$reason$"
)

// maxArgDigits bounds {n} so the index always fits an int.
const maxArgDigits = 9

// expansion replaces the placeholders of an app-provided text.
type expansion struct {
	replaceURL bool     // whether URL placeholders are replaced in this text
	url        string   // what URL placeholders become
	args       []string // values for {0}, {1}, …
	deadline   string   // what $deadline$ becomes
	reason     string   // what $reason$ becomes
}

// expand replaces placeholders in one left-to-right pass: inserted values are
// never scanned again, and an unmatched {n} is left as is.
func (e expansion) expand(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		switch s[i] {
		case '$':
			if e.replaceURL {
				if n := urlPlaceholderLen(s[i:]); n > 0 {
					b.WriteString(e.url)
					i += n
					continue
				}
			}
			if hasPrefixFoldASCII(s[i:], deadlinePlaceholder) {
				b.WriteString(e.deadline)
				i += len(deadlinePlaceholder)
				continue
			}
			if hasPrefixFoldASCII(s[i:], reasonPlaceholder) {
				b.WriteString(e.reason)
				i += len(reasonPlaceholder)
				continue
			}
		case '{':
			if idx, n := positional(s[i:]); n > 0 && idx < len(e.args) {
				b.WriteString(e.args[idx])
				i += n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// urlPlaceholderLen returns the length of the URL placeholder s starts with, or 0.
func urlPlaceholderLen(s string) int {
	for _, p := range []string{urlPlaceholder, legacyURLPlaceholder} {
		if hasPrefixFoldASCII(s, p) {
			return len(p)
		}
	}
	return 0
}

// positional parses a leading "{n}" and returns n and the length, or a length of 0.
func positional(s string) (idx, n int) {
	end := strings.IndexByte(s[:min(len(s), 2+maxArgDigits)], '}')
	if end < 2 {
		return 0, 0
	}
	digits := s[1:end]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, 0
		}
	}
	idx, err := strconv.Atoi(digits)
	if err != nil {
		return 0, 0
	}
	return idx, end + 1
}

// hasPrefixFoldASCII reports whether s starts with the lower-case ASCII prefix, ignoring ASCII case.
func hasPrefixFoldASCII(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

package ident

import (
	"strconv"
	"unicode"
)

// readDigits reads exactly len(dst) ASCII digits from s into dst as values
// 0–9, skipping Unicode whitespace anywhere. Errors name positions and counts
// only, never the characters themselves.
func readDigits(what, s string, dst []byte) error {
	n, pos := 0, 0
	for _, r := range s {
		pos++ // 1-based character position in the input as given, whitespace included
		if unicode.IsSpace(r) {
			continue
		}
		if r < '0' || r > '9' {
			return newParseError(what, ErrCharacter,
				"contains a character that is not a digit at position "+strconv.Itoa(pos))
		}
		if n < len(dst) {
			dst[n] = byte(r - '0')
		}
		n++
	}
	if n != len(dst) {
		return newParseError(what, ErrLength,
			"must have "+strconv.Itoa(len(dst))+" digits, got "+strconv.Itoa(n))
	}
	return nil
}

// mod11 returns the mod-11 control digit of digits under weights, or 10 when
// no valid control digit exists. len(weights) must not exceed len(digits).
func mod11(digits []byte, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]) * w
	}
	c := 11 - sum%11
	if c == 11 {
		return 0
	}
	return c
}

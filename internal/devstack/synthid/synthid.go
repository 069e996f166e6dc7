// Package synthid builds valid Norwegian identity numbers (national IDs of
// every kind, organisation numbers) for tests of packages that use ident and
// for the people of the local stack's and the benchmark's fixtures.
//
// It computes control digits independently of package ident, so tests can
// cross-check the two. It serves development and is never deployed: no
// function links it (internal/layout checks).
package synthid

import (
	"fmt"
	"time"

	"github.com/signingflow/signing/internal/ident"
)

var (
	k1Weights  = []int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	k2Weights  = []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	orgWeights = []int{3, 2, 7, 6, 5, 4, 3, 2}
)

// NationalID returns a valid 11-digit national ID of kind for the calendar date of birth (in birth's own location), starting from individual.
//
// The individual number must be 0–999 and fit the birth year: 500–749 for
// 1854–1899, 0–499 for 1900–1939, 0–499 or 900–999 for 1940–1999, and
// 500–999 for 2000–2039. If it yields a control digit of 10, the next
// individual numbers upward that fit the year are tried. KindDNumber adds 40
// to the day, KindHNumber adds 40 to the month and KindSynthetic adds 80 to
// the month (parse those with ident.AllowSynthetic). NationalID panics on
// an unknown kind, a year outside 1854–2039, an individual number that does
// not fit the year, or when no valid number is left upward.
func NationalID(kind ident.Kind, birth time.Time, individual int) string {
	year, month, day := birth.Date()
	dd, mm := day, int(month)
	switch kind {
	case ident.KindBirthNumber:
	case ident.KindDNumber:
		dd += 40
	case ident.KindHNumber:
		mm += 40
	case ident.KindSynthetic:
		mm += 80
	default:
		panic(fmt.Sprintf("synthid: unknown kind %v", kind))
	}
	if year < 1854 || year > 2039 {
		panic(fmt.Sprintf("synthid: birth year %d is outside 1854–2039", year))
	}
	if !individualFits(year, individual) {
		panic(fmt.Sprintf("synthid: individual number %d does not fit birth year %d", individual, year))
	}
	for i := individual; i <= 999; i++ {
		if !individualFits(year, i) {
			continue
		}
		d := digitsOf(fmt.Sprintf("%02d%02d%02d%03d", dd, mm, year%100, i))
		k1 := control(d, k1Weights)
		if k1 == 10 {
			continue
		}
		k2 := control(append(d, k1), k2Weights)
		if k2 == 10 {
			continue
		}
		return fmt.Sprintf("%02d%02d%02d%03d%d%d", dd, mm, year%100, i, k1, k2)
	}
	panic(fmt.Sprintf("synthid: no valid individual number from %d upward for %s", individual, birth.Format(time.DateOnly)))
}

// OrgNumber returns a valid 9-digit organisation number made of the 8-digit base (0–99999999, zero-padded) and its control digit, moving to the next base upward while the control digit would be 10.
//
// OrgNumber panics when base is out of range or no valid base is left upward.
func OrgNumber(base int) string {
	if base < 0 || base > 99_999_999 {
		panic(fmt.Sprintf("synthid: organisation number base %d is not 0–99999999", base))
	}
	for b := base; b <= 99_999_999; b++ {
		s := fmt.Sprintf("%08d", b)
		if c := control(digitsOf(s), orgWeights); c != 10 {
			return fmt.Sprintf("%s%d", s, c)
		}
	}
	panic(fmt.Sprintf("synthid: no valid organisation number from base %d upward", base))
}

// individualFits reports whether the individual number is assigned for births in year.
func individualFits(year, individual int) bool {
	switch {
	case individual < 0 || individual > 999:
		return false
	case year >= 1854 && year <= 1899:
		return individual >= 500 && individual <= 749
	case year >= 1900 && year <= 1939:
		return individual <= 499
	case year >= 1940 && year <= 1999:
		return individual <= 499 || individual >= 900
	case year >= 2000 && year <= 2039:
		return individual >= 500
	default:
		return false
	}
}

func digitsOf(s string) []int {
	d := make([]int, len(s))
	for i := range s {
		d[i] = int(s[i] - '0')
	}
	return d
}

// control returns the mod-11 control digit, or 10 when none exists.
func control(d []int, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += d[i] * w
	}
	return (11 - sum%11) % 11
}

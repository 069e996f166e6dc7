package ident

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// nationalIDLen is the number of digits in a national ID.
const nationalIDLen = 11

// Control digit weights for national IDs.
var (
	k1Weights = []int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	k2Weights = []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
)

// Kind is the type of a national ID.
type Kind int

// Kinds of national IDs. The zero Kind belongs to the zero NationalID only.
const (
	// KindBirthNumber is an ordinary birth number (fødselsnummer).
	KindBirthNumber Kind = iota + 1
	// KindDNumber is a D-number, whose day is offset by 40.
	KindDNumber
	// KindHNumber is an H-number (help number used in health care), whose month is offset by 40.
	KindHNumber
	// KindSynthetic is a synthetic test number from test environments, whose month is offset by 80 (and whose day is offset by 40 for a synthetic D-number).
	KindSynthetic
)

// String returns a short English name of the kind, such as "D-number".
func (k Kind) String() string {
	switch k {
	case 0:
		return "unknown"
	case KindBirthNumber:
		return "birth number"
	case KindDNumber:
		return "D-number"
	case KindHNumber:
		return "H-number"
	case KindSynthetic:
		return "synthetic test number"
	default:
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
}

// ParseOption changes how ParseNationalID validates its input.
type ParseOption func(*parseConfig)

type parseConfig struct {
	allowSynthetic bool
}

// AllowSynthetic makes ParseNationalID accept synthetic test numbers; use it only in test environments.
func AllowSynthetic() ParseOption {
	return func(c *parseConfig) { c.allowSynthetic = true }
}

// NationalID is a validated Norwegian national identity number that never reveals its digits by accident.
//
// The zero value is not a valid ID; see IsZero. Compare values with Equal.
type NationalID struct {
	// v is the 11 digits as an integer XORed with digitMask. fmt prints
	// unexported struct fields reflectively without calling Format, so a
	// NationalID held in an unexported field of another struct would otherwise
	// leak its digits through %v. The mask has its top bit set, so v is zero
	// exactly for the zero NationalID.
	v    uint64
	kind Kind
}

// digitMask obfuscates NationalID.v for the life of the process. It is not a
// secret-keeping measure, only protection against accidental printing.
// It is drawn on first use (crypto/rand at package init would cost every
// cold start).
var digitMask = sync.OnceValue(newDigitMask)

func newDigitMask() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error
	return binary.LittleEndian.Uint64(b[:]) | 1<<63
}

// ParseNationalID parses and validates an 11-digit Norwegian national identity number.
//
// Unicode whitespace anywhere in s is ignored. The input must be a birth
// number, D-number or H-number with a real birth date, a century that matches
// the individual number, and correct control digits. Synthetic test numbers
// are accepted only with AllowSynthetic. Errors are *ParseError values that
// never contain the input.
func ParseNationalID(s string, opts ...ParseOption) (NationalID, error) {
	var cfg parseConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}

	var d [nationalIDLen]byte
	if err := readDigits(whatNationalID, s, d[:]); err != nil {
		return NationalID{}, err
	}
	if k1 := mod11(d[:], k1Weights); k1 == 10 || k1 != int(d[9]) {
		return NationalID{}, newParseError(whatNationalID, ErrControlDigit,
			"first control digit does not match (check for a typing error)")
	}
	if k2 := mod11(d[:], k2Weights); k2 == 10 || k2 != int(d[10]) {
		return NationalID{}, newParseError(whatNationalID, ErrControlDigit,
			"second control digit does not match (check for a typing error)")
	}
	b, err := decodeBirth(&d)
	if err != nil {
		return NationalID{}, err
	}
	if b.kind == KindSynthetic && !cfg.allowSynthetic {
		return NationalID{}, newParseError(whatNationalID, ErrSyntheticNotAllowed,
			"synthetic test numbers are not allowed here")
	}

	var n uint64
	for _, x := range d {
		n = n*10 + uint64(x)
	}
	return NationalID{v: n ^ digitMask(), kind: b.kind}, nil
}

// birth is the decoded date part of a national ID.
type birth struct {
	kind             Kind
	year, month, day int
}

// decodeBirth derives the kind and the real birth date from the first nine digits.
func decodeBirth(d *[nationalIDLen]byte) (birth, error) {
	day := int(d[0])*10 + int(d[1])
	month := int(d[2])*10 + int(d[3])
	yy := int(d[4])*10 + int(d[5])
	individual := int(d[6])*100 + int(d[7])*10 + int(d[8])

	b := birth{kind: KindBirthNumber}
	switch {
	case month >= 1 && month <= 12:
	case month >= 41 && month <= 52:
		b.kind = KindHNumber
		month -= 40
	case month >= 81 && month <= 92:
		b.kind = KindSynthetic
		month -= 80
	default:
		return birth{}, newParseError(whatNationalID, ErrDate, "month is not valid")
	}
	if day >= 41 && day <= 71 {
		switch b.kind {
		case KindBirthNumber:
			b.kind = KindDNumber
		case KindHNumber:
			return birth{}, newParseError(whatNationalID, ErrDate,
				"day and month cannot both be offset by 40")
		}
		// A synthetic number with day+40 is a synthetic D-number and stays KindSynthetic.
		day -= 40
	}
	if day < 1 || day > 31 {
		return birth{}, newParseError(whatNationalID, ErrDate, "day is not valid")
	}

	switch {
	case individual <= 499:
		b.year = 1900 + yy
	case individual <= 749 && yy >= 54:
		b.year = 1800 + yy
	case individual >= 500 && yy <= 39:
		b.year = 2000 + yy
	case individual >= 900 && yy >= 40:
		b.year = 1900 + yy
	default:
		return birth{}, newParseError(whatNationalID, ErrDate,
			"individual number does not match any century for the birth year")
	}
	if day > daysIn(b.year, month) {
		return birth{}, newParseError(whatNationalID, ErrDate, "birth date does not exist in the calendar")
	}
	b.month, b.day = month, day
	return b, nil
}

// daysIn returns the number of days in month of year in the Gregorian calendar.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

// digits returns the 11 digit values of a non-zero id.
func (id NationalID) digits() [nationalIDLen]byte {
	var d [nationalIDLen]byte
	n := id.v ^ digitMask()
	for i := nationalIDLen - 1; i >= 0; i-- {
		d[i] = byte(n % 10)
		n /= 10
	}
	return d
}

// appendDigits appends the 11 ASCII digits of a non-zero id to dst.
func (id NationalID) appendDigits(dst []byte) []byte {
	for _, x := range id.digits() {
		dst = append(dst, '0'+x)
	}
	return dst
}

// Kind returns the kind of the ID, or 0 for the zero NationalID.
func (id NationalID) Kind() Kind {
	return id.kind
}

// BirthDate returns the real birth date (offsets removed) at midnight UTC, or the zero time for the zero NationalID.
func (id NationalID) BirthDate() time.Time {
	if id.IsZero() {
		return time.Time{}
	}
	d := id.digits()
	b, err := decodeBirth(&d)
	if err != nil {
		// Unreachable: only ParseNationalID creates non-zero values.
		return time.Time{}
	}
	return time.Date(b.year, time.Month(b.month), b.day, 0, 0, 0, 0, time.UTC)
}

// Masked returns the display form: the first six digits followed by "*****", or "" for the zero NationalID.
func (id NationalID) Masked() string {
	if id.IsZero() {
		return ""
	}
	var buf [nationalIDLen]byte
	b := id.appendDigits(buf[:0])
	copy(b[6:], "*****")
	return string(b)
}

// Digits returns the raw 11 digits; call it only where the full number must
// leave the process, such as in a request to an authoritative register, and
// never for logging, display or storage keys. It returns "" for the zero NationalID.
func (id NationalID) Digits() string {
	if id.IsZero() {
		return ""
	}
	var buf [nationalIDLen]byte
	return string(id.appendDigits(buf[:0]))
}

// IsZero reports whether id is the zero NationalID rather than a parsed ID.
func (id NationalID) IsZero() bool {
	return id.v == 0
}

// Equal reports whether id and other are the same number.
func (id NationalID) Equal(other NationalID) bool {
	return id.v == other.v
}

// String returns the masked form, as Masked does.
func (id NationalID) String() string {
	return id.Masked()
}

// Format implements fmt.Formatter so that every verb prints only the masked form (%q quotes it).
func (id NationalID) Format(f fmt.State, verb rune) {
	if verb != 'q' {
		verb = 's'
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), id.Masked())
}

// LogValue implements slog.LogValuer by logging only the masked form.
func (id NationalID) LogValue() slog.Value {
	return slog.StringValue(id.Masked())
}

// MarshalJSON always fails with ErrNotSerializable so that a national ID is never serialized by accident.
func (NationalID) MarshalJSON() ([]byte, error) {
	return nil, ErrNotSerializable
}

// MarshalText always fails with ErrNotSerializable so that a national ID is never serialized by accident.
func (NationalID) MarshalText() ([]byte, error) {
	return nil, ErrNotSerializable
}

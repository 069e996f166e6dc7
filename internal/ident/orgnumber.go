package ident

// orgNumberLen is the number of digits in an organisation number.
const orgNumberLen = 9

// orgWeights are the control digit weights for organisation numbers.
var orgWeights = []int{3, 2, 7, 6, 5, 4, 3, 2}

// OrgNumber is a validated 9-digit Norwegian organisation number; the zero value means "none".
type OrgNumber struct {
	s string
}

// ParseOrgNumber parses and validates a 9-digit organisation number, ignoring Unicode whitespace.
//
// Errors are *ParseError values that never contain the input.
func ParseOrgNumber(s string) (OrgNumber, error) {
	var d [orgNumberLen]byte
	if err := readDigits(whatOrgNumber, s, d[:]); err != nil {
		return OrgNumber{}, err
	}
	if c := mod11(d[:], orgWeights); c == 10 || c != int(d[8]) {
		return OrgNumber{}, newParseError(whatOrgNumber, ErrControlDigit,
			"control digit does not match (check for a typing error)")
	}
	var buf [orgNumberLen]byte
	for i, x := range d {
		buf[i] = '0' + x
	}
	return OrgNumber{s: string(buf[:])}, nil
}

// String returns the 9 digits, or "" for the zero OrgNumber.
func (o OrgNumber) String() string {
	return o.s
}

// IsZero reports whether o is the zero OrgNumber.
func (o OrgNumber) IsZero() bool {
	return o.s == ""
}

// MarshalText implements encoding.TextMarshaler; the zero OrgNumber marshals to empty text.
func (o OrgNumber) MarshalText() ([]byte, error) {
	return []byte(o.s), nil
}

// UnmarshalText implements encoding.TextUnmarshaler by parsing and validating text; empty text gives the zero OrgNumber.
func (o *OrgNumber) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*o = OrgNumber{}
		return nil
	}
	parsed, err := ParseOrgNumber(string(text))
	if err != nil {
		return err
	}
	*o = parsed
	return nil
}

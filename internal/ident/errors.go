package ident

import "errors"

// What values used in ParseError.
const (
	whatNationalID = "national ID"
	whatOrgNumber  = "organisation number"
)

// Sentinel errors returned by ParseError.Unwrap; test for them with errors.Is.
var (
	// ErrLength reports that the input does not have the required number of digits.
	ErrLength = errors.New("ident: wrong number of digits")
	// ErrCharacter reports that the input contains a character that is neither a digit nor whitespace.
	ErrCharacter = errors.New("ident: character that is not a digit")
	// ErrDate reports that the date part (or its century) of a national ID is impossible.
	ErrDate = errors.New("ident: impossible date")
	// ErrControlDigit reports that a control digit does not match the other digits.
	ErrControlDigit = errors.New("ident: control digit mismatch")
	// ErrSyntheticNotAllowed reports a synthetic test number parsed without AllowSynthetic.
	ErrSyntheticNotAllowed = errors.New("ident: synthetic test numbers are not allowed")
	// ErrNotSerializable is returned when something tries to marshal a NationalID.
	ErrNotSerializable = errors.New("ident: a national ID is never serialized implicitly; call Digits() explicitly where the raw number is required")
)

// ParseError describes why an identity number was rejected; its text never contains the input.
type ParseError struct {
	// What names what was parsed: "national ID" or "organisation number".
	What string
	// Reason is one of ErrLength, ErrCharacter, ErrDate, ErrControlDigit or ErrSyntheticNotAllowed.
	Reason error
	// Detail is a human-readable explanation that is safe to show to the user.
	Detail string
}

// Error returns the error text, for example "national ID: must have 11 digits, got 10".
func (e *ParseError) Error() string {
	return e.What + ": " + e.Detail
}

// Unwrap returns Reason so that errors.Is matches the sentinel errors.
func (e *ParseError) Unwrap() error {
	return e.Reason
}

func newParseError(what string, reason error, detail string) *ParseError {
	return &ParseError{What: what, Reason: reason, Detail: detail}
}

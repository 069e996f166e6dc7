// Package ident parses, validates and protects Norwegian identity numbers:
// national identity numbers (fødselsnummer, D-number, H-number and synthetic
// test numbers) and organisation numbers.
//
// A national ID is personal data. NationalID therefore never prints, logs or
// serializes its digits by accident: every fmt verb, slog and String show the
// masked form (the first six digits followed by five asterisks), JSON and text
// marshalling fail with ErrNotSerializable, and parse errors never quote the
// input. Code that must send the raw number to another system calls Digits
// explicitly. Raw numbers must not become storage keys either; use a Hasher
// to derive keyed, domain-separated hashes instead.
//
// Organisation numbers are public and behave like ordinary values.
package ident

package signing

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// lastNameCompareLength is how many leading characters of a last name
// count.
const lastNameCompareLength = 4

// LastNameMatches compares a last name given for a person with the
// register's, as Register's own person check does (Altinn/altinn-register
// src/apps/Altinn.Register/src/Altinn.Register.Core/Utils/PersonNames.cs):
// the first four characters of the trimmed names, diacritics removed except
// on å, case ignored. Register's person check itself needs a user token;
// the workflow has the service owner's, so it compares the lookup's name.
func LastNameMatches(registered, given string) bool {
	return strings.EqualFold(lastNameKey(registered), lastNameKey(given))
}

// lastNameKey is the part of a last name that counts.
func lastNameKey(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > lastNameCompareLength {
		s = strings.TrimSpace(string(r[:lastNameCompareLength]))
	}
	var b strings.Builder
	for _, r := range s {
		if r == 'å' || r == 'Å' {
			b.WriteRune(r)
			continue
		}
		for _, d := range norm.NFD.String(string(r)) {
			if !unicode.Is(unicode.Mn, d) {
				b.WriteRune(d)
			}
		}
	}
	return norm.NFC.String(b.String())
}

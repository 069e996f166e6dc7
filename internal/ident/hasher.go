package ident

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MinHasherKeySize is the minimum length in bytes of a Hasher key.
const MinHasherKeySize = 32

// Domain separation prefixes. Changing them changes every stored hash.
const (
	personDomain = "person\x00"
	orgDomain    = "org\x00"
)

// Hasher derives keyed, domain-separated storage keys from identity numbers; it is safe for concurrent use.
type Hasher struct {
	key []byte
}

// NewHasher returns a Hasher using a copy of key, which must be at least MinHasherKeySize bytes.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < MinHasherKeySize {
		return nil, errors.New("ident: hasher key must be at least " + strconv.Itoa(MinHasherKeySize) +
			" bytes, got " + strconv.Itoa(len(key)))
	}
	return &Hasher{key: bytes.Clone(key)}, nil
}

// ParseHasherKey decodes a key from configuration text in hex or base64 (standard or URL alphabet, padded or not).
//
// Surrounding whitespace is ignored. Hex is tried first, so text that is
// valid hex is always read as hex. Errors never contain the text. The length
// is checked by NewHasher, not here.
func ParseHasherKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("ident: hasher key is empty")
	}
	if b, err := hex.DecodeString(s); err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("ident: hasher key is neither hex nor base64 (standard or URL alphabet)")
}

// Person returns the lowercase hex HMAC-SHA256 of the person's digits under the "person" domain; it panics on the zero NationalID.
func (h *Hasher) Person(id NationalID) string {
	if id.IsZero() {
		panic("ident: Hasher.Person called with the zero NationalID")
	}
	var buf [len(personDomain) + nationalIDLen]byte
	return h.sum(id.appendDigits(append(buf[:0], personDomain...)))
}

// Organisation returns the lowercase hex HMAC-SHA256 of the organisation number under the "org" domain; it panics on the zero OrgNumber.
func (h *Hasher) Organisation(o OrgNumber) string {
	if o.IsZero() {
		panic("ident: Hasher.Organisation called with the zero OrgNumber")
	}
	var buf [len(orgDomain) + orgNumberLen]byte
	return h.sum(append(append(buf[:0], orgDomain...), o.s...))
}

func (h *Hasher) sum(msg []byte) string {
	mac := hmac.New(sha256.New, h.key)
	mac.Write(msg)
	var out [sha256.Size]byte
	return hex.EncodeToString(mac.Sum(out[:0]))
}

// Format implements fmt.Formatter so that printing a Hasher never reveals its key.
func (Hasher) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "ident.Hasher{key:redacted}")
}

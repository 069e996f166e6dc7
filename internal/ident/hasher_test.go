package ident_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/ident"
)

// testKey returns a deterministic key of n bytes starting at seed.
func testKey(n int, seed byte) []byte {
	k := make([]byte, n)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return k
}

func mustHasher(t testing.TB, key []byte) *ident.Hasher {
	t.Helper()
	h, err := ident.NewHasher(key)
	if err != nil {
		t.Fatalf("NewHasher() error = %v", err)
	}
	return h
}

func mustNationalID(t testing.TB, s string) ident.NationalID {
	t.Helper()
	id, err := ident.ParseNationalID(s)
	if err != nil {
		t.Fatalf("ParseNationalID() error = %v", err)
	}
	return id
}

func mustOrgNumber(t testing.TB, s string) ident.OrgNumber {
	t.Helper()
	o, err := ident.ParseOrgNumber(s)
	if err != nil {
		t.Fatalf("ParseOrgNumber() error = %v", err)
	}
	return o
}

// referenceHMAC is the documented construction, computed independently.
func referenceHMAC(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func TestNewHasher(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		key     []byte
		wantErr string
	}{
		{name: "nil_key", key: nil, wantErr: "ident: hasher key must be at least 32 bytes, got 0"},
		{name: "31_bytes", key: testKey(31, 1), wantErr: "ident: hasher key must be at least 32 bytes, got 31"},
		{name: "32_bytes", key: testKey(32, 1)},
		{name: "64_bytes", key: testKey(64, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := ident.NewHasher(tt.key)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("NewHasher() error = %v, want %q", err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("NewHasher() = %v, want nil", got)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("NewHasher() = %v, %v, want a Hasher", got, err)
			}
		})
	}
}

func TestNewHasher_copiesKey(t *testing.T) {
	t.Parallel()

	key := testKey(32, 1)
	h := mustHasher(t, key)
	id := mustNationalID(t, "01010012356")
	want := h.Person(id)
	key[0] ^= 0xff
	if got := h.Person(id); got != want {
		t.Errorf("Person() changed after the caller modified the key slice")
	}
}

func TestParseHasherKey(t *testing.T) {
	t.Parallel()

	key := testKey(32, 0xf0) // bytes 0xf0… give '+' '/' in std base64 and '-' '_' in URL base64
	tests := []struct {
		name    string
		input   string
		want    []byte
		wantErr bool
	}{
		{name: "hex_lower", input: hex.EncodeToString(key), want: key},
		{name: "hex_upper", input: strings.ToUpper(hex.EncodeToString(key)), want: key},
		{name: "std_base64_padded", input: base64.StdEncoding.EncodeToString(key), want: key},
		{name: "std_base64_raw", input: base64.RawStdEncoding.EncodeToString(key), want: key},
		{name: "url_base64_padded", input: base64.URLEncoding.EncodeToString(key), want: key},
		{name: "url_base64_raw", input: base64.RawURLEncoding.EncodeToString(key), want: key},
		{name: "surrounding_whitespace", input: "  " + base64.StdEncoding.EncodeToString(key) + "\n", want: key},
		{name: "short_key_decodes", input: "00ff", want: []byte{0x00, 0xff}},
		{name: "empty", input: "", wantErr: true},
		{name: "whitespace_only", input: " \n", wantErr: true},
		{name: "neither_hex_nor_base64", input: "not a key!secret-material", wantErr: true},
		{name: "mixed_alphabets", input: "ab+c-d/e_f==", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := ident.ParseHasherKey(tt.input)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseHasherKey() = %x, want an error", got)
				}
				if s := strings.TrimSpace(tt.input); s != "" && strings.Contains(err.Error(), s) {
					t.Errorf("ParseHasherKey() error %q echoes the key", err)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("ParseHasherKey() error %q echoes part of the key", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHasherKey() error = %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("ParseHasherKey() = %x, want %x", got, tt.want)
			}
		})
	}
}

func TestHasher_Person(t *testing.T) {
	t.Parallel()

	key := testKey(32, 1)
	h := mustHasher(t, key)
	other := mustHasher(t, testKey(32, 2))
	a := mustNationalID(t, "01010012356")
	aSpaced := mustNationalID(t, "010100 12356")
	b := mustNationalID(t, "31129949980")

	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "known_answer", got: h.Person(a), want: referenceHMAC(key, "person\x0001010012356")},
		{name: "deterministic", got: h.Person(a), want: h.Person(aSpaced)},
		{name: "other_person_known_answer", got: h.Person(b), want: referenceHMAC(key, "person\x0031129949980")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if tt.got != tt.want {
				t.Errorf("Person() = %s, want %s", tt.got, tt.want)
			}
			if len(tt.got) != 64 || strings.ToLower(tt.got) != tt.got {
				t.Errorf("Person() = %q, want 64 lowercase hex characters", tt.got)
			}
			if strings.Contains(tt.got, "12356") && strings.Contains(tt.got, "010100") {
				t.Errorf("Person() = %q, looks like it contains the digits", tt.got)
			}
		})
	}

	if h.Person(a) == h.Person(b) {
		t.Errorf("Person() is equal for different people")
	}
	if h.Person(a) == other.Person(a) {
		t.Errorf("Person() is equal under different keys")
	}
}

func TestHasher_Organisation(t *testing.T) {
	t.Parallel()

	key := testKey(32, 1)
	h := mustHasher(t, key)
	o := mustOrgNumber(t, "974761076")
	if got, want := h.Organisation(o), referenceHMAC(key, "org\x00974761076"); got != want {
		t.Errorf("Organisation() = %s, want %s", got, want)
	}
	if got, want := h.Organisation(o), h.Organisation(mustOrgNumber(t, "974 761 076")); got != want {
		t.Errorf("Organisation() not deterministic: %s != %s", got, want)
	}
	if h.Organisation(o) == h.Organisation(mustOrgNumber(t, "974760673")) {
		t.Errorf("Organisation() is equal for different organisations")
	}
	if h.Organisation(o) == mustHasher(t, testKey(32, 2)).Organisation(o) {
		t.Errorf("Organisation() is equal under different keys")
	}
}

func TestHasher_domainSeparation(t *testing.T) {
	t.Parallel()

	key := testKey(32, 1)
	h := mustHasher(t, key)
	// The org number 010100127 shares its first eight digits with the
	// person 01010012356.
	person := mustNationalID(t, "01010012356")
	org := mustOrgNumber(t, "010100127")
	hashes := map[string]string{
		"person":            h.Person(person),
		"org":               h.Organisation(org),
		"undomained_digits": referenceHMAC(key, person.Digits()),
		"org_domain_person": referenceHMAC(key, "org\x00"+person.Digits()),
	}
	seen := map[string]string{}
	for name, sum := range hashes {
		if prev, ok := seen[sum]; ok {
			t.Errorf("hash of %s equals hash of %s", name, prev)
		}
		seen[sum] = name
	}
}

func TestHasher_zeroValuesPanic(t *testing.T) {
	t.Parallel()

	h := mustHasher(t, testKey(32, 1))
	tests := []struct {
		name string
		call func()
	}{
		{name: "person", call: func() { h.Person(ident.NationalID{}) }},
		{name: "organisation", call: func() { h.Organisation(ident.OrgNumber{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			defer func() {
				if recover() == nil {
					t.Errorf("%s(zero) did not panic", tt.name)
				}
			}()
			tt.call()
		})
	}
}

func TestHasher_formatHidesKey(t *testing.T) {
	t.Parallel()

	key := bytes.Repeat([]byte{0xab}, 32)
	h := mustHasher(t, key)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		for _, v := range []any{h, *h} {
			got := fmt.Sprintf(verb, v)
			if strings.Contains(got, "171") || strings.Contains(strings.ToLower(got), "abab") {
				t.Errorf("Sprintf(%q, %T) = %q, reveals the key", verb, v, got)
			}
		}
	}
}

func TestHasher_concurrentUse(t *testing.T) {
	t.Parallel()

	h := mustHasher(t, testKey(32, 1))
	id := mustNationalID(t, "01010012356")
	want := h.Person(id)
	done := make(chan string)
	for range 8 {
		go func() { done <- h.Person(id) }()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Errorf("Person() concurrently = %s, want %s", got, want)
		}
	}
}

func BenchmarkHasher_Person(b *testing.B) {
	h := mustHasher(b, testKey(32, 1))
	id := mustNationalID(b, "01010012356")
	for b.Loop() {
		_ = h.Person(id)
	}
}

package wire

import "encoding/json"

// NullStr is a string that travels as JSON null when empty, as the platform's
// Newtonsoft models write absent strings.
type NullStr string

// MarshalJSON writes null for the empty string.
func (s NullStr) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

// UnmarshalJSON reads null as the empty string.
func (s *NullStr) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = ""
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = NullStr(v)
	return nil
}

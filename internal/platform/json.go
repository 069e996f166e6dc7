package platform

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// marshal encodes v as JSON without HTML escaping (texts may hold links).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func itoa(i int) string { return strconv.Itoa(i) }

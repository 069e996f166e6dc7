package signees

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/signingflow/signing/internal/signing"
)

// FuzzParseSpecs feeds arbitrary provider files (App/config/signing/
// signee-providers.json) to the parser: a refused file is signing.ErrInvalid
// naming a field; an accepted one makes a provider of every spec and parses
// the same after encoding.
func FuzzParseSpecs(f *testing.F) {
	root := filepath.Join("..", "..") // the module root, from this package's folder
	b, err := os.ReadFile(filepath.Join(root, "examples", "founders", SpecsPath))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `{"providers":null}`, `{"providers":[{}]}`,
		`{"providers":[{"id":"a","dataType":"model","persons":[{"path":"p","nationalId":"id","lastName":"ln"}]},{"id":"a","dataType":"model"}]}`,
		`{"providers":[{"id":"b","dataType":"model","organisations":[{"path":"o","orgNumber":"n"}],"communication":{"choice":"Telepathy"}}]}`,
		`{"providers":[{"id":"c","dataType":"model","persons":[{"path":"","nationalId":""}],"additionalActions":["sign","x y"]}]}`,
		`{"providers":[],"extra":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		specs, err := ParseSpecs(data)
		if err != nil {
			var fe *signing.FieldError
			if !errors.Is(err, signing.ErrInvalid) || !errors.As(err, &fe) {
				t.Fatalf("ParseSpecs() error = %v, want signing.ErrInvalid naming a field", err)
			}
			return
		}
		for i, s := range specs {
			if _, err := NewConfigured(s); err != nil {
				t.Errorf("providers[%d] parsed, but NewConfigured() = %v", i, err)
			}
			_ = s.TextKeys()
		}
		b, err := json.Marshal(map[string]any{"providers": specs})
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseSpecs(b)
		if err != nil {
			t.Fatalf("ParseSpecs(%s) of an accepted file: %v", b, err)
		}
		if len(again) != len(specs) || (len(specs) > 0 && !reflect.DeepEqual(again, specs)) {
			t.Errorf("round trip = %+v, want %+v", again, specs)
		}
	})
}

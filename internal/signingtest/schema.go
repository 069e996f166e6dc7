package signingtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schema compiles the JSON Schema at rel (relative to the module root),
// with format assertions on, and returns it with the file's bytes.
func Schema(t testing.TB, rel string) (*jsonschema.Schema, []byte) {
	t.Helper()
	path := filepath.Join(ModuleRoot(t), rel)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(path, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compile %s: %v", rel, err)
	}
	return sch, b
}

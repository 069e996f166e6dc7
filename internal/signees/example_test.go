package signees

import (
	"context"
	"os"
	"reflect"
	"testing"
)

// TestExample_ConfiguredMatchesBuiltIn reads the example app's own form data
// and provider declaration: the configured provider and the built-in founders
// provider name the same signees, from JSON and XML alike.
func TestExample_ConfiguredMatchesBuiltIn(t *testing.T) {
	t.Parallel()
	specsFile, err := os.ReadFile("../../examples/founders/" + SpecsPath)
	if err != nil {
		t.Fatal(err)
	}
	specs, err := ParseSpecs(specsFile)
	if err != nil {
		t.Fatal(err)
	}
	configured, err := NewConfigured(specs[0])
	if err != nil {
		t.Fatal(err)
	}
	var first []Provided
	for _, f := range []struct{ file, contentType string }{
		{file: "model.json", contentType: "application/json"},
		{file: "model.xml", contentType: "application/xml"},
	} {
		body, err := os.ReadFile("../../examples/founders/data/" + f.file)
		if err != nil {
			t.Fatal(err)
		}
		data := fakeData{dataType: "model", contentType: f.contentType, body: string(body)}
		got, err := configured.GetSignees(context.Background(), data)
		if err != nil {
			t.Fatalf("%s: configured GetSignees() error = %v", f.file, err)
		}
		want, err := Founders().GetSignees(context.Background(), data)
		if err != nil {
			t.Fatalf("%s: Founders GetSignees() error = %v", f.file, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: configured = %+v\nbuilt-in = %+v", f.file, got, want)
		}
		if len(got) != 3 {
			t.Fatalf("%s: %d signees, want 2 persons and 1 company", f.file, len(got))
		}
		if _, err := Validate(got, Options{AllowSynthetic: true}); err != nil {
			t.Errorf("%s: Validate() error = %v", f.file, err)
		}
		if first == nil {
			first = got
		} else if !reflect.DeepEqual(first, got) {
			t.Errorf("JSON and XML form data give different signees:\n%+v\n%+v", first, got)
		}
	}
}

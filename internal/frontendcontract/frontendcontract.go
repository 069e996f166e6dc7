// Package frontendcontract checks answers of the signing API against what
// Altinn's app frontend accepts: JSON Schemas written from the frontend's
// own zod schemas and TypeScript types (see testdata/README.md). The
// handler tests of functions/api and the local stack's end-to-end suite
// use it; nothing deployed imports it.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package frontendcontract

import (
	"bytes"
	"embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The schemas, one per answer the frontend reads.
const (
	SigneeList              = "signee-list"
	SigningDocuments        = "signing-documents"
	AuthorizedOrganizations = "authorized-organizations"
	ProcessState            = "process-state"
	ValidationIssues        = "validation-issues"
	UserActionResponse      = "user-action-response"
)

//go:embed testdata/*.schema.json
var files embed.FS

var compiled = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	out := map[string]*jsonschema.Schema{}
	for _, name := range []string{SigneeList, SigningDocuments, AuthorizedOrganizations, ProcessState, ValidationIssues, UserActionResponse} {
		path := "testdata/" + name + ".schema.json"
		b, err := files.ReadFile(path)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := c.AddResource(path, doc); err != nil {
			return nil, err
		}
		if out[name], err = c.Compile(path); err != nil {
			return nil, fmt.Errorf("compile %s: %w", path, err)
		}
	}
	return out, nil
})

// Check reports whether body, an answer's JSON, is one the frontend's
// schema name accepts; the error says where it is not.
func Check(name string, body []byte) error {
	schemas, err := compiled()
	if err != nil {
		return err
	}
	sch, ok := schemas[name]
	if !ok {
		return fmt.Errorf("frontendcontract: no schema %q", name)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the answer is not JSON: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("the app frontend would refuse it (%s): %w", name, err)
	}
	return nil
}

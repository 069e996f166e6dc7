package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/samtemplate"
	"github.com/signingflow/signing/internal/signingtest"
)

// TestTemplate_routesEqualHandlerRoutes checks that template.yaml routes
// exactly the handler's routes to this function, each through an HTTP API
// whose default authorizer checks a JWT, with no route opting out of it.
func TestTemplate_routesEqualHandlerRoutes(t *testing.T) {
	t.Parallel()
	tpl, err := samtemplate.Load(filepath.Join(signingtest.ModuleRoot(t), samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var fn *samtemplate.Resource
	for _, r := range tpl.ResourcesOfType("AWS::Serverless::Function") {
		if uri, _ := r.String("CodeUri"); strings.TrimSuffix(uri, "/") == "functions/api" {
			fn = &r
			break
		}
	}
	if fn == nil {
		t.Fatal("template.yaml has no function with CodeUri functions/api/")
	}
	evs, _ := fn.Value("Events")
	events, _ := evs.(map[string]any)
	var got []string
	for name, raw := range events {
		ev, _ := raw.(map[string]any)
		props, _ := ev["Properties"].(map[string]any)
		if ev["Type"] != "HttpApi" {
			t.Errorf("event %s is %v, want HttpApi", name, ev["Type"])
			continue
		}
		method, _ := props["Method"].(string)
		path, _ := props["Path"].(string)
		got = append(got, strings.ToUpper(method)+" "+path)
		if _, ok := props["Auth"]; ok {
			t.Errorf("event %s sets its own Auth; every route must use the API's JWT authorizer", name)
		}
		ref, ok := props["ApiId"].(samtemplate.Intrinsic)
		if !ok || ref.Name != "Ref" {
			t.Errorf("event %s has no ApiId: !Ref to the HTTP API", name)
			continue
		}
		apiID, _ := ref.Arg.(string)
		api, ok := tpl.Resource(apiID)
		if !ok || api.Type != "AWS::Serverless::HttpApi" {
			t.Errorf("event %s: ApiId %s is not an AWS::Serverless::HttpApi", name, apiID)
			continue
		}
		def, _ := api.String("Auth", "DefaultAuthorizer")
		if _, ok := api.Value("Auth", "Authorizers", def, "JwtConfiguration"); def == "" || !ok {
			t.Errorf("the HTTP API %s has no default JWT authorizer", apiID)
		}
	}
	want := Routes()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("template.yaml routes:\n%s\nhandler routes:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/samtemplate"
	"github.com/signingflow/signing/internal/signingtest"
)

// TestTemplate_routesEqualHandlerRoutes checks that template.yaml routes
// exactly the handler's routes to this function, each through an HTTP API
// with no authorizer (the function verifies every token itself, auth.go)
// whose CORS answers the configured origins with credentials, and that the
// function gets the settings LoadConfig requires.
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
			t.Errorf("event %s sets Auth; the function authenticates every route itself", name)
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
		if _, ok := api.Value("Auth"); ok {
			t.Errorf("the HTTP API %s has Auth; an authorizer would refuse the browser's cookie-only calls", apiID)
		}
		if creds, _ := api.Value("CorsConfiguration", "AllowCredentials"); creds != true {
			t.Errorf("the HTTP API %s: CorsConfiguration.AllowCredentials = %v, want true (the runtime cookie)", apiID, creds)
		}
		origins, _ := api.Value("CorsConfiguration", "AllowOrigins")
		if in, ok := origins.(samtemplate.Intrinsic); !ok || in.Name != "Fn::Split" || !strings.Contains(fmt.Sprint(in.Arg), "CorsAllowedOrigins") {
			t.Errorf("the HTTP API %s: AllowOrigins = %v, want the CorsAllowedOrigins parameter split", apiID, origins)
		}
		headers, _ := api.Value("CorsConfiguration", "AllowHeaders")
		if !strings.Contains(fmt.Sprint(headers), XSRFHeader) {
			t.Errorf("the HTTP API %s: AllowHeaders = %v, want %s among them", apiID, headers, XSRFHeader)
		}
	}
	for _, name := range []string{envIssuer, envJWKSURL, envAudience, envAllowedOrigins, envMinAuthLevel} {
		if _, ok := fn.Value("Environment", "Variables", name); !ok {
			t.Errorf("the function's environment has no %s", name)
		}
	}
	want := Routes()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("template.yaml routes:\n%s\nhandler routes:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

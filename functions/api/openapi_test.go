package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

func TestOpenAPI_routesEqualHandlerRoutes(t *testing.T) {
	t.Parallel()
	doc, err := spec()
	if err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	var got []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			got = append(got, method+" "+path)
		}
	}
	want := Routes()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("api/openapi.yaml routes:\n%s\nhandler routes:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestOpenAPI_problemTypesEqualCode(t *testing.T) {
	t.Parallel()
	doc, err := spec()
	if err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	type documented struct {
		Type   string
		Status int
		Title  string
	}
	var want []documented
	var wantURIs []string
	for _, p := range ProblemTypes {
		want = append(want, documented{p.URI(), p.Status, p.Title})
		wantURIs = append(wantURIs, p.URI())
	}
	raw, ok := doc.Extensions["x-problem-types"].([]any)
	if !ok {
		t.Fatalf("x-problem-types = %T, want a list", doc.Extensions["x-problem-types"])
	}
	var got []documented
	for _, item := range raw {
		m, _ := item.(map[string]any)
		status, _ := m["status"].(float64)
		typ, _ := m["type"].(string)
		title, _ := m["title"].(string)
		if d, _ := m["description"].(string); d == "" {
			t.Errorf("x-problem-types entry %s has no description", typ)
		}
		got = append(got, documented{typ, int(status), title})
	}
	if !slices.Equal(got, want) {
		t.Errorf("x-problem-types = %+v\nwant (ProblemTypes) %+v", got, want)
	}
	var enum []string
	for _, v := range doc.Components.Schemas["Problem"].Value.Properties["type"].Value.Enum {
		s, _ := v.(string)
		enum = append(enum, s)
	}
	if !slices.Equal(enum, wantURIs) {
		t.Errorf("Problem.type enum = %v, want %v", enum, wantURIs)
	}
	seen := map[string]bool{}
	for _, p := range ProblemTypes {
		if seen[p.Slug] || !strings.HasPrefix(p.URI(), "https://signing.example/problems/") {
			t.Errorf("problem type %q is duplicated or not under the stable base", p.Slug)
		}
		seen[p.Slug] = true
	}
}

// TestOpenAPI_validatorIsStrict guards the response validation the handler
// tests rely on: answers that break the document must fail it.
func TestOpenAPI_validatorIsStrict(t *testing.T) {
	t.Parallel()
	ev := loadEvent(t, "api-signing-state")
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
	}{
		{name: "unknown_field", status: 200, header: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}, body: `{"signeeStates":[],"extra":1}`},
		{name: "missing_cache_control", status: 200, header: map[string]string{"Content-Type": "application/json"}, body: `{"signeeStates":[]}`},
		{name: "undocumented_status", status: 413, header: map[string]string{"Content-Type": "application/problem+json", "Cache-Control": "no-store"}, body: `{"type":"https://signing.example/problems/payload-too-large","title":"t","status":413,"detail":"d"}`},
		{name: "wrong_problem_type_for_status", status: 404, header: map[string]string{"Content-Type": "application/problem+json", "Cache-Control": "no-store"}, body: `{"type":"https://signing.example/problems/forbidden","title":"t","status":404,"detail":"d"}`},
		{name: "unavailable_without_retry_after", status: 503, header: map[string]string{"Content-Type": "application/problem+json", "Cache-Control": "no-store"}, body: `{"type":"https://signing.example/problems/service-unavailable","title":"t","status":503,"detail":"d"}`},
	}
	router, err := specRouter()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httpRequest(t, ev)
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatal(err)
			}
			header := http.Header{}
			for k, v := range tt.header {
				header.Set(k, v)
			}
			err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
				Status:                 tt.status,
				Header:                 header,
				Body:                   io.NopCloser(strings.NewReader(tt.body)),
				Options:                &openapi3filter.Options{IncludeResponseStatus: true},
			})
			if err == nil {
				t.Errorf("ValidateResponse() accepted a %d %s", tt.status, tt.body)
			}
		})
	}
}

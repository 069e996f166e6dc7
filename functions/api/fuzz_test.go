package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// documentedStatus are the statuses the API answers with.
var documentedStatus = map[int]bool{
	200: true, 400: true, 401: true, 403: true, 404: true, 405: true,
	409: true, 413: true, 415: true, 503: true,
}

// FuzzHandler sends arbitrary methods, paths, queries, content types and
// bodies through the handler over the real service. Whatever comes in, the
// handler answers (never panics or returns an error), with a documented
// status that is never 500, a JSON body valid against api/openapi.yaml,
// Cache-Control: no-store, and no national ID in the answer or the log.
func FuzzHandler(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "..", "events", "api-*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed events: %v", err)
	}
	for _, file := range files {
		ev := loadEvent(f, strings.TrimSuffix(filepath.Base(file), ".json"))
		f.Add(ev.RequestContext.HTTP.Method, ev.RawPath, ev.RawQueryString, ev.Headers["content-type"], ev.Body, uint8(0))
	}
	f.Add("POST", "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions", "taskId=SigningTask", "application/json", `{"action":"sign","onBehalfOf":"312847612"}`, uint8(1))
	f.Add("PUT", "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/process/next", "taskId=SigningTask", "application/json", `{"action":"reject"}`, uint8(1))
	f.Add("PUT", "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/process/next", "taskId=SigningTask&taskId=x", "application/merge-patch+json", `{"action":null,"actionOnBehalfOf":"974760673"}`, uint8(2))
	f.Add("GET", "/signing-requests", "limit=1&next=eyJ9", "", "", uint8(0))
	f.Add("GET", "/%2e%2e/signing-requests", "language=%", "", "", uint8(3))
	f.Add("POST", "/ttd/founders/instances/9223372036854775808/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions", "", "application/json; charset=UTF-8", `{"action":"sign","metadata":{"k":null},"ignoredValidators":["x"]}`, uint8(1))
	f.Add("POST", "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions", "taskId=SigningTask", "application/json", "{\"action\":\"sign\",\"buttonId\":\"\\ud800\"}", uint8(0))

	// Byte-level: names given twice, bytes that are not UTF-8, a number where a string belongs.
	f.Add("POST", "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions", "", "application/json", `{"action":"reject","action":"sign"}`, uint8(0))
	f.Add("PUT", "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/process/next", "language=nb", "application/json", `{"action":"sign","metadata":{"a":"1","a":"2"}}`, uint8(1))
	f.Add("POST", "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions", "", "application/json", "{\"action\":\"sign\xff\"}", uint8(0))
	f.Add("POST", "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions", "", "application/json", `{"action":"sign","onBehalfOf":312847612}`, uint8(1))
	people := []string{"ola", "kari", "stranger", ""}
	f.Fuzz(func(t *testing.T, method, path, query, contentType, body string, who uint8) {
		e := newEnv(t)
		ev := loadEvent(t, "api-sign")
		ev.RequestContext.HTTP.Method = method
		ev = withQuery(withPath(ev, path), query)
		ev.Headers = cloneMap(ev.Headers)
		ev.Headers["content-type"] = contentType
		ev.Body = body
		switch p := people[int(who)%len(people)]; p {
		case "":
			ev = withoutToken(ev)
		default:
			ev = as(ev, p)
		}
		resp, err := e.handler.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("Handle() error = %v", err)
		}
		if !documentedStatus[resp.StatusCode] {
			t.Fatalf("status %d for %s %q ?%q: %s", resp.StatusCode, method, path, query, resp.Body)
		}
		if resp.StatusCode == http.StatusOK && !strings.HasPrefix(path, "/") {
			t.Errorf("200 for a path without a leading slash: %q", path)
		}
		// The spec check needs a request Go can rebuild.
		if _, err := http.NewRequest(strings.ToUpper(method), specHost+path+"?"+query, nil); err != nil || !validMethod(method) {
			return
		}
		checkResponse(t, ev, resp)
	})
}

// validMethod reports whether m is an HTTP token http.NewRequest accepts as a method.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, r := range m {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return true
}

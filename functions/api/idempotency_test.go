package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func withHeader(ev events.APIGatewayV2HTTPRequest, name, value string) events.APIGatewayV2HTTPRequest {
	ev.Headers = cloneMap(ev.Headers)
	ev.Headers[strings.ToLower(name)] = value
	return ev
}

// TestHandler_sign_idempotencyKey: a sign request retried with the same
// Idempotency-Key after its signature was recorded is answered 200 with
// that signature and Idempotent-Replayed; nothing is written again. On
// both sign routes.
func TestHandler_sign_idempotencyKey(t *testing.T) {
	t.Parallel()
	for _, route := range []string{"api-sign", "api-process-next-sign"} {
		t.Run(route, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ev := loadEvent(t, "api-sign")
			if route == "api-process-next-sign" {
				ev = withBody(loadEvent(t, "api-process-next"), `{"action":"sign"}`)
				ev = as(ev, "ola")
			}
			ev = withHeader(ev, IdempotencyKeyHeader, "0b0e5a1c-4f7e-4c9a-9d0f-2a3b4c5d6e7f")
			first := e.do(t, ev)
			if first.StatusCode != http.StatusOK || first.Headers["Idempotent-Replayed"] != "" {
				t.Fatalf("first = %d %v %s", first.StatusCode, first.Headers, first.Body)
			}
			before := e.snapshot(t)
			again := e.do(t, ev)
			if again.StatusCode != http.StatusOK || again.Headers["Idempotent-Replayed"] != "true" {
				t.Fatalf("retry = %d %v %s, want 200 replayed", again.StatusCode, again.Headers, again.Body)
			}
			if again.Body != first.Body {
				t.Errorf("retry body = %s\nwant the first answer %s", again.Body, first.Body)
			}
			if after := e.snapshot(t); after != before {
				t.Errorf("the retry changed state: %+v → %+v", before, after)
			}
			other := e.do(t, withHeader(ev, IdempotencyKeyHeader, "another-key"))
			if other.StatusCode != http.StatusConflict {
				t.Errorf("another key = %d %s, want 409", other.StatusCode, other.Body)
			}
			if !strings.Contains(e.logs.String(), `"replayed":true`) {
				t.Errorf("the replay is not in the log:\n%s", e.logs.String())
			}
		})
	}
}

func TestHandler_sign_badIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.snapshot(t)
	for _, key := range []string{"with space", strings.Repeat("x", 256), "nøkkel"} {
		resp := e.do(t, withHeader(loadEvent(t, "api-sign"), IdempotencyKeyHeader, key))
		var p Problem
		decode(t, resp, &p)
		if resp.StatusCode != http.StatusBadRequest || p.Errors[IdempotencyKeyHeader] == "" {
			t.Errorf("key %.12q: %d %s, want 400 naming %s", key, resp.StatusCode, resp.Body, IdempotencyKeyHeader)
		}
	}
	if after := e.snapshot(t); after != before {
		t.Errorf("refused requests changed state: %+v → %+v", before, after)
	}
}

package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/redact"
)

// TestHandler_logsRedactHostileInput sends an 11-digit run (the shape of a
// national ID) in every field a caller controls: each path parameter, each
// query parameter, body members and values, and headers. The log lines of
// the production logger carry none of them.
func TestHandler_logsRedactHostileInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = "12345678901"
	send := func(ev events.APIGatewayV2HTTPRequest) {
		t.Helper()
		if _, err := e.handler.Handle(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{
		"/ttd/founders/instances/50001/" + n + "/actions",
		"/ttd/" + n + "/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions",
		"/x" + n + "/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions",
		"/ttd/founders/instances/" + n + "/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/actions",
		"/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/" + n,
		"/" + n,
	} {
		send(withPath(loadEvent(t, "api-sign"), p))
	}
	for _, q := range []string{"taskId=a" + n, "taskId=" + n, "language=" + n, "taskId=%zz" + n, "limit=" + n, "next=" + n, "taskId=x&taskId=" + n, n + "=1"} {
		send(withQuery(loadEvent(t, "api-sign"), q))
		send(withQuery(loadEvent(t, "api-signing-state"), q))
		send(withQuery(loadEvent(t, "api-signing-requests"), q))
	}
	for _, b := range []string{
		`{"action":"` + n + `"}`, `{"action":"sign","onBehalfOf":"` + n + `"}`, `{"` + n + `":1}`,
		`{"action":"sign","buttonId":` + n + `}`, `{"action":"sign","metadata":{"` + n + `":"` + n + `"}}`, n,
	} {
		send(withBody(loadEvent(t, "api-sign"), b))
	}
	for _, h := range []string{"idempotency-key", "content-type", "origin", "x-forwarded-for", "user-agent"} {
		ev := loadEvent(t, "api-sign")
		ev.Headers = cloneMap(ev.Headers)
		ev.Headers[h] = n
		send(ev)
	}
	logs := e.logs.String()
	if strings.Count(logs, "\n") < 30 {
		t.Fatalf("only %d log lines; the scan would prove nothing", strings.Count(logs, "\n"))
	}
	for line := range strings.Lines(logs) {
		if redact.Digits(line) != line {
			t.Errorf("a log line carries an 11-digit run from input: %s", line)
		}
	}
}

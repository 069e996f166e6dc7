package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/proof"
	"github.com/signingflow/signing/internal/queue"
	"github.com/signingflow/signing/internal/stepfn/stepfntest"
)

// validOrder is a well-formed order sent ahead of every fuzzed message,
// under a key of its own.
const validOrder = `{"idempotencyKey":"notify:fuzz-control",` +
	`"sendersReference":"50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","recipientUuid":"0b6c1f2e-3d4a-4b5c-8d6e-000000050002",` +
	`"choice":"Email","emailAddress":"ola.testesen@example.com","emailSubject":"s","emailBody":"b"}`

// FuzzHandler_Handle sends a batch of a valid order and an arbitrary message
// body: the handler never fails the batch, reports at most the fuzzed record
// (always when it is not an order), places the valid order, and logs
// neither an address nor a national ID.
func FuzzHandler_Handle(f *testing.F) {
	for _, name := range []string{"dispatch-notifications-batch", "dispatch-notifications-poison"} {
		var ev events.SQSEvent
		if err := json.Unmarshal(stepfntest.Event(f, name), &ev); err != nil {
			f.Fatal(err)
		}
		for _, r := range ev.Records {
			f.Add(r.Body)
		}
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, validOrder, validOrder + `{}`,
		`{"idempotencyKey":"k","recipientUuid":"u"}`,
		`{"idempotencyKey":"notify:15838523428","recipientUuid":"0b6c1f2e-3d4a-4b5c-8d6e-000000050002","choice":"Sms","mobileNumber":"+4799999901","smsBody":"15838523428"}`,
		`{"idempotencyKey":"k2","recipientUuid":"0b6c1f2e-3d4a-4b5c-8d6e-000000050002","choice":"Email","emailAddress":"not an address","emailBody":"b"}`,
		`{"idempotencyKey":"k3","recipientUuid":"0b6c1f2e-3d4a-4b5c-8d6e-000000050002","choice":"Telepathy"}`,
		`{"idempotencyKey":"` + strings.Repeat("k", 5000) + `","recipientUuid":"u"}`,
	} {
		f.Add(s)
	}
	emu := emulator.New(emulator.Founders())
	srv := httptest.NewServer(emu.Handler())
	f.Cleanup(srv.Close)
	n, err := platform.NewNotificationsClient(emulator.Config(srv.URL))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var logs proof.Sink
		handler := NewHandler(n)
		handler.log = logs.Logger()
		ev := events.SQSEvent{Records: []events.SQSMessage{
			{MessageId: "valid-1", Body: validOrder, Attributes: map[string]string{"ApproximateReceiveCount": "1"}},
			{MessageId: "fuzzed-1", Body: body, Attributes: map[string]string{"ApproximateReceiveCount": "1"}},
		}}
		resp, err := handler.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("Handle() error = %v; the handler reports failed records instead", err)
		}
		got := failed(resp)
		if slices.Contains(got, "valid-1") || len(got) > 1 {
			t.Errorf("failed records = %v, want at most the fuzzed one", got)
		}
		order, derr := queue.Decode(body)
		if derr != nil && !slices.Contains(got, "fuzzed-1") {
			t.Errorf("a message that is not an order (%v) was not reported as failed", derr)
		}
		text := logs.String()
		if strings.Contains(text, "ola.testesen@example.com") {
			t.Errorf("the log holds the valid order's address:\n%s", text)
		}
		if derr == nil {
			// The key is ours and logged as it is; an address never is.
			key, _ := json.Marshal(order.IdempotencyKey)
			text = strings.ReplaceAll(text, strings.Trim(string(key), `"`), "")
			for _, addr := range []string{order.EmailAddress, order.MobileNumber} {
				esc, _ := json.Marshal(addr)
				if a := strings.Trim(string(esc), `"`); len(addr) >= 8 && strings.ContainsAny(addr, "@+") && strings.Contains(text, a) {
					t.Errorf("the log holds the address %q:\n%s", addr, text)
				}
			}
		}
		if leaks := proof.Leaks(text); len(leaks) > 0 {
			t.Errorf("the log holds a national ID: %v\n%s", leaks, text)
		}
	})
}

package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/signingflow/signing/internal/proof"
	"github.com/signingflow/signing/internal/queue"
	"github.com/signingflow/signing/internal/signing"
)

// FuzzDecode feeds arbitrary message bodies to the consumer's decoder: a
// refused body is signing.ErrInvalid naming the field, with no national ID
// in the message; an order decodes the same after the producer (Enqueue)
// has sent it again.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `"x"`,
		`{"idempotencyKey":"notify:g:T:p-1","recipientUuid":"u","emailAddress":"a@example.no"}`,
		`{"idempotencyKey":"notify:g:T:p-1","recipientUuid":"u","choice":"SmsAndEmail","emailAddress":"a@example.no","mobileNumber":"+4799999901","emailSubject":"s","emailBody":"b","smsBody":"c","sendersReference":"50001/g"}`,
		`{"idempotencyKey":"k","recipientUuid":"u"} {}`,
		`{"idempotencyKey":"k","recipientUuid":"u","extra":1}`,
		`{"idempotencyKey":"","recipientUuid":"u"}`,
		`{"idempotencyKey":"k","recipientUuid":""}`,
		`{"idempotencyKey":"k","recipientUuid":"u","emailBody":"15838523428"}`,
		`{"idempotencyKey":1,"recipientUuid":"u"}`,
		"{\"idempotencyKey\":\"k\xff\",\"recipientUuid\":\"u\"}",
		`{"idempotencyKey":"k","recipientUuid":"u","choice":"` + strings.Repeat("x", 1000) + `"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		order, err := queue.Decode(body)
		if err != nil {
			var fe *signing.FieldError
			if !errors.Is(err, signing.ErrInvalid) || !errors.As(err, &fe) {
				t.Fatalf("Decode() error = %v, want a *signing.FieldError (ErrInvalid)", err)
			}
			if fe.Field != "body" && fe.Field != "idempotencyKey" && fe.Field != "recipientUuid" {
				t.Errorf("the error names field %q", fe.Field)
			}
			if leaks := proof.Leaks(err.Error()); len(leaks) > 0 {
				t.Errorf("the error quotes the body: %v", leaks)
			}
			return
		}
		if order.IdempotencyKey == "" || order.RecipientUUID == "" {
			t.Fatalf("Decode() = %+v without a key or recipient", order)
		}
		api := &fakeSQS{}
		err = queue.New(api, "https://sqs.example/q").Enqueue(context.Background(), []signing.NotificationOrder{order})
		if err != nil {
			var fe signing.FieldErrors
			if errors.As(err, &fe) && strings.Contains(err.Error(), "more than a message holds") {
				return // too large to send: refused before sending
			}
			t.Fatalf("Enqueue() of a decoded order: %v", err)
		}
		if len(api.batches) != 1 || len(api.batches[0]) != 1 {
			t.Fatalf("batches = %v, want one message", api.batches)
		}
		sent := api.batches[0][0]
		again, err := queue.Decode(aws.ToString(sent.MessageBody))
		if err != nil {
			t.Fatalf("Decode() of the sent message: %v", err)
		}
		// JSON carries invalid UTF-8 as U+FFFD, so compare what was sent.
		want, _ := json.Marshal(order)
		if got, _ := json.Marshal(again); string(got) != string(want) {
			t.Errorf("round trip = %s, want %s", got, want)
		}
		if !reflect.DeepEqual(again, order) && string(want) == aws.ToString(sent.MessageBody) && strings.ToValidUTF8(body, "") == body {
			t.Errorf("round trip = %+v, want %+v", again, order)
		}
		if got := aws.ToString(sent.MessageAttributes[queue.AttrIdempotencyKey].StringValue); got != again.IdempotencyKey && strings.ToValidUTF8(got, "") == got {
			t.Errorf("attribute %s = %q, want %q", queue.AttrIdempotencyKey, got, again.IdempotencyKey)
		}
	})
}

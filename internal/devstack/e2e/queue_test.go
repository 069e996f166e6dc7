package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/scenario"
)

// TestQueue_poisonToDeadLetterQueue sends the poison batch of
// events/dispatch-notifications-poison.json to the notifications queue:
// the undecodable messages reach the dead-letter queue after the queue's
// maxReceiveCount receives, the valid order is placed exactly once.
func TestQueue_poisonToDeadLetterQueue(t *testing.T) {
	s := up(t)
	root, _ := devstack.FindModuleRoot("")
	b, err := os.ReadFile(filepath.Join(root, "events", "dispatch-notifications-poison.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	q, ok := s.Def.Queue("NotificationsQueue")
	dlq, ok2 := s.Def.Queue(q.DeadLetterQueue)
	if !ok || !ok2 {
		t.Fatalf("template has no NotificationsQueue with a dead-letter queue")
	}
	client := sqs.NewFromConfig(s.AWSConfig())
	var valid, poison []string
	for _, rec := range ev.Records {
		body := rec.Body
		if json.Valid([]byte(body)) && strings.Contains(body, "idempotencyKey") {
			// A fresh key, so earlier tests' orders do not count.
			body = strings.Replace(body, `"idempotencyKey": "notify:`, `"idempotencyKey": "notify:poison-test-`, 1)
			valid = append(valid, body)
		} else {
			poison = append(poison, body)
		}
		if _, err := client.SendMessage(within(t, 10*time.Second), &sqs.SendMessageInput{QueueUrl: aws.String(q.URL), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	if len(valid) == 0 || len(poison) == 0 {
		t.Fatalf("the event file has %d valid and %d poison messages; want both", len(valid), len(poison))
	}
	var dead []string
	err = scenario.Eventually(within(t, 60*time.Second), func() (bool, error) {
		out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq.URL), MaxNumberOfMessages: 10, VisibilityTimeout: 60})
		if err != nil {
			return false, err
		}
		for _, m := range out.Messages {
			dead = append(dead, aws.ToString(m.Body))
		}
		return len(dead) >= len(poison), nil
	})
	if err != nil {
		t.Fatalf("dead-letter queue holds %d of %d poison messages: %v", len(dead), len(poison), err)
	}
	for _, d := range dead {
		for _, v := range valid {
			if d == v {
				t.Errorf("the valid order went to the dead-letter queue")
			}
		}
	}
	placed := 0
	for _, n := range s.Emulator.Notifications() {
		if strings.Contains(n.IdempotencyKey, "poison-test-") {
			placed++
		}
	}
	if placed != len(valid) {
		t.Errorf("%d valid orders placed, want %d (each exactly once)", placed, len(valid))
	}
}

// TestAPI_unauthenticated: the HTTP API answers 401 without a valid token,
// before the function runs.
func TestAPI_unauthenticated(t *testing.T) {
	r := newRun(t)
	kari, _, _ := scenario.Founders(fixture)
	before, _ := r.Stack.Host.Stats("ApiFunction")
	tests := []struct {
		name  string
		token string
	}{
		{name: "no_token"},
		{name: "garbage", token: "not.a.token"},
		{name: "foreign_issuer", token: foreignToken(t, kari)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(within(t, 10*time.Second), http.MethodGet, r.Stack.APIURL+"/signing-requests", nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", resp.StatusCode)
			}
		})
	}
	if after, _ := r.Stack.Host.Stats("ApiFunction"); after.Invocations != before.Invocations {
		t.Errorf("the API function ran %d times for unauthenticated requests", after.Invocations-before.Invocations)
	}
}

// foreignToken is signed by the right key but names another issuer.
func foreignToken(t *testing.T, p scenario.Party) string {
	t.Helper()
	iss := *stack.Issuer
	iss.Issuer = "https://someone-else.example"
	tok, err := iss.Token(map[string]any{"name": p.Name}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

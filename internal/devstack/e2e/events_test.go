package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/lambdaconf/awsevents"
	"github.com/signingflow/signing/internal/lambdaconf/awsqueue"
	"github.com/signingflow/signing/internal/signing"
)

// observer is a consumer of the event bus: a rule of its own sending every
// signing event to a queue of its own, as a case-handling system would
// subscribe.
type observer struct {
	sqs *sqs.Client
	url string
	// seen counts each event id received.
	seen map[string]int
	// types by id.
	types map[string]string
}

func newObserver(t *testing.T, r *scenario.Run, name string) *observer {
	t.Helper()
	ctx := within(t, 30*time.Second)
	cfg := r.Stack.AWSConfig()
	q := sqs.NewFromConfig(cfg)
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	bus := r.Stack.Def.Outputs["SigningEventBusName"]
	eb := eventbridge.NewFromConfig(cfg)
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: aws.String(bus),
		EventPattern: aws.String(`{"source":[{"prefix":"urn:altinn:signing:"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: aws.String(bus),
		Targets: []ebtypes.Target{{Id: aws.String("observer"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	return &observer{sqs: q, url: aws.ToString(out.QueueUrl), seen: map[string]int{}, types: map[string]string{}}
}

// drain reads what the queue holds now, keeping the events of instance.
func (o *observer) drain(ctx context.Context, t *testing.T, instance string) {
	t.Helper()
	for {
		out, err := o.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(o.url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return
		}
		for _, m := range out.Messages {
			var env struct {
				DetailType string `json:"detail-type"`
				Detail     struct {
					ID, Type, Subject string
				} `json:"detail"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
				t.Fatalf("bus message is not an EventBridge event: %v", err)
			}
			if env.DetailType != env.Detail.Type {
				t.Errorf("detail-type %q, the CloudEvent's type %q", env.DetailType, env.Detail.Type)
			}
			if strings.Contains(env.Detail.Subject, instance) {
				o.seen[env.Detail.ID]++
				o.types[env.Detail.ID] = env.Detail.Type
			}
			if _, err := o.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(o.url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// apiEvents reads the task's events as the owner (GET …/signing/events),
// every page: id → type.
func apiEvents(t *testing.T, r *scenario.Run, owner scenario.Party) map[string]string {
	t.Helper()
	out := map[string]string{}
	path := "/events"
	for {
		resp, err := r.SigningCall(within(t, 30*time.Second), owner, http.MethodGet, path)
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("GET %s = %s %v", path, resp, err)
		}
		var page struct {
			Events []struct{ ID, Type string } `json:"events"`
			Next   string                      `json:"next"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			out[e.ID] = e.Type
		}
		if page.Next == "" {
			return out
		}
		path = "/events?next=" + page.Next
	}
}

// receivedBy returns the webhook receiver's events of instance: id → type,
// and how many deliveries each id had.
func receivedBy(r *scenario.Run) (map[string]string, map[string]int) {
	types, n := map[string]string{}, map[string]int{}
	for _, e := range r.Stack.Webhooks.Events() {
		if strings.Contains(e.Subject, r.Instance.InstanceGUID) {
			types[e.ID] = e.Type
			n[e.ID]++
		}
	}
	return types, n
}

// TestEvents_founders runs the founders' flow and sees every event the
// task's record makes (GET …/signing/events) arrive on the bus once (a
// consumer's own rule and queue) and at the webhook receiver, whose every
// delivery carried a valid Standard Webhooks signature; nothing arrives
// that the record does not hold.
func TestEvents_founders(t *testing.T) {
	r := newRun(t)
	obs := newObserver(t, r, "e2e-bus-observer")
	kari, ola, company := scenario.Founders(fixture)
	started(t, r)
	sign(t, r, ola, "", http.StatusOK)
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
	settle()

	var want map[string]string
	err := scenario.Eventually(within(t, 60*time.Second), func() (bool, error) {
		want = apiEvents(t, r, kari)
		obs.drain(context.Background(), t, r.Instance.InstanceGUID)
		got, _ := receivedBy(r)
		return len(want) > 0 && maps.Equal(obs.types, want) && maps.Equal(got, want), nil
	})
	got, deliveries := receivedBy(r)
	if err != nil {
		t.Fatalf("events: the record has %d (%v), the bus brought %d (%v), the receiver %d (%v)", len(want), sortedTypes(want), len(obs.types), sortedTypes(obs.types), len(got), sortedTypes(got))
	}
	for _, typ := range []string{"no.altinn.signing.task.started", "no.altinn.signing.signee.delegated", "no.altinn.signing.signee.told",
		"no.altinn.signing.signee.signed", "no.altinn.signing.signee.receipt-sent", "no.altinn.signing.task.completed"} {
		if !slices.Contains(sortedTypes(want), typ) {
			t.Errorf("no %s among the task's events %v", typ, sortedTypes(want))
		}
	}
	for id, n := range obs.seen {
		if n != 1 {
			t.Errorf("event %s (%s) came %d times on the bus, want once", id, obs.types[id], n)
		}
	}
	for id, n := range deliveries {
		if n != 1 {
			t.Errorf("event %s (%s) was delivered %d times, want once", id, got[id], n)
		}
	}
	t.Logf("%d events of the task, each once on the bus and at the receiver: %v", len(want), sortedTypes(want))
	if _, refused := r.Stack.Webhooks.Counts(); refused != 0 {
		t.Errorf("%d deliveries had a bad signature", refused)
	}
}

// TestEvents_receiverDown takes the webhook receiver down while a task
// starts and a signee signs, brings it back, and sees every event of the
// task arrive (retried with backoff through the delivery queue).
func TestEvents_receiverDown(t *testing.T) {
	r := newRun(t)
	kari, ola, _ := scenario.Founders(fixture)
	r.Stack.Webhooks.SetDown(true)
	t.Cleanup(func() { r.Stack.Webhooks.SetDown(false) })
	before, _ := r.Stack.Webhooks.Counts()
	started(t, r)
	sign(t, r, ola, "", http.StatusOK)
	// Down while deliveries are refused.
	if err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		attempts, _ := r.Stack.Webhooks.Counts()
		return attempts > before+3, nil
	}); err != nil {
		t.Fatal("no delivery was tried while the receiver was down")
	}
	if got, _ := receivedBy(r); len(got) != 0 {
		t.Fatalf("the receiver took %d events while down", len(got))
	}
	r.Stack.Webhooks.SetDown(false)
	var want, got map[string]string
	err := scenario.Eventually(within(t, 90*time.Second), func() (bool, error) {
		want = apiEvents(t, r, kari)
		got, _ = receivedBy(r)
		return len(want) > 0 && maps.Equal(got, want), nil
	})
	if err != nil {
		t.Fatalf("after the receiver came back it has %d events %v, the record %d %v", len(got), sortedTypes(got), len(want), sortedTypes(want))
	}
}

func sortedTypes(m map[string]string) []string {
	out := slices.Collect(maps.Values(m))
	slices.Sort(out)
	return out
}

// TestEvents_replay sends events again with their original ids: one the
// owner names through the API, one kept in the publisher's dead-letter
// queue (onto the bus), and one webhook delivery given up on (to its
// subscriber again), as `signing events replay` does.
func TestEvents_replay(t *testing.T) {
	r := newRun(t)
	obs := newObserver(t, r, "e2e-replay-observer")
	kari, _, _ := scenario.Founders(fixture)
	started(t, r)
	var want map[string]string
	if err := scenario.Eventually(within(t, 60*time.Second), func() (bool, error) {
		want = apiEvents(t, r, kari)
		obs.drain(context.Background(), t, r.Instance.InstanceGUID)
		got, _ := receivedBy(r)
		return len(want) > 0 && maps.Equal(obs.types, want) && maps.Equal(got, want), nil
	}); err != nil {
		t.Fatalf("the task's %d events did not all arrive: bus %d, receiver", len(want), len(obs.types))
	}
	ids := slices.Sorted(maps.Keys(want))

	// The app's service owner names one event; the instance owner may not.
	replayPath := "/" + r.Instance.Org + "/" + r.Instance.App + "/instances/" +
		fmt.Sprint(r.Instance.PartyID) + "/" + r.Instance.InstanceGUID + "/signing/events/replay?taskId=" + r.Input.TaskID
	if resp, err := r.Call(within(t, 30*time.Second), kari, http.MethodPost, replayPath, map[string]any{"ids": []string{ids[0]}}); err != nil || resp.Status != http.StatusForbidden {
		t.Fatalf("replay by the instance owner = %s %v, want 403", resp, err)
	}
	resp, err := r.CallAsServiceOwner(within(t, 30*time.Second), http.MethodPost, replayPath, map[string]any{"ids": []string{ids[0]}})
	if err != nil || resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), ids[0]) {
		t.Fatalf("replay through the API = %s %v", resp, err)
	}
	waitSeen := func(id string, n int) {
		t.Helper()
		if err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
			obs.drain(context.Background(), t, r.Instance.InstanceGUID)
			_, deliveries := receivedBy(r)
			return obs.seen[id] == n && deliveries[id] == n, nil
		}); err != nil {
			_, deliveries := receivedBy(r)
			t.Fatalf("event %s: %d times on the bus and %d at the receiver, want %d", id, obs.seen[id], deliveries[id], n)
		}
	}
	waitSeen(ids[0], 2)

	// A kept event goes back on the bus from the publisher's dead-letter queue.
	cfg := r.Stack.AWSConfig()
	q := sqs.NewFromConfig(cfg)
	evs, err := events.TaskEvents(context.Background(), dynamo.New(dynamodb.NewFromConfig(cfg), r.Stack.Def.Outputs["SigningTableName"]),
		signing.TaskKey{InstanceGUID: r.Instance.InstanceGUID, TaskID: r.Input.TaskID})
	if err != nil || len(evs) != len(want) {
		t.Fatalf("TaskEvents = %d, %v; want the %d events", len(evs), err, len(want))
	}
	kept, _ := events.Select(evs, []string{ids[1]})
	body, _ := json.Marshal(events.DeadEvent{Event: kept[0], Reason: "refused"})
	dlq := r.Stack.Def.Outputs["EventsDeadLetterQueueUrl"]
	if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(dlq), MessageBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}
	bus := awsevents.NewBus(eventbridge.NewFromConfig(cfg), r.Stack.Def.Outputs["SigningEventBusName"])
	rep, err := events.ReplayDeadEvents(context.Background(), awsqueue.NewInbox(q, dlq), bus)
	if err != nil || !slices.Contains(rep.Replayed, ids[1]) {
		t.Fatalf("ReplayDeadEvents = %+v, %v", rep, err)
	}
	waitSeen(ids[1], 2)

	// A delivery given up on goes back to its subscriber only.
	raw, _ := json.Marshal(kept[0])
	dead, _ := json.Marshal(map[string]any{"subscriber": devstack.LocalWebhookSubscriber, "eventId": ids[1], "eventType": kept[0].Type, "attempts": 9, "event": json.RawMessage(raw)})
	wdlq := r.Stack.Def.Outputs["WebhookDeadLetterQueueUrl"]
	if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(wdlq), MessageBody: aws.String(string(dead))}); err != nil {
		t.Fatal(err)
	}
	rep, err = events.ReplayDeadDeliveries(context.Background(), awsqueue.NewInbox(q, wdlq), awsqueue.NewQueue(q, r.Stack.Def.Outputs["WebhookQueueUrl"]), time.Now)
	if err != nil || len(rep.Replayed) != 1 {
		t.Fatalf("ReplayDeadDeliveries = %+v, %v", rep, err)
	}
	if err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		_, deliveries := receivedBy(r)
		return deliveries[ids[1]] == 3, nil
	}); err != nil {
		t.Fatal("the dead-lettered delivery did not reach the receiver again")
	}
	obs.drain(context.Background(), t, r.Instance.InstanceGUID)
	if obs.seen[ids[1]] != 2 {
		t.Errorf("a webhook replay put the event on the bus (%d times), want the subscriber only", obs.seen[ids[1]])
	}
}

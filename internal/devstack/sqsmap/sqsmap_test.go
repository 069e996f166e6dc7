package sqsmap_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/signingflow/signing/internal/devstack/devtest"
	"github.com/signingflow/signing/internal/devstack/funchost"
	"github.com/signingflow/signing/internal/devstack/motoserver"
	"github.com/signingflow/signing/internal/devstack/sqsmap"
)

// consumer fails "flaky" once (reported), "poison" always (reported), and
// the whole batch for "crash" once.
type consumer struct {
	mu       sync.Mutex
	seen     map[string]int
	crashed  bool
	attempts map[string][]string // body → ApproximateReceiveCount of each delivery
}

func (c *consumer) Invoke(_ context.Context, name string, payload []byte, _ funchost.InvokeOptions) (funchost.Result, error) {
	var ev events.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return funchost.Result{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var resp events.SQSEventResponse
	for _, r := range ev.Records {
		c.seen[r.Body]++
		c.attempts[r.Body] = append(c.attempts[r.Body], r.Attributes["ApproximateReceiveCount"])
		if r.EventSource != "aws:sqs" || r.EventSourceARN == "" {
			return funchost.Result{}, errors.New("record without event source")
		}
		switch {
		case r.Body == "crash" && !c.crashed:
			c.crashed = true
			return funchost.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorType":"Boom"}`)}, nil
		case r.Body == "flaky" && c.seen[r.Body] == 1, r.Body == "poison":
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	b, _ := json.Marshal(resp)
	return funchost.Result{Payload: b}, nil
}

func (c *consumer) count(body string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[body]
}

func TestPoller_redriveAndPartialFailures(t *testing.T) {
	t.Parallel()
	devtest.Short(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	moto, err := motoserver.Start(ctx, motoserver.Options{})
	if errors.Is(err, motoserver.ErrUnavailable) {
		devtest.Unavailable(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = moto.Stop() })
	client := sqs.New(sqs.Options{Region: "eu-north-1", BaseEndpoint: aws.String(moto.Endpoint()), Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	dlq, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("dlq")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{
		"VisibilityTimeout": "1",
		"RedrivePolicy":     `{"deadLetterTargetArn":"arn:aws:sqs:eu-north-1:123456789012:dlq","maxReceiveCount":2}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"ok1", "flaky", "poison", "crash", "ok2"} {
		if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	c := &consumer{seen: map[string]int{}, attempts: map[string][]string{}}
	p := sqsmap.New(client, c, nil)
	p.Start(sqsmap.Mapping{
		Function: "dispatch", QueueURL: aws.ToString(q.QueueUrl), QueueARN: "arn:aws:sqs:eu-north-1:123456789012:orders",
		Region: "eu-north-1", BatchSize: 10, ReportBatchItemFailures: true, MaxBatchingWindow: 200 * time.Millisecond,
	})
	defer p.Stop()

	// The poison message lands in the DLQ after maxReceiveCount receives.
	var inDLQ []string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && len(inDLQ) == 0; time.Sleep(200 * time.Millisecond) {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			inDLQ = append(inDLQ, aws.ToString(m.Body))
		}
	}
	p.Stop()
	if len(inDLQ) != 1 || inDLQ[0] != "poison" {
		t.Errorf("dead-letter queue holds %v, want [poison]", inDLQ)
	}
	want := map[string]int{"poison": 2, "flaky": 2, "crash": 2, "ok1": 1, "ok2": 1}
	if c.count("crash") == 1 {
		// The crashed batch held ok1 and ok2 too: each is seen once more.
		want["ok1"], want["ok2"] = 2, 2
	}
	for body, n := range want {
		if got := c.count(body); got < n {
			t.Errorf("%s delivered %d times, want at least %d", body, got, n)
		}
	}
	left, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatal(err)
	}
	if left.Attributes["ApproximateNumberOfMessages"] != "0" || left.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("queue still holds messages: %v", left.Attributes)
	}
}

// recordingSQS records the receive requests and answers the first few
// with no messages; later ones block until the poller stops.
type recordingSQS struct {
	mu       sync.Mutex
	waits    []int32
	max      []int32
	inFlight int
	most     int
	answered chan struct{}
}

func (r *recordingSQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	r.mu.Lock()
	r.waits = append(r.waits, in.WaitTimeSeconds)
	r.max = append(r.max, in.MaxNumberOfMessages)
	r.inFlight++
	r.most = max(r.most, r.inFlight)
	n := len(r.waits)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlight--
		r.mu.Unlock()
	}()
	if n > 3 {
		close(r.answered)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &sqs.ReceiveMessageOutput{}, nil
}

func (r *recordingSQS) DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return &sqs.DeleteMessageBatchOutput{}, nil
}

// TestPoller_longPoll pins the divergence in docs/local-stack.md: the poller long-polls
// with WaitTimeSeconds 1 (Lambda: 20), one receive at a time per mapping.
func TestPoller_longPoll(t *testing.T) {
	t.Parallel()
	api := &recordingSQS{answered: make(chan struct{})}
	p := sqsmap.New(api, &consumer{seen: map[string]int{}, attempts: map[string][]string{}}, nil)
	p.Start(sqsmap.Mapping{Function: "dispatch", QueueURL: "http://127.0.0.1:4566/123456789012/orders", BatchSize: 5})
	<-api.answered
	p.Stop()
	api.mu.Lock()
	defer api.mu.Unlock()
	for i, w := range api.waits {
		if w != 1 || api.max[i] != 5 {
			t.Errorf("receive %d: WaitTimeSeconds %d MaxNumberOfMessages %d, want 1 and the batch size 5", i, w, api.max[i])
		}
	}
	if api.most != 1 {
		t.Errorf("%d receives at once, want 1 (one poller per mapping)", api.most)
	}
}

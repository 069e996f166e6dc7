// Package awsqueue is the SQS adapter of the queues the event functions
// write to: the publisher's dead-letter queue (lambdaconf.Wiring.EventDeadLetters) and the
// webhook delivery queue and its dead-letter queue (webhook.Queue). It is a
// package of its own so that only those functions link the SQS client
// (lambdaconf.Linked).
package awsqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/lambdaconf/awsenv"
	"github.com/signingflow/signing/internal/queue"
)

// API is the part of the SQS client a Queue uses.
type API interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// MaxDelay is the longest delay SQS gives a message (DelaySeconds ≤ 900).
const MaxDelay = 15 * time.Minute

// Queue sends JSON messages to one queue.
type Queue struct {
	api API
	url string
}

// NewQueue is the queue at url on api.
func NewQueue(api API, url string) *Queue { return &Queue{api: api, url: url} }

// NewClient is the SQS client built from the function's environment.
func NewClient(e awsenv.Env) *sqs.Client {
	return sqs.NewFromConfig(e.Config, func(o *sqs.Options) { o.BaseEndpoint = e.BaseEndpoint(sqs.ServiceID) })
}

// Send sends v as JSON, visible after delay (whole seconds, at most MaxDelay).
func (q *Queue) Send(ctx context.Context, v any, delay time.Duration) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("awsqueue: %w", err)
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(string(body))}
	if delay > 0 {
		in.DelaySeconds = int32(min(delay, MaxDelay).Round(time.Second) / time.Second)
	}
	if _, err := q.api.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("awsqueue: send to %s: %w", q.url, err)
	}
	return nil
}

// New is the queue at url with a client built from e (lambdaconf.Linked.Queues).
func New(e awsenv.Env, url string) queue.Sender { return NewQueue(NewClient(e), url) }

// InboxAPI is the part of the SQS client an Inbox uses.
type InboxAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// Inbox reads and deletes the messages of one queue (events.Inbox): the
// dead-letter queues a replay drains.
type Inbox struct {
	api InboxAPI
	url string
}

// NewInbox is the queue at url on api.
func NewInbox(api InboxAPI, url string) *Inbox { return &Inbox{api: api, url: url} }

// Receive returns up to ten messages, waiting a second for the first.
func (b *Inbox) Receive(ctx context.Context) ([]events.Message, error) {
	out, err := b.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(b.url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		return nil, fmt.Errorf("awsqueue: receive from %s: %w", b.url, err)
	}
	msgs := make([]events.Message, len(out.Messages))
	for i, m := range out.Messages {
		msgs[i] = events.Message{ID: aws.ToString(m.MessageId), Body: []byte(aws.ToString(m.Body)), Handle: aws.ToString(m.ReceiptHandle)}
	}
	return msgs, nil
}

// Delete deletes the message received with handle.
func (b *Inbox) Delete(ctx context.Context, handle string) error {
	if _, err := b.api.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(b.url), ReceiptHandle: aws.String(handle)}); err != nil {
		return fmt.Errorf("awsqueue: delete from %s: %w", b.url, err)
	}
	return nil
}

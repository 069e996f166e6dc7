// Package queue is the SQS adapter of signing.NotificationQueue: each
// notification order becomes one message on the notifications queue, sent
// in batches of ten. The consumer (functions/dispatch-notifications) places
// the order with the platform under the order's idempotency key, so a
// message delivered twice notifies once.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/signingflow/signing/internal/signing"
)

// API is the part of the SQS client the adapter uses; *sqs.Client implements it.
type API interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

var _ API = (*sqs.Client)(nil)

var _ signing.NotificationQueue = (*Queue)(nil)

// Limits of SQS.
const (
	// MaxBatch is the most messages in one SendMessageBatch.
	MaxBatch = 10
	// MaxMessageBytes is the size limit this adapter holds a message to (SQS's classic limit).
	MaxMessageBytes = 256 << 10
)

// AttrIdempotencyKey is the message attribute that carries the order's
// idempotency key, so the key is visible without decoding the body.
const AttrIdempotencyKey = "IdempotencyKey"

// Queue sends notification orders to one SQS queue.
type Queue struct {
	api API
	url string
}

// New returns the adapter for the queue at url.
func New(api API, url string) *Queue { return &Queue{api: api, url: url} }

// Enqueue sends one message per order, ten to a batch. Entries SQS refuses
// are reported together; the caller's retry sends the whole step again and
// the consumer's idempotency keeps the duplicates harmless.
func (q *Queue) Enqueue(ctx context.Context, orders []signing.NotificationOrder) error {
	bodies := make([]string, len(orders))
	var errs signing.FieldErrors
	for i, o := range orders {
		if o.IdempotencyKey == "" {
			errs.Add("orders["+strconv.Itoa(i)+"].idempotencyKey", "must be set")
		}
		b, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("queue: encode order %d: %w: %w", i, signing.ErrInvalid, err)
		}
		if len(b) > MaxMessageBytes {
			errs.Add("orders["+strconv.Itoa(i)+"]", "is %d bytes, more than a message holds (%d)", len(b), MaxMessageBytes)
		}
		bodies[i] = string(b)
	}
	if err := errs.Err(); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	for start := 0; start < len(orders); start += MaxBatch {
		end := min(start+MaxBatch, len(orders))
		if err := q.send(ctx, orders[start:end], bodies[start:end]); err != nil {
			return err
		}
	}
	return nil
}

func (q *Queue) send(ctx context.Context, orders []signing.NotificationOrder, bodies []string) error {
	entries := make([]types.SendMessageBatchRequestEntry, len(orders))
	for i, o := range orders {
		entries[i] = types.SendMessageBatchRequestEntry{
			Id:          aws.String("m" + strconv.Itoa(i)),
			MessageBody: aws.String(bodies[i]),
			MessageAttributes: map[string]types.MessageAttributeValue{
				AttrIdempotencyKey: {DataType: aws.String("String"), StringValue: aws.String(o.IdempotencyKey)},
			},
		}
	}
	out, err := q.api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(q.url), Entries: entries})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("queue: send %d messages: %w", len(orders), err)
		}
		return fmt.Errorf("queue: send %d messages: %w: %w", len(orders), signing.ErrTransient, err)
	}
	if len(out.Failed) == 0 {
		return nil
	}
	var senderFault bool
	codes := make([]string, 0, len(out.Failed))
	for _, f := range out.Failed {
		senderFault = senderFault || f.SenderFault
		codes = append(codes, aws.ToString(f.Id)+":"+aws.ToString(f.Code))
	}
	class := signing.ErrTransient
	if senderFault {
		class = signing.ErrInvalid
	}
	return fmt.Errorf("queue: %d of %d messages refused (%v): %w", len(out.Failed), len(orders), codes, class)
}

// Decode reads an order from a message body, strictly: unknown fields and a
// missing idempotency key are errors that name the field.
func Decode(body string) (signing.NotificationOrder, error) {
	var o signing.NotificationOrder
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return signing.NotificationOrder{}, fmt.Errorf("queue: decode order: %w", signing.Invalid("body", "is not a notification order"))
	}
	if o.IdempotencyKey == "" {
		return signing.NotificationOrder{}, fmt.Errorf("queue: decode order: %w", signing.Invalid("idempotencyKey", "must be set"))
	}
	if o.RecipientUUID == "" {
		return signing.NotificationOrder{}, fmt.Errorf("queue: decode order: %w", signing.Invalid("recipientUuid", "must be set"))
	}
	return o, nil
}

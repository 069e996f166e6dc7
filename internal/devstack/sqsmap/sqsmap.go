// Package sqsmap runs SQS event source mappings as Lambda does: it polls a
// queue, hands batches of up to BatchSize messages (waiting up to
// MaximumBatchingWindow to fill one) to the function as an SQS event,
// deletes the messages of a successful batch, and with
// ReportBatchItemFailures deletes all but the reported ones. Messages of a
// failed batch, and reported ones, become visible again after the queue's
// visibility timeout; the queue's redrive policy (applied by the queue, as
// in SQS) moves a message to its dead-letter queue after maxReceiveCount
// receives.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package sqsmap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/signingflow/signing/internal/devstack/funchost"
)

// API is the part of the SQS client the poller uses.
type API interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// Invoker runs a function; *funchost.Host is one.
type Invoker interface {
	Invoke(ctx context.Context, name string, payload []byte, opts funchost.InvokeOptions) (funchost.Result, error)
}

// Mapping is one event source mapping.
type Mapping struct {
	// Function is the name Invoker knows the function by.
	Function string
	// QueueURL and QueueARN name the queue (the ARN goes into each record).
	QueueURL, QueueARN string
	Region             string
	// BatchSize is the most records per invocation (default 10).
	BatchSize int
	// MaxBatchingWindow is how long to gather records before invoking.
	MaxBatchingWindow time.Duration
	// ReportBatchItemFailures honours the function's batchItemFailures.
	ReportBatchItemFailures bool
	// PollWait is the long-poll wait of one receive; default 1s (Lambda
	// uses 20s; shorter here so a stop is quick).
	PollWait time.Duration
}

// Stats count what a mapping did.
type Stats struct {
	Batches, Records, Deleted, Failed int
}

// Poller runs mappings until stopped.
type Poller struct {
	api     API
	invoker Invoker
	log     *slog.Logger

	mu     sync.Mutex
	stats  map[string]*Stats
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a poller; Start runs its mappings.
func New(api API, invoker Invoker, log *slog.Logger) *Poller {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Poller{api: api, invoker: invoker, log: log, stats: map[string]*Stats{}}
}

// Start polls each mapping in its own goroutine until Stop.
func (p *Poller) Start(mappings ...Mapping) {
	ctx, cancel := context.WithCancel(context.Background())
	p.mu.Lock()
	prev := p.cancel
	p.cancel = func() {
		if prev != nil {
			prev()
		}
		cancel()
	}
	for _, m := range mappings {
		if m.BatchSize <= 0 {
			m.BatchSize = 10
		}
		if m.PollWait <= 0 {
			m.PollWait = time.Second
		}
		if _, ok := p.stats[m.QueueURL]; !ok {
			p.stats[m.QueueURL] = &Stats{}
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.run(ctx, m)
		}()
	}
	p.mu.Unlock()
}

// Stop ends polling and waits for batches in flight.
func (p *Poller) Stop() {
	p.mu.Lock()
	cancel := p.cancel
	p.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	p.wg.Wait()
}

// Stats returns the counters of the mapping on queueURL.
func (p *Poller) Stats(queueURL string) Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.stats[queueURL]; ok {
		return *s
	}
	return Stats{}
}

func (p *Poller) count(queueURL string, f func(*Stats)) {
	p.mu.Lock()
	f(p.stats[queueURL])
	p.mu.Unlock()
}

func (p *Poller) run(ctx context.Context, m Mapping) {
	for ctx.Err() == nil {
		batch, err := p.gather(ctx, m)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.log.Warn("sqsmap: receive failed", "queue", m.QueueURL, "error", err.Error())
			sleep(ctx, time.Second)
			continue
		}
		if len(batch) == 0 {
			continue
		}
		p.deliver(ctx, m, batch)
	}
}

// gather receives up to BatchSize messages, waiting up to the batching window.
func (p *Poller) gather(ctx context.Context, m Mapping) ([]types.Message, error) {
	var batch []types.Message
	deadline := time.Now().Add(m.MaxBatchingWindow)
	for {
		n := min(m.BatchSize-len(batch), 10)
		wait := int32(m.PollWait / time.Second)
		if len(batch) > 0 {
			wait = 0
		}
		out, err := p.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(m.QueueURL),
			MaxNumberOfMessages:         int32(n),
			WaitTimeSeconds:             wait,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if len(batch) > 0 {
				return batch, nil
			}
			return nil, err
		}
		batch = append(batch, out.Messages...)
		if len(batch) >= m.BatchSize || len(batch) == 0 || !time.Now().Before(deadline) {
			return batch, nil
		}
		if len(out.Messages) == 0 {
			sleep(ctx, min(100*time.Millisecond, time.Until(deadline)))
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// Event builds the SQS event Lambda sends for msgs.
func Event(m Mapping, msgs []types.Message) events.SQSEvent {
	var ev events.SQSEvent
	for _, msg := range msgs {
		rec := events.SQSMessage{
			MessageId:              aws.ToString(msg.MessageId),
			ReceiptHandle:          aws.ToString(msg.ReceiptHandle),
			Body:                   aws.ToString(msg.Body),
			Md5OfBody:              aws.ToString(msg.MD5OfBody),
			Md5OfMessageAttributes: aws.ToString(msg.MD5OfMessageAttributes),
			Attributes:             map[string]string{},
			MessageAttributes:      map[string]events.SQSMessageAttribute{},
			EventSource:            "aws:sqs",
			EventSourceARN:         m.QueueARN,
			AWSRegion:              m.Region,
		}
		for k, v := range msg.Attributes {
			rec.Attributes[k] = v
		}
		for k, v := range msg.MessageAttributes {
			rec.MessageAttributes[k] = events.SQSMessageAttribute{
				StringValue: v.StringValue, BinaryValue: v.BinaryValue,
				StringListValues: v.StringListValues, BinaryListValues: v.BinaryListValues,
				DataType: aws.ToString(v.DataType),
			}
		}
		ev.Records = append(ev.Records, rec)
	}
	return ev
}

func (p *Poller) deliver(ctx context.Context, m Mapping, batch []types.Message) {
	payload, err := json.Marshal(Event(m, batch))
	if err != nil {
		p.log.Error("sqsmap: event", "error", err.Error())
		return
	}
	p.count(m.QueueURL, func(s *Stats) { s.Batches++; s.Records += len(batch) })
	res, err := p.invoker.Invoke(context.WithoutCancel(ctx), m.Function, payload, funchost.InvokeOptions{})
	if err != nil || res.FunctionError != "" {
		// The whole batch returns to the queue after its visibility timeout.
		p.count(m.QueueURL, func(s *Stats) { s.Failed += len(batch) })
		p.log.Warn("sqsmap: the batch failed; its messages return after the visibility timeout",
			"function", m.Function, "records", len(batch), "errorType", res.ErrorType(), "error", errString(err))
		return
	}
	failed, err := failures(res.Payload, batch, m.ReportBatchItemFailures)
	if err != nil {
		p.count(m.QueueURL, func(s *Stats) { s.Failed += len(batch) })
		p.log.Warn("sqsmap: the batch response is not valid; the whole batch failed", "function", m.Function, "error", err.Error())
		return
	}
	var del []types.DeleteMessageBatchRequestEntry
	for i, msg := range batch {
		if failed[aws.ToString(msg.MessageId)] {
			continue
		}
		del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: msg.ReceiptHandle})
	}
	p.count(m.QueueURL, func(s *Stats) { s.Failed += len(failed) })
	if len(failed) > 0 {
		p.log.Info("sqsmap: records reported as failed return after the visibility timeout", "function", m.Function, "failed", len(failed))
	}
	for len(del) > 0 {
		chunk := del[:min(10, len(del))]
		del = del[len(chunk):]
		out, err := p.api.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(m.QueueURL), Entries: chunk})
		if err != nil {
			p.log.Warn("sqsmap: delete failed", "queue", m.QueueURL, "error", err.Error())
			continue
		}
		p.count(m.QueueURL, func(s *Stats) { s.Deleted += len(out.Successful) })
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// failures returns the IDs of the records the response reports as failed.
// A response naming an unknown or empty ID fails the whole batch, as
// Lambda does; without ReportBatchItemFailures the response is ignored.
func failures(payload []byte, batch []types.Message, report bool) (map[string]bool, error) {
	out := map[string]bool{}
	if !report {
		return out, nil
	}
	trimmed := strings.TrimSpace(string(payload))
	if trimmed == "" || trimmed == "null" {
		return out, nil
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		// Not a batch response (e.g. a string): Lambda treats it as success.
		return out, nil
	}
	ids := map[string]bool{}
	for _, m := range batch {
		ids[aws.ToString(m.MessageId)] = true
	}
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == "" || !ids[f.ItemIdentifier] {
			return nil, errors.New("batchItemFailures names an unknown or empty itemIdentifier")
		}
		out[f.ItemIdentifier] = true
	}
	return out, nil
}

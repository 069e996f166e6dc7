// Package streammap runs DynamoDB stream event source mappings as Lambda
// does (AWS Lambda developer guide, "Using AWS Lambda with Amazon
// DynamoDB"): it reads each shard of a table's stream in order, drops the
// records no filter matches (FilterCriteria: a record passes when one
// pattern matches), hands batches of up to BatchSize records (waiting up to
// MaximumBatchingWindow to fill one) to the function as a DynamoDB event,
// and moves on only when the batch is done. A failed invocation is tried
// again with the same batch; with ReportBatchItemFailures a reported
// sequence number is where the next try starts (the records before it are
// done; an identifier not in the batch fails the whole batch, as Lambda
// treats it). After MaximumRetryAttempts further tries, or once the oldest
// record is MaximumRecordAge old, the batch's description goes to the
// on-failure destination and the records are skipped.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package streammap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/signingflow/signing/internal/devstack/funchost"
)

// API is the part of the DynamoDB Streams client the poller uses.
type API interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// Invoker runs a function; *funchost.Host is one.
type Invoker interface {
	Invoke(ctx context.Context, name string, payload []byte, opts funchost.InvokeOptions) (funchost.Result, error)
}

// Mapping is one event source mapping.
type Mapping struct {
	// Function is the name Invoker knows the function by; FunctionARN goes
	// into the on-failure description.
	Function, FunctionARN string
	StreamARN, Region     string
	// StartingPosition is TRIM_HORIZON or LATEST.
	StartingPosition  string
	BatchSize         int
	MaxBatchingWindow time.Duration
	// Filters are FilterCriteria patterns (JSON).
	Filters                 []string
	ReportBatchItemFailures bool
	// MaximumRetryAttempts < 0 retries until MaximumRecordAge (≤ 0: forever).
	MaximumRetryAttempts int
	MaximumRecordAge     time.Duration
	// OnFailure receives the description of a batch given up on (the
	// on-failure destination); nil drops it with a log line.
	OnFailure func(ctx context.Context, body []byte) error
	// PollInterval is the pause between reads of an idle shard (default 100 ms).
	PollInterval time.Duration
	// RetryPause is the pause before a failed batch is tried again (default 500 ms).
	RetryPause time.Duration
}

// Stats count what a mapping did.
type Stats struct {
	Batches, Records, Filtered, Failed, GivenUp int
}

// Poller runs mappings until stopped.
type Poller struct {
	api     API
	invoker Invoker
	log     *slog.Logger

	mu    sync.Mutex
	stats map[string]*Stats
	// idleSince is when each mapping last found nothing to hand over
	// (zero while it has work).
	idleSince map[string]time.Time
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// New returns a poller; Start runs its mappings.
func New(api API, invoker Invoker, log *slog.Logger) *Poller {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Poller{api: api, invoker: invoker, log: log, stats: map[string]*Stats{}, idleSince: map[string]time.Time{}}
}

// Start checks each mapping's filters and runs it in its own goroutine
// until Stop.
func (p *Poller) Start(mappings ...Mapping) error {
	for _, m := range mappings {
		for i, f := range m.Filters {
			if _, err := compile(f); err != nil {
				return fmt.Errorf("streammap: %s: filter %d: %w", m.Function, i, err)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.mu.Lock()
	defer p.mu.Unlock()
	prev := p.cancel
	p.cancel = func() {
		if prev != nil {
			prev()
		}
		cancel()
	}
	for _, m := range mappings {
		if m.BatchSize <= 0 {
			m.BatchSize = 100
		}
		if m.PollInterval <= 0 {
			m.PollInterval = 100 * time.Millisecond
		}
		if m.RetryPause <= 0 {
			m.RetryPause = 500 * time.Millisecond
		}
		if _, ok := p.stats[m.Function]; !ok {
			p.stats[m.Function] = &Stats{}
		}
		p.idleSince[m.Function] = time.Time{}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.run(ctx, m)
		}()
	}
	return nil
}

// Stop ends polling and waits for the batch in flight.
func (p *Poller) Stop() {
	p.mu.Lock()
	cancel := p.cancel
	p.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	p.wg.Wait()
}

// IdleFor reports whether every mapping has found nothing to hand over
// for at least d (the benchmark waits for it between runs: a read of the
// stream may come back empty while records are still on their way).
func (p *Poller) IdleFor(d time.Duration) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, since := range p.idleSince {
		if since.IsZero() || time.Since(since) < d {
			return false
		}
	}
	return true
}

// Stats returns the counters of the mapping to function.
func (p *Poller) Stats(function string) Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.stats[function]; ok {
		return *s
	}
	return Stats{}
}

func (p *Poller) count(fn string, f func(*Stats)) {
	p.mu.Lock()
	f(p.stats[fn])
	p.mu.Unlock()
}

// shard is where the mapping stands in one shard.
type shard struct {
	id, iterator string
	// queue holds records read and not yet done, in order.
	queue []types.Record
	// closed is set when the shard has no more records (no next iterator).
	closed bool
}

func (p *Poller) run(ctx context.Context, m Mapping) {
	filters := make([]pattern, 0, len(m.Filters))
	for _, f := range m.Filters {
		pat, _ := compile(f)
		filters = append(filters, pat)
	}
	shards := map[string]*shard{}
	var order []string
	for ctx.Err() == nil {
		out, err := p.api.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(m.StreamARN)})
		if err != nil {
			if ctx.Err() == nil {
				p.log.Warn("streammap: describe stream failed", "function", m.Function, "error", err.Error())
				sleep(ctx, time.Second)
			}
			continue
		}
		for _, s := range out.StreamDescription.Shards {
			id := aws.ToString(s.ShardId)
			if _, ok := shards[id]; ok {
				continue
			}
			// A child shard starts where its parent ended: from its start.
			pos := types.ShardIteratorType(m.StartingPosition)
			if parent := aws.ToString(s.ParentShardId); parent != "" && shards[parent] != nil {
				pos = types.ShardIteratorTypeTrimHorizon
			}
			it, err := p.api.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(m.StreamARN), ShardId: aws.String(id), ShardIteratorType: pos})
			if err != nil {
				p.log.Warn("streammap: shard iterator failed", "function", m.Function, "shard", id, "error", err.Error())
				continue
			}
			shards[id] = &shard{id: id, iterator: aws.ToString(it.ShardIterator)}
			order = append(order, id)
		}
		busy := false
		for _, id := range order {
			sh := shards[id]
			if sh.closed && len(sh.queue) == 0 {
				continue
			}
			if p.step(ctx, m, filters, sh) {
				busy = true
			}
		}
		p.mu.Lock()
		switch {
		case busy:
			p.idleSince[m.Function] = time.Time{}
		case p.idleSince[m.Function].IsZero():
			p.idleSince[m.Function] = time.Now()
		}
		p.mu.Unlock()
		if !busy {
			sleep(ctx, m.PollInterval)
		}
	}
}

// step reads what is new in sh and hands over one batch; it reports
// whether there was anything to do.
func (p *Poller) step(ctx context.Context, m Mapping, filters []pattern, sh *shard) bool {
	deadline := time.Now().Add(m.MaxBatchingWindow)
	for !sh.closed && len(sh.queue) < m.BatchSize {
		out, err := p.api.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(sh.iterator), Limit: aws.Int32(int32(min(m.BatchSize, 1000)))})
		if err != nil {
			if ctx.Err() == nil {
				p.log.Warn("streammap: read failed", "function", m.Function, "shard", sh.id, "error", err.Error())
			}
			return false
		}
		if out.NextShardIterator == nil {
			sh.closed = true
		} else {
			sh.iterator = aws.ToString(out.NextShardIterator)
		}
		for _, r := range out.Records {
			if matches(filters, Record(m, r)) {
				sh.queue = append(sh.queue, r)
			} else {
				p.count(m.Function, func(s *Stats) { s.Filtered++ })
			}
		}
		if len(out.Records) == 0 && (len(sh.queue) == 0 || !time.Now().Before(deadline)) {
			break
		}
		if len(out.Records) == 0 {
			sleep(ctx, min(m.PollInterval, time.Until(deadline)))
		}
	}
	if len(sh.queue) == 0 {
		return false
	}
	batch := sh.queue[:min(len(sh.queue), m.BatchSize)]
	done := p.deliver(ctx, m, sh.id, batch)
	sh.queue = sh.queue[done:]
	return true
}

// deliver hands batch over until it is done or given up on, and returns
// how many of its records are done.
func (p *Poller) deliver(ctx context.Context, m Mapping, shardID string, batch []types.Record) int {
	for attempt := 1; ; attempt++ {
		n, err := p.invoke(ctx, m, batch)
		p.count(m.Function, func(s *Stats) { s.Batches++; s.Records += n })
		if err == nil && n == len(batch) {
			return n
		}
		if n > 0 {
			// The records before the reported one are done; the next try
			// starts there, as a batch of its own.
			return n
		}
		p.count(m.Function, func(s *Stats) { s.Failed++ })
		oldest := aws.ToTime(batch[0].Dynamodb.ApproximateCreationDateTime)
		tooOld := m.MaximumRecordAge > 0 && !oldest.IsZero() && time.Since(oldest) > m.MaximumRecordAge
		if tooOld || (m.MaximumRetryAttempts >= 0 && attempt > m.MaximumRetryAttempts) {
			p.giveUp(ctx, m, shardID, batch, attempt, tooOld)
			return len(batch)
		}
		p.log.Warn("streammap: the batch failed; trying it again", "function", m.Function, "records", len(batch), "attempt", attempt, "error", errString(err))
		sleep(ctx, m.RetryPause)
		if ctx.Err() != nil {
			return 0
		}
	}
}

// invoke runs the function once and returns how many records of batch
// are done (all, none, or those before a reported failure).
func (p *Poller) invoke(ctx context.Context, m Mapping, batch []types.Record) (int, error) {
	ev := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, len(batch))}
	for i, r := range batch {
		ev.Records[i] = Record(m, r)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return 0, err
	}
	res, err := p.invoker.Invoke(context.WithoutCancel(ctx), m.Function, payload, funchost.InvokeOptions{})
	if err != nil {
		return 0, err
	}
	if res.FunctionError != "" {
		return 0, fmt.Errorf("function error %s: %s", res.ErrorType(), res.Payload)
	}
	if !m.ReportBatchItemFailures {
		return len(batch), nil
	}
	var out events.DynamoDBEventResponse
	if err := json.Unmarshal(res.Payload, &out); err != nil && len(res.Payload) > 0 && string(res.Payload) != "null" {
		return 0, fmt.Errorf("the response is not a batch response: %w", err)
	}
	if len(out.BatchItemFailures) == 0 {
		return len(batch), nil
	}
	first := len(batch)
	for _, f := range out.BatchItemFailures {
		i := slices.IndexFunc(batch, func(r types.Record) bool { return aws.ToString(r.Dynamodb.SequenceNumber) == f.ItemIdentifier })
		if i < 0 {
			return 0, fmt.Errorf("batchItemFailures names %q, which is not in the batch", f.ItemIdentifier)
		}
		first = min(first, i)
	}
	return first, errors.New("the function reported a failed record")
}

// giveUp sends the batch's description to the on-failure destination, in
// the shape Lambda sends for a stream source.
func (p *Poller) giveUp(ctx context.Context, m Mapping, shardID string, batch []types.Record, attempts int, tooOld bool) {
	p.count(m.Function, func(s *Stats) { s.GivenUp += len(batch) })
	condition := "RetryAttemptsExhausted"
	if tooOld {
		condition = "RecordAgeExceeded"
	}
	body, _ := json.Marshal(map[string]any{
		"requestContext": map[string]any{"functionArn": m.FunctionARN, "condition": condition, "approximateInvokeCount": attempts},
		"version":        "1.0",
		"timestamp":      time.Now().UTC().Format(time.RFC3339Nano),
		"DDBStreamBatchInfo": map[string]any{
			"shardId": shardID, "streamArn": m.StreamARN, "batchSize": len(batch),
			"startSequenceNumber":             aws.ToString(batch[0].Dynamodb.SequenceNumber),
			"endSequenceNumber":               aws.ToString(batch[len(batch)-1].Dynamodb.SequenceNumber),
			"approximateArrivalOfFirstRecord": aws.ToTime(batch[0].Dynamodb.ApproximateCreationDateTime).UTC().Format(time.RFC3339),
			"approximateArrivalOfLastRecord":  aws.ToTime(batch[len(batch)-1].Dynamodb.ApproximateCreationDateTime).UTC().Format(time.RFC3339),
		},
	})
	p.log.Error("streammap: batch given up on", "function", m.Function, "records", len(batch), "condition", condition)
	if m.OnFailure == nil {
		return
	}
	if err := m.OnFailure(context.WithoutCancel(ctx), body); err != nil {
		p.log.Error("streammap: on-failure destination failed", "function", m.Function, "error", err.Error())
	}
}

// Record is the Lambda event record of a stream record.
func Record(m Mapping, r types.Record) events.DynamoDBEventRecord {
	d := r.Dynamodb
	out := events.DynamoDBEventRecord{
		AWSRegion: m.Region, EventID: aws.ToString(r.EventID), EventName: string(r.EventName),
		EventSource: "aws:dynamodb", EventVersion: aws.ToString(r.EventVersion), EventSourceArn: m.StreamARN,
	}
	if d == nil {
		return out
	}
	out.Change = events.DynamoDBStreamRecord{
		ApproximateCreationDateTime: events.SecondsEpochTime{Time: aws.ToTime(d.ApproximateCreationDateTime)},
		Keys:                        image(d.Keys), NewImage: image(d.NewImage), OldImage: image(d.OldImage),
		SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes), StreamViewType: string(d.StreamViewType),
	}
	return out
}

func image(m map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = attribute(v)
	}
	return out
}

func attribute(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, x := range v.Value {
			l[i] = attribute(x)
		}
		return events.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(image(v.Value))
	default:
		return events.NewNullAttribute()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

package streammap

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/signingflow/signing/internal/devstack/funchost"
)

// stream is one shard of records, read from where the iterator points.
type stream struct {
	mu   sync.Mutex
	recs []types.Record
}

func (s *stream) DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: &types.StreamDescription{Shards: []types.Shard{{ShardId: aws.String("shard-1")}}}}, nil
}

func (s *stream) GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String("0")}, nil
}

func (s *stream) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var from int
	fmt.Sscan(aws.ToString(in.ShardIterator), &from)
	to := min(len(s.recs), from+int(aws.ToInt32(in.Limit)))
	return &dynamodbstreams.GetRecordsOutput{Records: s.recs[from:to], NextShardIterator: aws.String(fmt.Sprint(to))}, nil
}

// record is an inserted item of type typ, sequence number seq.
func record(seq int, typ string) types.Record {
	return types.Record{
		EventID: aws.String(fmt.Sprint(seq)), EventName: types.OperationTypeInsert,
		Dynamodb: &types.StreamRecord{
			SequenceNumber: aws.String(fmt.Sprintf("%03d", seq)), ApproximateCreationDateTime: aws.Time(time.Now()),
			NewImage: map[string]types.AttributeValue{"type": &types.AttributeValueMemberS{Value: typ}, "n": &types.AttributeValueMemberN{Value: fmt.Sprint(seq)}},
		},
	}
}

// fn is the function: it records each batch's sequence numbers and
// answers with respond.
type fn struct {
	mu      sync.Mutex
	batches [][]string
	respond func(batch []string) (payload string, functionError bool)
}

func (f *fn) Invoke(_ context.Context, _ string, payload []byte, _ funchost.InvokeOptions) (funchost.Result, error) {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return funchost.Result{}, err
	}
	var seqs []string
	for _, r := range ev.Records {
		seqs = append(seqs, r.Change.SequenceNumber)
	}
	f.mu.Lock()
	f.batches = append(f.batches, seqs)
	f.mu.Unlock()
	body, failed := f.respond(seqs)
	res := funchost.Result{Payload: []byte(body)}
	if failed {
		res.FunctionError = "Unhandled"
	}
	return res, nil
}

func (f *fn) seen() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.batches)
}

func wait(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// TestPoller_batchFailures pins Lambda's stream semantics: records no
// filter matches are dropped; a reported record and those after it come
// again as the next batch; a failing batch is retried, then given up on
// after MaximumRetryAttempts with its description sent to the on-failure
// destination, and the records after it go on.
func TestPoller_batchFailures(t *testing.T) {
	t.Parallel()
	s := &stream{}
	for i := 1; i <= 10; i++ {
		typ := "audit"
		if i%4 == 0 {
			typ = "task"
		}
		s.recs = append(s.recs, record(i, typ))
	}
	reported := false
	f := &fn{respond: func(batch []string) (string, bool) {
		switch {
		case slices.Contains(batch, "002") && !reported:
			reported = true
			return `{"batchItemFailures":[{"itemIdentifier":"002"}]}`, false
		case slices.Contains(batch, "006"):
			return `{"errorType":"boom"}`, true
		}
		return `{"batchItemFailures":[]}`, false
	}}
	var mu sync.Mutex
	var failures []string
	p := New(s, f, nil)
	if err := p.Start(Mapping{
		Function: "publish", StreamARN: "arn:stream", StartingPosition: "TRIM_HORIZON", BatchSize: 3,
		Filters: []string{`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"type":{"S":["audit"]}}}}`},
		ReportBatchItemFailures: true, MaximumRetryAttempts: 2, RetryPause: time.Millisecond,
		OnFailure: func(_ context.Context, body []byte) error {
			mu.Lock()
			failures = append(failures, string(body))
			mu.Unlock()
			return nil
		},
	}); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	wait(t, func() bool {
		b := f.seen()
		return len(b) > 0 && slices.Contains(b[len(b)-1], "010")
	})
	got := f.seen()
	if !slices.Equal(got[0], []string{"001", "002", "003"}) || len(got) < 2 || !slices.Equal(got[1][:2], []string{"002", "003"}) {
		t.Errorf("batches = %v, want 001-003, then from the reported 002 on", got)
	}
	tries := map[string]int{}
	for _, b := range got {
		if slices.Contains(b, "004") || slices.Contains(b, "008") {
			t.Errorf("batch %v holds a record no filter matches", b)
		}
		tries[strings.Join(b, ",")]++
	}
	var failed string
	for b, n := range tries {
		if strings.Contains(b, "006") {
			failed = b
			if n != 3 {
				t.Errorf("the failing batch %s was tried %d times, want 1 + MaximumRetryAttempts 2", b, n)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failures) != 1 || !strings.Contains(failures[0], `"condition":"RetryAttemptsExhausted"`) ||
		!strings.Contains(failures[0], `"startSequenceNumber":"`+strings.Split(failed, ",")[0]+`"`) {
		t.Errorf("on-failure descriptions = %v, want one for the batch %s", failures, failed)
	}
	if st := p.Stats("publish"); st.Filtered != 2 || st.GivenUp != len(strings.Split(failed, ",")) {
		t.Errorf("stats = %+v, want 2 filtered and the failing batch given up on", st)
	}
}

func TestCompile(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{`[]`, `{"a":"b"}`, `{"a":[{"prefix":"x"}]}`, `{"a":{"b":[{"exists":true}]}}`} {
		if _, err := compile(bad); err == nil {
			t.Errorf("compile(%s) = nil, want it refused", bad)
		}
	}
	p, err := compile(`{"eventName":["INSERT","MODIFY"],"dynamodb":{"NewImage":{"type":{"S":["audit"]}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	for rec, want := range map[string]bool{
		`{"eventName":"INSERT","dynamodb":{"NewImage":{"type":{"S":"audit"}}}}`: true,
		`{"eventName":"MODIFY","dynamodb":{"NewImage":{"type":{"S":"audit"}}}}`: true,
		`{"eventName":"REMOVE","dynamodb":{"NewImage":{"type":{"S":"audit"}}}}`: false,
		`{"eventName":"INSERT","dynamodb":{"NewImage":{"type":{"S":"task"}}}}`:  false,
		`{"eventName":"INSERT","dynamodb":{}}`:                                  false,
	} {
		var doc map[string]any
		_ = json.Unmarshal([]byte(rec), &doc)
		if got := matches([]pattern{p}, doc); got != want {
			t.Errorf("matches(%s) = %v, want %v", rec, got, want)
		}
	}
}

package bench

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/signing"
)

// Signing patterns of the cost benchmark.
const (
	// PatternAlone: each signature arrives on its own, after the previous
	// one's round ended (signers act hours apart): one round per signature,
	// the most state transitions a task can take without failures.
	PatternAlone = "alone"
	// PatternTogether: everyone signs at once (10 at a time), so rounds
	// collect many signatures each.
	PatternTogether = "together"
)

// edgeOps are the calls the edge counts that the cost table reads.
var edgeOps = []struct{ service, op string }{
	{"sqs", "SendMessage"}, {"sqs", "SendMessageBatch"}, {"sqs", "ReceiveMessage"},
	{"sqs", "DeleteMessage"}, {"sqs", "DeleteMessageBatch"},
	{"sqs", "ChangeMessageVisibility"}, {"sqs", "ChangeMessageVisibilityBatch"},
	{"states", "StartExecution"}, {"states", "SendTaskSuccess"}, {"states", "SendTaskFailure"},
	{"states", "SendTaskHeartbeat"}, {"states", "DescribeExecution"},
	{"secretsmanager", ""}, {"lambda", "Invoke"},
}

// snapshot is every counter at one moment.
type snapshot struct {
	edge     map[string]int
	dynamo   map[string]OpCount
	cap      Capacity
	platform map[string]OpCount
	invoked  map[string]int
	lambdaT  map[string]time.Duration
	host     HostStats
}

// HostStats add up the function host's counters over every function.
type HostStats struct {
	Invocations, ColdStarts, Crashes, Timeouts, Errors int
}

func (h HostStats) minus(o HostStats) HostStats {
	return HostStats{h.Invocations - o.Invocations, h.ColdStarts - o.ColdStarts, h.Crashes - o.Crashes, h.Timeouts - o.Timeouts, h.Errors - o.Errors}
}

func (e *Env) snapshot() snapshot {
	s := snapshot{edge: map[string]int{}, invoked: map[string]int{}}
	for _, c := range edgeOps {
		s.edge[c.service+"."+c.op] = e.Stack.Edge.Calls(c.service, c.op)
	}
	s.dynamo = e.Dynamo.Counts.Snapshot()
	s.cap = e.Dynamo.Capacity()
	s.platform = e.Platform.Counts.Snapshot()
	for _, f := range e.Stack.Def.Functions {
		st, _ := e.Stack.Host.Stats(f.Name)
		s.invoked[f.LogicalID] = st.Invocations
		s.host.Invocations += st.Invocations
		s.host.ColdStarts += st.ColdStarts
		s.host.Crashes += st.Crashes
		s.host.Timeouts += st.Timeouts
		s.host.Errors += st.Errors
	}
	s.lambdaT, _ = e.Lambda.Snapshot()
	return s
}

// TaskCost is what one task used, counted on the stack.
type TaskCost struct {
	N       int
	Pattern string
	// Modelled is set for rows extrapolated from the fitted lines instead of run.
	Modelled bool
	Duration time.Duration

	Transitions, Executions, HistoryEvents, MaxEvents int
	MaxPayload                                        int
	MaxPayloadState                                   string

	// Invocations per function (logical ID), and in total.
	Invocations      map[string]int
	InvocationsTotal int
	// LambdaSeconds adds up invocation time: measured by the host for the
	// state machine's and the queue's invocations, by the client for the
	// HTTP API's (sign and complete requests).
	LambdaSeconds float64
	// LambdaGBSeconds weighs each function's seconds by its memory size.
	LambdaGBSeconds float64
	// LambdaMean is the mean invocation time per function (logical ID).
	LambdaMean map[string]time.Duration

	DynamoRequests map[string]int
	DynamoReads    int // GetItem, Query, BatchGetItem, Scan requests
	DynamoWrites   int // PutItem, UpdateItem, DeleteItem, TransactWriteItems, BatchWriteItem requests
	RRU, WRU       float64
	FailedWrites   int

	SQS map[string]int
	// SQSRequests are the billable SQS requests: sends, receives that
	// returned messages (one per dispatcher invocation) and deletes.
	SQSRequests int
	// StatesAPI counts Step Functions API calls the functions make (SendTask*).
	StatesAPI map[string]int

	Platform map[string]OpCount
	// DocumentBytes are the bytes of data elements read from storage;
	// InstanceBytes the instance metadata documents read.
	DocumentBytes, InstanceBytes int64

	// Events are the task's events (its audit trail's, as the bus and the
	// local webhook receiver got them); Deliveries the webhook posts the
	// receiver took (one subscriber: the local stack's).
	Events, Deliveries int

	// LostReceipts are receipts the workflow never sent (see Phases).
	LostReceipts int
	// Retried counts HTTP API answers 503 the client retried.
	Retried int

	Price Price
}

// costOf turns two snapshots into the counted part of a TaskCost.
func (e *Env) costOf(a, b snapshot, apiTime time.Duration) TaskCost {
	c := TaskCost{Invocations: map[string]int{}, DynamoRequests: map[string]int{}, SQS: map[string]int{}, StatesAPI: map[string]int{}}
	for k, v := range b.invoked {
		if d := v - a.invoked[k]; d > 0 {
			c.Invocations[k] = d
			c.InvocationsTotal += d
		}
	}
	mem := map[string]float64{}
	logical := map[string]string{}
	apiMem := 0.25
	for _, f := range e.Stack.Def.Functions {
		mem[f.Name] = float64(f.MemoryMB) / 1024
		logical[f.Name] = f.LogicalID
		if f.LogicalID == "ApiFunction" {
			apiMem = float64(f.MemoryMB) / 1024
		}
	}
	lt := apiTime
	c.LambdaGBSeconds = apiTime.Seconds() * apiMem
	c.LambdaMean = map[string]time.Duration{}
	if n := c.Invocations["ApiFunction"]; n > 0 {
		c.LambdaMean["ApiFunction"] = apiTime / time.Duration(n)
	}
	for k, v := range b.lambdaT {
		d := v - a.lambdaT[k]
		lt += d
		gb, ok := mem[k]
		if !ok {
			gb = 0.25
		}
		c.LambdaGBSeconds += d.Seconds() * gb
		if n := c.Invocations[logical[k]]; n > 0 && d > 0 {
			c.LambdaMean[logical[k]] = d / time.Duration(n)
		}
	}
	c.LambdaSeconds = lt.Seconds()
	for op, v := range diffCounts(a.dynamo, b.dynamo) {
		c.DynamoRequests[op] = int(v.Calls)
		switch op {
		case "GetItem", "Query", "BatchGetItem", "Scan", "TransactGetItems":
			c.DynamoReads += int(v.Calls)
		case "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem":
			c.DynamoWrites += int(v.Calls)
		}
	}
	c.RRU = b.cap.RRU - a.cap.RRU
	c.WRU = b.cap.WRU - a.cap.WRU
	c.FailedWrites = int(b.cap.FailedWrites - a.cap.FailedWrites)
	for k, v := range b.edge {
		d := v - a.edge[k]
		if d == 0 {
			continue
		}
		service, op, _ := strings.Cut(k, ".")
		switch service {
		case "sqs":
			c.SQS[op] = d
		case "states":
			c.StatesAPI[op] = d
		}
	}
	// Receives are billed by the polling of the webhook queue's event
	// source mapping, which does not grow with tasks; the rule's sends to
	// that queue happen inside EventBridge, past the edge (runCost adds one
	// per event).
	c.SQSRequests = c.SQS["SendMessage"] + c.SQS["SendMessageBatch"] + c.SQS["DeleteMessage"] + c.SQS["DeleteMessageBatch"]
	c.Platform = diffCounts(a.platform, b.platform)
	c.DocumentBytes = c.Platform[opReadData].BytesOut
	c.InstanceBytes = c.Platform[opGetInstance].BytesOut
	return c
}

// waitEvents waits until the local webhook receiver holds every event of
// world task i's audit trail (read from DynamoDB Local directly, not
// counted), and returns how many events and deliveries that took.
func (e *Env) waitEvents(ctx context.Context, i int) (evs, deliveries int, err error) {
	key := signing.TaskKey{InstanceGUID: e.World.Tasks[i].Instance.InstanceGUID, TaskID: e.Example.TaskID}
	trail, err := events.TaskEvents(ctx, dynamo.New(e.directDynamo(), e.Stack.Def.Tables[0].Name), key)
	if err != nil {
		return 0, 0, err
	}
	err = waitFor(ctx, 100*time.Millisecond, "every event at the webhook receiver", func() (bool, error) {
		got := map[string]bool{}
		deliveries = 0
		for _, ev := range e.Stack.Webhooks.Events() {
			if strings.Contains(ev.Subject, key.InstanceGUID) {
				got[ev.ID] = true
				deliveries++
			}
		}
		return len(got) == len(trail), nil
	})
	return len(trail), deliveries, err
}

// directDynamo returns a client of DynamoDB Local itself (not counted).
func (e *Env) directDynamo() *dynamodb.Client {
	cfg := e.Stack.AWSConfig()
	cfg.BaseEndpoint = aws.String(endpoint(e.Stack, "DynamoDB Local"))
	return dynamodb.NewFromConfig(cfg)
}

// taskAttr reports whether the task item of world task i has attr.
func (e *Env) taskAttr(ctx context.Context, db *dynamodb.Client, i int, attr string) (bool, error) {
	table := e.Stack.Def.Tables[0].Name
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: dynamo.TaskKey(signing.TaskKey{InstanceGUID: e.World.Tasks[i].Instance.InstanceGUID, TaskID: e.Example.TaskID}),
	})
	if err != nil {
		return false, err
	}
	_, ok := out.Item[attr]
	return ok, nil
}

// runCost drives world task i end to end with every counter read before
// and after, capacity metering on.
func (e *Env) runCost(ctx context.Context, i int, pattern string) (TaskCost, error) {
	n := len(e.World.Tasks[i].Signees)
	db := e.directDynamo()
	var calls []apiCall
	for s := 0; s < n; s++ {
		c, err := e.signCall(i, s)
		if err != nil {
			return TaskCost{}, err
		}
		calls = append(calls, c)
	}
	complete, err := e.completeCall(i)
	if err != nil {
		return TaskCost{}, err
	}
	// Nothing else may run: let earlier work settle first.
	if err := e.waitQueuesEmpty(ctx); err != nil {
		return TaskCost{}, err
	}
	time.Sleep(time.Second)
	e.Dynamo.SetMetering(true)
	defer e.Dynamo.SetMetering(false)
	a := e.snapshot()
	t0 := time.Now()
	var apiTime time.Duration
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute+time.Duration(n)*3*time.Second)
	defer cancel()
	arns, err := e.startTasks(ctx, []int{i}, 1)
	if err != nil {
		return TaskCost{}, err
	}
	if err := e.waitTold(ctx, []int{i}, arns); err != nil {
		return TaskCost{}, err
	}
	guid := e.World.Tasks[i].Instance.InstanceGUID
	lostReceipts := 0
	retries := &Retries{}
	switch pattern {
	case PatternAlone:
		for s, c := range calls {
			// The workflow waits again (its token is stored) before each signature.
			if err := waitFor(ctx, 100*time.Millisecond, "the workflow to wait", func() (bool, error) {
				if err := e.failedEarly(ctx, arns[0]); err != nil {
					return false, err
				}
				return e.taskAttr(ctx, db, i, dynamo.AttrWaitToken)
			}); err != nil {
				return TaskCost{}, fmt.Errorf("%w\n%s", err, e.diagnose(context.Background(), i, arns[0]))
			}
			status, d, err := c.do(ctx, retries)
			if err != nil || status != http.StatusOK {
				return TaskCost{}, fmt.Errorf("sign %d of task %d = %d %v", s, i, status, err)
			}
			apiTime += d
			if err := waitFor(ctx, 100*time.Millisecond, "the receipt", func() (bool, error) {
				_, receipts := e.told()
				return receipts[guid] > s, e.failedEarly(ctx, arns[0])
			}); err != nil {
				return TaskCost{}, fmt.Errorf("%w\n%s", err, e.diagnose(context.Background(), i, arns[0]))
			}
		}
	default:
		lat, _, err := runCalls(ctx, calls, 10, retries)
		if err != nil {
			return TaskCost{}, err
		}
		for _, d := range lat {
			apiTime += d
		}
		if lostReceipts, err = e.waitReceipts(ctx, []int{i}, arns); err != nil {
			return TaskCost{}, err
		}
	}
	if err := waitFor(ctx, 100*time.Millisecond, "the completion wait", func() (bool, error) {
		if err := e.failedEarly(ctx, arns[0]); err != nil {
			return false, err
		}
		return e.taskAttr(ctx, db, i, dynamo.AttrCompletionToken)
	}); err != nil {
		return TaskCost{}, fmt.Errorf("%w\n%s", err, e.diagnose(context.Background(), i, arns[0]))
	}
	status, d, err := complete.do(ctx, retries)
	if err != nil || (status != http.StatusOK && status != http.StatusAccepted) {
		return TaskCost{}, fmt.Errorf("complete task %d = %d %v", i, status, err)
	}
	apiTime += d
	if err := e.waitOutcomes(ctx, arns); err != nil {
		return TaskCost{}, err
	}
	dur := time.Since(t0)
	evs, deliveries, err := e.waitEvents(ctx, i)
	if err != nil {
		return TaskCost{}, err
	}
	if err := e.waitQueuesEmpty(ctx); err != nil {
		return TaskCost{}, err
	}
	time.Sleep(1500 * time.Millisecond) // the last deletes and redeliveries
	b := e.snapshot()
	c := e.costOf(a, b, apiTime)
	c.N, c.Pattern, c.Duration, c.LostReceipts = n, pattern, dur, lostReceipts
	c.Events, c.Deliveries = evs, deliveries
	c.SQSRequests += evs
	c.Retried, _ = retries.Snapshot()
	byInst, err := e.executionsByInstance(ctx)
	if err != nil {
		return c, err
	}
	h, err := e.histories(ctx, i, byInst)
	if err != nil {
		return c, err
	}
	c.Transitions, c.Executions, c.HistoryEvents, c.MaxEvents = h.Transitions, h.Executions, h.Events, h.MaxEvents
	c.MaxPayload, c.MaxPayloadState = h.MaxPayload, h.MaxPayloadState
	return c, nil
}

// Slopes are the per-signee slopes of a pattern's counted rows.
type Slopes struct {
	Pattern string
	Rows    []SlopeRow
}

// SlopeRow is one quantity's fitted line over n.
type SlopeRow struct {
	Name string
	Fit  Fit
}

// costQuantities are the fitted quantities, in table order.
var costQuantities = []struct {
	name string
	get  func(TaskCost) float64
	set  func(*TaskCost, float64)
}{
	{"state transitions", func(c TaskCost) float64 { return float64(c.Transitions) }, func(c *TaskCost, v float64) { c.Transitions = int(v + 0.5) }},
	{"Lambda invocations", func(c TaskCost) float64 { return float64(c.InvocationsTotal) }, func(c *TaskCost, v float64) { c.InvocationsTotal = int(v + 0.5) }},
	{"Lambda seconds", func(c TaskCost) float64 { return c.LambdaSeconds }, func(c *TaskCost, v float64) { c.LambdaSeconds = v }},
	{"Lambda GB-seconds", func(c TaskCost) float64 { return c.LambdaGBSeconds }, func(c *TaskCost, v float64) { c.LambdaGBSeconds = v }},
	{"DynamoDB read requests", func(c TaskCost) float64 { return float64(c.DynamoReads) }, func(c *TaskCost, v float64) { c.DynamoReads = int(v + 0.5) }},
	{"DynamoDB write requests", func(c TaskCost) float64 { return float64(c.DynamoWrites) }, func(c *TaskCost, v float64) { c.DynamoWrites = int(v + 0.5) }},
	{"DynamoDB RRU", func(c TaskCost) float64 { return c.RRU }, func(c *TaskCost, v float64) { c.RRU = v }},
	{"DynamoDB WRU", func(c TaskCost) float64 { return c.WRU }, func(c *TaskCost, v float64) { c.WRU = v }},
	{"SQS requests", func(c TaskCost) float64 { return float64(c.SQSRequests) }, func(c *TaskCost, v float64) { c.SQSRequests = int(v + 0.5) }},
	{"events", func(c TaskCost) float64 { return float64(c.Events) }, func(c *TaskCost, v float64) { c.Events = int(v + 0.5) }},
	{"webhook deliveries", func(c TaskCost) float64 { return float64(c.Deliveries) }, func(c *TaskCost, v float64) { c.Deliveries = int(v + 0.5) }},
	{"document bytes read", func(c TaskCost) float64 { return float64(c.DocumentBytes) }, func(c *TaskCost, v float64) { c.DocumentBytes = int64(v + 0.5) }},
}

// fitSlopes fits each quantity over the counted rows of pattern.
func fitSlopes(rows []TaskCost, pattern string) Slopes {
	s := Slopes{Pattern: pattern}
	var xs []float64
	var sel []TaskCost
	for _, r := range rows {
		if r.Pattern == pattern && !r.Modelled {
			xs = append(xs, float64(r.N))
			sel = append(sel, r)
		}
	}
	for _, q := range costQuantities {
		ys := make([]float64, len(sel))
		for i, r := range sel {
			ys[i] = q.get(r)
		}
		s.Rows = append(s.Rows, SlopeRow{Name: q.name, Fit: LinearFit(xs, ys)})
	}
	return s
}

// modelled returns a row for n signees from the fitted lines.
func (s Slopes) modelled(n int, prices PriceTable) TaskCost {
	c := TaskCost{N: n, Pattern: s.Pattern, Modelled: true}
	for i, q := range costQuantities {
		q.set(&c, s.Rows[i].Fit.At(float64(n)))
	}
	c.Price = prices.Of(c)
	return c
}

// sortCosts orders rows by pattern, then n.
func sortCosts(rows []TaskCost) {
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Pattern != rows[j].Pattern {
			return rows[i].Pattern < rows[j].Pattern
		}
		return rows[i].N < rows[j].N
	})
}

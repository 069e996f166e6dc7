package bench

import (
	"context"
	"fmt"
	"time"
)

// ScaleRun is one end-to-end scale run.
type ScaleRun struct {
	Name           string
	Tasks, Signees int // signees per task
	Phases         Phases
	// Sign is the sign requests' latency while the executions wait.
	Sign   Dist
	Memory []Memory
	// History of the (largest) task: executions, events, transitions, payloads.
	History History
	// Completed tasks (all of them unless Err is set).
	Completed int
	// Host is what the function host did during the run.
	Host HostStats
	// FunctionErrors counts function errors by "function errorType" (the
	// state machine's and the queue's invocations; each is retried or
	// handled by the workflow).
	FunctionErrors map[string]int
	// Canceled counts DynamoDB transactions cancelled during the run, by
	// their reason codes (one per item).
	Canceled map[string]int
	Err      string
}

// runBig runs one task of many signees end to end with every counter and
// the capacity meter on; it is also the largest "together" cost row.
func (e *Env) runBig(ctx context.Context, i int) (ScaleRun, TaskCost, error) {
	n := len(e.World.Tasks[i].Signees)
	run := ScaleRun{Name: fmt.Sprintf("one task of %d signees", n), Tasks: 1, Signees: n}
	if err := e.waitQueuesEmpty(ctx); err != nil {
		return run, TaskCost{}, err
	}
	time.Sleep(time.Second)
	sampler := NewSampler(200 * time.Millisecond)
	e.Dynamo.SetMetering(true)
	a := e.snapshot()
	errsBefore, canceledBefore := e.Lambda.Errors(), e.Dynamo.Canceled()
	sampler.Start()
	arns, ph, err := e.drive(ctx, []int{i}, 1, 10)
	run.Memory = sampler.Stop()
	e.Dynamo.SetMetering(false)
	run.Host = e.snapshot().host.minus(a.host)
	run.FunctionErrors = diffInts(errsBefore, e.Lambda.Errors())
	run.Canceled = diffInts(canceledBefore, e.Dynamo.Canceled())
	run.Phases, run.Sign = ph, Summarise(ph.SignLatencies)
	if err != nil {
		run.Err = err.Error()
		return run, TaskCost{}, err
	}
	run.Completed = 1
	evs, deliveries, err := e.waitEvents(ctx, i)
	if err != nil {
		return run, TaskCost{}, err
	}
	if err := e.waitQueuesEmpty(ctx); err != nil {
		return run, TaskCost{}, err
	}
	time.Sleep(1500 * time.Millisecond)
	b := e.snapshot()
	var apiTime time.Duration
	for _, d := range ph.SignLatencies {
		apiTime += d
	}
	c := e.costOf(a, b, apiTime)
	c.N, c.Pattern, c.Duration, c.LostReceipts = n, PatternTogether, ph.Total, ph.LostReceipts
	c.Events, c.Deliveries = evs, deliveries
	c.SQSRequests += evs
	byInst, err := e.executionsByInstance(ctx)
	if err != nil {
		return run, c, err
	}
	h, err := e.histories(ctx, i, byInst)
	if err != nil {
		return run, c, err
	}
	run.History = h
	c.Transitions, c.Executions, c.HistoryEvents, c.MaxEvents = h.Transitions, h.Executions, h.Events, h.MaxEvents
	c.MaxPayload, c.MaxPayloadState = h.MaxPayload, h.MaxPayloadState
	_ = arns
	return run, c, nil
}

// runMany runs tasks of 3 signees at once end to end.
func (e *Env) runMany(ctx context.Context, tasks []int, concurrency int) (ScaleRun, error) {
	run := ScaleRun{Name: fmt.Sprintf("%d tasks of 3 signees at once", len(tasks)), Tasks: len(tasks), Signees: 3}
	if err := e.waitQueuesEmpty(ctx); err != nil {
		return run, err
	}
	if err := e.prewarm(ctx, e.maxProcesses); err != nil {
		return run, err
	}
	sampler := NewSampler(200 * time.Millisecond)
	before := e.snapshot().host
	errsBefore, canceledBefore := e.Lambda.Errors(), e.Dynamo.Canceled()
	sampler.Start()
	arns, ph, err := e.drive(ctx, tasks, concurrency, concurrency)
	run.Memory = sampler.Stop()
	run.Host = e.snapshot().host.minus(before)
	run.FunctionErrors = diffInts(errsBefore, e.Lambda.Errors())
	run.Canceled = diffInts(canceledBefore, e.Dynamo.Canceled())
	run.Phases, run.Sign = ph, Summarise(ph.SignLatencies)
	if err != nil {
		run.Err = err.Error()
		return run, err
	}
	run.Completed = len(tasks)
	byInst, err := e.executionsByInstance(ctx)
	if err != nil {
		return run, err
	}
	for k, i := range tasks {
		h, err := e.histories(ctx, i, byInst)
		if err != nil {
			return run, err
		}
		if k == 0 || h.Events > run.History.Events {
			run.History = h
		}
	}
	_ = arns
	return run, nil
}

// diffInts returns b - a per key, dropping zeros.
func diffInts(a, b map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range b {
		if d := v - a[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

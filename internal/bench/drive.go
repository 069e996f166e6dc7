package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"golang.org/x/sync/errgroup"

	"github.com/signingflow/signing/internal/devstack/funchost"
	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/workflow"
)

// httpClient is the benchmark's HTTP API client: enough idle connections
// for the highest concurrency, no proxy.
var httpClient = &http.Client{
	Timeout:   2 * time.Minute,
	Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute},
}

// apiCall is one prepared HTTP API request: the token is issued before the
// clock starts (a client holds its token already).
type apiCall struct {
	method, url, token string
	body               []byte
	// idempotencyKey, when set, goes in the Idempotency-Key header of every
	// attempt, so a retry after a lost answer is answered from the
	// recorded signature.
	idempotencyKey string
}

// Retries counts the 503 answers the client retried, by reason: the
// problem type the API gave, or the HTTP API's own "Service Unavailable"
// (its 30 s integration timeout); and the retries answered from a
// signature an earlier attempt recorded (Idempotent-Replayed). It is safe
// for concurrent use.
type Retries struct {
	mu       sync.Mutex
	Total    int
	Reason   map[string]int
	replayed int
}

func (r *Retries) addReplayed() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.replayed++
	r.mu.Unlock()
}

// Replayed returns how many requests were answered from a signature an
// earlier attempt of theirs recorded.
func (r *Retries) Replayed() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.replayed
}

func (r *Retries) add(reason string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Reason == nil {
		r.Reason = map[string]int{}
	}
	r.Total++
	r.Reason[reason]++
}

// Snapshot returns a copy.
func (r *Retries) Snapshot() (int, map[string]int) {
	if r == nil {
		return 0, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Total, maps.Clone(r.Reason)
}

// maxAttempts bounds how often a client tries one request.
const maxAttempts = 6

// answer is one request's final answer.
type answer struct {
	status int
	body   []byte
}

// problem returns the problem type and detail of an error answer (the API
// puts no personal data in either).
func (a answer) problem() string {
	var p struct {
		Type, Title, Detail, Message string
	}
	_ = json.Unmarshal(a.body, &p)
	s := strings.TrimSpace(p.Type[strings.LastIndexByte(p.Type, '/')+1:] + ": " + p.Detail + p.Message)
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// do sends the call and returns its final status and latency, from the
// first attempt to the final answer. Like a client that honours
// Retry-After, it retries a 503 (waiting as told, at most 5 s) up to
// maxAttempts times, counting each in retries (which may be nil).
func (c apiCall) do(ctx context.Context, retries *Retries) (int, time.Duration, error) {
	a, d, err := c.answer(ctx, retries)
	return a.status, d, err
}

// answer is do with the final answer's body.
func (c apiCall) answer(ctx context.Context, retries *Retries) (answer, time.Duration, error) {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		status, header, body, err := c.once(ctx)
		if err != nil {
			return answer{}, 0, err
		}
		if status != http.StatusServiceUnavailable || attempt == maxAttempts {
			if header.Get("Idempotent-Replayed") == "true" {
				retries.addReplayed()
			}
			return answer{status, body}, time.Since(start), nil
		}
		retries.add(unavailableReason(body))
		wait := time.Second
		if secs, err := strconv.Atoi(header.Get("Retry-After")); err == nil {
			wait = time.Duration(secs) * time.Second
		}
		wait = min(max(wait, 200*time.Millisecond), 5*time.Second)
		select {
		case <-ctx.Done():
			return answer{}, 0, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// unavailableReason names why a 503 came: the problem type, or the HTTP
// API's integration timeout.
func unavailableReason(body []byte) string {
	var p struct {
		Type    string `json:"type"`
		Detail  string `json:"detail"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &p)
	switch {
	case p.Type != "":
		return p.Type[strings.LastIndexByte(p.Type, '/')+1:]
	case p.Message != "":
		return "HTTP API: " + p.Message + " (integration timeout)"
	}
	return "unknown"
}

func (c apiCall) once(ctx context.Context) (int, http.Header, []byte, error) {
	var rd io.Reader
	if c.body != nil {
		rd = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, c.url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", c.idempotencyKey)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Header, body, nil
}

// instancePath is /{org}/{app}/instances/{partyId}/{guid}.
func (e *Env) instancePath(i int) string {
	in := e.World.Tasks[i].Instance
	return fmt.Sprintf("%s/%s/%s/instances/%d/%s", e.Stack.APIURL, in.Org, in.App, in.PartyID, in.InstanceGUID)
}

// signCall prepares signee s of task i signing for themself.
func (e *Env) signCall(i, s int) (apiCall, error) {
	tok, err := e.Run(i).Token(e.World.Tasks[i].Signees[s])
	if err != nil {
		return apiCall{}, err
	}
	return apiCall{method: http.MethodPost, url: e.instancePath(i) + "/actions?taskId=" + e.Example.TaskID, token: tok, body: []byte(`{"action":"sign"}`), idempotencyKey: rand.Text()}, nil
}

// completeCall prepares the owner of task i completing it (process next).
func (e *Env) completeCall(i int) (apiCall, error) {
	tok, err := e.Run(i).Token(e.World.Tasks[i].Signees[0])
	if err != nil {
		return apiCall{}, err
	}
	return apiCall{method: http.MethodPut, url: e.instancePath(i) + "/process/next?taskId=" + e.Example.TaskID, token: tok}, nil
}

// runCalls sends calls with the given concurrency and returns each one's
// latency; any final answer other than 200 is an error.
func runCalls(ctx context.Context, calls []apiCall, concurrency int, retries *Retries) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, len(calls))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(concurrency, 1))
	start := time.Now()
	for i, c := range calls {
		g.Go(func() error {
			a, d, err := c.answer(ctx, retries)
			if err != nil {
				return err
			}
			if a.status != http.StatusOK {
				return &callError{call: c, answer: a}
			}
			lat[i] = d
			return nil
		})
	}
	err := g.Wait()
	return lat, time.Since(start), err
}

// callError is a request whose final answer was not 200.
type callError struct {
	call   apiCall
	answer answer
}

func (e *callError) Error() string {
	return fmt.Sprintf("%s %s = %d %s", e.call.method, strings.SplitN(e.call.url, "?", 2)[0], e.answer.status, e.answer.problem())
}

// told reports, per instance GUID, how many call-to-action messages and
// receipts the correspondence service accepted (from the platform meter).
func (e *Env) told() (calls, receipts map[string]int) { return e.Platform.Sent() }

// waitFor polls cond every interval until it holds or ctx ends.
func waitFor(ctx context.Context, interval time.Duration, what string, cond func() (bool, error)) error {
	err := scenario.Poll(ctx, interval, cond)
	if err != nil && err == ctx.Err() {
		return fmt.Errorf("waiting for %s: %w", what, err)
	}
	return err
}

// startTasks starts the executions of tasks (as the process engine does).
func (e *Env) startTasks(ctx context.Context, tasks []int, concurrency int) ([]string, error) {
	arns := make([]string, len(tasks))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for k, i := range tasks {
		g.Go(func() error {
			arn, err := e.Run(i).Start(ctx)
			arns[k] = arn
			return err
		})
	}
	return arns, g.Wait()
}

// waitTold waits until every signee of every task has its call-to-action.
func (e *Env) waitTold(ctx context.Context, tasks []int, arns []string) error {
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout(tasks, e))
	defer cancel()
	return waitFor(ctx, 250*time.Millisecond, "every signee to be delegated and told", func() (bool, error) {
		calls, _ := e.told()
		for k, i := range tasks {
			t := e.World.Tasks[i]
			if calls[t.Instance.InstanceGUID] < len(t.Signees) {
				if err := e.failedEarly(ctx, arns[k]); err != nil {
					return false, err
				}
				return false, nil
			}
		}
		return true, nil
	})
}

// waitReceipts waits until every signee of every task has their receipt,
// or the task's workflow has moved on to await completion with every
// signature in: then the missing receipts are lost (a signature that landed
// while the last round collected; see the report's Problems) and counted.
func (e *Env) waitReceipts(ctx context.Context, tasks []int, arns []string) (lost int, err error) {
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout(tasks, e))
	defer cancel()
	db := e.directDynamo()
	stuck := -1
	done := map[int]bool{}
	err = waitFor(ctx, 250*time.Millisecond, "every receipt", func() (bool, error) {
		_, receipts := e.told()
		all := true
		for k, i := range tasks {
			if done[k] {
				continue
			}
			t := e.World.Tasks[i]
			got := receipts[t.Instance.InstanceGUID]
			if got >= len(t.Signees) {
				done[k] = true
				continue
			}
			all = false
			stuck = k
			if awaiting, err := e.awaitsCompletion(ctx, db, i); err != nil {
				return false, err
			} else if awaiting {
				// Look again: the receipts may just have been sent.
				_, again := e.told()
				if again[t.Instance.InstanceGUID] < len(t.Signees) {
					lost += len(t.Signees) - again[t.Instance.InstanceGUID]
				}
				done[k] = true
				continue
			}
			if err := e.failedEarly(ctx, arns[k]); err != nil {
				return false, err
			}
		}
		return all || len(done) == len(tasks), nil
	})
	if err != nil && stuck >= 0 {
		err = fmt.Errorf("%w\n%s", err, e.diagnose(context.Background(), tasks[stuck], arns[stuck]))
	}
	return lost, err
}

// awaitsCompletion reports whether task i's workflow waits for completion
// (its completion token is stored) with every signature in.
func (e *Env) awaitsCompletion(ctx context.Context, db *dynamodb.Client, i int) (bool, error) {
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(e.Stack.Def.Tables[0].Name), ConsistentRead: aws.Bool(true),
		Key: dynamo.TaskKey(signing.TaskKey{InstanceGUID: e.World.Tasks[i].Instance.InstanceGUID, TaskID: e.Example.TaskID}),
	})
	if err != nil {
		return false, err
	}
	_, waiting := out.Item[dynamo.AttrCompletionToken]
	signed, _ := out.Item[dynamo.AttrSigned].(*ddbtypes.AttributeValueMemberN)
	total, _ := out.Item[dynamo.AttrTotal].(*ddbtypes.AttributeValueMemberN)
	return waiting && signed != nil && total != nil && signed.Value == total.Value, nil
}

// phaseTimeout bounds one wait of a run: generous, so only a stuck run hits it.
func phaseTimeout(tasks []int, e *Env) time.Duration {
	n := 0
	for _, i := range tasks {
		n += len(e.World.Tasks[i].Signees)
	}
	return 2*time.Minute + time.Duration(n)*time.Second
}

// diagnose says where task i stands: receipts sent, signee states, the
// execution's last events (keys and state names only).
func (e *Env) diagnose(ctx context.Context, i int, arn string) string {
	var b strings.Builder
	calls, receipts := e.told()
	guid := e.World.Tasks[i].Instance.InstanceGUID
	fmt.Fprintf(&b, "task %d: %d signees, %d call-to-action messages, %d receipts\n", i, len(e.World.Tasks[i].Signees), calls[guid], receipts[guid])
	db := e.directDynamo()
	out, err := db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(e.Stack.Def.Tables[0].Name),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": &ddbtypes.AttributeValueMemberS{Value: "INST#" + guid}},
	})
	if err == nil {
		states := map[string]int{}
		for _, it := range out.Items {
			sk := it["SK"].(*ddbtypes.AttributeValueMemberS).Value
			kind := "other"
			switch {
			case strings.Contains(sk, "#SIGNEE#"):
				kind = "signee"
			case strings.Contains(sk, "#RCPT#"):
				kind = "receipt due"
			case strings.Contains(sk, "#SIG#"):
				kind = "signature"
			case strings.Contains(sk, "#AUDIT#"):
				continue
			default:
				kind = "task"
			}
			if st, ok := it["status"].(*ddbtypes.AttributeValueMemberS); ok {
				kind += " " + st.Value
			}
			if kind == "task collecting" || strings.HasPrefix(kind, "task") {
				for _, a := range []string{"pending", "signed", "total"} {
					if n, ok := it[a].(*ddbtypes.AttributeValueMemberN); ok {
						kind += " " + a + "=" + n.Value
					}
				}
				for _, a := range []string{"waitToken", "completionToken"} {
					if _, ok := it[a]; ok {
						kind += " +" + a
					}
				}
			}
			states[kind]++
		}
		fmt.Fprintf(&b, "items: %v\n", states)
	}
	h, err := e.SFN.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), ReverseOrder: true, MaxResults: 12})
	if err == nil {
		for _, ev := range h.Events {
			name := ""
			if d := ev.StateEnteredEventDetails; d != nil {
				name = aws.ToString(d.Name)
			}
			if d := ev.StateExitedEventDetails; d != nil {
				name = aws.ToString(d.Name)
			}
			fmt.Fprintf(&b, "  %d %s %s\n", ev.Id, ev.Type, name)
		}
	}
	return b.String()
}

// failedEarly returns an error when the execution ended other than SUCCEEDED.
func (e *Env) failedEarly(ctx context.Context, arn string) error {
	out, err := e.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return err
	}
	if out.Status != sfntypes.ExecutionStatusRunning && out.Status != sfntypes.ExecutionStatusSucceeded {
		return fmt.Errorf("execution %s ended %s: %s %s\n%s", arn, out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), e.failureDetail(ctx, arn))
	}
	return nil
}

// completeAll completes each task as its owner, retrying while the last
// signatures are still being recorded (409), with the given concurrency.
func (e *Env) completeAll(ctx context.Context, tasks []int, concurrency int, retries *Retries) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for _, i := range tasks {
		call, err := e.completeCall(i)
		if err != nil {
			return err
		}
		g.Go(func() error {
			return waitFor(ctx, 100*time.Millisecond, "completion", func() (bool, error) {
				status, _, err := call.do(ctx, retries)
				switch {
				case err != nil:
					return false, err
				case status == http.StatusOK || status == http.StatusAccepted:
					return true, nil
				case status == http.StatusConflict:
					return false, nil
				}
				return false, fmt.Errorf("complete task %d = %d", i, status)
			})
		})
	}
	return g.Wait()
}

// waitOutcomes waits until no execution of arns runs (one ListExecutions
// page per 1,000 running executions and poll, so polling does not load
// moto), then checks each ended SUCCEEDED with outcome signed.
func (e *Env) waitOutcomes(ctx context.Context, arns []string) error {
	mine := map[string]bool{}
	for _, a := range arns {
		mine[a] = true
	}
	sm := scenario.New(e.Stack, e.World.Tasks[0].Instance, e.Example).StateMachineARN()
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute+time.Duration(len(arns))*time.Second)
	defer cancel()
	err := waitFor(wctx, 250*time.Millisecond, "every execution to end", func() (bool, error) {
		p := sfn.NewListExecutionsPaginator(e.SFN, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: sfntypes.ExecutionStatusRunning, MaxResults: 1000})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, ex := range page.Executions {
				if mine[aws.ToString(ex.ExecutionArn)] {
					return false, nil
				}
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, arn := range arns {
		out, err := e.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			return err
		}
		if out.Status != sfntypes.ExecutionStatusSucceeded {
			return fmt.Errorf("execution %s ended %s: %s %s\n%s", arn, out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), e.failureDetail(ctx, arn))
		}
		var o workflow.Output
		_ = json.Unmarshal([]byte(aws.ToString(out.Output)), &o)
		if o.Outcome != "signed" {
			return fmt.Errorf("execution %s: outcome %q", arn, o.Outcome)
		}
	}
	return nil
}

// waitQueuesEmpty waits until every queue of the stack is drained (the
// dispatcher has placed every notification order).
func (e *Env) waitQueuesEmpty(ctx context.Context) error {
	cfg := e.Stack.AWSConfig()
	cfg.BaseEndpoint = aws.String(endpoint(e.Stack, "moto"))
	q := sqs.NewFromConfig(cfg)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	defer func() {
		if d := time.Since(t0); d > 10*time.Second && e.progress != nil {
			e.progress(fmt.Sprintf("the stream and the queues took %s to drain", d.Round(time.Second)))
		}
	}()
	return waitFor(ctx, 250*time.Millisecond, "the queues to drain", func() (bool, error) {
		// The table's stream first: what it still holds becomes events
		// and webhook messages.
		if e.Stack.Streams != nil && !e.Stack.Streams.IdleFor(time.Second) {
			return false, nil
		}
		for _, def := range e.Stack.Def.Queues {
			if def.DeadLetterQueue == "" && strings.Contains(strings.ToLower(def.LogicalID), "deadletter") {
				continue
			}
			out, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
				QueueUrl:       aws.String(def.URL),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed},
			})
			if err != nil {
				return false, err
			}
			for _, v := range out.Attributes {
				if v != "0" {
					return false, nil
				}
			}
		}
		return true, nil
	})
}

// History is what the execution histories of one task show.
type History struct {
	Executions int
	// Events is the total number of history events; MaxEvents the most in one execution.
	Events, MaxEvents int
	// Transitions counts *StateEntered events (what Step Functions bills).
	Transitions int
	// MaxPayload is the largest state input or output, in bytes.
	MaxPayload int
	// MaxPayloadState names the state with MaxPayload.
	MaxPayloadState string
}

// histories reads the histories of the task's execution and its
// continuations (children are named "<instanceGuid>-<hash>").
func (e *Env) histories(ctx context.Context, task int, arns map[string][]string) (History, error) {
	var h History
	guid := e.World.Tasks[task].Instance.InstanceGUID
	for _, arn := range arns[guid] {
		h.Executions++
		n := 0
		p := sfn.NewGetExecutionHistoryPaginator(e.SFN, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return h, fmt.Errorf("history of %s: %w", arn, err)
			}
			for _, ev := range out.Events {
				n++
				if strings.HasSuffix(string(ev.Type), "StateEntered") {
					h.Transitions++
				}
				if d := ev.StateEnteredEventDetails; d != nil && len(aws.ToString(d.Input)) > h.MaxPayload {
					h.MaxPayload, h.MaxPayloadState = len(aws.ToString(d.Input)), aws.ToString(d.Name)+" (input)"
				}
				if d := ev.StateExitedEventDetails; d != nil && len(aws.ToString(d.Output)) > h.MaxPayload {
					h.MaxPayload, h.MaxPayloadState = len(aws.ToString(d.Output)), aws.ToString(d.Name)+" (output)"
				}
			}
		}
		h.Events += n
		h.MaxEvents = max(h.MaxEvents, n)
	}
	return h, nil
}

// executionsByInstance lists every execution of the state machine by the
// instance GUID its name starts with.
func (e *Env) executionsByInstance(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	arn := scenario.New(e.Stack, e.World.Tasks[0].Instance, e.Example).StateMachineARN()
	p := sfn.NewListExecutionsPaginator(e.SFN, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn), MaxResults: 1000})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, ex := range page.Executions {
			name := aws.ToString(ex.Name)
			if len(name) >= 36 {
				out[name[:36]] = append(out[name[:36]], aws.ToString(ex.ExecutionArn))
			}
		}
	}
	return out, nil
}

// Phases are the times of one end-to-end run of tasks.
type Phases struct {
	// Told: start → every signee delegated and told; Signed: the sign
	// requests; Receipts: last sign answer → every receipt; Done: receipts
	// → completed and every execution ended; Total: start → end.
	Told, Signed, Receipts, Done, Total time.Duration
	// SignLatencies are the sign requests' latencies (with the executions waiting).
	SignLatencies []time.Duration
	// LostReceipts are receipts never sent: the workflow awaited completion
	// with a signature's receipt still due.
	LostReceipts int
	// Retried counts the 503 answers retried, by reason.
	Retried map[string]int
	// Replayed counts retried sign requests answered from the signature
	// their first attempt recorded (that answer was lost to the 503).
	Replayed int
}

// drive runs tasks end to end on the stack: start every execution, wait
// until every signee is delegated and told, sign as every signee through
// the HTTP API (signConcurrency at once, spread over the tasks), wait for
// every receipt, complete each task as its owner and wait for outcome
// signed. It returns the execution ARNs and the phase times.
func (e *Env) drive(ctx context.Context, tasks []int, startConcurrency, signConcurrency int) ([]string, Phases, error) {
	var ph Phases
	// Tokens first: a signer holds a token before signing.
	var calls []apiCall
	most := 0
	for _, i := range tasks {
		most = max(most, len(e.World.Tasks[i].Signees))
	}
	for s := 0; s < most; s++ {
		for _, i := range tasks {
			if s < len(e.World.Tasks[i].Signees) {
				c, err := e.signCall(i, s)
				if err != nil {
					return nil, ph, err
				}
				calls = append(calls, c)
			}
		}
	}
	t0 := time.Now()
	arns, err := e.startTasks(ctx, tasks, startConcurrency)
	if err != nil {
		return arns, ph, fmt.Errorf("start: %w", err)
	}
	if err := e.waitTold(ctx, tasks, arns); err != nil {
		return arns, ph, err
	}
	ph.Told = time.Since(t0)
	t := time.Now()
	retries := &Retries{}
	defer func() { _, ph.Retried = retries.Snapshot(); ph.Replayed = retries.Replayed() }()
	lat, _, err := runCalls(ctx, calls, signConcurrency, retries)
	if err != nil {
		var ce *callError
		if errors.As(err, &ce) {
			for k, i := range tasks {
				if strings.Contains(ce.call.url, e.World.Tasks[i].Instance.InstanceGUID) {
					err = fmt.Errorf("%w\n%s", err, e.diagnose(context.Background(), i, arns[k]))
				}
			}
		}
		return arns, ph, fmt.Errorf("sign: %w", err)
	}
	ph.SignLatencies = lat
	ph.Signed = time.Since(t)
	t = time.Now()
	if ph.LostReceipts, err = e.waitReceipts(ctx, tasks, arns); err != nil {
		return arns, ph, err
	}
	ph.Receipts = time.Since(t)
	t = time.Now()
	if err := e.completeAll(ctx, tasks, startConcurrency, retries); err != nil {
		return arns, ph, err
	}
	if err := e.waitOutcomes(ctx, arns); err != nil {
		return arns, ph, err
	}
	ph.Done = time.Since(t)
	ph.Total = time.Since(t0)
	return arns, ph, nil
}

// failureDetail returns what the execution's history says about its
// failure: the last failed events' errors and causes (no personal data:
// handler inputs and outputs carry keys only).
func (e *Env) failureDetail(ctx context.Context, arn string) string {
	var lines []string
	p := sfn.NewGetExecutionHistoryPaginator(e.SFN, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err.Error()
		}
		for _, ev := range out.Events {
			if !strings.Contains(string(ev.Type), "Failed") && !strings.Contains(string(ev.Type), "TimedOut") {
				continue
			}
			b, _ := json.Marshal(ev)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			for k, v := range m {
				if v == nil {
					delete(m, k)
				}
			}
			b, _ = json.Marshal(m)
			s := string(b)
			if len(s) > 1500 {
				s = s[:1500] + "…"
			}
			lines = append(lines, s)
		}
	}
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "\n")
}

// prewarm starts up to n processes of every function (as provisioned
// concurrency would) by invoking each n times at once with an empty event,
// which every function answers without side effects.
func (e *Env) prewarm(ctx context.Context, n int) error {
	for _, f := range e.Stack.Def.Functions {
		g, gctx := errgroup.WithContext(ctx)
		for k := 0; k < n; k++ {
			g.Go(func() error {
				_, err := e.Stack.Host.Invoke(gctx, f.Name, []byte("{}"), funchost.InvokeOptions{})
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return fmt.Errorf("prewarm %s: %w", f.LogicalID, err)
		}
	}
	return nil
}

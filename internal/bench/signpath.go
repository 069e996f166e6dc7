package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"golang.org/x/sync/errgroup"

	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/signing"
)

// SignLevel is the sign path at one concurrency.
type SignLevel struct {
	Concurrency int
	// Sign is POST …/actions {"action":"sign"} through the HTTP API
	// emulation (ApiFunction verifying the token, DynamoDB, storage).
	Sign Dist
	// Floor is the same TransactWriteItems the signature record makes,
	// plus its GetItem, sent bare to the same DynamoDB Local.
	Floor Dist
	// Throughputs in requests per second over the level's wall time.
	SignRate, FloorRate float64
	// Retried is how many 503 answers were retried (warm-up included).
	Retried int
}

// SignPath is the sign-path benchmark's result.
type SignPath struct {
	Levels []SignLevel
	// Tasks is how many tasks were prepared; Signees per task.
	Tasks, Signees int
	// Prepare is how long preparing them took.
	Prepare time.Duration
	Warmup  int
}

// signSlot is one prepared signee: task i, signee s.
type signSlot struct{ task, signee int }

// prepareTasks creates tasks and delegates their signees with the
// in-process service (no execution: nothing waits, so the sign requests
// wake no workflow; see the report's method).
func (e *Env) prepareTasks(ctx context.Context, tasks []int, concurrency int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for _, i := range tasks {
		g.Go(func() error {
			in := e.World.Tasks[i].Instance
			res, err := e.Svc.Start(ctx, signing.StartInput{
				Instance: signing.InstanceRef{Org: in.Org, App: in.App, PartyID: in.PartyID, InstanceGUID: in.InstanceGUID},
				TaskID:   e.Example.TaskID, Config: e.Example.Config, Attempt: 1,
			})
			if err != nil {
				return fmt.Errorf("prepare task %d: %w", i, err)
			}
			for _, sk := range res.Signees {
				if _, err := e.Svc.Delegate(ctx, res.Task, sk); err != nil {
					return fmt.Errorf("prepare task %d: delegate: %w", i, err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// slots lists every signee of tasks, first signees of every task first, so
// requests in flight together go to different tasks.
func (e *Env) slots(tasks []int) []signSlot {
	var out []signSlot
	for s := 0; ; s++ {
		added := false
		for _, i := range tasks {
			if s < len(e.World.Tasks[i].Signees) {
				out = append(out, signSlot{i, s})
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

// floorOp is one captured signature record: the store's own
// TransactWriteItems and GetItem inputs for a prepared signee.
type floorOp struct {
	tx  *dynamodb.TransactWriteItemsInput
	get *dynamodb.GetItemInput
}

// captureAPI records the store's requests without sending them.
type captureAPI struct {
	dynamo.API
	mu  sync.Mutex
	tx  *dynamodb.TransactWriteItemsInput
	get *dynamodb.GetItemInput
}

var errCaptured = errors.New("bench: captured")

func (c *captureAPI) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.mu.Lock()
	c.tx = in
	c.mu.Unlock()
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func (c *captureAPI) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.mu.Lock()
	c.get = in
	c.mu.Unlock()
	return nil, errCaptured
}

// captureFloor builds, for a prepared signee, the exact requests
// RecordSignature sends (the signature as the sign path would make it).
func (e *Env) captureFloor(slot signSlot, table string, digests []signing.DataElementDigest) (floorOp, error) {
	p := e.World.Tasks[slot.task].Signees[slot.signee]
	in := e.World.Tasks[slot.task].Instance
	id, err := ident.ParseNationalID(p.SSN, ident.AllowSynthetic())
	if err != nil {
		return floorOp{}, err
	}
	hash := e.Svc.Identities.Person(id)
	sk, err := signing.NewSigneeKey(signing.SigneePerson, hash)
	if err != nil {
		return floorOp{}, err
	}
	c := &captureAPI{}
	store := dynamo.New(c, table)
	_, _ = store.RecordSignature(context.Background(), signing.Signature{
		Task:      signing.TaskKey{InstanceGUID: in.InstanceGUID, TaskID: e.Example.TaskID},
		SigneeKey: sk,
		Signer:    signing.Signer{IdentityHash: hash, MaskedID: id.Masked(), Name: p.Name, PartyID: p.PartyID, PartyUUID: p.PartyUUID},
		SignedAt:  time.Now().UTC(),
		Digests:   digests,
	})
	if c.tx == nil || c.get == nil {
		return floorOp{}, errors.New("bench: RecordSignature sent no transaction and read")
	}
	return floorOp{tx: c.tx, get: c.get}, nil
}

// runFloor sends ops with the given concurrency through client.
func runFloor(ctx context.Context, client *dynamodb.Client, ops []floorOp, concurrency int) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, len(ops))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(concurrency, 1))
	start := time.Now()
	for i, op := range ops {
		g.Go(func() error {
			t := time.Now()
			if _, err := client.TransactWriteItems(ctx, op.tx); err != nil {
				return fmt.Errorf("floor TransactWriteItems: %w", err)
			}
			if _, err := client.GetItem(ctx, op.get); err != nil {
				return fmt.Errorf("floor GetItem: %w", err)
			}
			lat[i] = time.Since(t)
			return nil
		})
	}
	err := g.Wait()
	return lat, time.Since(start), err
}

// SignPathOptions size the sign-path benchmark.
type SignPathOptions struct {
	// Requests per concurrency level (timed), after Warmup untimed ones.
	Levels   []int
	Requests map[int]int
	Warmup   int
}

// signPathNeeds returns how many signees the benchmark signs (sign and floor each).
func signPathNeeds(o SignPathOptions) int {
	n := 0
	for _, c := range o.Levels {
		n += o.Requests[c] + max(o.Warmup, c)
	}
	return n
}

// runSignPath runs the sign-path benchmark on the tasks of groups "sign"
// and "floor".
func (e *Env) runSignPath(ctx context.Context, o SignPathOptions, progress func(string)) (SignPath, error) {
	res := SignPath{Signees: signeesPerSignTask}
	signTasks, floorTasks := e.Groups["sign"], e.Groups["floor"]
	res.Tasks = len(signTasks) + len(floorTasks)
	t := time.Now()
	if err := e.prepareTasks(ctx, append(append([]int(nil), signTasks...), floorTasks...), 8); err != nil {
		return res, err
	}
	res.Prepare = time.Since(t)
	progress(fmt.Sprintf("sign path: %d tasks prepared in %s", res.Tasks, res.Prepare.Round(time.Millisecond)))

	table := e.Stack.Def.Outputs["SigningTableName"]
	if table == "" && len(e.Stack.Def.Tables) > 0 {
		table = e.Stack.Def.Tables[0].Name
	}
	pdf := e.World.Tasks[0].Instance.Data[1]
	d, err := signing.DigestReader(pdf.ID, pdf.DataType, bytes.NewReader(pdf.Bytes))
	if err != nil {
		return res, err
	}
	signSlots, floorSlots := e.slots(signTasks), e.slots(floorTasks)
	var floorOps []floorOp
	for _, s := range floorSlots {
		in := e.World.Tasks[s.task].Instance
		dd := d
		dd.DataElementID = in.Data[1].ID
		op, err := e.captureFloor(s, table, []signing.DataElementDigest{dd})
		if err != nil {
			return res, err
		}
		floorOps = append(floorOps, op)
	}
	var calls []apiCall
	for _, s := range signSlots {
		c, err := e.signCall(s.task, s.signee)
		if err != nil {
			return res, err
		}
		calls = append(calls, c)
	}
	// The floor goes the way the functions' DynamoDB calls go: through the edge.
	client := dynamodb.NewFromConfig(e.Stack.AWSConfig(), func(o *dynamodb.Options) {
		o.HTTPClient = httpClient
	})
	for _, c := range o.Levels {
		retries := &Retries{}
		warm := max(o.Warmup, c)
		n := o.Requests[c]
		if len(calls) < warm+n || len(floorOps) < warm+n {
			return res, fmt.Errorf("bench: %d prepared signees are too few for concurrency %d", len(calls), c)
		}
		if _, _, err := runCalls(ctx, calls[:warm], c, retries); err != nil {
			return res, fmt.Errorf("sign warm-up at %d: %w", c, err)
		}
		lat, wall, err := runCalls(ctx, calls[warm:warm+n], c, retries)
		if err != nil {
			return res, fmt.Errorf("sign at %d: %w", c, err)
		}
		calls = calls[warm+n:]
		lvl := SignLevel{Concurrency: c, Sign: Summarise(lat), SignRate: float64(n) / wall.Seconds()}
		lvl.Retried, _ = retries.Snapshot()
		if _, _, err := runFloor(ctx, client, floorOps[:warm], c); err != nil {
			return res, fmt.Errorf("floor warm-up at %d: %w", c, err)
		}
		flat, fwall, err := runFloor(ctx, client, floorOps[warm:warm+n], c)
		if err != nil {
			return res, fmt.Errorf("floor at %d: %w", c, err)
		}
		floorOps = floorOps[warm+n:]
		lvl.Floor, lvl.FloorRate = Summarise(flat), float64(n)/fwall.Seconds()
		res.Levels = append(res.Levels, lvl)
		progress(fmt.Sprintf("sign path: concurrency %d: sign p50 %s p99 %s; floor p50 %s p99 %s", c,
			lvl.Sign.P50.Round(time.Microsecond*100), lvl.Sign.P99.Round(time.Microsecond*100),
			lvl.Floor.P50.Round(time.Microsecond*100), lvl.Floor.P99.Round(time.Microsecond*100)))
	}
	res.Warmup = o.Warmup
	return res, nil
}

// signeesPerSignTask is the size of the sign-path benchmark's tasks.
const signeesPerSignTask = 3

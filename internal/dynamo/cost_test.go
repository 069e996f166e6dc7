package dynamo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/dynamo/dynamotest"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/repotest"
)

// operation is one repository call measured for cost: setup prepares a
// task through the plain store, run makes the call through the store given.
type operation struct {
	name  string
	setup func(tb testing.TB, store *dynamo.Store) *repotest.Fixture
	run   func(ctx context.Context, store *dynamo.Store, f *repotest.Fixture) error
	// maxRequests is the ceiling the cost test holds the operation to.
	maxRequests int
}

func created(n int) func(tb testing.TB, store *dynamo.Store) *repotest.Fixture {
	return func(tb testing.TB, store *dynamo.Store) *repotest.Fixture { return repotest.Create(tb, store, n) }
}

func reached(n int, st signing.SigneeStatus) func(tb testing.TB, store *dynamo.Store) *repotest.Fixture {
	return func(tb testing.TB, store *dynamo.Store) *repotest.Fixture {
		f := repotest.Create(tb, store, n)
		for i := range n {
			f.Reach(tb, i, st)
		}
		return f
	}
}

// closedAfter creates a task of n signees, records signed signatures and rejects it.
func closedAfter(n, signed int) func(tb testing.TB, store *dynamo.Store) *repotest.Fixture {
	return func(tb testing.TB, store *dynamo.Store) *repotest.Fixture {
		f := repotest.Create(tb, store, n)
		for i := range signed {
			f.Sign(tb, i)
		}
		if _, err := store.Close(context.Background(), f.Key(), signing.TaskRejected, f.Now(), "system", "rejected"); err != nil {
			tb.Fatal(err)
		}
		return f
	}
}

// restarted is closedAfter(n, 2) restarted as attempt 2.
func restarted(n int) func(tb testing.TB, store *dynamo.Store) *repotest.Fixture {
	return func(tb testing.TB, store *dynamo.Store) *repotest.Fixture {
		f := closedAfter(n, 2)(tb, store)
		f.Restart(tb, f.Signees)
		return f
	}
}

func unstored(n int) func(tb testing.TB, store *dynamo.Store) *repotest.Fixture {
	return func(tb testing.TB, store *dynamo.Store) *repotest.Fixture {
		task, signees := repotest.NewTask(tb, n)
		return &repotest.Fixture{Repo: store, Task: task, Signees: signees}
	}
}

var operations = []operation{
	{name: "create_1_signee", setup: unstored(1), maxRequests: 2, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		return s.CreateTask(ctx, f.Task, f.Signees)
	}},
	{name: "create_10_signees", setup: unstored(10), maxRequests: 2, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		return s.CreateTask(ctx, f.Task, f.Signees)
	}},
	{name: "create_100_signees", setup: unstored(100), maxRequests: 3, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		return s.CreateTask(ctx, f.Task, f.Signees)
	}},
	{name: "create_repeated", setup: created(10), maxRequests: 1, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		return s.CreateTask(ctx, f.Task, f.Signees)
	}},
	{name: "set_execution", setup: created(1), maxRequests: 1, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		return s.SetExecution(ctx, f.Key(), "arn:aws:states:eu-north-1:123456789012:execution:signing:x")
	}},
	{name: "update_signee_delegated", setup: created(1), maxRequests: 2, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, err := s.UpdateSignee(ctx, f.Key(), f.Signees[0].Key, signing.Transition{To: signing.SigneeDelegated, At: f.Now()})
		return err
	}},
	{name: "update_signee_notified", setup: reached(1, signing.SigneeDelegated), maxRequests: 2, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, err := s.UpdateSignee(ctx, f.Key(), f.Signees[0].Key, signing.Transition{To: signing.SigneeNotified, At: f.Now(), CorrespondenceID: "c-1"})
		return err
	}},
	{name: "update_signee_repeated", setup: reached(1, signing.SigneeDelegated), maxRequests: 1, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, err := s.UpdateSignee(ctx, f.Key(), f.Signees[0].Key, signing.Transition{To: signing.SigneeDelegated, At: f.Now()})
		return err
	}},
	{name: "record_signature", setup: reached(1, signing.SigneeNotified), maxRequests: 2, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, err := s.RecordSignature(ctx, f.Signature(0))
		return err
	}},
	{name: "record_signature_again", setup: reached(1, signing.SigneeSigned), maxRequests: 1, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		if _, err := s.RecordSignature(ctx, f.Signature(0)); !errors.Is(err, signing.ErrConflict) {
			return errors.New("want ErrConflict")
		}
		return nil
	}},
	{name: "update_signee_receipt_sent", setup: reached(1, signing.SigneeSigned), maxRequests: 2, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, err := s.UpdateSignee(ctx, f.Key(), f.Signees[0].Key, signing.Transition{To: signing.SigneeReceiptSent, At: f.Now()})
		return err
	}},
	{name: "register_wait", setup: created(1), maxRequests: 1, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		return s.RegisterWait(ctx, f.Key(), "wait-token")
	}},
	{name: "take_pending", setup: reached(1, signing.SigneeSigned), maxRequests: 3, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, err := s.TakePending(ctx, f.Key())
		return err
	}},
	{name: "register_completion_wait", setup: created(1), maxRequests: 1, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		return s.RegisterCompletionWait(ctx, f.Key(), "completion-token")
	}},
	{name: "complete", setup: reached(1, signing.SigneeSigned), maxRequests: 2, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, err := s.Complete(ctx, f.Key(), f.Now(), "system")
		return err
	}},
	{name: "close", setup: created(1), maxRequests: 3, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, err := s.Close(ctx, f.Key(), signing.TaskRejected, f.Now(), "system", "rejected")
		return err
	}},
	// The two receipts still due are kept as owed: a signature read and a
	// transaction each, after one query of the receipts.
	{name: "restart_10_signees", setup: closedAfter(10, 2), maxRequests: 13, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		return s.RestartTask(ctx, f.NextAttempt(f.Signees), f.Signees, 1)
	}},
	{name: "restart_repeated", setup: restarted(10), maxRequests: 1, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		return s.RestartTask(ctx, f.Task, f.Signees, 1)
	}},
	{name: "get_task", setup: created(1), maxRequests: 1, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, err := s.GetTask(ctx, f.Key())
		return err
	}},
	{name: "list_signees_10", setup: created(10), maxRequests: 1, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, _, err := s.ListSignees(ctx, f.Key(), signing.Page{})
		return err
	}},
	{name: "pending_for", setup: reached(1, signing.SigneeDelegated), maxRequests: 2, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, _, err := s.PendingFor(ctx, f.Signees[0].IdentityHash, signing.Page{})
		return err
	}},
	{name: "audit", setup: reached(1, signing.SigneeSigned), maxRequests: 1, run: func(ctx context.Context, s *dynamo.Store, f *repotest.Fixture) error {
		_, err := s.Audit(ctx, f.Key())
		return err
	}},
}

// measure runs op once through a metered store and returns its cost.
func measure(tb testing.TB, op operation) dynamotest.Cost {
	tb.Helper()
	client, table := dynamotest.NewTable(tb)
	store := dynamo.New(client, table)
	meter := dynamotest.NewMeter(client, dynamo.AttrGSI1PK, dynamo.AttrGSI1SK)
	metered := dynamo.New(meter, table)
	f := op.setup(tb, store)
	meter.Reset()
	if err := op.run(context.Background(), metered, f); err != nil {
		tb.Fatalf("%s: %v", op.name, err)
	}
	return meter.Cost()
}

// TestStore_OperationCost prints what each operation costs in requests and
// capacity units (go test -v -run OperationCost ./internal/dynamo/) and
// holds the request counts to their ceilings.
func TestStore_OperationCost(t *testing.T) {
	t.Parallel()
	rows := make([]dynamotest.CostRow, len(operations))
	for i, op := range operations {
		rows[i] = dynamotest.CostRow{Op: op.name, Cost: measure(t, op)}
		if got := rows[i].Cost.Total(); got > op.maxRequests {
			t.Errorf("%s: %d requests, want at most %d (%s)", op.name, got, op.maxRequests, rows[i].Cost)
		}
	}
	var b strings.Builder
	dynamotest.CostTable(&b, rows)
	t.Logf("cost per operation (RCU as DynamoDB Local reports them; WCU as on-demand billing counts them):\n%s", b.String())
}

// BenchmarkStore_RecordSignature records one signature per iteration, each
// for another signee of one task, and reports DynamoDB requests and
// capacity units per signature (measured on extra signatures after the
// timed loop, through a Meter, so the timing is not disturbed).
func BenchmarkStore_RecordSignature(b *testing.B) {
	client, table := dynamotest.NewTable(b)
	store := dynamo.New(client, table)
	const metered = 5
	f := repotest.Create(b, store, b.N+metered)
	for i := range b.N + metered {
		f.Reach(b, i, signing.SigneeNotified)
	}
	sigs := make([]signing.Signature, b.N+metered)
	for i := range sigs {
		sigs[i] = f.Signature(i)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if _, err := store.RecordSignature(ctx, sigs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	meter := dynamotest.NewMeter(client, dynamo.AttrGSI1PK, dynamo.AttrGSI1SK)
	ms := dynamo.New(meter, table)
	for i := b.N; i < b.N+metered; i++ {
		if _, err := ms.RecordSignature(ctx, sigs[i]); err != nil {
			b.Fatal(err)
		}
	}
	c := meter.Cost()
	b.ReportMetric(float64(c.Total())/metered, "requests/op")
	b.ReportMetric(c.WCU/metered, "WCU/op")
	b.ReportMetric(c.RCU/metered, "RCU/op")
}

// BenchmarkStore_Operations times every measured operation and reports its
// requests and capacity units per call.
func BenchmarkStore_Operations(b *testing.B) {
	for _, op := range operations {
		b.Run(op.name, func(b *testing.B) {
			cost := measure(b, op)
			client, table := dynamotest.NewTable(b)
			store := dynamo.New(client, table)
			ctx := context.Background()
			var elapsed time.Duration
			for range b.N {
				f := op.setup(b, store)
				start := time.Now()
				if err := op.run(ctx, store, f); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N), "ns/call")
			b.ReportMetric(float64(cost.Total()), "requests/op")
			b.ReportMetric(cost.RCU, "RCU/op")
			b.ReportMetric(cost.WCU, "WCU/op")
		})
	}
}

package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/dynamo/dynamotest"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/repotest"
)

// crashingAPI crashes at the n-th write (TransactWriteItems, PutItem or
// UpdateItem; 1-based): before the write reaches the table, or after it
// was made (the answer is lost), as a Lambda that dies there leaves things.
type crashingAPI struct {
	dynamo.API
	failAt int32
	after  bool
	writes atomic.Int32
}

// write runs do unless this is the write to crash at.
func (c *crashingAPI) write(do func() error) error {
	if c.writes.Add(1) != c.failAt {
		return do()
	}
	if c.after {
		if err := do(); err != nil {
			return err
		}
	}
	return errCrash
}

func (c *crashingAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (out *dynamodb.TransactWriteItemsOutput, err error) {
	err = c.write(func() (e error) { out, e = c.API.TransactWriteItems(ctx, in, opts...); return e })
	return out, err
}

func (c *crashingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (out *dynamodb.PutItemOutput, err error) {
	err = c.write(func() (e error) { out, e = c.API.PutItem(ctx, in, opts...); return e })
	return out, err
}

func (c *crashingAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (out *dynamodb.UpdateItemOutput, err error) {
	err = c.write(func() (e error) { out, e = c.API.UpdateItem(ctx, in, opts...); return e })
	return out, err
}

// restartFixture is a rejected task of 120 signees (3 signed, 10 more with
// an open request) and the input of its second attempt: 100 of the old
// signees and 30 new ones. Clearing takes two transactions (120 signees, 3
// signatures, 3 receipts due), filling two (130 signees).
type restartFixture struct {
	f        *repotest.Fixture
	next     signing.Task
	signees  []signing.Signee
	old      []signing.Signee
	oldAudit int
}

func newRestartFixture(t *testing.T, store *dynamo.Store) restartFixture {
	t.Helper()
	f := repotest.Create(t, store, 120)
	for i := range 3 {
		f.Sign(t, i)
	}
	for i := 3; i < 13; i++ {
		f.Reach(t, i, signing.SigneeNotified)
	}
	if _, err := store.Close(context.Background(), f.Key(), signing.TaskRejected, f.Now(), "system", "rejected"); err != nil {
		t.Fatal(err)
	}
	audit, err := store.Audit(context.Background(), f.Key())
	if err != nil {
		t.Fatal(err)
	}
	signees := slices.Clone(f.Signees[20:])
	for i := range 30 {
		signees = append(signees, repotest.NewPerson(fmt.Sprintf("Newcomer %d", i)))
	}
	return restartFixture{f: f, next: f.NextAttempt(signees), signees: signees, old: slices.Clone(f.Signees), oldAudit: len(audit)}
}

// writesOfRestart is how many writes the fixture's restart makes: mark,
// keep the 3 receipts due as owed (one each), clear ×2, fill ×2, open.
const writesOfRestart = 9

func TestStore_RestartTask_resumedAfterCrash(t *testing.T) {
	t.Parallel()
	t.Run("writes_of_a_whole_restart", func(t *testing.T) {
		t.Parallel()
		client, table := dynamotest.NewTable(t)
		rf := newRestartFixture(t, dynamo.New(client, table))
		counting := &crashingAPI{API: client}
		if err := dynamo.New(counting, table).RestartTask(context.Background(), rf.next, rf.signees, 1); err != nil {
			t.Fatalf("RestartTask() error = %v", err)
		}
		if got := counting.writes.Load(); got != writesOfRestart {
			t.Errorf("writes = %d, want %d: the crash points below do not cover every write", got, writesOfRestart)
		}
		checkRestarted(t, client, table, dynamo.New(client, table), rf)
	})
	type test struct {
		name   string
		failAt int32
		after  bool
	}
	var tests []test
	for at := int32(1); at <= writesOfRestart; at++ {
		tests = append(tests, test{name: fmt.Sprintf("before_write_%d", at), failAt: at})
		tests = append(tests, test{name: fmt.Sprintf("after_write_%d", at), failAt: at, after: true})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			client, table := dynamotest.NewTable(t)
			store := dynamo.New(client, table)
			rf := newRestartFixture(t, store)
			crashing := dynamo.New(&crashingAPI{API: client, failAt: tt.failAt, after: tt.after}, table)
			err := crashing.RestartTask(ctx, rf.next, rf.signees, 1)
			if !errors.Is(err, errCrash) {
				t.Fatalf("RestartTask() error = %v, want the crash", err)
			}
			checkHalfDone(t, store, rf, tt.failAt == writesOfRestart && tt.after)

			if err := store.RestartTask(ctx, rf.next, rf.signees, 1); err != nil {
				t.Fatalf("RestartTask(resumed) error = %v", err)
			}
			checkRestarted(t, client, table, store, rf)
		})
	}
}

// checkHalfDone checks what a crashed restart leaves: the old attempt,
// closed (so nothing can sign), unless the crash came after the last write.
func checkHalfDone(t *testing.T, store *dynamo.Store, rf restartFixture, opened bool) {
	t.Helper()
	ctx := context.Background()
	got, err := store.GetTask(ctx, rf.f.Key())
	if err != nil {
		t.Fatal(err)
	}
	if opened {
		if got.Attempt != 2 || got.Status != signing.TaskCollecting {
			t.Errorf("task after a crash after the last write = attempt %d %s, want attempt 2 collecting", got.Attempt, got.Status)
		}
		return
	}
	if got.Attempt != 1 || got.Status != signing.TaskRejected {
		t.Errorf("task after a crash = attempt %d %s, want attempt 1, still rejected", got.Attempt, got.Status)
	}
	sig := rf.f.Signature(50)
	if _, err := store.RecordSignature(ctx, sig); !errors.Is(err, signing.ErrTaskClosed) && !errors.Is(err, signing.ErrNotFound) {
		t.Errorf("RecordSignature() on a half-restarted task: error = %v, want ErrTaskClosed", err)
	}
	for _, sg := range rf.old[3:13] {
		if reqs, _, err := store.PendingFor(ctx, sg.IdentityHash, signing.Page{}); err != nil || len(reqs) != 0 {
			t.Errorf("PendingFor() on a half-restarted task = %+v, %v; want none", reqs, err)
		}
	}
}

// checkRestarted checks the finished restart item by item: the new attempt
// opened with exactly the new signees, no signature or receipt due left,
// no index entry of the old attempt, the audit trail kept with one
// task.restarted entry.
func checkRestarted(t *testing.T, client *dynamodb.Client, table string, store *dynamo.Store, rf restartFixture) {
	t.Helper()
	ctx := context.Background()
	got, err := store.GetTask(ctx, rf.f.Key())
	if err != nil {
		t.Fatal(err)
	}
	want := rf.next
	want.Version = got.Version
	repotest.SameJSON(t, "task", got, want)
	out, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, it := range out.Items {
		typ := it[dynamo.AttrType].(*types.AttributeValueMemberS).Value
		kinds[typ]++
		if _, marked := it["restartAttempt"]; typ == "task" && marked {
			t.Errorf("the restart marker is left on the task item")
		}
		if typ == "receipt" {
			// The receipts still due of attempt 1 stay owed, with their signatures.
			if a, ok := it["attempt"].(*types.AttributeValueMemberN); !ok || a.Value != "1" {
				t.Errorf("receipt %v has attempt %v, want 1 (owed from attempt 1)", it[dynamo.AttrSK], it["attempt"])
			}
			if _, ok := it["signature"]; !ok {
				t.Errorf("owed receipt %v holds no copy of its signature", it[dynamo.AttrSK])
			}
		}
		if typ != "signee" {
			continue
		}
		if a, ok := it["attempt"].(*types.AttributeValueMemberN); !ok || a.Value != "2" {
			t.Errorf("signee %v has attempt %v, want 2", it[dynamo.AttrSK], it["attempt"])
		}
		if _, indexed := it[dynamo.AttrGSI1PK]; indexed {
			t.Errorf("signee %v of the new attempt has index keys before it was delegated", it[dynamo.AttrSK])
		}
	}
	if want := map[string]int{"task": 1, "signee": 130, "receipt": 3, "audit": rf.oldAudit + 1}; fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("items by type = %v, want %v (no signature; the 3 receipts due owed)", kinds, want)
	}
	for _, sg := range rf.old[:13] {
		q, err := client.Query(ctx, &dynamodb.QueryInput{
			TableName: &table, IndexName: aws.String(dynamo.IndexBySigner),
			KeyConditionExpression:    aws.String("#g = :g"),
			ExpressionAttributeNames:  map[string]string{"#g": dynamo.AttrGSI1PK},
			ExpressionAttributeValues: map[string]types.AttributeValue{":g": &types.AttributeValueMemberS{Value: "SIGNER#" + sg.IdentityHash}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Items) != 0 {
			t.Errorf("BySigner still lists %d requests of %s from the old attempt", len(q.Items), sg.DisplayName)
		}
	}
	audit, err := store.Audit(ctx, rf.f.Key())
	if err != nil {
		t.Fatal(err)
	}
	var restarted []string
	for _, e := range audit {
		if e.Action == "task.restarted" {
			restarted = append(restarted, e.Detail)
		}
	}
	if len(restarted) != 1 || !strings.HasPrefix(restarted[0], "attempt 2 replaces attempt 1 (rejected)") {
		t.Errorf("task.restarted entries = %q, want one", restarted)
	}
}

// TestStore_RestartTask_takeover: a restart to attempt 2 dies half done;
// the process engine moves on to attempt 3, which takes the task over;
// attempt 2 is then stale.
func TestStore_RestartTask_takeover(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client, table := dynamotest.NewTable(t)
	store := dynamo.New(client, table)
	rf := newRestartFixture(t, store)
	crashing := dynamo.New(&crashingAPI{API: client, failAt: 5}, table) // cleared, half filled
	if err := crashing.RestartTask(ctx, rf.next, rf.signees, 1); !errors.Is(err, errCrash) {
		t.Fatalf("RestartTask(attempt 2) error = %v, want the crash", err)
	}
	third := rf.next
	third.Attempt = 3
	third.CreatedAt = rf.f.Now()
	third.UpdatedAt = third.CreatedAt
	signees := rf.signees[:40]
	third.Counts.Total = len(signees)
	if err := store.RestartTask(ctx, third, signees, 1); err != nil {
		t.Fatalf("RestartTask(attempt 3) error = %v", err)
	}
	err := store.RestartTask(ctx, rf.next, rf.signees, 1)
	repotest.WantErr(t, "RestartTask(attempt 2, stale)", err, signing.ErrConflict)
	got, err := store.GetTask(ctx, rf.f.Key())
	if err != nil {
		t.Fatal(err)
	}
	if got.Attempt != 3 || got.Status != signing.TaskCollecting || got.Counts.Total != 40 {
		t.Errorf("task = attempt %d %s total %d, want attempt 3 collecting with 40 signees", got.Attempt, got.Status, got.Counts.Total)
	}
	listed, _, err := store.ListSignees(ctx, rf.f.Key(), signing.Page{Limit: 1000})
	if err != nil || len(listed) != 40 {
		t.Errorf("ListSignees() = %d signees, %v; want the 40 of attempt 3", len(listed), err)
	}
}

// TestStore_RestartTask_legacyItems restarts a task whose items were
// written before attempts were stored (no attempt attribute): it is
// attempt 1.
func TestStore_RestartTask_legacyItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client, table := dynamotest.NewTable(t)
	store := dynamo.New(client, table)
	f := repotest.Create(t, store, 2)
	f.Sign(t, 0)
	if _, err := store.Close(ctx, f.Key(), signing.TaskExpired, f.Now(), "system", "deadline"); err != nil {
		t.Fatal(err)
	}
	out, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range out.Items {
		if _, ok := it["attempt"]; !ok {
			continue
		}
		if _, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &table, Key: map[string]types.AttributeValue{dynamo.AttrPK: it[dynamo.AttrPK], dynamo.AttrSK: it[dynamo.AttrSK]},
			UpdateExpression: aws.String("REMOVE attempt"),
		}); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.MustTask(t).Attempt; got != 1 {
		t.Fatalf("legacy task attempt = %d, want 1", got)
	}
	f.Restart(t, f.Signees)
	if got := f.MustTask(t); got.Attempt != 2 || got.Status != signing.TaskCollecting {
		t.Errorf("task = attempt %d %s, want attempt 2 collecting", got.Attempt, got.Status)
	}
	if sigs, err := store.ListSignatures(ctx, f.Key()); err != nil || len(sigs) != 0 {
		t.Errorf("ListSignatures() = %d, %v; want none", len(sigs), err)
	}
}

package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/devstack/dynamolocal"
	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/dynamo/dynamotest"
	"github.com/signingflow/signing/internal/samtemplate"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/repotest"
)

func newStore(t testing.TB, opts ...dynamo.Option) *dynamo.Store {
	client, table := dynamotest.NewTable(t)
	return dynamo.New(client, table, opts...)
}

func TestStore_Contract(t *testing.T) {
	t.Parallel()
	repotest.Run(t, func(t *testing.T) signing.Repository { return newStore(t) })
}

// failingAPI fails the n-th TransactWriteItems call (1-based), as a crash
// between two writes of a create would leave things.
type failingAPI struct {
	dynamo.API
	failAt int32
	calls  atomic.Int32
}

var errCrash = errors.New("simulated crash")

func (f *failingAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if f.calls.Add(1) == f.failAt {
		return nil, errCrash
	}
	return f.API.TransactWriteItems(ctx, in, opts...)
}

func TestStore_CreateTask_thousandSignees(t *testing.T) {
	t.Parallel()
	client, table := dynamotest.NewTable(t)
	meter := dynamotest.NewMeter(client, dynamo.AttrGSI1PK, dynamo.AttrGSI1SK)
	store := dynamo.New(meter, table)
	task, signees := repotest.NewTask(t, 1000)
	if err := store.CreateTask(context.Background(), task, signees); err != nil {
		t.Fatalf("CreateTask() error = %v", err)
	}
	cost := meter.Cost()
	t.Logf("create with 1000 signees: %s", cost)
	// 1000 signees + task + audit = 1002 items: 902 in 10 transactions of 100, the last with 98 + 2.
	if got, want := cost.Requests["TransactWriteItems"], 11; got != want {
		t.Errorf("TransactWriteItems = %d, want %d", got, want)
	}
	var n int
	tok := ""
	for {
		page, next, err := store.ListSignees(context.Background(), task.Key, signing.Page{Limit: 1000, Token: tok})
		if err != nil {
			t.Fatal(err)
		}
		n += len(page)
		if next == "" {
			break
		}
		tok = next
	}
	if n != 1000 {
		t.Errorf("listed %d signees, want 1000", n)
	}
	meter.Reset()
	if err := store.CreateTask(context.Background(), task, signees); err != nil {
		t.Fatalf("repeated CreateTask() error = %v", err)
	}
	if got := meter.Cost(); got.Total() != 1 || got.WCU != 0 {
		t.Errorf("repeated create cost %s, want one read and no writes", got)
	}
}

func TestStore_CreateTask_partial(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name   string
		failAt int32
		// retry changes the input of the second attempt.
		retry    func(task *signing.Task, signees []signing.Signee) []signing.Signee
		wantErr  error
		wantSize int
	}{
		{name: "retry_completes_after_first_chunk", failAt: 2, wantSize: 250},
		{name: "retry_completes_after_all_signees", failAt: 3, wantSize: 250},
		{name: "retry_completes_before_any_write", failAt: 1, wantSize: 250},
		{name: "other_signees_conflict_with_leftovers", failAt: 2, wantErr: signing.ErrConflict,
			retry: func(task *signing.Task, signees []signing.Signee) []signing.Signee {
				// A completely different set: leftovers must not join it.
				out := make([]signing.Signee, len(signees))
				for i := range out {
					out[i] = repotest.NewPerson("Other")
				}
				return out
			}},
		{name: "other_config_conflicts_with_leftovers", failAt: 2, wantErr: signing.ErrConflict,
			retry: func(task *signing.Task, signees []signing.Signee) []signing.Signee {
				task.Config.SigningPDFDataType = "pdf"
				task.ConfigDigest = task.Config.Digest()
				return signees
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, table := dynamotest.NewTable(t)
			crashing := dynamo.New(&failingAPI{API: client, failAt: tt.failAt}, table)
			store := dynamo.New(client, table)
			task, signees := repotest.NewTask(t, 250)
			if err := crashing.CreateTask(ctx, task, signees); !errors.Is(err, errCrash) {
				t.Fatalf("CreateTask() error = %v, want the crash", err)
			}
			// Never half visible: no task without all its signees.
			if _, err := store.GetTask(ctx, task.Key); !errors.Is(err, signing.ErrNotFound) {
				t.Fatalf("GetTask() after crash: error = %v, want ErrNotFound", err)
			}
			if tt.retry != nil {
				signees = tt.retry(&task, slices.Clone(signees))
			}
			err := store.CreateTask(ctx, task, signees)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("CreateTask(retry) error = %v, want %v", err, tt.wantErr)
				}
				if _, err := store.GetTask(ctx, task.Key); !errors.Is(err, signing.ErrNotFound) {
					t.Errorf("GetTask() after conflict: error = %v, want ErrNotFound", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateTask(retry) error = %v", err)
			}
			got, _, err := store.ListSignees(ctx, task.Key, signing.Page{Limit: 1000})
			if err != nil || len(got) != tt.wantSize {
				t.Fatalf("ListSignees() = %d signees, %v; want %d", len(got), err, tt.wantSize)
			}
			audit, err := store.Audit(ctx, task.Key)
			if err != nil || len(audit) != 1 {
				t.Errorf("Audit() = %v, %v; want one entry", audit, err)
			}
		})
	}
}

// TestTemplate_SigningTable checks that the table in template.yaml is the one
// the key layout needs, so the template and keys.go cannot drift.
func TestTemplate_SigningTable(t *testing.T) {
	t.Parallel()
	path, err := samtemplate.FindFile("")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := tpl.Table(dynamo.TableLogicalID)
	if err != nil {
		t.Fatal(err)
	}
	want := samtemplate.Table{
		LogicalID:   dynamo.TableLogicalID,
		BillingMode: "PAY_PER_REQUEST",
		AttributeDefinitions: []samtemplate.AttributeDefinition{
			{Name: dynamo.AttrPK, Type: "S"}, {Name: dynamo.AttrSK, Type: "S"},
			{Name: dynamo.AttrGSI1PK, Type: "S"}, {Name: dynamo.AttrGSI1SK, Type: "S"},
		},
		KeySchema: []samtemplate.KeyElement{{Name: dynamo.AttrPK, KeyType: "HASH"}, {Name: dynamo.AttrSK, KeyType: "RANGE"}},
		GlobalIndexes: []samtemplate.Index{{
			Name:           dynamo.IndexBySigner,
			KeySchema:      []samtemplate.KeyElement{{Name: dynamo.AttrGSI1PK, KeyType: "HASH"}, {Name: dynamo.AttrGSI1SK, KeyType: "RANGE"}},
			ProjectionType: "ALL",
		}},
		PointInTimeRecovery: true,
		SSEEnabled:          true,
		// The events publisher reads each inserted audit item's new image
		// (AuditFromImage).
		StreamViewType: "NEW_IMAGE",
	}
	repotest.SameJSON(t, "SigningTable", tbl, want)
	in := dynamolocal.CreateTableInput(tbl, "x-table")
	if aws.ToString(in.TableName) != "x-table" || len(in.GlobalSecondaryIndexes) != 1 || in.BillingMode != types.BillingModePayPerRequest ||
		in.StreamSpecification == nil || !aws.ToBool(in.StreamSpecification.StreamEnabled) || in.StreamSpecification.StreamViewType != types.StreamViewTypeNewImage {
		t.Errorf("CreateTableInput() = %+v", in)
	}
}

var (
	elevenDigits = regexp.MustCompile(`\b\d{11}\b`)
	skPattern    = regexp.MustCompile(`^TASK#SigningTask(#SIGNEE#[po]-[0-9a-f]+|#SIG#[po]-[0-9a-f]+|#RCPT#[po]-[0-9a-f]+|#AUDIT#\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z#(task|[po]-[0-9a-f]+)#[a-z_]+)?$`)
)

// TestStore_items scans the table after a full flow: every key has the
// documented shape, only open requests carry index keys, and no value looks
// like a raw national ID.
func TestStore_items(t *testing.T) {
	t.Parallel()
	client, table := dynamotest.NewTable(t)
	store := dynamo.New(client, table)
	f := repotest.Create(t, store, 3)
	f.Reach(t, 0, signing.SigneeReceiptSent)
	f.Reach(t, 1, signing.SigneeNotified)
	out, err := client.Scan(context.Background(), &dynamodb.ScanInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, it := range out.Items {
		pk := it[dynamo.AttrPK].(*types.AttributeValueMemberS).Value
		sk := it[dynamo.AttrSK].(*types.AttributeValueMemberS).Value
		typ := it[dynamo.AttrType].(*types.AttributeValueMemberS).Value
		kinds[typ]++
		if pk != "INST#"+f.Key().InstanceGUID {
			t.Errorf("PK = %q", pk)
		}
		if !skPattern.MatchString(sk) {
			t.Errorf("SK = %q does not have the documented shape", sk)
		}
		_, indexed := it[dynamo.AttrGSI1PK]
		wantIndexed := typ == "signee" && strings.HasSuffix(sk, string(f.Signees[1].Key))
		if indexed != wantIndexed {
			t.Errorf("%s has index keys: %v, want %v", sk, indexed, wantIndexed)
		}
		if indexed {
			if got := it[dynamo.AttrGSI1PK].(*types.AttributeValueMemberS).Value; got != "SIGNER#"+f.Signees[1].IdentityHash {
				t.Errorf("GSI1PK = %q", got)
			}
		}
		if text := fmt.Sprint(dumpValues(it)); elevenDigits.MatchString(text) {
			t.Errorf("item %s holds an 11-digit number: %s", sk, text)
		}
	}
	// The receipt-due marker of signee 0 is gone once its receipt was sent.
	want := map[string]int{"task": 1, "signee": 3, "signature": 1, "audit": 6}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("item types = %v, want %v", kinds, want)
	}
}

func dumpValues(it map[string]types.AttributeValue) []string {
	var out []string
	for k, v := range it {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			out = append(out, k+"="+v.Value)
		case *types.AttributeValueMemberN:
			out = append(out, k+"="+v.Value)
		case *types.AttributeValueMemberM:
			out = append(out, dumpValues(v.Value)...)
		case *types.AttributeValueMemberL:
			for _, e := range v.Value {
				out = append(out, dumpValues(map[string]types.AttributeValue{k: e})...)
			}
		}
	}
	return out
}

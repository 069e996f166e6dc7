package dynamo_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/repotest"
)

// fakeAPI answers with canned results; unset calls fail the test.
type fakeAPI struct {
	t        *testing.T
	get      func(*dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error)
	update   func(*dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error)
	transact func(*dynamodb.TransactWriteItemsInput) (*dynamodb.TransactWriteItemsOutput, error)
	calls    int
}

func (f *fakeAPI) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.calls++
	if f.get == nil {
		f.t.Fatal("unexpected GetItem")
	}
	return f.get(in)
}

func (f *fakeAPI) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.t.Fatal("unexpected PutItem")
	return nil, nil
}

func (f *fakeAPI) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.calls++
	if f.update == nil {
		f.t.Fatal("unexpected UpdateItem")
	}
	return f.update(in)
}

func (f *fakeAPI) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.t.Fatal("unexpected Query")
	return nil, nil
}

func (f *fakeAPI) BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	f.t.Fatal("unexpected BatchGetItem")
	return nil, nil
}

func (f *fakeAPI) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.calls++
	if f.transact == nil {
		f.t.Fatal("unexpected TransactWriteItems")
	}
	return f.transact(in)
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

type item = map[string]types.AttributeValue

// reason builds a cancellation reason.
func reason(code string, old item) types.CancellationReason {
	return types.CancellationReason{Code: aws.String(code), Item: old}
}

func none() types.CancellationReason { return reason("None", nil) }

func canceled(reasons ...types.CancellationReason) error {
	return &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
}

func serverError(status int) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      errors.New("server said no"),
	}}
}

// TestStore_RecordSignature_errors maps the shapes of a cancelled
// transaction (task, signee, signature, receipt, audit) and AWS failures to
// domain errors.
func TestStore_RecordSignature_errors(t *testing.T) {
	t.Parallel()
	task := item{dynamo.AttrStatus: s("collecting"), dynamo.AttrPending: num("0")}
	tests := []struct {
		name       string
		err        error
		want       error
		notWant    error
		wantCalls  int
		thenResult bool
	}{
		{name: "task_missing", err: canceled(reason("ConditionalCheckFailed", nil), none(), none(), none(), none()), want: signing.ErrNotFound},
		{name: "task_rejected", err: canceled(reason("ConditionalCheckFailed", item{dynamo.AttrStatus: s("rejected")}), none(), none(), none(), none()), want: signing.ErrTaskClosed},
		{name: "task_closed_and_signee_signed", err: canceled(
			reason("ConditionalCheckFailed", item{dynamo.AttrStatus: s("completed")}),
			reason("ConditionalCheckFailed", item{dynamo.AttrStatus: s("signed")}), none(), none(), none()), want: signing.ErrTaskClosed},
		{name: "signee_missing", err: canceled(none(), reason("ConditionalCheckFailed", nil), none(), none(), none()), want: signing.ErrNotFound},
		{name: "signee_signed", err: canceled(none(), reason("ConditionalCheckFailed", item{dynamo.AttrStatus: s("signed")}), none(), none(), none()), want: signing.ErrConflict, notWant: signing.ErrTaskClosed},
		{name: "signee_revoked", err: canceled(none(), reason("ConditionalCheckFailed", item{dynamo.AttrStatus: s("revoked")}), none(), none(), none()), want: signing.ErrConflict, notWant: signing.ErrTaskClosed},
		{name: "signature_exists", err: canceled(none(), none(), reason("ConditionalCheckFailed", item{}), none(), none()), want: signing.ErrConflict, notWant: signing.ErrTaskClosed},
		{name: "conflicts_exhaust_retries", err: canceled(reason("TransactionConflict", nil), none(), none(), none(), none()), want: signing.ErrTransient, wantCalls: 3},
		{name: "conflict_once_then_recorded", err: canceled(none(), reason("TransactionConflict", nil), none(), none(), none()), thenResult: true, wantCalls: 3},
		{name: "throttled", err: &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}, want: signing.ErrTransient},
		{name: "throughput", err: &types.ProvisionedThroughputExceededException{Message: aws.String("too much")}, want: signing.ErrTransient},
		{name: "internal_server_error", err: &types.InternalServerError{Message: aws.String("oops")}, want: signing.ErrTransient},
		{name: "http_503", err: serverError(503), want: signing.ErrTransient},
		{name: "table_missing", err: &types.ResourceNotFoundException{Message: aws.String("no table")}, notWant: signing.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := repotest.Create(t, repotestRepo(), 1)
			api := &fakeAPI{t: t}
			first := true
			api.transact = func(*dynamodb.TransactWriteItemsInput) (*dynamodb.TransactWriteItemsOutput, error) {
				if tt.thenResult && !first {
					return &dynamodb.TransactWriteItemsOutput{}, nil
				}
				first = false
				return nil, tt.err
			}
			api.get = func(*dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
				return &dynamodb.GetItemOutput{Item: task}, nil
			}
			store := dynamo.New(api, "signing", dynamo.WithConflictRetries(2, 0))
			_, err := store.RecordSignature(context.Background(), f.Signature(0))
			switch {
			case tt.thenResult:
				if err != nil {
					t.Errorf("RecordSignature() error = %v, want none after a retry", err)
				}
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("RecordSignature() error = %v, want %v", err, tt.want)
			case tt.want == nil && err == nil:
				t.Errorf("RecordSignature() error = nil, want one")
			}
			if tt.notWant != nil && errors.Is(err, tt.notWant) {
				t.Errorf("RecordSignature() error = %v, must not be %v", err, tt.notWant)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "dynamo: record signature "+f.Key().String()) {
				t.Errorf("error %q does not say where it came from", err)
			}
			if tt.wantCalls > 0 && api.calls != tt.wantCalls {
				t.Errorf("%d calls, want %d", api.calls, tt.wantCalls)
			}
		})
	}
}

// TestStore_RegisterWait_errors maps a failed condition, read with ALL_OLD.
func TestStore_RegisterWait_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		old     item
		want    error
		notWant error
	}{
		{name: "missing_task", old: nil, want: signing.ErrNotFound},
		{name: "pending", old: item{dynamo.AttrStatus: s("collecting"), dynamo.AttrPending: num("2")}, want: signing.ErrConflict, notWant: signing.ErrTaskClosed},
		{name: "expired", old: item{dynamo.AttrStatus: s("expired"), dynamo.AttrPending: num("0")}, want: signing.ErrTaskClosed},
		{name: "superseded", old: item{dynamo.AttrStatus: s("collecting"), dynamo.AttrPending: num("0"), dynamo.AttrAttempt: num("2")}, want: signing.ErrSuperseded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *dynamodb.UpdateItemInput
			api := &fakeAPI{t: t, update: func(in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
				got = in
				return nil, &types.ConditionalCheckFailedException{Message: aws.String("failed"), Item: tt.old}
			}}
			store := dynamo.New(api, "signing")
			// A workflow step's key: qualified with its attempt, as the wait state's.
			key := signing.TaskKey{InstanceGUID: repotest.NewGUID(), TaskID: "SigningTask", Attempt: 1}
			err := store.RegisterWait(context.Background(), key, "token")
			if !errors.Is(err, tt.want) || (tt.notWant != nil && errors.Is(err, tt.notWant)) {
				t.Errorf("RegisterWait() error = %v, want %v", err, tt.want)
			}
			// The very write the state machine makes.
			if aws.ToString(got.UpdateExpression) != dynamo.RegisterWaitUpdate || aws.ToString(got.ConditionExpression) != dynamo.RegisterWaitCondition {
				t.Errorf("update %q if %q, want the exported RegisterWait expressions", aws.ToString(got.UpdateExpression), aws.ToString(got.ConditionExpression))
			}
			if a, ok := got.ExpressionAttributeValues[":attempt"].(*types.AttributeValueMemberN); !ok || a.Value != "1" || got.ExpressionAttributeNames["#attempt"] != dynamo.AttrAttempt {
				t.Errorf("values %v, names %v; want :attempt 1 and #attempt", got.ExpressionAttributeValues, got.ExpressionAttributeNames)
			}
			if got.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureAllOld {
				t.Errorf("ReturnValuesOnConditionCheckFailure = %q, want ALL_OLD", got.ReturnValuesOnConditionCheckFailure)
			}
		})
	}
}

// TestStore_Close_retriesWhenTokenChanged re-reads the task when a wait
// token is stored between the read and the conditional write, so the new
// token is returned (and failed) instead of being dropped.
func TestStore_Close_retriesWhenTokenChanged(t *testing.T) {
	t.Parallel()
	key := signing.TaskKey{InstanceGUID: repotest.NewGUID(), TaskID: "SigningTask"}
	status, version, token := "collecting", 3, "w1"
	api := &fakeAPI{t: t}
	api.get = func(*dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
		it := item{
			dynamo.AttrStatus: s(status), dynamo.AttrVersion: num(strconv.Itoa(version)),
			"instanceGuid": s(key.InstanceGUID), "taskId": s(key.TaskID),
		}
		if token != "" {
			it[dynamo.AttrWaitToken] = s(token)
		}
		return &dynamodb.GetItemOutput{Item: it}, nil
	}
	writes := 0
	api.transact = func(in *dynamodb.TransactWriteItemsInput) (*dynamodb.TransactWriteItemsOutput, error) {
		writes++
		cond := aws.ToString(in.TransactItems[0].Update.ConditionExpression)
		if writes == 1 {
			token, version = "w2", version+1 // the workflow stored a new wait token
			return nil, canceled(reason("ConditionalCheckFailed", nil), none())
		}
		if !strings.Contains(cond, "#wtoken = :wtoken") || in.TransactItems[0].Update.ExpressionAttributeValues[":wtoken"].(*types.AttributeValueMemberS).Value != "w2" {
			t.Errorf("condition %q does not pin the token read", cond)
		}
		status, token, version = "rejected", "", version+1
		return &dynamodb.TransactWriteItemsOutput{}, nil
	}
	store := dynamo.New(api, "signing", dynamo.WithConflictRetries(3, time.Microsecond))
	res, err := store.Close(context.Background(), key, signing.TaskRejected, repotest.T0, "system", "")
	if err != nil {
		t.Fatalf("Close() error = %v", err)
	}
	if writes != 2 || res.WaitToken != "w2" || res.Task.Version != 5 || res.Task.Status != signing.TaskRejected {
		t.Errorf("writes = %d, result %+v; want 2 writes, token w2, rejected at version 5", writes, res)
	}
}

// repotestRepo is a throwaway repository for building fixtures offline.
func repotestRepo() signing.Repository { return offlineRepo{} }

type offlineRepo struct{ signing.Repository }

func (offlineRepo) CreateTask(context.Context, signing.Task, []signing.Signee) error { return nil }

// Package dynamo keeps signing state in one DynamoDB table (SigningTable in
// template.yaml). It implements signing.Repository; the key layout lives in
// keys.go, the item structs in items.go, and callers see only domain types
// and the domain's errors.
package dynamo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/signing"
)

// API is the part of the DynamoDB client the store uses; *dynamodb.Client
// implements it, and tests wrap it to count requests and capacity.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

var _ signing.Repository = (*Store)(nil)

// Limits of DynamoDB and of the store.
const (
	// maxTransactItems is DynamoDB's limit of actions in one TransactWriteItems.
	maxTransactItems = 100
	// maxBatchGet is DynamoDB's limit of keys in one BatchGetItem.
	maxBatchGet = 100
	// DefaultPageLimit is the page size when Page.Limit is 0.
	DefaultPageLimit = 100
	// MaxPageLimit caps Page.Limit.
	MaxPageLimit = 1000
)

// Store is the DynamoDB adapter of signing.Repository.
type Store struct {
	api     API
	table   string
	clock   signing.Clock
	retries int
	backoff time.Duration
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock for times the caller does not pass (default: system clock).
func WithClock(c signing.Clock) Option { return func(s *Store) { s.clock = c } }

// WithConflictRetries sets how often a write is retried after losing a race
// for an item (a transaction conflict or a changed version) before the
// error is returned; default 8, with jittered backoff from base.
func WithConflictRetries(n int, base time.Duration) Option {
	return func(s *Store) { s.retries, s.backoff = n, base }
}

// New returns a store on table, using api (usually a *dynamodb.Client built
// by the Lambda's main from its AWS config).
func New(api API, table string, opts ...Option) *Store {
	s := &Store{api: api, table: table, clock: signing.SystemClock{}, retries: 8, backoff: 5 * time.Millisecond}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Table returns the table name.
func (s *Store) Table() string { return s.table }

func (s *Store) now() time.Time { return s.clock.Now().UTC() }

// pause waits before retry attempt n (0-based) with full jitter.
func (s *Store) pause(ctx context.Context, n int) error {
	d := s.backoff << min(n, 6)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(rand.N(d) + d/4)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// transact runs a transaction, retrying while it is cancelled only by
// conflicts with other transactions. Every attempt is a new input, so it
// gets a fresh client request token.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) error {
	for attempt := 0; ; attempt++ {
		_, err := s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		reasons, ok := cancellation(err)
		if !ok || !onlyConflicts(reasons) || attempt >= s.retries {
			return err
		}
		if perr := s.pause(ctx, attempt); perr != nil {
			return err
		}
	}
}

func (s *Store) getItem(ctx context.Context, key map[string]types.AttributeValue, v any) (bool, error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key,
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, err
	}
	if len(out.Item) == 0 {
		return false, nil
	}
	return true, unmarshal(out.Item, v)
}

// getTask reads the task item; for a key qualified with an attempt, a task
// at another attempt (or being restarted to a later one) is an error
// (signing.TaskKey.CheckAttempt).
func (s *Store) getTask(ctx context.Context, k signing.TaskKey) (taskItem, bool, error) {
	var it taskItem
	found, err := s.getItem(ctx, TaskKey(k), &it)
	if err == nil && found {
		err = k.CheckAttempt(it.attempt(), it.RestartAttempt)
	}
	return it, found, err
}

// requireAttempt reads the task item and checks a qualified key's attempt.
func (s *Store) requireAttempt(ctx context.Context, k signing.TaskKey) (taskItem, error) {
	it, found, err := s.getTask(ctx, k)
	if err == nil && !found {
		err = fmt.Errorf("task: %w", signing.ErrNotFound)
	}
	return it, err
}

// ofAttempt adds the condition that the item is of the attempt a to cond
// (with its name and value): see OfAttempt.
func ofAttempt(cond string, a int, names map[string]string, values map[string]types.AttributeValue) string {
	names["#attempt"] = AttrAttempt
	values[":attempt"] = n(int64(max(a, 1)))
	if cond == "" {
		return OfAttempt
	}
	return cond + " AND " + OfAttempt
}

// getSignee reads a signee item; for a key qualified with an attempt, a
// signee of an earlier attempt is not found and one of a later attempt is
// signing.ErrSuperseded.
func (s *Store) getSignee(ctx context.Context, k signing.TaskKey, sk signing.SigneeKey) (signeeItem, bool, error) {
	var it signeeItem
	found, err := s.getItem(ctx, itemKey(instancePK(k.InstanceGUID), signeeSK(k.TaskID, sk)), &it)
	if err == nil && found && k.Attempt > 0 {
		switch a := max(it.Attempt, 1); {
		case a > k.Attempt:
			return signeeItem{}, false, fmt.Errorf("signee of attempt %d: %w", a, signing.ErrSuperseded)
		case a < k.Attempt:
			return signeeItem{}, false, nil
		}
	}
	return it, found, err
}

// put returns a Put action for item v under condition cond ("" for none).
func (s *Store) put(v any, cond string) (types.TransactWriteItem, error) {
	item, err := marshal(v)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	p := &types.Put{TableName: &s.table, Item: item, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
	}
	return types.TransactWriteItem{Put: p}, nil
}

// putNew returns a Put action that creates v only if no item has its key.
func (s *Store) putNew(v any) (types.TransactWriteItem, error) {
	return s.put(v, "attribute_not_exists("+AttrPK+")")
}

// auditPut returns the Put action of an audit entry.
func (s *Store) auditPut(k signing.TaskKey, e signing.AuditEntry, event string) (types.TransactWriteItem, error) {
	if e.Actor == "" {
		e.Actor = "system"
	}
	return s.putNew(newAuditItem(k, e, event))
}

// query runs a query to the end, or until limit items (0: no limit), and
// returns the items and the key to continue from.
func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput, limit int) ([]map[string]types.AttributeValue, map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	in.TableName = &s.table
	for {
		if limit > 0 {
			in.Limit = aws.Int32(int32(limit - len(items)))
		}
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 || (limit > 0 && len(items) >= limit) {
			return items, out.LastEvaluatedKey, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// prefixQuery returns a consistent query for the items of one instance whose sort key starts with prefix.
func (s *Store) prefixQuery(guid, prefix string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK,
			"#sk": AttrSK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: instancePK(guid)},
			":prefix": &types.AttributeValueMemberS{Value: prefix},
		},
		ConsistentRead: aws.Bool(true),
	}
}

// requireTask returns ErrNotFound when the task does not exist.
func (s *Store) requireTask(ctx context.Context, k signing.TaskKey) error {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            &s.table,
		Key:                  TaskKey(k),
		ConsistentRead:       aws.Bool(true),
		ProjectionExpression: aws.String("#pk"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK,
		},
	})
	if err != nil {
		return err
	}
	if len(out.Item) == 0 {
		return fmt.Errorf("task: %w", signing.ErrNotFound)
	}
	return nil
}

func validateKey(k signing.TaskKey) error { return k.Validate() }

func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(v)}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

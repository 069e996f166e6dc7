package dynamotest

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/devstack/dynamolocal"
	"github.com/signingflow/signing/internal/dynamo"
)

// Cost is what a series of calls used.
type Cost struct {
	// Requests counts calls by API name (GetItem, TransactWriteItems, …).
	Requests map[string]int
	// RCU are read capacity units as DynamoDB reports them.
	RCU float64
	// WCU are write request units as on-demand billing counts them: per
	// item written, ceil(max(size before, size after) / 1 KB), doubled in a
	// transaction, plus one unit per 1 KB for each index entry written or
	// deleted (two when an index key changes). DynamoDB Local does not
	// double transactional writes in what it reports, so Meter computes
	// this from the items themselves.
	WCU float64
}

// Total returns the number of requests.
func (c Cost) Total() int {
	n := 0
	for _, v := range c.Requests {
		n += v
	}
	return n
}

// String renders the cost, e.g. "2 requests (GetItem 1, TransactWriteItems 1), 1 RCU, 10 WCU".
func (c Cost) String() string {
	names := make([]string, 0, len(c.Requests))
	for k := range c.Requests {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s %d", k, c.Requests[k])
	}
	return fmt.Sprintf("%d requests (%s), %g RCU, %g WCU", c.Total(), strings.Join(parts, ", "), c.RCU, c.WCU)
}

// Meter wraps a DynamoDB client, counts its requests and capacity, and
// passes every call through. Its extra reads of items before and after
// writes (to size them) go to the client directly and are not counted.
type Meter struct {
	api   *dynamodb.Client
	index []string // GSI key attributes

	mu   sync.Mutex
	cost Cost
}

var _ dynamo.API = (*Meter)(nil)

// NewMeter wraps client; indexKeys are the attributes of the table's index keys.
func NewMeter(client *dynamodb.Client, indexKeys ...string) *Meter {
	m := &Meter{api: client, index: indexKeys}
	m.Reset()
	return m
}

// Reset forgets what was counted.
func (m *Meter) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cost = Cost{Requests: map[string]int{}}
}

// Cost returns what was counted since the last Reset.
func (m *Meter) Cost() Cost {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.cost
	c.Requests = make(map[string]int, len(m.cost.Requests))
	for k, v := range m.cost.Requests {
		c.Requests[k] = v
	}
	return c
}

func (m *Meter) count(api string, reads []types.ConsumedCapacity, wcu float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cost.Requests[api]++
	for _, c := range reads {
		m.cost.RCU += aws.ToFloat64(c.CapacityUnits)
	}
	m.cost.WCU += wcu
}

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

// GetItem implements dynamo.API.
func (m *Meter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.api.GetItem(ctx, in, opts...)
	var cc []types.ConsumedCapacity
	if err == nil {
		cc = one(out.ConsumedCapacity)
	}
	m.count("GetItem", cc, 0)
	return out, err
}

// Query implements dynamo.API.
func (m *Meter) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.api.Query(ctx, in, opts...)
	var cc []types.ConsumedCapacity
	if err == nil {
		cc = one(out.ConsumedCapacity)
	}
	m.count("Query", cc, 0)
	return out, err
}

// BatchGetItem implements dynamo.API.
func (m *Meter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.api.BatchGetItem(ctx, in, opts...)
	var cc []types.ConsumedCapacity
	if err == nil {
		cc = out.ConsumedCapacity
	}
	m.count("BatchGetItem", cc, 0)
	return out, err
}

// PutItem implements dynamo.API.
func (m *Meter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	key := m.keyOf(in.Item)
	before := m.peek(ctx, in.TableName, key)
	out, err := m.api.PutItem(ctx, in, opts...)
	m.count("PutItem", nil, m.written(ctx, err, in.TableName, key, before, 1))
	return out, err
}

// UpdateItem implements dynamo.API.
func (m *Meter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	before := m.peek(ctx, in.TableName, in.Key)
	out, err := m.api.UpdateItem(ctx, in, opts...)
	m.count("UpdateItem", nil, m.written(ctx, err, in.TableName, in.Key, before, 1))
	return out, err
}

// TransactWriteItems implements dynamo.API.
func (m *Meter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	type target struct {
		table  *string
		key    map[string]types.AttributeValue
		before map[string]types.AttributeValue
	}
	targets := make([]target, 0, len(in.TransactItems))
	for _, it := range in.TransactItems {
		var tg target
		switch {
		case it.Put != nil:
			tg = target{table: it.Put.TableName, key: m.keyOf(it.Put.Item)}
		case it.Update != nil:
			tg = target{table: it.Update.TableName, key: it.Update.Key}
		case it.Delete != nil:
			tg = target{table: it.Delete.TableName, key: it.Delete.Key}
		case it.ConditionCheck != nil:
			tg = target{table: it.ConditionCheck.TableName, key: it.ConditionCheck.Key}
		}
		tg.before = m.peek(ctx, tg.table, tg.key)
		targets = append(targets, tg)
	}
	out, err := m.api.TransactWriteItems(ctx, in, opts...)
	wcu := 0.0
	for _, tg := range targets {
		wcu += m.written(ctx, err, tg.table, tg.key, tg.before, 2)
	}
	m.count("TransactWriteItems", nil, wcu)
	return out, err
}

// keyOf picks the table key out of an item.
func (m *Meter) keyOf(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{dynamo.AttrPK: item[dynamo.AttrPK], dynamo.AttrSK: item[dynamo.AttrSK]}
}

// peek reads an item without counting it.
func (m *Meter) peek(ctx context.Context, table *string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	out, err := m.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil
	}
	return out.Item
}

// written returns the write units of one item write that succeeded (none if err).
func (m *Meter) written(ctx context.Context, err error, table *string, key, before map[string]types.AttributeValue, factor float64) float64 {
	if err != nil {
		return 0
	}
	return dynamolocal.WriteUnits(before, m.peek(ctx, table, key), m.index, factor)
}

// CostTable writes rows of operation costs as an aligned table.
func CostTable(w io.Writer, rows []CostRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\trequests\tRCU\tWCU\tcalls\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%g\t%g\t%s\t\n", r.Op, r.Cost.Total(), r.Cost.RCU, r.Cost.WCU, r.Cost.calls())
	}
	_ = tw.Flush()
}

// CostRow is one line of a cost table.
type CostRow struct {
	Op   string
	Cost Cost
}

func (c Cost) calls() string {
	names := make([]string, 0, len(c.Requests))
	for k := range c.Requests {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s×%d", k, c.Requests[k])
	}
	return strings.Join(parts, " ")
}

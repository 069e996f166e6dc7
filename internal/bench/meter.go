package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/devstack/dynamolocal"
	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/platform/wire"
)

// Counter counts calls and bytes by operation. It is safe for concurrent use.
type Counter struct {
	mu  sync.Mutex
	ops map[string]*OpCount
}

// OpCount is what one operation did.
type OpCount struct {
	Calls    int64
	BytesIn  int64 // request bodies
	BytesOut int64 // response bodies
}

func newCounter() *Counter { return &Counter{ops: map[string]*OpCount{}} }

func (c *Counter) add(op string, calls, in, out int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.ops[op]
	if o == nil {
		o = &OpCount{}
		c.ops[op] = o
	}
	o.Calls += calls
	o.BytesIn += in
	o.BytesOut += out
}

// Snapshot returns a copy of the counts.
func (c *Counter) Snapshot() map[string]OpCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]OpCount, len(c.ops))
	for k, v := range c.ops {
		out[k] = *v
	}
	return out
}

// diffCounts returns b - a per operation, dropping zero rows.
func diffCounts(a, b map[string]OpCount) map[string]OpCount {
	out := map[string]OpCount{}
	for k, v := range b {
		d := OpCount{Calls: v.Calls - a[k].Calls, BytesIn: v.BytesIn - a[k].BytesIn, BytesOut: v.BytesOut - a[k].BytesOut}
		if d != (OpCount{}) {
			out[k] = d
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// countingBody counts bytes read through it.
type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

// countingWriter counts bytes written through it and keeps the status.
type countingWriter struct {
	http.ResponseWriter
	n      int64
	status int
}

func (w *countingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

func (w *countingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// PlatformMeter is a reverse proxy in front of the platform emulator that
// counts every call and its bytes by operation, so "document bytes read"
// comes from what the functions actually fetched.
//
// It also keeps, per instance, the idempotency keys of the messages the
// correspondence service accepted, so the benchmark can tell who has been
// told and who has their receipt without listing the emulator's messages
// (which holds the emulator's lock while it copies every message).
type PlatformMeter struct {
	upstream atomic.Pointer[httputil.ReverseProxy]
	Counts   *Counter

	mu   sync.Mutex
	sent map[string]map[string]bool // instance GUID → idempotency keys
}

// NewPlatformMeter returns a meter without upstream; SetUpstream before use.
func NewPlatformMeter() *PlatformMeter {
	return &PlatformMeter{Counts: newCounter(), sent: map[string]map[string]bool{}}
}

// Sent returns, per instance GUID, how many distinct call-to-action
// messages and receipts (idempotency key "receipt:…") were accepted.
func (m *PlatformMeter) Sent() (calls, receipts map[string]int) {
	calls, receipts = map[string]int{}, map[string]int{}
	m.mu.Lock()
	defer m.mu.Unlock()
	for guid, keys := range m.sent {
		for k := range keys {
			if strings.HasPrefix(k, "receipt:") {
				receipts[guid]++
			} else {
				calls[guid]++
			}
		}
	}
	return calls, receipts
}

// SetUpstream points the meter at the emulator's base URL.
func (m *PlatformMeter) SetUpstream(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	m.upstream.Store(httputil.NewSingleHostReverseProxy(u))
	return nil
}

func (m *PlatformMeter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := m.upstream.Load()
	if p == nil {
		http.Error(w, "bench: platform meter has no upstream yet", http.StatusServiceUnavailable)
		return
	}
	op := platformOp(r.Method, r.URL.Path)
	var sentTo, key string
	if op == "correspondence.send" && r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err == nil {
			var in struct {
				Correspondence struct {
					SendersReference string            `json:"sendersReference"`
					PropertyList     map[string]string `json:"propertyList"`
				} `json:"correspondence"`
			}
			_ = json.Unmarshal(b, &in)
			sentTo = in.Correspondence.SendersReference[strings.LastIndexByte(in.Correspondence.SendersReference, '/')+1:]
			key = in.Correspondence.PropertyList[wire.PropertyIdempotencyKey]
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
	}
	body := &countingBody{ReadCloser: r.Body}
	if r.Body != nil {
		r.Body = body
	}
	cw := &countingWriter{ResponseWriter: w}
	p.ServeHTTP(cw, r)
	m.Counts.add(op, 1, body.n, cw.n)
	if sentTo != "" && key != "" && cw.status/100 == 2 {
		m.mu.Lock()
		if m.sent[sentTo] == nil {
			m.sent[sentTo] = map[string]bool{}
		}
		m.sent[sentTo][key] = true
		m.mu.Unlock()
	}
}

// Platform operation names, as the emulator names them.
const (
	opReadData    = "storage.readData"
	opGetInstance = "storage.getInstance"
	opCreateData  = "storage.createData"
)

// platformOp names the platform operation of a request.
func platformOp(method, path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	has := func(s string) bool {
		for _, p := range parts {
			if p == s {
				return true
			}
		}
		return false
	}
	switch {
	case strings.HasPrefix(path, "/storage/") && has("sign"):
		return "storage.sign"
	case strings.HasPrefix(path, "/storage/") && has("dataelements"):
		return "storage.listData"
	case strings.HasPrefix(path, "/storage/") && has("applications"):
		if has("texts") {
			return "storage.getTexts"
		}
		return "storage.getApplication"
	case strings.HasPrefix(path, "/storage/") && has("data"):
		if method == http.MethodGet {
			return opReadData
		}
		return opCreateData
	case strings.HasPrefix(path, "/storage/"):
		return opGetInstance
	case strings.Contains(path, "delegationrevoke"):
		return "access.revoke"
	case strings.HasPrefix(path, "/accessmanagement/"):
		return "access.delegate"
	case strings.HasPrefix(path, "/correspondence/") && has("upload"):
		return "correspondence.uploadAttachment"
	case strings.HasPrefix(path, "/correspondence/") && has("attachment") && method == http.MethodPost:
		return "correspondence.initializeAttachment"
	case strings.HasPrefix(path, "/correspondence/") && has("attachment"):
		return "correspondence.getAttachment"
	case strings.HasPrefix(path, "/correspondence/") && method == http.MethodGet:
		return "correspondence.find"
	case strings.HasPrefix(path, "/correspondence/"):
		return "correspondence.send"
	case strings.HasPrefix(path, "/notifications/"):
		return "notifications.order"
	case strings.HasPrefix(path, "/authorization/"):
		return "authorization.decide"
	case strings.HasPrefix(path, "/register/") && has("lookup"):
		return "register.lookup"
	case strings.HasPrefix(path, "/register/"):
		return "register.getParty"
	}
	return "other"
}

// DynamoMeter is a reverse proxy between the edge and DynamoDB Local. It
// counts requests by operation, and, while capacity metering is on,
// estimates the capacity units on-demand billing would charge: reads from
// the sizes of the items returned (4 KB units, halved for eventually
// consistent reads), writes from the item's size before and after (1 KB
// units, doubled in a transaction, plus index writes), as
// dynamotest.Meter does. Its own sizing reads go to DynamoDB Local
// directly and are not counted.
type DynamoMeter struct {
	upstream *url.URL
	proxy    *httputil.ReverseProxy
	client   *http.Client
	Counts   *Counter
	metering atomic.Bool

	mu  sync.Mutex
	cap Capacity
	// canceled counts cancelled transactions by their reason codes.
	canceled map[string]int
}

// Canceled returns the cancelled transactions so far by their reason
// codes, one per item in order (e.g. "None, None, ConditionalCheckFailed").
func (m *DynamoMeter) Canceled() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.canceled)
}

// noteCanceled records a TransactionCanceledException's reason codes.
func (m *DynamoMeter) noteCanceled(body []byte) {
	var e struct {
		Type    string `json:"__type"`
		Reasons []struct {
			Code string `json:"Code"`
		} `json:"CancellationReasons"`
	}
	if json.Unmarshal(body, &e) != nil || !strings.HasSuffix(e.Type, "TransactionCanceledException") {
		return
	}
	codes := make([]string, len(e.Reasons))
	for i, r := range e.Reasons {
		codes[i] = r.Code
	}
	key := strings.Join(codes, ", ")
	if key == "" {
		key = "(no reasons)"
	}
	m.mu.Lock()
	if m.canceled == nil {
		m.canceled = map[string]int{}
	}
	m.canceled[key]++
	m.mu.Unlock()
}

// Capacity is estimated on-demand capacity.
type Capacity struct {
	RRU, WRU float64
	// FailedWrites are conditional writes (or transactions) that were refused.
	FailedWrites int64
}

// NewDynamoMeter proxies to DynamoDB Local at base.
func NewDynamoMeter(base string) (*DynamoMeter, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	return &DynamoMeter{
		upstream: u, proxy: httputil.NewSingleHostReverseProxy(u), Counts: newCounter(),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	}, nil
}

// SetMetering turns capacity estimation on or off.
func (m *DynamoMeter) SetMetering(on bool) { m.metering.Store(on) }

// Capacity returns the capacity estimated so far.
func (m *DynamoMeter) Capacity() Capacity {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cap
}

type writeTarget struct {
	table  string
	key    json.RawMessage
	factor float64
	before map[string]map[string]json.RawMessage
}

func (m *DynamoMeter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.Header.Get("X-Amz-Target")
	if _, after, ok := strings.Cut(op, "."); ok {
		op = after
	}
	if !m.metering.Load() {
		body := &countingBody{ReadCloser: r.Body}
		r.Body = body
		if op == "TransactWriteItems" {
			rec := &recordingWriter{ResponseWriter: w}
			m.proxy.ServeHTTP(rec, r)
			m.Counts.add(op, 1, body.n, int64(rec.buf.Len()))
			if rec.status == http.StatusBadRequest {
				m.noteCanceled(rec.buf.Bytes())
			}
			return
		}
		cw := &countingWriter{ResponseWriter: w}
		m.proxy.ServeHTTP(cw, r)
		m.Counts.add(op, 1, body.n, cw.n)
		return
	}
	reqBody, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	auth := r.Header.Get("Authorization")
	targets := m.writeTargets(r.Context(), op, reqBody, auth)
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	r.ContentLength = int64(len(reqBody))
	rec := &recordingWriter{ResponseWriter: w}
	m.proxy.ServeHTTP(rec, r)
	m.Counts.add(op, 1, int64(len(reqBody)), int64(rec.buf.Len()))

	ok := rec.status == 0 || rec.status == http.StatusOK
	if op == "TransactWriteItems" && rec.status == http.StatusBadRequest {
		m.noteCanceled(rec.buf.Bytes())
	}
	var rru, wru float64
	var failed int64
	switch op {
	case "GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems":
		if ok {
			rru = readUnits(op, reqBody, rec.buf.Bytes())
		}
	}
	for _, t := range targets {
		if !ok {
			// A refused conditional write is billed for the item it read.
			failed++
			wru += t.factor * math.Max(1, math.Ceil(float64(wireItemSize(t.before))/1024))
			continue
		}
		after := m.peek(r.Context(), t.table, t.key, auth)
		wru += writeUnits(t.before, after, t.factor)
	}
	m.mu.Lock()
	m.cap.RRU += rru
	m.cap.WRU += wru
	m.cap.FailedWrites += failed
	m.mu.Unlock()
}

// recordingWriter keeps the response body and status.
type recordingWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (w *recordingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	return w.ResponseWriter.Write(p)
}

// writeTargets lists the items a write request touches, with their state before.
func (m *DynamoMeter) writeTargets(ctx context.Context, op string, body []byte, auth string) []writeTarget {
	type keyed struct {
		TableName string                     `json:"TableName"`
		Key       json.RawMessage            `json:"Key"`
		Item      map[string]json.RawMessage `json:"Item"`
	}
	var out []writeTarget
	addItem := func(k keyed, factor float64) {
		key := k.Key
		if len(key) == 0 && k.Item != nil {
			key, _ = json.Marshal(map[string]json.RawMessage{dynamo.AttrPK: k.Item[dynamo.AttrPK], dynamo.AttrSK: k.Item[dynamo.AttrSK]})
		}
		if len(key) == 0 {
			return
		}
		out = append(out, writeTarget{table: k.TableName, key: key, factor: factor})
	}
	switch op {
	case "PutItem", "UpdateItem", "DeleteItem":
		var k keyed
		if json.Unmarshal(body, &k) == nil {
			addItem(k, 1)
		}
	case "TransactWriteItems":
		var in struct {
			TransactItems []struct {
				Put, Update, Delete, ConditionCheck *keyed
			}
		}
		if json.Unmarshal(body, &in) == nil {
			for _, it := range in.TransactItems {
				for _, k := range []*keyed{it.Put, it.Update, it.Delete, it.ConditionCheck} {
					if k != nil {
						addItem(*k, 2)
					}
				}
			}
		}
	case "BatchWriteItem":
		var in struct {
			RequestItems map[string][]struct {
				PutRequest    *keyed
				DeleteRequest *keyed
			}
		}
		if json.Unmarshal(body, &in) == nil {
			for table, reqs := range in.RequestItems {
				for _, rq := range reqs {
					for _, k := range []*keyed{rq.PutRequest, rq.DeleteRequest} {
						if k != nil {
							k.TableName = table
							addItem(*k, 1)
						}
					}
				}
			}
		}
	}
	for i := range out {
		out[i].before = m.peek(ctx, out[i].table, out[i].key, auth)
	}
	return out
}

// peek reads an item from DynamoDB Local directly (strongly consistent).
func (m *DynamoMeter) peek(ctx context.Context, table string, key json.RawMessage, auth string) map[string]map[string]json.RawMessage {
	body, _ := json.Marshal(map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, m.upstream.String(), bytes.NewReader(body))
	if err != nil {
		return nil
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	req.Header.Set("Authorization", auth)
	resp, err := m.client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var out struct {
		Item map[string]map[string]json.RawMessage `json:"Item"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
		return nil
	}
	return out.Item
}

// readUnits estimates the read request units of a successful read.
func readUnits(op string, req, resp []byte) float64 {
	factorOf := func(consistent bool) float64 {
		if consistent {
			return 1
		}
		return 0.5
	}
	switch op {
	case "GetItem":
		var in struct{ ConsistentRead bool }
		var out struct {
			Item map[string]map[string]json.RawMessage
		}
		_ = json.Unmarshal(req, &in)
		_ = json.Unmarshal(resp, &out)
		return factorOf(in.ConsistentRead) * math.Max(1, math.Ceil(float64(wireItemSize(out.Item))/4096))
	case "Query", "Scan":
		var in struct{ ConsistentRead bool }
		var out struct {
			Items []map[string]map[string]json.RawMessage
		}
		_ = json.Unmarshal(req, &in)
		_ = json.Unmarshal(resp, &out)
		total := 0
		for _, it := range out.Items {
			total += wireItemSize(it)
		}
		return factorOf(in.ConsistentRead) * math.Max(1, math.Ceil(float64(total)/4096))
	case "BatchGetItem", "TransactGetItems":
		var in struct {
			RequestItems map[string]struct{ ConsistentRead bool }
		}
		var out struct {
			Responses map[string][]map[string]map[string]json.RawMessage
		}
		_ = json.Unmarshal(req, &in)
		_ = json.Unmarshal(resp, &out)
		units := 0.0
		for table, items := range out.Responses {
			f := factorOf(in.RequestItems[table].ConsistentRead)
			if op == "TransactGetItems" {
				f = 2
			}
			for _, it := range items {
				units += f * math.Max(1, math.Ceil(float64(wireItemSize(it))/4096))
			}
		}
		return units
	}
	return 0
}

// writeUnits are the write request units of one item write (as
// dynamotest.Meter counts them, with the table's index keys).
func writeUnits(before, after map[string]map[string]json.RawMessage, factor float64) float64 {
	return dynamolocal.WriteUnits(fromWire(before), fromWire(after), []string{dynamo.AttrGSI1PK, dynamo.AttrGSI1SK}, factor)
}

// wireItemSize is an item's size as DynamoDB counts it (dynamolocal.ItemSize),
// from the item in DynamoDB's JSON wire format.
func wireItemSize(item map[string]map[string]json.RawMessage) int {
	return dynamolocal.ItemSize(fromWire(item))
}

// fromWire decodes an item from DynamoDB's JSON wire format; what it
// cannot read is left out.
func fromWire(item map[string]map[string]json.RawMessage) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(item))
	for name, v := range item {
		if av := wireValue(v); av != nil {
			out[name] = av
		}
	}
	return out
}

func wireValue(v map[string]json.RawMessage) types.AttributeValue {
	bytesOf := func(s string) []byte { b, _ := base64.StdEncoding.DecodeString(s); return b }
	for typ, raw := range v {
		var s string
		var ss []string
		switch typ {
		case "S":
			_ = json.Unmarshal(raw, &s)
			return &types.AttributeValueMemberS{Value: s}
		case "N":
			_ = json.Unmarshal(raw, &s)
			return &types.AttributeValueMemberN{Value: s}
		case "B":
			_ = json.Unmarshal(raw, &s)
			return &types.AttributeValueMemberB{Value: bytesOf(s)}
		case "BOOL":
			var b bool
			_ = json.Unmarshal(raw, &b)
			return &types.AttributeValueMemberBOOL{Value: b}
		case "NULL":
			return &types.AttributeValueMemberNULL{Value: true}
		case "SS":
			_ = json.Unmarshal(raw, &ss)
			return &types.AttributeValueMemberSS{Value: ss}
		case "NS":
			_ = json.Unmarshal(raw, &ss)
			return &types.AttributeValueMemberNS{Value: ss}
		case "BS":
			_ = json.Unmarshal(raw, &ss)
			bs := make([][]byte, len(ss))
			for i, e := range ss {
				bs[i] = bytesOf(e)
			}
			return &types.AttributeValueMemberBS{Value: bs}
		case "L":
			var l []map[string]json.RawMessage
			_ = json.Unmarshal(raw, &l)
			list := make([]types.AttributeValue, 0, len(l))
			for _, e := range l {
				if av := wireValue(e); av != nil {
					list = append(list, av)
				}
			}
			return &types.AttributeValueMemberL{Value: list}
		case "M":
			var m map[string]map[string]json.RawMessage
			_ = json.Unmarshal(raw, &m)
			return &types.AttributeValueMemberM{Value: fromWire(m)}
		}
	}
	return nil
}

package platform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
)

// The contract examples under testdata/contracts (README.md there) pin
// each platform call as upstream answers it. TestContractExamples_emulator
// sends every example's request to the emulator and compares the answer;
// TestContractExamples_client checks every client call's requests against
// the examples and serves their answers. One set of examples for the
// double and the client alike (STYLE.md 18).

const contractDir = "testdata/contracts"

// contractExample is one example file.
type contractExample struct {
	Description         string               `json:"description"`
	Upstream            []contractSource     `json:"upstream"`
	After               []string             `json:"after,omitempty"`
	Request             contractRequest      `json:"request"`
	Response            contractResponse     `json:"response"`
	EmulatorDivergences []contractDivergence `json:"emulatorDivergences,omitempty"`
}

// contractSource names the upstream file a fact comes from.
type contractSource struct {
	Repository string `json:"repository"`
	Commit     string `json:"commit"`
	File       string `json:"file"`
	Fact       string `json:"fact"`
}

type contractRequest struct {
	Method   string            `json:"method"`
	Path     string            `json:"path"`
	Query    map[string]string `json:"query,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     json.RawMessage   `json:"body,omitempty"`
	BodyText *string           `json:"bodyText,omitempty"`
}

type contractResponse struct {
	Status   int               `json:"status"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     json.RawMessage   `json:"body,omitempty"`
	BodyText *string           `json:"bodyText,omitempty"`
}

// contractDivergence is a member of the answer the emulator is known not to
// answer as upstream does.
type contractDivergence struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Fixture values the examples use (emulator/fixtures/founders.json).
const (
	contractKariSSN         = "15838523428"
	contractOlaSSN          = "02919043558"
	contractUnknownSSN      = "15838500274"
	contractKariUUID        = "0b6c1f2e-3d4a-4b5c-8d6e-000000050001"
	contractOlaUUID         = "0b6c1f2e-3d4a-4b5c-8d6e-000000050002"
	contractOrgNumber       = "312847612"
	contractPDFID           = "8a2f4c6e-1b3d-4f5a-9c7e-0d2b4f6a8c11"
	contractResource        = "ttd-founders-correspondence"
	contractMessageKey      = "contract-example/notify/1"
	contractSubscriptionKey = "contract-subscription-key"
)

var contractRef = signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001, InstanceGUID: "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"}

// loadContractExamples reads every example, keyed "service/name".
func loadContractExamples(t *testing.T) map[string]*contractExample {
	t.Helper()
	services, err := os.ReadDir(contractDir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*contractExample{}
	for _, s := range services {
		if !s.IsDir() {
			continue
		}
		files, err := filepath.Glob(filepath.Join(contractDir, s.Name(), "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var x contractExample
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&x); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out[s.Name()+"/"+strings.TrimSuffix(filepath.Base(f), ".json")] = &x
		}
	}
	if len(out) == 0 {
		t.Fatalf("no examples under %s", contractDir)
	}
	return out
}

// contractKeys returns the example keys in order.
func contractKeys(m map[string]*contractExample) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestContractExamples_wellFormed checks what every example must say: where
// its facts come from, a request and an answer, and cases to run first that
// exist.
func TestContractExamples_wellFormed(t *testing.T) {
	t.Parallel()
	examples := loadContractExamples(t)
	for _, key := range contractKeys(examples) {
		x := examples[key]
		service, _, _ := strings.Cut(key, "/")
		var problems []string
		if strings.TrimSpace(x.Description) == "" {
			problems = append(problems, "no description")
		}
		if len(x.Upstream) == 0 {
			problems = append(problems, "cites no upstream file")
		}
		for i, s := range x.Upstream {
			if !strings.HasPrefix(s.Repository, "Altinn/") || s.Commit == "" || s.File == "" || s.Fact == "" {
				problems = append(problems, fmt.Sprintf("upstream[%d] needs repository Altinn/…, commit, file and fact", i))
			}
		}
		if x.Request.Method == "" || !strings.HasPrefix(x.Request.Path, "/") || x.Response.Status == 0 {
			problems = append(problems, "needs request.method, request.path and response.status")
		}
		if x.Request.Body != nil && x.Request.BodyText != nil || x.Response.Body != nil && x.Response.BodyText != nil {
			problems = append(problems, "body and bodyText are exclusive")
		}
		for _, a := range x.After {
			if examples[service+"/"+a] == nil {
				problems = append(problems, fmt.Sprintf("after names %q, which is not in %s", a, service))
			}
		}
		for _, d := range x.EmulatorDivergences {
			if !strings.HasPrefix(d.Path, "body.") || d.Reason == "" {
				problems = append(problems, fmt.Sprintf("emulatorDivergences %q needs a body.… path and a reason", d.Path))
			}
		}
		for _, p := range problems {
			t.Errorf("%s: %s", key, p)
		}
	}
}

// contractVars are the values placeholders match and produce; safe for
// the stub server's goroutines.
type contractVars struct {
	mu    sync.Mutex
	m     map[string]string
	fresh int
}

// newContractVars binds the tokens and keys every run starts with.
func newContractVars(t *testing.T) *contractVars {
	t.Helper()
	platformToken, err := emulator.DevPlatformTokens().Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ownerToken, err := emulator.DevServiceOwnerTokens().Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	v := &contractVars{m: map[string]string{
		"service-owner-token":   ownerToken,
		"platform-access-token": platformToken,
		"subscription-key":      contractSubscriptionKey,
		"idempotency-key":       contractMessageKey,
		"idempotentKey":         platform.IdempotentKey(contractMessageKey),
	}}
	for _, p := range emulator.Founders().Persons {
		tok, err := emulator.PersonToken(p)
		if err != nil {
			t.Fatal(err)
		}
		v.m["user-token:"+strconv.FormatInt(p.UserID, 10)] = tok
	}
	tok, err := emulator.DevUserToken(map[string]any{emulator.ClaimPartyID: "50001", emulator.ClaimAuthLevel: "3"})
	if err != nil {
		t.Fatal(err)
	}
	v.m["user-token:no-user-id"] = tok
	return v
}

func (v *contractVars) get(name string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.m[name]
}

var (
	contractPlaceholder = regexp.MustCompile(`<([a-z][a-z0-9-]*)(?::([^<>]*))?>`)
	contractGUIDExpr    = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`
	contractJWT         = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)
	contractTimeExpr    = `\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})`
)

const (
	contractAbsent = "<absent>"
	contractAny    = "<any>"
	contractTime   = "2025-03-03T10:00:00Z"
)

// match checks got against pattern and binds what unbound <guid:name>
// placeholders capture.
func (v *contractVars) match(pattern, got string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	var expr strings.Builder
	var binds []string
	last := 0
	for _, m := range contractPlaceholder.FindAllStringSubmatchIndex(pattern, -1) {
		expr.WriteString(regexp.QuoteMeta(pattern[last:m[0]]))
		last = m[1]
		kind, arg, hasArg := pattern[m[2]:m[3]], "", m[4] >= 0
		if hasArg {
			arg = pattern[m[4]:m[5]]
		}
		switch kind {
		case "guid":
			if bound, ok := v.m[arg]; hasArg && ok {
				expr.WriteString("(?i:" + regexp.QuoteMeta(bound) + ")")
				continue
			}
			expr.WriteString("(" + contractGUIDExpr + ")")
			binds = append(binds, arg)
		case "time":
			expr.WriteString("(" + contractTimeExpr + ")")
			binds = append(binds, "")
		case "any":
			expr.WriteString("((?s:.*))")
			binds = append(binds, "")
		case "oneof":
			alts := strings.Split(arg, "|")
			for i := range alts {
				alts[i] = regexp.QuoteMeta(alts[i])
			}
			expr.WriteString("(" + strings.Join(alts, "|") + ")")
			binds = append(binds, "")
		case "absent":
			return errors.New("<absent> stands for a missing member or header, not for a value")
		default:
			name := kind
			if hasArg {
				name += ":" + arg
			}
			bound, ok := v.m[name]
			if !ok {
				return fmt.Errorf("variable %q is not bound", name)
			}
			expr.WriteString(regexp.QuoteMeta(bound))
		}
	}
	expr.WriteString(regexp.QuoteMeta(pattern[last:]))
	re, err := regexp.Compile("^(?:" + expr.String() + ")$")
	if err != nil {
		return fmt.Errorf("pattern %q: %w", pattern, err)
	}
	sub := re.FindStringSubmatch(got)
	if sub == nil {
		return fmt.Errorf("%q does not match %q", contractJWT.ReplaceAllString(got, "<a JWT>"), pattern)
	}
	for i, name := range binds {
		if name != "" {
			v.m[name] = strings.ToLower(sub[i+1])
		}
	}
	return nil
}

// produce replaces the placeholders of pattern with values, binding new
// GUIDs to unbound <guid:name> placeholders.
func (v *contractVars) produce(pattern string) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out strings.Builder
	last := 0
	for _, m := range contractPlaceholder.FindAllStringSubmatchIndex(pattern, -1) {
		out.WriteString(pattern[last:m[0]])
		last = m[1]
		kind, arg, hasArg := pattern[m[2]:m[3]], "", m[4] >= 0
		if hasArg {
			arg = pattern[m[4]:m[5]]
		}
		switch kind {
		case "guid":
			bound, ok := v.m[arg]
			if !hasArg || !ok {
				v.fresh++
				bound = fmt.Sprintf("c0a7c0de-0000-4000-8000-%012x", v.fresh)
				if hasArg {
					v.m[arg] = bound
				}
			}
			out.WriteString(bound)
		case "time":
			out.WriteString(contractTime)
		case "any":
			out.WriteString("any")
		case "oneof":
			first, _, _ := strings.Cut(arg, "|")
			out.WriteString(first)
		case "absent":
			return "", errors.New("<absent> cannot be produced")
		default:
			name := kind
			if hasArg {
				name += ":" + arg
			}
			bound, ok := v.m[name]
			if !ok {
				return "", fmt.Errorf("variable %q is not bound", name)
			}
			out.WriteString(bound)
		}
	}
	out.WriteString(pattern[last:])
	return out.String(), nil
}

// decodeContractJSON decodes one JSON value, numbers kept as json.Number.
func decodeContractJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// matchJSON compares got with the members want pins and returns every mismatch.
func (v *contractVars) matchJSON(path string, want, got any) []string {
	switch w := want.(type) {
	case string:
		if w == contractAny {
			return nil
		}
		g, ok := got.(string)
		if !ok {
			return []string{fmt.Sprintf("%s = %s, want a string matching %q", path, contractJSONText(got), w)}
		}
		if err := v.match(w, g); err != nil {
			return []string{fmt.Sprintf("%s: %v", path, err)}
		}
		return nil
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s = %s, want an object", path, contractJSONText(got))}
		}
		var out []string
		for _, k := range slices.Sorted(maps.Keys(w)) {
			gv, present := g[k]
			switch {
			case w[k] == contractAbsent && present:
				out = append(out, fmt.Sprintf("%s.%s = %s, want it absent", path, k, contractJSONText(gv)))
			case w[k] == contractAbsent:
			case !present:
				out = append(out, fmt.Sprintf("%s.%s is missing, want %s", path, k, contractJSONText(w[k])))
			default:
				out = append(out, v.matchJSON(path+"."+k, w[k], gv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s = %s, want an array of %d", path, contractJSONText(got), len(w))}
		}
		var out []string
		for i := range w {
			out = append(out, v.matchJSON(path+"."+strconv.Itoa(i), w[i], g[i])...)
		}
		return out
	default:
		if !reflect.DeepEqual(want, got) {
			return []string{fmt.Sprintf("%s = %s, want %s", path, contractJSONText(got), contractJSONText(want))}
		}
		return nil
	}
}

func contractJSONText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// produceJSON builds a concrete value from want: members <absent> left out.
func (v *contractVars) produceJSON(want any) (any, error) {
	switch w := want.(type) {
	case string:
		if w == contractAny {
			return nil, errors.New("<any> cannot be produced in a body")
		}
		return v.produce(w)
	case map[string]any:
		out := map[string]any{}
		for k, wv := range w {
			if wv == contractAbsent {
				continue
			}
			pv, err := v.produceJSON(wv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = pv
		}
		return out, nil
	case []any:
		out := make([]any, len(w))
		for i, wv := range w {
			pv, err := v.produceJSON(wv)
			if err != nil {
				return nil, err
			}
			out[i] = pv
		}
		return out, nil
	default:
		return want, nil
	}
}

// produceBody returns the bytes of an example body (JSON or text).
func (v *contractVars) produceBody(body json.RawMessage, text *string) ([]byte, error) {
	switch {
	case text != nil:
		return []byte(*text), nil
	case body == nil:
		return nil, nil
	}
	want, err := decodeContractJSON(body)
	if err != nil {
		return nil, err
	}
	val, err := v.produceJSON(want)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(val); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// matchHeaders compares the pinned headers; Content-Type by media type.
func (v *contractVars) matchHeaders(want map[string]string, got http.Header) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(want)) {
		pattern := want[name]
		values := got.Values(name)
		switch {
		case pattern == contractAbsent && len(values) > 0:
			out = append(out, fmt.Sprintf("header %s is sent, want it absent", name))
			continue
		case pattern == contractAbsent:
			continue
		case len(values) != 1:
			out = append(out, fmt.Sprintf("header %s has %d values, want one matching %q", name, len(values), pattern))
			continue
		}
		value := values[0]
		if http.CanonicalHeaderKey(name) == "Content-Type" {
			mt, _, err := mime.ParseMediaType(value)
			if err != nil {
				out = append(out, fmt.Sprintf("header Content-Type %q is not a media type", value))
				continue
			}
			value = mt
		}
		if err := v.match(pattern, value); err != nil {
			out = append(out, fmt.Sprintf("header %s: %v", name, err))
		}
	}
	return out
}

// matchBody compares a body with the example's, skipping the divergences
// (each of which must still diverge).
func (v *contractVars) matchBody(wantJSON json.RawMessage, wantText *string, got []byte, divergences []contractDivergence) []string {
	switch {
	case wantText != nil:
		if string(got) != *wantText {
			return []string{fmt.Sprintf("body = %q, want %q", got, *wantText)}
		}
		return nil
	case wantJSON == nil:
		return nil
	}
	want, err := decodeContractJSON(wantJSON)
	if err != nil {
		return []string{fmt.Sprintf("example body: %v", err)}
	}
	have, err := decodeContractJSON(got)
	if err != nil {
		return []string{fmt.Sprintf("body %q is not JSON: %v", got, err)}
	}
	var out []string
	for _, d := range divergences {
		segs := strings.Split(strings.TrimPrefix(d.Path, "body."), ".")
		sub, ok := contractCut(want, segs)
		if !ok {
			out = append(out, fmt.Sprintf("divergence %s: the example has no such member", d.Path))
			continue
		}
		if gotSub, present := contractLookup(have, segs); present && len(v.matchJSON(d.Path, sub, gotSub)) == 0 {
			out = append(out, fmt.Sprintf("%s now matches upstream; remove it from emulatorDivergences", d.Path))
		}
	}
	return append(out, v.matchJSON("body", want, have)...)
}

// contractCut removes the member at segs from want (an array element becomes
// <any>) and returns it.
func contractCut(want any, segs []string) (any, bool) {
	cur := want
	for i, s := range segs {
		last := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[s]
			if !ok {
				return nil, false
			}
			if last {
				delete(c, s)
				return next, true
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n >= len(c) {
				return nil, false
			}
			if last {
				next := c[n]
				c[n] = contractAny
				return next, true
			}
			cur = c[n]
		default:
			return nil, false
		}
	}
	return nil, false
}

// contractLookup returns the member at segs.
func contractLookup(v any, segs []string) (any, bool) {
	for _, s := range segs {
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[s]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n >= len(c) {
				return nil, false
			}
			v = c[n]
		default:
			return nil, false
		}
	}
	return v, true
}

// TestContractExamples_emulator sends every example's request (after the
// cases it names in "after") to a fresh emulator and compares the answer.
func TestContractExamples_emulator(t *testing.T) {
	t.Parallel()
	examples := loadContractExamples(t)
	for _, key := range contractKeys(examples) {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			h := emulator.New(emulator.Founders()).Handler()
			vars := newContractVars(t)
			service, _, _ := strings.Cut(key, "/")
			for _, a := range examples[key].After {
				for _, p := range contractEmulatorExchange(t, h, vars, examples[service+"/"+a]) {
					t.Errorf("after %s: %s", a, p)
				}
			}
			for _, p := range contractEmulatorExchange(t, h, vars, examples[key]) {
				t.Error(p)
			}
		})
	}
}

// contractEmulatorExchange sends x's request to h and returns how the answer differs from x's.
func contractEmulatorExchange(t *testing.T, h http.Handler, vars *contractVars, x *contractExample) []string {
	t.Helper()
	path, err := vars.produce(x.Request.Path)
	if err != nil {
		t.Fatalf("request path: %v", err)
	}
	q := url.Values{}
	for k, pattern := range x.Request.Query {
		val, err := vars.produce(pattern)
		if err != nil {
			t.Fatalf("query %s: %v", k, err)
		}
		q.Set(k, val)
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	body, err := vars.produceBody(x.Request.Body, x.Request.BodyText)
	if err != nil {
		t.Fatalf("request body: %v", err)
	}
	r := httptest.NewRequestWithContext(t.Context(), x.Request.Method, path, bytes.NewReader(body))
	for k, pattern := range x.Request.Headers {
		if pattern == contractAbsent {
			continue
		}
		val, err := vars.produce(pattern)
		if err != nil {
			t.Fatalf("header %s: %v", k, err)
		}
		r.Header.Set(k, val)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != x.Response.Status {
		return []string{fmt.Sprintf("%s %s: status %d, want %d (body %s)", x.Request.Method, x.Request.Path, w.Code, x.Response.Status, w.Body.Bytes())}
	}
	problems := vars.matchHeaders(x.Response.Headers, w.Result().Header)
	return append(problems, vars.matchBody(x.Response.Body, x.Response.BodyText, w.Body.Bytes(), x.EmulatorDivergences)...)
}

// contractRun is one client call served the examples named in cases, in
// order; covers are examples it accounts for without serving them (the
// client refuses to send them).
type contractRun struct {
	name   string
	cases  []string
	covers []string
	call   func(ctx context.Context, c platform.Clients, v *contractVars) error
}

// contractRuns drives every client operation the examples describe.
func contractRuns(t *testing.T) []contractRun {
	t.Helper()
	kari := mustContractID(t, contractKariSSN)
	ola := mustContractID(t, contractOlaSSN)
	unknown := mustContractID(t, contractUnknownSSN)
	org, err := ident.ParseOrgNumber(contractOrgNumber)
	if err != nil {
		t.Fatal(err)
	}
	kariSigns := signing.StorageSign{SignatureDataType: "signatures", TaskID: "SigningTask", DataElementIDs: []string{contractPDFID}, UserID: "1001", Person: kari}
	delegation := func(from, to string, actions ...string) signing.Delegation {
		return signing.Delegation{Instance: contractRef, TaskID: "SigningTask", FromPartyUUID: from, ToPartyUUID: to, Actions: actions}
	}
	message := signing.Message{
		IdempotencyKey: contractMessageKey, Resource: contractResource, SendersReference: "50001/" + contractRef.InstanceGUID,
		Recipient: signing.Recipient{Person: ola}, Language: "nb",
		Title: "Du er bedt om å signere", Summary: "Stiftelsesdokumenter", Body: "Logg inn i Altinn for å signere stiftelsesdokumentene.",
		Attachments: []signing.Attachment{{DataElementID: contractPDFID, Filename: "Stiftelsesdokumenter.pdf", ContentType: "application/pdf",
			Body: []byte("%PDF-1.7 stiftelsesdokumenter")}},
	}
	return []contractRun{
		{name: "storage_get_instance", cases: []string{"storage/get_instance"}, call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
			in, err := c.Storage.GetInstance(ctx, contractRef)
			if err != nil {
				return err
			}
			if in.OwnerPerson.Digits() != contractKariSSN || in.OwnerOrgNumber != "" || in.CurrentTask != "SigningTask" ||
				len(in.Data) != 2 || in.Data[1].ID != contractPDFID || in.Data[1].GeneratedFromTask != "Task_1" {
				return fmt.Errorf("GetInstance() = owner %s, task %q, %d elements; want Kari by person number, SigningTask, model and PDF",
					in.OwnerPerson.Masked(), in.CurrentTask, len(in.Data))
			}
			return nil
		}},
		{name: "storage_create_data_idempotent", cases: []string{"storage/list_dataelements", "storage/create_data"}, call: func(ctx context.Context, c platform.Clients, v *contractVars) error {
			el, err := c.Storage.CreateData(ctx, contractRef, signing.NewDataElement{
				DataType: "signing-step-pdf", ContentType: "application/pdf", Filename: "signing-step-pdf.pdf",
				GeneratedFromTask: "SigningTask", IdempotencyKey: "pdf/SigningTask", Body: []byte("%PDF-1.7 contract example"),
			})
			if err != nil {
				return err
			}
			if el.ID != v.get("dataElementId") || el.GeneratedFromTask != "SigningTask" || el.Size != 25 {
				return fmt.Errorf("CreateData() = %+v, want the served element", el)
			}
			return nil
		}},
		{name: "storage_sign", cases: []string{"storage/sign_created"}, call: func(ctx context.Context, c platform.Clients, v *contractVars) error {
			return c.Storage.Sign(ctx, v.get("user-token:1001"), contractRef, kariSigns)
		}},
		{name: "storage_sign_401", cases: []string{"storage/sign_unauthenticated_401"}, call: func(ctx context.Context, c platform.Clients, v *contractVars) error {
			return wantContractError(c.Storage.Sign(ctx, v.get("user-token:no-user-id"), contractRef, kariSigns), signing.ErrUnauthenticated, 401, "")
		}},
		{name: "storage_sign_403", cases: []string{"storage/sign_forbidden_403"}, call: func(ctx context.Context, c platform.Clients, v *contractVars) error {
			olaSigns := signing.StorageSign{SignatureDataType: "signatures", TaskID: "SigningTask", DataElementIDs: []string{contractPDFID}, UserID: "1002", Person: ola}
			return wantContractError(c.Storage.Sign(ctx, v.get("user-token:1002"), contractRef, olaSigns), signing.ErrForbidden, 403, "")
		}},
		{name: "storage_sign_405", cases: []string{"storage/sign_type_not_for_task_405"}, call: func(ctx context.Context, c platform.Clients, v *contractVars) error {
			s := kariSigns
			s.SignatureDataType = "model"
			return wantContractError(c.Storage.Sign(ctx, v.get("user-token:1001"), contractRef, s), nil, 405, "")
		}},
		{name: "storage_sign_404", cases: []string{"storage/sign_element_not_in_instance_404"}, call: func(ctx context.Context, c platform.Clients, v *contractVars) error {
			s := kariSigns
			s.DataElementIDs = []string{"00000000-0000-4000-8000-0000000000ff"}
			return wantContractError(c.Storage.Sign(ctx, v.get("user-token:1001"), contractRef, s), signing.ErrNotFound, 404, "")
		}},
		{
			// StorageClient.Sign requires the signee's user ID and never sends a
			// system user, so it cannot send this request: it refuses it.
			name: "storage_sign_no_user_refused_before_sending", covers: []string{"storage/sign_no_signee_user_400"},
			call: func(ctx context.Context, c platform.Clients, v *contractVars) error {
				s := kariSigns
				s.UserID = ""
				return wantContractError(c.Storage.Sign(ctx, v.get("user-token:1001"), contractRef, s), signing.ErrInvalid, 0, "")
			},
		},
		{name: "register_lookup_person", cases: []string{"register/lookup_ssn"}, call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
			p, err := c.Register.LookupPerson(ctx, kari)
			if err != nil {
				return err
			}
			if p.PartyID != 50001 || p.PartyUUID != contractKariUUID || p.Kind != signing.SigneePerson || p.LastName != "Nordmann" {
				return fmt.Errorf("LookupPerson() = %+v, want Kari's party", p)
			}
			return nil
		}},
		{name: "register_lookup_organisation", cases: []string{"register/lookup_org_no"}, call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
			p, err := c.Register.LookupOrganisation(ctx, org)
			if err != nil {
				return err
			}
			if p.PartyID != 50003 || p.Kind != signing.SigneeOrganisation || p.OrgNumber != contractOrgNumber || p.Name != "Eksempel Holding AS" {
				return fmt.Errorf("LookupOrganisation() = %+v, want the company's party", p)
			}
			return nil
		}},
		{name: "register_lookup_unknown", cases: []string{"register/lookup_unknown_404"}, call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
			_, err := c.Register.LookupPerson(ctx, unknown)
			if err != nil && strings.Contains(err.Error(), contractUnknownSSN) {
				return fmt.Errorf("the error repeats the national ID Register echoed: %v", err)
			}
			return wantContractError(err, signing.ErrNotFound, 404, "REG-00007")
		}},
		{
			// LookupPerson and LookupOrganisation send exactly one key
			// (wire.PartyLookup leaves the other out) and refuse a zero
			// identifier, so neither both keys nor none can be sent.
			name: "register_lookup_without_key_refused_before_sending", covers: []string{"register/lookup_both_400", "register/lookup_neither_400"},
			call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
				if _, err := c.Register.LookupOrganisation(ctx, ident.OrgNumber{}); err == nil || wantContractError(err, signing.ErrInvalid, 0, "") != nil {
					return fmt.Errorf("LookupOrganisation(zero): %w", wantContractError(err, signing.ErrInvalid, 0, ""))
				}
				_, err := c.Register.LookupPerson(ctx, ident.NationalID{})
				return wantContractError(err, signing.ErrInvalid, 0, "")
			},
		},
		{name: "register_get_party", cases: []string{"register/get_party_person"}, call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
			p, err := c.Register.GetParty(ctx, 50001)
			if err != nil {
				return err
			}
			if p.Person.Digits() != contractKariSSN || p.PartyUUID != contractKariUUID {
				return fmt.Errorf("GetParty() = party %d %s, want Kari with her national ID", p.PartyID, p.Person.Masked())
			}
			return nil
		}},
		{name: "authorization_key_roles", cases: []string{"authorization/key_role_permit"}, call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
			got, err := c.Authorization.KeyRoleOrganisations(ctx, "1001", []ident.OrgNumber{org})
			if err != nil {
				return err
			}
			if len(got) != 1 || got[0] != org {
				return fmt.Errorf("KeyRoleOrganisations() = %v, want [%s]", got, org)
			}
			return nil
		}},
		{name: "access_delegate", cases: []string{"accessmanagement/delegate"}, call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
			return c.Access.Delegate(ctx, delegation(contractKariUUID, contractOlaUUID, "read", "sign"))
		}},
		{name: "access_delegate_206", cases: []string{"accessmanagement/delegate_not_delegated_206"}, call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
			err := c.Access.Delegate(ctx, delegation(contractKariUUID, contractOlaUUID, "read", "sign", "write"))
			return wantContractError(err, signing.ErrForbidden, 206, "RightNotDelegated")
		}},
		{name: "access_delegate_400", cases: []string{"accessmanagement/delegate_invalid_party_400"}, call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
			err := c.Access.Delegate(ctx, delegation("00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", "read", "sign"))
			return wantContractError(err, signing.ErrInvalid, 400, "AM.VLD-00001")
		}},
		{name: "access_revoke", cases: []string{"accessmanagement/revoke"}, call: func(ctx context.Context, c platform.Clients, _ *contractVars) error {
			return c.Access.Revoke(ctx, delegation(contractKariUUID, contractOlaUUID, "read", "sign"))
		}},
		{
			name: "correspondence_send",
			cases: []string{"correspondence/find_none", "correspondence/initialize_attachment", "correspondence/upload_attachment",
				"correspondence/get_attachment_published", "correspondence/send"},
			call: func(ctx context.Context, c platform.Clients, v *contractVars) error {
				id, err := c.Correspondence.Send(ctx, message)
				if err != nil {
					return err
				}
				if id != v.get("correspondenceId") {
					return fmt.Errorf("Send() = %s, want the served correspondence ID %s", id, v.get("correspondenceId"))
				}
				return nil
			},
		},
		{
			name: "correspondence_send_after_lost_answer",
			cases: []string{"correspondence/find_none", "correspondence/initialize_attachment", "correspondence/upload_attachment",
				"correspondence/get_attachment_published", "correspondence/send_idempotent_key_reused_409", "correspondence/find_by_idempotent_key"},
			call: func(ctx context.Context, c platform.Clients, v *contractVars) error {
				id, err := c.Correspondence.Send(ctx, message)
				if err != nil {
					return err
				}
				if id != v.get("correspondenceId") {
					return fmt.Errorf("Send() = %s, want the ID found by the key %s", id, v.get("correspondenceId"))
				}
				return nil
			},
		},
	}
}

func mustContractID(t *testing.T, s string) ident.NationalID {
	t.Helper()
	id, err := ident.ParseNationalID(s, ident.AllowSynthetic())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// wantContractError checks that err matches want (if set), is a
// *platform.PermanentError with the status (0: not sent) and the code (if set).
func wantContractError(err, want error, status int, code string) error {
	var pe *platform.PermanentError
	switch {
	case err == nil:
		return fmt.Errorf("error = nil, want a *PermanentError with status %d", status)
	case !errors.As(err, &pe):
		return fmt.Errorf("error = %v (%T), want a *PermanentError", err, err)
	case want != nil && !errors.Is(err, want):
		return fmt.Errorf("error = %v, want it to match %v", err, want)
	case pe.Status != status:
		return fmt.Errorf("error status = %d, want %d (%v)", pe.Status, status, err)
	case code != "" && pe.Code != code:
		return fmt.Errorf("error code = %q, want %q (%v)", pe.Code, code, err)
	}
	return nil
}

// TestContractExamples_client runs every client call against a server
// that checks each request against its example and serves the example's
// answer.
func TestContractExamples_client(t *testing.T) {
	t.Parallel()
	examples := loadContractExamples(t)
	for _, run := range contractRuns(t) {
		t.Run(run.name, func(t *testing.T) {
			t.Parallel()
			vars := newContractVars(t)
			var mu sync.Mutex
			served := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				i := served
				served++
				mu.Unlock()
				if i >= len(run.cases) {
					t.Errorf("request %d %s %s: no more examples to serve", i, r.Method, r.URL.Path)
					http.Error(w, "contract test: unexpected request", http.StatusTeapot)
					return
				}
				x := examples[run.cases[i]]
				for _, p := range contractRequestProblems(vars, x, r) {
					t.Errorf("%s: request: %s", run.cases[i], p)
				}
				body, err := vars.produceBody(x.Response.Body, x.Response.BodyText)
				if err != nil {
					t.Errorf("%s: response body: %v", run.cases[i], err)
				}
				for k, pattern := range x.Response.Headers {
					val, err := vars.produce(pattern)
					if err != nil {
						t.Errorf("%s: response header %s: %v", run.cases[i], k, err)
					}
					w.Header().Set(k, val)
				}
				if w.Header().Get("Content-Type") == "" && x.Response.Body != nil {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(x.Response.Status)
				_, _ = w.Write(body)
			}))
			t.Cleanup(srv.Close)

			cfg := emulator.Config(srv.URL)
			cfg.Tokens = platform.StaticToken(vars.get("service-owner-token"))
			cfg.PlatformTokens = platform.StaticToken(vars.get("platform-access-token"))
			cfg.SubscriptionKey = vars.get("subscription-key")
			cfg.Timeout = 5 * time.Second
			cfg.AttachmentPollInterval = time.Millisecond
			clients, err := platform.NewClients(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := run.call(t.Context(), clients, vars); err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if served != len(run.cases) {
				t.Errorf("the client made %d requests, want %d (%v)", served, len(run.cases), run.cases)
			}
		})
	}
}

// contractRequestProblems compares the client's request with the example's.
func contractRequestProblems(vars *contractVars, x *contractExample, r *http.Request) []string {
	var out []string
	if r.Method != x.Request.Method {
		out = append(out, fmt.Sprintf("method %s, want %s", r.Method, x.Request.Method))
	}
	if err := vars.match(x.Request.Path, r.URL.Path); err != nil {
		out = append(out, "path: "+err.Error())
	}
	q := r.URL.Query()
	for k := range q {
		if _, ok := x.Request.Query[k]; !ok {
			out = append(out, fmt.Sprintf("query %s is sent, want only %v", k, slices.Sorted(maps.Keys(x.Request.Query))))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(x.Request.Query)) {
		if len(q[k]) != 1 {
			out = append(out, fmt.Sprintf("query %s has %d values, want one", k, len(q[k])))
		} else if err := vars.match(x.Request.Query[k], q[k][0]); err != nil {
			out = append(out, fmt.Sprintf("query %s: %v", k, err))
		}
	}
	out = append(out, vars.matchHeaders(x.Request.Headers, r.Header)...)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return append(out, "body: "+err.Error())
	}
	if x.Request.Body == nil && x.Request.BodyText == nil && len(body) > 0 {
		out = append(out, fmt.Sprintf("body %q, want none", body))
	}
	return append(out, vars.matchBody(x.Request.Body, x.Request.BodyText, body, nil)...)
}

// TestContractExamples_coverage checks that every example is served to a
// client call or named as one the clients refuse to send, and that the
// runs name only examples that exist.
func TestContractExamples_coverage(t *testing.T) {
	t.Parallel()
	examples := loadContractExamples(t)
	covered := map[string]bool{}
	for _, run := range contractRuns(t) {
		for _, k := range append(slices.Clone(run.cases), run.covers...) {
			if examples[k] == nil {
				t.Errorf("run %s names %s, which has no example file", run.name, k)
			}
			covered[k] = true
		}
	}
	for _, k := range contractKeys(examples) {
		if !covered[k] {
			t.Errorf("example %s is not run against a client: add it to contractRuns", k)
		}
	}
}

package bench

import (
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/devtest"
	"github.com/signingflow/signing/internal/devstack/dynamolocal"
	"github.com/signingflow/signing/internal/ident"
)

// sections every report has, whatever its sizes.
var sections = []string{"## Machine and run", "## Headline", "## Method", "## Sign path", "## Cold start", "## Cost per task", "## Scale", "## Limits this run proves"}

// TestRun_tiny runs every benchmark on the local stack at tiny sizes and
// checks the report's shape. It asserts no timing.
func TestRun_tiny(t *testing.T) {
	devtest.Short(t)
	devtest.GoTool(t)
	root, err := devstack.FindModuleRoot("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	res, err := Run(ctx, Options{ModuleRoot: root, OutDir: dir, Sizes: TinySizes(), Command: "go test ./internal/bench"})
	if errors.Is(err, devstack.ErrUnavailable) {
		devtest.Unavailable(t, err)
	}
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	report := string(b)
	for _, s := range sections {
		if !strings.Contains(report, s) {
			t.Errorf("the report lacks %q", s)
		}
	}
	if strings.Contains(report, "## Problems") {
		t.Errorf("the report lists problems:\n%s", report[strings.Index(report, "## Problems"):])
	}
	if len(res.ids) == 0 {
		t.Error("no generated persons")
	}
	for _, id := range res.ids {
		if strings.Contains(report, id) {
			t.Fatal("the report contains a national ID")
		}
	}
	for _, name := range []string{ChartSignPath, ChartColdStart, ChartCost, ChartMemory} {
		checkPNG(t, filepath.Join(dir, name))
	}
	if len(res.Costs) == 0 || len(res.SignPath.Levels) != 2 || len(res.Scale) != 2 {
		t.Errorf("results: %d cost rows, %d sign levels, %d scale runs", len(res.Costs), len(res.SignPath.Levels), len(res.Scale))
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if b := img.Bounds(); b.Dx() < 200 || b.Dy() < 100 {
		t.Errorf("%s is %v", path, b)
	}
}

// TestWriteReport renders a report from made-up results without a stack.
func TestWriteReport(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	r := &Results{
		Machine: Machine{CPU: "test CPU", Cores: 2}, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Sizes: TinySizes(), Prices: ListPrices,
		SignPath: SignPath{Levels: []SignLevel{{Concurrency: 1, Sign: Summarise(ms(20, 25, 30)), Floor: Summarise(ms(4, 5, 6))}}},
		ColdStarts: ColdStarts{N: 2, Functions: []ColdStart{
			{Function: "ApiFunction", Init: ms(30, 40), First: ms(2, 3), Size: 20 << 20},
			{Function: helloLogicalID, Init: ms(5, 6), First: ms(1, 1), Size: 6 << 20},
		}},
		Scale: []ScaleRun{{Name: "one task of 3 signees", Tasks: 1, Signees: 3, Completed: 1, History: History{Executions: 1, MaxEvents: 100, MaxPayload: 2000},
			Memory: []Memory{{Role: "moto (python)", PeakKB: 100 << 10, PeakSumKB: 100 << 10, Processes: 1, MaxConcurrent: 1}}}},
		FormDataBytes: 1234,
	}
	for _, n := range []int{1, 3, 10} {
		for _, pat := range []string{PatternAlone, PatternTogether} {
			c := TaskCost{N: n, Pattern: pat, Transitions: 20 + 8*n, InvocationsTotal: 5 + 4*n, LambdaGBSeconds: 0.01 * float64(n), WRU: 10 + 30*float64(n), RRU: 5 + float64(n), SQSRequests: 3 * n, DocumentBytes: int64(1800 * n), Executions: 1}
			c.Price = ListPrices.Of(c)
			r.Costs = append(r.Costs, c)
		}
	}
	for _, pat := range []string{PatternAlone, PatternTogether} {
		s := fitSlopes(r.Costs, pat)
		r.Slopes = append(r.Slopes, s)
		r.Costs = append(r.Costs, s.modelled(1000, ListPrices))
	}
	sortCosts(r.Costs)
	dir := t.TempDir()
	if d := os.Getenv("BENCH_TEST_OUT"); d != "" {
		dir = d
	}
	if err := WriteReport(r, dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(sections, "*modelled*", "| 1000 | alone |", "![") {
		if !strings.Contains(string(b), s) {
			t.Errorf("the report lacks %q", s)
		}
	}
	for _, name := range []string{ChartSignPath, ChartColdStart, ChartCost, ChartMemory} {
		checkPNG(t, filepath.Join(dir, name))
	}
	// The fitted slope of transitions is the made-up 8 per signee.
	if got := r.Slopes[0].Rows[0].Fit.Slope; got < 7.99 || got > 8.01 {
		t.Errorf("transitions slope = %v, want 8", got)
	}
}

func TestSummarise(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	s := Summarise(d)
	if s.P50 != 50 || s.P90 != 90 || s.P99 != 99 || s.Min != 1 || s.Max != 100 || s.N != 100 {
		t.Errorf("Summarise = %+v", s)
	}
	if (Summarise(nil) != Dist{}) {
		t.Error("Summarise(nil) is not zero")
	}
}

// TestWireItemSize checks the meter's sizes against dynamolocal.ItemSize.
func TestWireItemSize(t *testing.T) {
	item := map[string]any{"PK": "INST#x", "SK": "TASK#t", "n": 12345, "f": 1.5, "b": true, "l": []any{"a", 1}, "m": map[string]any{"k": "v"}, "ss": []string{"a", "bc"}}
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.Fatal(err)
	}
	av["bin"] = &types.AttributeValueMemberB{Value: []byte{1, 2, 3}}
	av["ss"] = &types.AttributeValueMemberSS{Value: []string{"a", "bc"}}
	wire := map[string]map[string]json.RawMessage{}
	for k, v := range av {
		wire[k] = toWire(t, v)
	}
	if got, want := wireItemSize(wire), dynamolocal.ItemSize(av); got != want {
		t.Errorf("wireItemSize = %d, dynamolocal.ItemSize = %d", got, want)
	}
}

// toWire renders an attribute value in DynamoDB's JSON wire format.
func toWire(t *testing.T, v types.AttributeValue) map[string]json.RawMessage {
	t.Helper()
	raw := func(x any) json.RawMessage { b, _ := json.Marshal(x); return b }
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]json.RawMessage{"S": raw(v.Value)}
	case *types.AttributeValueMemberN:
		return map[string]json.RawMessage{"N": raw(v.Value)}
	case *types.AttributeValueMemberB:
		return map[string]json.RawMessage{"B": raw(v.Value)}
	case *types.AttributeValueMemberBOOL:
		return map[string]json.RawMessage{"BOOL": raw(v.Value)}
	case *types.AttributeValueMemberSS:
		return map[string]json.RawMessage{"SS": raw(v.Value)}
	case *types.AttributeValueMemberL:
		var l []map[string]json.RawMessage
		for _, e := range v.Value {
			l = append(l, toWire(t, e))
		}
		return map[string]json.RawMessage{"L": raw(l)}
	case *types.AttributeValueMemberM:
		m := map[string]map[string]json.RawMessage{}
		for k, e := range v.Value {
			m[k] = toWire(t, e)
		}
		return map[string]json.RawMessage{"M": raw(m)}
	}
	t.Fatalf("toWire: %T", v)
	return nil
}

func TestPlatformOp(t *testing.T) {
	for path, want := range map[string]string{
		"/storage/api/v1/instances/1/g/data/d":                         opReadData,
		"/storage/api/v1/instances/1/g":                                opGetInstance,
		"/storage/api/v1/applications/ttd/founders/texts/nb":           "storage.getTexts",
		"/accessmanagement/api/v1/app/delegationrevoke/resource/r/i":   "access.revoke",
		"/accessmanagement/api/v1/app/delegations/resource/r/instance": "access.delegate",
		"/register/api/v1/parties/lookup":                              "register.lookup",
	} {
		if got := platformOp("GET", path); got != want {
			t.Errorf("platformOp(%s) = %s, want %s", path, got, want)
		}
	}
}

// TestNewWorld checks the generated persons: valid synthetic IDs, all distinct.
func TestNewWorld(t *testing.T) {
	w, groups, err := NewWorld(WorldSpec{Groups: []Group{{Name: "a", Count: 3, Signees: 2}, {Name: "b", Count: 1, Signees: 50}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups["a"]) != 3 || len(groups["b"]) != 1 || len(w.Fixture.Persons) != 56 {
		t.Fatalf("groups %v, %d persons", groups, len(w.Fixture.Persons))
	}
	seen := map[string]bool{}
	for _, p := range w.Fixture.Persons {
		id, err := ident.ParseNationalID(p.SSN, ident.AllowSynthetic())
		if err != nil || id.Kind() != ident.KindSynthetic {
			t.Errorf("person %d: not a synthetic ID (%v)", p.PartyID, err)
		}
		if seen[p.SSN] {
			t.Errorf("person %d: ID repeated", p.PartyID)
		}
		seen[p.SSN] = true
	}
}

package signing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// eventSchema compiles schema/events/signing-event.v1.json and returns its type enum.
func eventSchema(t *testing.T) (*jsonschema.Schema, []string) {
	t.Helper()
	sch, b := signingtest.Schema(t, filepath.Join("schema", "events", "signing-event.v1.json"))
	var raw struct {
		Properties struct {
			Type struct {
				Enum []string `json:"enum"`
			} `json:"type"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	return sch, raw.Properties.Type.Enum
}

// typeSchemas compiles schema/events/<type>.v1.json of every event type
// (each refers to signing-event.v1.json) and fails on a file there of no
// type, or a type without one.
func typeSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	dir := filepath.Join(signingtest.ModuleRoot(t), "schema", "events")
	const base = "https://signing.example/schema/events/"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := c.AddResource(base+filepath.Base(f), doc); err != nil {
			t.Fatal(err)
		}
		if name := strings.TrimSuffix(filepath.Base(f), ".v1.json"); name != "signing-event" {
			names = append(names, name)
		}
	}
	if want := signing.EventTypes(); !slices.Equal(names, want) {
		t.Fatalf("schema/events holds schemas for %v, want one for each of signing.EventTypes() %v", names, want)
	}
	out := map[string]*jsonschema.Schema{}
	for _, name := range names {
		sch, err := c.Compile(base + name + ".v1.json")
		if err != nil {
			t.Fatalf("compile %s: %v", name, err)
		}
		out[name] = sch
	}
	return out
}

// Each type's schema takes its own events and refuses another type's, and
// a signee event without its signee.
func TestEventSchemas_perType(t *testing.T) {
	t.Parallel()
	schemas := typeSchemas(t)
	ev := func(typ string, data map[string]any) any {
		b, _ := json.Marshal(map[string]any{
			"specversion": "1.0", "id": strings.Repeat("ab", 16), "source": "urn:altinn:signing:ttd:founders",
			"type": typ, "subject": "50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d/SigningTask", "time": "2026-03-01T11:05:00Z",
			"datacontenttype": "application/json", "data": data,
		})
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	task := map[string]any{"instance": map[string]any{"org": "ttd", "app": "founders", "instanceOwnerPartyId": 50001, "instanceGuid": "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"}, "taskId": "SigningTask"}
	signee := map[string]any{"signeeKey": "p-775735aa3661a2e57beb46a4", "kind": "person", "maskedId": "029190*****", "step": "notify"}
	for k, v := range task {
		signee[k] = v
	}
	signed, started := signing.EventTypePrefix+"signee.signed", signing.EventTypePrefix+"task.started"
	if err := schemas[signed].Validate(ev(signed, signee)); err != nil {
		t.Errorf("signee.signed refused its own event: %v", err)
	}
	if err := schemas[started].Validate(ev(started, task)); err != nil {
		t.Errorf("task.started refused its own event: %v", err)
	}
	if schemas[signed].Validate(ev(started, signee)) == nil {
		t.Error("signee.signed took a task.started event")
	}
	if schemas[signed].Validate(ev(signed, task)) == nil {
		t.Error("signee.signed took an event naming no signee")
	}
	if schemas[started].Validate(ev(started, map[string]any{"taskId": "SigningTask"})) == nil {
		t.Error("task.started took an event without its instance (signing-event.v1.json's rules)")
	}
}

// TestService_events reads the events of a task signed in two groups,
// with a reminder-free flow and a replacement, and of a rejected one: each
// is valid against the schema, the same on a second read, and holds no
// national ID or reason text; the schema lists exactly signing.EventTypes.
func TestService_events(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sch, enum := eventSchema(t)
	perType := typeSchemas(t)
	if want := signing.EventTypes(); !slices.Equal(enum, want) {
		t.Errorf("the schema's types = %v, want signing.EventTypes() %v", enum, want)
	}
	h := newHarness(t)
	h.Ready(t)
	h.SignAll(t)
	if _, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: foundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
	owner := signing.ReadInput{Task: foundersTask, Caller: signingtest.Kari(t)}
	read := func() []signing.CloudEvent {
		var all []signing.CloudEvent
		page := signing.Page{Limit: 3}
		for range 50 {
			evs, next, err := h.Svc.Events(ctx, owner, page)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, evs...)
			if next == "" {
				return all
			}
			page.Token = next
		}
		t.Fatal("the events did not end")
		return nil
	}
	first, second := read(), read()
	if len(first) == 0 || !slices.EqualFunc(first, second, func(a, b signing.CloudEvent) bool { return a.ID == b.ID }) {
		t.Fatalf("two reads gave %d and %d events, or other ids", len(first), len(second))
	}
	types := map[string]int{}
	for _, ev := range first {
		types[strings.TrimPrefix(ev.Type, signing.EventTypePrefix)]++
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("event %s does not match the schema: %v\n%s", ev.Type, err, b)
		}
		if err := perType[ev.Type].Validate(doc); err != nil {
			t.Errorf("event %s does not match its type's schema: %v\n%s", ev.Type, err, b)
		}
		for _, id := range []string{"15838523428", "02919043558"} {
			if strings.Contains(string(b), id) {
				t.Errorf("event %s holds a national ID", ev.Type)
			}
		}
	}
	for typ, n := range map[string]int{"task.started": 1, "signee.delegated": 3, "signee.told": 3, "signee.signed": 3, "task.completed": 1} {
		if types[typ] != n {
			t.Errorf("%s events = %d, want %d (all: %v)", typ, types[typ], n, types)
		}
	}

	// A cancel is task.cancelled, and its reason appears nowhere.
	h2 := newHarness(t)
	h2.Ready(t)
	if _, err := h2.Svc.Cancel(ctx, signing.CancelInput{Task: foundersTask, Caller: signingtest.Kari(t), Reason: "Vi venter med stiftelsen"}); err != nil {
		t.Fatal(err)
	}
	evs, _, err := h2.Svc.Events(ctx, owner, signing.Page{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(evs)
	if !strings.Contains(string(b), signing.EventTypePrefix+"task.cancelled") || strings.Contains(string(b), "stiftelsen") {
		t.Errorf("events after a cancel: %s, want task.cancelled and no reason text", b)
	}
}

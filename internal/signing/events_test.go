package signing_test

import (
	"bytes"
	"context"
	"encoding/json"
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

// TestService_events reads the events of a task signed in two groups,
// with a reminder-free flow and a replacement, and of a rejected one: each
// is valid against the schema, the same on a second read, and holds no
// national ID or reason text; the schema lists exactly signing.EventTypes.
func TestService_events(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sch, enum := eventSchema(t)
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

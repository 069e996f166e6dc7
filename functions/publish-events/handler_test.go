package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	sigevents "github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// bus records what is put; fail, when set, answers every event with it.
type bus struct {
	got  []signing.CloudEvent
	fail error
}

func (b *bus) Put(_ context.Context, evs []signing.CloudEvent) ([]error, error) {
	errs := make([]error, len(evs))
	for i, ev := range evs {
		if b.fail != nil {
			errs[i] = b.fail
			continue
		}
		b.got = append(b.got, ev)
	}
	return errs, nil
}

type deadLetters struct{ kept []sigevents.DeadEvent }

func (d *deadLetters) Keep(_ context.Context, ev sigevents.DeadEvent) error {
	d.kept = append(d.kept, ev)
	return nil
}

func sample(t *testing.T, name string) events.DynamoDBEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(signingtest.ModuleRoot(t), "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestHandler_Handle puts the sample batch's two audit entries (the task
// item's change makes none) as events of the founders task, the signee's
// with its masked identity; a bus that refuses for good has them kept in
// the dead-letter queue; a bus that fails for now has the batch handed
// again from its first record.
func TestHandler_Handle(t *testing.T) {
	t.Parallel()
	h := signingtest.New(t)
	h.Ready(t)
	kari := h.SigneeByUUID(t, signingtest.KariUUID)
	in := sample(t, "publish-events-founders")

	t.Run("published", func(t *testing.T) {
		t.Parallel()
		b := &bus{}
		out, err := NewHandler(&sigevents.Publisher{Tasks: h.Repo, Bus: b}).Handle(context.Background(), in)
		if err != nil || len(out.BatchItemFailures) != 0 {
			t.Fatalf("Handle() = %+v, %v; want every record done", out, err)
		}
		var types []string
		for _, ev := range b.got {
			types = append(types, ev.Type)
			if ev.Data.Instance != signingtest.FoundersInstance || ev.Subject != "50001/"+signingtest.FoundersInstance.InstanceGUID+"/SigningTask" {
				t.Errorf("event %s names %+v / %s, want the founders instance", ev.ID, ev.Data.Instance, ev.Subject)
			}
		}
		if want := []string{"no.altinn.signing.task.started", "no.altinn.signing.signee.delegated"}; !slices.Equal(types, want) {
			t.Fatalf("types = %v, want %v", types, want)
		}
		if d := b.got[1].Data; d.SigneeKey != kari.Key || d.MaskedID != kari.MaskedID || d.MaskedID == "" {
			t.Errorf("signee event data = %+v, want Kari's key and masked identity %q", d, kari.MaskedID)
		}
		// The same records again make the same events (ids).
		again := &bus{}
		if _, err := NewHandler(&sigevents.Publisher{Tasks: h.Repo, Bus: again}).Handle(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		if len(again.got) != 2 || again.got[0].ID != b.got[0].ID || again.got[1].ID != b.got[1].ID {
			t.Errorf("ids differ on a second delivery: %v vs %v", again.got, b.got)
		}
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		b := &bus{fail: errors.Join(sigevents.ErrRefused, errors.New("MalformedDetail"))}
		dl := &deadLetters{}
		out, err := NewHandler(&sigevents.Publisher{Tasks: h.Repo, Bus: b, DeadLetters: dl}).Handle(context.Background(), in)
		if err != nil || len(out.BatchItemFailures) != 0 {
			t.Fatalf("Handle() = %+v, %v; want the refused events kept and the batch done", out, err)
		}
		if len(dl.kept) != 2 || dl.kept[0].Reason == "" {
			t.Errorf("kept = %+v, want both events with why", dl.kept)
		}
	})
	t.Run("bus_down", func(t *testing.T) {
		t.Parallel()
		b := &bus{fail: errors.New("InternalFailure")}
		out, err := NewHandler(&sigevents.Publisher{Tasks: h.Repo, Bus: b, DeadLetters: &deadLetters{}}).Handle(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if want := in.Records[0].Change.SequenceNumber; len(out.BatchItemFailures) != 1 || out.BatchItemFailures[0].ItemIdentifier != want {
			t.Errorf("BatchItemFailures = %+v, want the first record %s", out.BatchItemFailures, want)
		}
	})
}

func TestHandler_Handle_events(t *testing.T) {
	t.Parallel()
	signingtest.CheckEventsCovered(t, "publish-events", "publish-events-founders") // TestHandler_Handle
}

package awsevents

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/signing"
)

// answer is a PutEvents that fails each entry with the code at its index
// ("" for put).
type answer struct {
	codes []string
	in    *eventbridge.PutEventsInput
}

func (a *answer) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	a.in = in
	out := &eventbridge.PutEventsOutput{}
	for i := range in.Entries {
		var e types.PutEventsResultEntry
		if c := a.codes[i]; c != "" {
			e.ErrorCode, e.ErrorMessage = aws.String(c), aws.String("no")
			out.FailedEntryCount++
		} else {
			e.EventId = aws.String("x")
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

// Only a code that blames the event itself keeps it in the dead-letter
// queue; the deployment's faults (IAM, the bus's policy) and codes not
// known are retried from the stream, so that fixing the policy publishes
// every event held back instead of dead-lettering them all.
func TestBus_refusedOnlyForTheEventsOwnFault(t *testing.T) {
	codes := []struct {
		code    string
		refused bool
	}{
		{"", false},
		{"InvalidArgument", true},
		{"MalformedDetail", true},
		{"RedactionFailure", true},
		{"InternalFailure", false},
		{"ThrottlingException", false},
		{"AccessDeniedException", false},
		{"InvalidAccountIdException", false},
		{"NotAuthorizedForSourceException", false},
		{"NotAuthorizedForDetailTypeException", false},
		{"SomeCodeNotYetDocumented", false},
	}
	for _, c := range codes {
		t.Run(c.code, func(t *testing.T) {
			a := &answer{codes: []string{c.code}}
			ev := signing.CloudEvent{ID: "e1", Source: "urn:s", Type: "no.altinn.signing.task.started", Time: time.Unix(0, 0)}
			errs, err := NewBus(a, "bus").Put(context.Background(), []signing.CloudEvent{ev})
			if err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(a.in.Entries[0].DetailType); got != ev.Type {
				t.Errorf("DetailType %q, want the event's type", got)
			}
			if (errs[0] != nil) != (c.code != "") {
				t.Fatalf("error %v for code %q", errs[0], c.code)
			}
			if got := errors.Is(errs[0], events.ErrRefused); got != c.refused {
				t.Errorf("refused = %v, want %v (%v)", got, c.refused, errs[0])
			}
		})
	}
}

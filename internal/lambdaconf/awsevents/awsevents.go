// Package awsevents is the EventBridge adapter of events.Bus: it puts the
// service's CloudEvents on the bus EVENT_BUS_NAME names. It is a package
// of its own so that only the functions that publish (Publish Events, the
// API's replay route) link the EventBridge client, whose package init every
// cold start pays (lambdaconf.Linked).
package awsevents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/lambdaconf/awsenv"
	"github.com/signingflow/signing/internal/signing"
)

// API is the part of the EventBridge client Bus uses.
type API interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Bus puts events on one event bus.
type Bus struct {
	api  API
	name string
}

var _ events.Bus = (*Bus)(nil)

// NewBus is the bus name on api.
func NewBus(api API, name string) *Bus { return &Bus{api: api, name: name} }

// New is the bus name with a client built from e (lambdaconf.Linked.Events).
func New(e awsenv.Env, name string) events.Bus {
	c := eventbridge.NewFromConfig(e.Config, func(o *eventbridge.Options) { o.BaseEndpoint = e.BaseEndpoint(eventbridge.ServiceID) })
	return NewBus(c, name)
}

// refusedCodes are the PutEvents entry error codes that say the event
// itself is at fault (AWS API reference, PutEventsResultEntry: "InvalidArgument",
// "MalformedDetail", "RedactionFailure"): the same event is refused again,
// so it is kept in the dead-letter queue. Any other code is retried from
// the stream: the retryable ones ("InternalFailure", "ThrottlingException")
// and those that name the deployment, not the event ("AccessDeniedException",
// "InvalidAccountIdException", "NotAuthorizedForSourceException",
// "NotAuthorizedForDetailTypeException": a policy to fix, after which every
// event held back is put), and any code not listed here.
var refusedCodes = map[string]bool{"InvalidArgument": true, "MalformedDetail": true, "RedactionFailure": true}

// Put puts evs (at most events.MaxBatch) as entries whose Source is the
// event's source, DetailType its type, Time its time and Detail the whole
// CloudEvent (structured JSON), so a rule matches on source or type and a
// target receives the CloudEvent in "detail".
func (b *Bus) Put(ctx context.Context, evs []signing.CloudEvent) ([]error, error) {
	if len(evs) > events.MaxBatch {
		return nil, fmt.Errorf("awsevents: %d events in one put, at most %d", len(evs), events.MaxBatch)
	}
	entries := make([]types.PutEventsRequestEntry, len(evs))
	for i, ev := range evs {
		detail, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("awsevents: event %s: %w", ev.ID, err)
		}
		entries[i] = types.PutEventsRequestEntry{
			EventBusName: aws.String(b.name), Source: aws.String(ev.Source), DetailType: aws.String(ev.Type),
			Detail: aws.String(string(detail)), Time: aws.Time(ev.Time),
		}
	}
	out, err := b.api.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		return nil, fmt.Errorf("awsevents: PutEvents on %s: %w", b.name, err)
	}
	if len(out.Entries) != len(evs) {
		return nil, fmt.Errorf("awsevents: PutEvents answered %d entries for %d", len(out.Entries), len(evs))
	}
	errs := make([]error, len(evs))
	for i, r := range out.Entries {
		code := aws.ToString(r.ErrorCode)
		if code == "" {
			continue
		}
		err := fmt.Errorf("awsevents: %s: %s", code, aws.ToString(r.ErrorMessage))
		if refusedCodes[code] {
			err = errors.Join(events.ErrRefused, err)
		}
		errs[i] = err
	}
	return errs, nil
}

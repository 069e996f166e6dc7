package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/dynamo"
	sigevents "github.com/signingflow/signing/internal/events"
)

// Handler puts the events of the audit entries the table's stream hands
// over on the event bus (events.Publisher).
//
// Input: a DynamoDB stream batch (events/publish-events-*.json); the event
// source's filter passes only inserted audit items (template.yaml,
// PublishEventsFunction), and any other record is skipped here too.
// Output: {"batchItemFailures": [{"itemIdentifier": "<sequence number>"}]}
// naming the first record not done, from which the stream hands the
// batch again (ReportBatchItemFailures); empty when all are done. The
// handler itself never fails: a failure is that record's.
type Handler struct{ pub Publisher }

// Publisher is what the handler runs (*events.Publisher).
type Publisher interface {
	Publish(ctx context.Context, recs []sigevents.Record) (string, error)
}

// NewHandler returns the handler.
func NewHandler(pub Publisher) *Handler { return &Handler{pub: pub} }

// Handle runs one invocation.
func (h *Handler) Handle(ctx context.Context, in events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	recs := make([]sigevents.Record, 0, len(in.Records))
	for _, r := range in.Records {
		if r.EventName != string(events.DynamoDBOperationTypeInsert) {
			continue
		}
		image := make(map[string]string, len(r.Change.NewImage))
		for k, v := range r.Change.NewImage {
			if v.DataType() == events.DataTypeString {
				image[k] = v.String()
			}
		}
		key, entry, ok := dynamo.AuditFromImage(image)
		if !ok {
			continue
		}
		recs = append(recs, sigevents.Record{Position: r.Change.SequenceNumber, Task: key, Entry: entry})
	}
	out := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	pos, err := h.pub.Publish(ctx, recs)
	if pos != "" {
		slog.ErrorContext(ctx, "publish events: stopped; the stream hands the rest again", "records", len(recs), "from", pos, "error", fmt.Sprint(err))
		out.BatchItemFailures = append(out.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: pos})
	}
	return out, nil
}

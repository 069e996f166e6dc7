package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/lambdaconf/awsevents"
	"github.com/signingflow/signing/internal/lambdaconf/awsqueue"
	"github.com/signingflow/signing/internal/signing"
)

const eventsUsage = `usage: signing events replay [flags]

Sends events again with their original ids (consumers and webhook receivers
drop what they already have by id), against AWS or the endpoint in
AWS_ENDPOINT_URL (the local stack's edge). One of:

  -dead-letters URL          every event the bus refused, kept in the
                             publisher's dead-letter queue (the stack's
                             EventsDeadLetterQueueUrl output), onto the bus
  -webhook-dead-letters URL  every webhook delivery given up on (the stack's
  -webhook-queue URL         WebhookDeadLetterQueueUrl) back to the delivery
                             queue (WebhookQueueUrl), to its subscriber only
  -table NAME -instance GUID -task ID [-id ID,…]
                             a task's events from its audit trail (all, or
                             the ids named) onto the bus

-bus names the event bus (default $EVENT_BUS_NAME; the stack's
SigningEventBusName output).
`

// runEvents implements "signing events".
func runEvents(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "replay" {
		fmt.Fprint(stderr, eventsUsage)
		return 2
	}
	fs := flag.NewFlagSet("events replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, eventsUsage) }
	bus := fs.String("bus", os.Getenv("EVENT_BUS_NAME"), "event bus `name`")
	deadLetters := fs.String("dead-letters", "", "the publisher's dead-letter queue `URL`")
	webhookDead := fs.String("webhook-dead-letters", "", "the webhook dead-letter queue `URL`")
	webhookQueue := fs.String("webhook-queue", "", "the webhook delivery queue `URL`")
	table := fs.String("table", os.Getenv("TABLE_NAME"), "the signing table's `name`")
	instance := fs.String("instance", "", "instance `GUID`")
	task := fs.String("task", "", "task `ID`")
	ids := fs.String("id", "", "event `ids`, comma separated (default: all of the task's)")
	if code, ok := parseFlags(fs, args[1:]); !ok {
		return code
	}
	modes := 0
	for _, set := range []bool{*deadLetters != "", *webhookDead != "", *instance != ""} {
		if set {
			modes++
		}
	}
	if modes != 1 || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "signing events replay: give one of -dead-letters, -webhook-dead-letters or -instance")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "signing events replay: AWS configuration: %v\n", err)
		return 1
	}
	var rep events.ReplayReport
	switch {
	case *webhookDead != "":
		if *webhookQueue == "" {
			fmt.Fprintln(stderr, "signing events replay: -webhook-dead-letters needs -webhook-queue")
			return 2
		}
		q := sqs.NewFromConfig(cfg)
		rep, err = events.ReplayDeadDeliveries(ctx, awsqueue.NewInbox(q, *webhookDead), awsqueue.NewQueue(q, *webhookQueue), time.Now)
	case *bus == "":
		fmt.Fprintln(stderr, "signing events replay: -bus (or EVENT_BUS_NAME) must be set")
		return 2
	case *deadLetters != "":
		rep, err = events.ReplayDeadEvents(ctx, awsqueue.NewInbox(sqs.NewFromConfig(cfg), *deadLetters), awsevents.NewBus(eventbridge.NewFromConfig(cfg), *bus))
	default:
		if *table == "" || *task == "" {
			fmt.Fprintln(stderr, "signing events replay: -instance needs -task and -table (or TABLE_NAME)")
			return 2
		}
		rep, err = replayTask(ctx, dynamo.New(dynamodb.NewFromConfig(cfg), *table), awsevents.NewBus(eventbridge.NewFromConfig(cfg), *bus),
			signing.TaskKey{InstanceGUID: strings.ToLower(*instance), TaskID: *task}, *ids)
	}
	for _, id := range rep.Replayed {
		fmt.Fprintf(stdout, "replayed %s\n", id)
	}
	for _, k := range rep.Kept {
		fmt.Fprintf(stdout, "left in the queue: %s\n", k)
	}
	if err != nil {
		fmt.Fprintf(stderr, "signing events replay: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d replayed, %d left\n", len(rep.Replayed), len(rep.Kept))
	return 0
}

// replayTask puts the task's events (all, or the comma-separated ids) on
// the bus again; an id the task does not have is an error, and nothing is
// put then.
func replayTask(ctx context.Context, t events.Trail, bus events.Bus, key signing.TaskKey, ids string) (events.ReplayReport, error) {
	evs, err := events.TaskEvents(ctx, t, key)
	if err != nil {
		return events.ReplayReport{}, err
	}
	var want []string
	for _, id := range strings.Split(ids, ",") {
		if id = strings.TrimSpace(id); id != "" {
			want = append(want, id)
		}
	}
	picked, missing := events.Select(evs, want)
	if len(missing) > 0 {
		return events.ReplayReport{}, fmt.Errorf("-id: the task has no event %s", strings.Join(missing, ", "))
	}
	if len(picked) == 0 {
		return events.ReplayReport{}, errors.New("the task has no events")
	}
	if err := events.Put(ctx, bus, picked); err != nil {
		return events.ReplayReport{}, err
	}
	var rep events.ReplayReport
	for _, ev := range picked {
		rep.Replayed = append(rep.Replayed, ev.ID)
	}
	return rep, nil
}

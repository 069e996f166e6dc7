package devstack

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/signingflow/signing/internal/devstack/hookrecv"
	"github.com/signingflow/signing/internal/devstack/httpserve"
	"github.com/signingflow/signing/internal/devstack/streammap"
)

// Template parameters and secret the local stack gives the webhook
// subscriber it runs (hookrecv): LocalWebhookSubscriber is its id.
const (
	WebhookSubscribersParameter   = "WebhookSubscribers"
	WebhookAllowPrivateParameter  = "WebhookAllowPrivateNetworks"
	WebhookSecretsResource        = "WebhookSecrets"
	LocalWebhookSubscriber        = "local-receiver"
	DefaultWebhookAddr            = "127.0.0.1:5103"
	webhookSubscribersLocalFormat = `[{"id":%q,"url":%q}]`
)

// startWebhooks serves the local webhook receiver (Stack.Webhooks) with a
// fresh signing key, which createEventResources puts in the template's
// webhook secret under LocalWebhookSubscriber.
func (s *Stack) startWebhooks() error {
	ln, err := httpserve.Listen(s.opts.WebhookAddr)
	if err != nil {
		return err
	}
	s.webhookSecret = hookrecv.NewSecret()
	s.Webhooks = hookrecv.New(s.webhookSecret, s.opts.OnWebhookEvent)
	s.webhookSrv = httpserve.Serve(ln, s.Webhooks)
	s.WebhookURL = s.webhookSrv.URL + hookrecv.Path
	return nil
}

// webhookParameters subscribe the local receiver to every event.
func (s *Stack) webhookParameters() map[string]string {
	return map[string]string{
		WebhookSubscribersParameter:  fmt.Sprintf(webhookSubscribersLocalFormat, LocalWebhookSubscriber, s.WebhookURL),
		WebhookAllowPrivateParameter: "true",
	}
}

// createEventResources creates the template's secrets (the webhook secret
// holds the local receiver's key), event buses and rules with their queue
// targets in moto.
func (s *Stack) createEventResources(ctx context.Context) error {
	sm := secretsmanager.NewFromConfig(s.cfg)
	for _, sec := range s.Def.Secrets {
		value := sec.Value
		if sec.LogicalID == WebhookSecretsResource {
			b, _ := json.Marshal(map[string]string{LocalWebhookSubscriber: s.webhookSecret})
			value = string(b)
		}
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(sec.Name), SecretString: aws.String(value)}); err != nil {
			return fmt.Errorf("devstack: create secret %s: %w", sec.LogicalID, err)
		}
	}
	eb := eventbridge.NewFromConfig(s.cfg)
	for _, b := range s.Def.EventBuses {
		if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(b.Name)}); err != nil {
			return fmt.Errorf("devstack: create event bus %s: %w", b.LogicalID, err)
		}
	}
	for _, r := range s.Def.Rules {
		if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(r.Name), EventBusName: aws.String(r.Bus), EventPattern: aws.String(r.EventPattern)}); err != nil {
			return fmt.Errorf("devstack: create rule %s: %w", r.LogicalID, err)
		}
		var targets []ebtypes.Target
		for _, t := range r.Targets {
			targets = append(targets, ebtypes.Target{Id: aws.String(t.ID), Arn: aws.String(t.ARN)})
		}
		if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(r.Name), EventBusName: aws.String(r.Bus), Targets: targets}); err != nil {
			return fmt.Errorf("devstack: targets of rule %s: %w", r.LogicalID, err)
		}
	}
	return nil
}

// startStreams runs the template's DynamoDB stream sources (streammap).
func (s *Stack) startStreams(ctx context.Context) error {
	db := dynamodb.NewFromConfig(s.cfg)
	q := sqs.NewFromConfig(s.cfg)
	var mappings []streammap.Mapping
	for _, m := range s.Def.StreamMappings {
		if !m.Enabled {
			continue
		}
		var table string
		for _, t := range s.Def.Tables {
			if t.LogicalID == m.Table {
				table = t.Name
			}
		}
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			return fmt.Errorf("devstack: stream of %s: %w", m.Table, err)
		}
		if out.Table.LatestStreamArn == nil {
			return fmt.Errorf("devstack: table %s has no stream, but %s.%s reads one", m.Table, m.Function, m.Event)
		}
		fn, _ := s.Def.Function(m.Function)
		mp := streammap.Mapping{
			Function: fn.Name, FunctionARN: fn.ARN, StreamARN: aws.ToString(out.Table.LatestStreamArn), Region: s.opts.Region,
			StartingPosition: m.StartingPosition, BatchSize: m.BatchSize, MaxBatchingWindow: m.MaxBatchingWindow,
			Filters: m.Filters, ReportBatchItemFailures: m.ReportBatchItemFailures,
			MaximumRetryAttempts: m.MaximumRetryAttempts, MaximumRecordAge: m.MaximumRecordAge,
		}
		if dest, ok := s.Def.Queue(m.OnFailureQueue); ok {
			mp.OnFailure = func(ctx context.Context, body []byte) error {
				_, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(dest.URL), MessageBody: aws.String(string(body))})
				return err
			}
		}
		mappings = append(mappings, mp)
	}
	s.Streams = streammap.New(dynamodbstreams.NewFromConfig(s.cfg), s.Host, s.opts.Logger)
	return s.Streams.Start(mappings...)
}

package lambdaconf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/queue"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/webhook"
)

// Environment variables of the event ports.
const (
	EnvEventBusName = "EVENT_BUS_NAME"
	EnvEventsDLQURL = "EVENTS_DLQ_URL"
	ActionPutEvents = "events:PutEvents"
	ActionSendToSQS = "sqs:SendMessage"
	LinkEvents      = "Events"
	LinkQueues      = "Queues"
)

// EventBus is the event bus EVENT_BUS_NAME names (Linked.Events).
func (w *Wiring) EventBus() events.Bus {
	name := w.r.required(EnvEventBusName)
	if w.link.Events == nil {
		w.unlinked("EventBus", LinkEvents)
		return nil
	}
	return w.link.Events(w.aws, name)
}

// EventDeadLetters is the publisher's dead-letter queue EVENTS_DLQ_URL
// names (Linked.Queues).
func (w *Wiring) EventDeadLetters() events.DeadLetters {
	q := w.queue("EventDeadLetters", EnvEventsDLQURL)
	if q == nil {
		return nil
	}
	return deadLetters{q}
}

// queue is the queue the URL in variable env names, for port.
func (w *Wiring) queue(port, env string) queue.Sender {
	u := w.r.url(env)
	if w.link.Queues == nil {
		w.unlinked(port, LinkQueues)
		return nil
	}
	return w.link.Queues(w.aws, u)
}

type deadLetters struct{ queue.Sender }

func (d deadLetters) Keep(ctx context.Context, ev events.DeadEvent) error { return d.Send(ctx, ev, 0) }

// Environment variables of the Webhooks port.
const (
	EnvWebhookSubscribers  = "WEBHOOK_SUBSCRIBERS"
	EnvWebhookSecretsARN   = "WEBHOOK_SECRETS_ARN"
	EnvWebhookQueueURL     = "WEBHOOK_QUEUE_URL"
	EnvWebhookDLQURL       = "WEBHOOK_DLQ_URL"
	EnvWebhookAllowPrivate = "WEBHOOK_ALLOW_PRIVATE_NETWORKS"
	EnvWebhookRetryFor     = "WEBHOOK_RETRY_FOR"
	EnvWebhookRetryBase    = "WEBHOOK_RETRY_BASE"
)

// webhookSecretsTTL is how long a read of the webhook secret is used
// before it is read again (a rotated key reaches the deliveries within it).
const webhookSecretsTTL = 5 * time.Minute

// Webhooks is the webhook dispatcher: its subscribers (WEBHOOK_SUBSCRIBERS,
// webhook.ParseSubscribers), their signing keys (the Secrets Manager secret
// WEBHOOK_SECRETS_ARN, a JSON object of subscriber ID → "whsec_…", read
// now and again every five minutes), the delivery queue WEBHOOK_QUEUE_URL
// (retries) and its dead-letter queue WEBHOOK_DLQ_URL, how long a delivery
// is retried (WEBHOOK_RETRY_FOR, default 24h) and from what first pause
// (WEBHOOK_RETRY_BASE, default 30s), and whether a subscriber may be on a
// private network (WEBHOOK_ALLOW_PRIVATE_NETWORKS, development only).
func (w *Wiring) Webhooks() *webhook.Dispatcher {
	allowPrivate := false
	if v := w.r.get(EnvWebhookAllowPrivate); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			w.r.fail(EnvWebhookAllowPrivate, "must be true or false")
		}
		allowPrivate = b
	}
	subs, err := webhook.ParseSubscribers(w.r.get(EnvWebhookSubscribers), signing.EventTypes(), allowPrivate)
	if err != nil {
		w.r.fail(EnvWebhookSubscribers, "%v", err)
	}
	retryFor := w.r.duration(EnvWebhookRetryFor, 24*time.Hour)
	base := w.r.duration(EnvWebhookRetryBase, 30*time.Second)
	arn := w.r.required(EnvWebhookSecretsARN)
	w.r.arn(EnvWebhookSecretsARN, arn)
	retry := w.queue("Webhooks", EnvWebhookQueueURL)
	dead := w.queue("Webhooks", EnvWebhookDLQURL)
	if w.link.Secrets == nil {
		w.unlinked("Webhooks", LinkSecrets)
		return nil
	}
	secrets := &webhookSecrets{read: w.link.Secrets(w.aws), arn: arn}
	if arn != "" {
		if _, err := secrets.Secret(w.ctx, ""); err != nil && !errors.Is(err, errNoKey) {
			if errors.Is(err, signing.ErrTransient) {
				w.transient = fmt.Errorf("lambdaconf: %s: %w", EnvWebhookSecretsARN, err)
			} else {
				w.r.fail(EnvWebhookSecretsARN, "%v", err)
			}
		}
	}
	return &webhook.Dispatcher{
		Subscribers: subs, Secrets: secrets, Queue: webhookQueue{retry: retry, dead: dead},
		Client: webhook.NewClient(webhook.ClientOptions{AllowPrivate: allowPrivate}), RetryFor: retryFor, Base: base,
	}
}

// duration reads an optional Go duration, def when unset.
func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := r.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(name, "must be a positive Go duration such as 30s or 24h")
		return def
	}
	return d
}

var errNoKey = errors.New("no signing key for this subscriber in the webhook secret")

// webhookSecrets reads the subscribers' keys from one secret, a JSON
// object of subscriber ID → key, and keeps them webhookSecretsTTL.
type webhookSecrets struct {
	read func(ctx context.Context, arn string) (string, error)
	arn  string

	mu   sync.Mutex
	keys map[string]string
	at   time.Time
}

// Secret returns the key of subscriber id.
func (s *webhookSecrets) Secret(ctx context.Context, id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil || time.Since(s.at) > webhookSecretsTTL {
		raw, err := s.read(ctx, s.arn)
		if err != nil {
			return "", err
		}
		keys := map[string]string{}
		if err := json.Unmarshal([]byte(raw), &keys); err != nil {
			return "", errors.New("the webhook secret is not a JSON object of subscriber IDs and keys")
		}
		s.keys, s.at = keys, time.Now()
	}
	k, ok := s.keys[id]
	if !ok || k == "" {
		return "", fmt.Errorf("%w %q", errNoKey, id)
	}
	return k, nil
}

// webhookQueue is webhook.Queue over the delivery queue and its
// dead-letter queue.
type webhookQueue struct{ retry, dead queue.Sender }

func (q webhookQueue) Retry(ctx context.Context, m webhook.Retry, delay time.Duration) error {
	return q.retry.Send(ctx, m, delay)
}

func (q webhookQueue) DeadLetter(ctx context.Context, d webhook.DeadLetter) error {
	return q.dead.Send(ctx, d, 0)
}

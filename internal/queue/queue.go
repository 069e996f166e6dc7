// Package queue names what the event functions need of a message queue:
// to send a JSON message, visible after a delay. Its SQS adapter is
// internal/lambdaconf/awsqueue; tests use fakes.
package queue

import (
	"context"
	"time"
)

// Sender sends v as a JSON message to one queue, visible after delay.
type Sender interface {
	Send(ctx context.Context, v any, delay time.Duration) error
}

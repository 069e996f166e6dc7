package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/signingflow/signing/internal/queue"
	"github.com/signingflow/signing/internal/signing"
)

// fakeSQS records batches and can refuse entries or fail.
type fakeSQS struct {
	mu      sync.Mutex
	batches [][]types.SendMessageBatchRequestEntry
	refuse  map[string]bool // entry ID → refused (sender fault)
	err     error
}

func (f *fakeSQS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	f.batches = append(f.batches, in.Entries)
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		if f.refuse[aws.ToString(e.Id)] {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InvalidMessageContents"), SenderFault: true})
		}
	}
	return out, nil
}

func orders(n int) []signing.NotificationOrder {
	out := make([]signing.NotificationOrder, n)
	for i := range out {
		out[i] = signing.NotificationOrder{IdempotencyKey: fmt.Sprintf("notify:g:T:p-%d", i), RecipientUUID: "u", EmailAddress: "a@example.no"}
	}
	return out
}

func TestQueue_Enqueue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		orders      []signing.NotificationOrder
		api         *fakeSQS
		wantBatches []int
		wantErr     error
	}{
		{name: "one", orders: orders(1), api: &fakeSQS{}, wantBatches: []int{1}},
		{name: "twenty_three_in_chunks_of_ten", orders: orders(23), api: &fakeSQS{}, wantBatches: []int{10, 10, 3}},
		{name: "none", orders: nil, api: &fakeSQS{}},
		{name: "refused_entry", orders: orders(2), api: &fakeSQS{refuse: map[string]bool{"m1": true}}, wantBatches: []int{2}, wantErr: signing.ErrInvalid},
		{name: "sqs_down", orders: orders(2), api: &fakeSQS{err: errors.New("ServiceUnavailable")}, wantErr: signing.ErrTransient},
		{name: "no_idempotency_key", orders: []signing.NotificationOrder{{RecipientUUID: "u"}}, api: &fakeSQS{}, wantErr: signing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := queue.New(tt.api, "https://sqs/q").Enqueue(context.Background(), tt.orders)
			if (tt.wantErr == nil) != (err == nil) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("Enqueue() error = %v, want %v", err, tt.wantErr)
			}
			var got []int
			for _, b := range tt.api.batches {
				got = append(got, len(b))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantBatches) {
				t.Errorf("batches = %v, want %v", got, tt.wantBatches)
			}
			for _, b := range tt.api.batches {
				for _, e := range b {
					o, err := queue.Decode(aws.ToString(e.MessageBody))
					if err != nil || aws.ToString(e.MessageAttributes[queue.AttrIdempotencyKey].StringValue) != o.IdempotencyKey {
						t.Errorf("message %s does not round-trip: %v", aws.ToString(e.Id), err)
					}
				}
			}
		})
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "not json", `{"idempotencyKey":"k"}`, `{"idempotencyKey":"k","recipientUuid":"u","extra":1}`, `[1]`} {
		if _, err := queue.Decode(body); !errors.Is(err, signing.ErrInvalid) {
			t.Errorf("Decode(%q) error = %v, want ErrInvalid", body, err)
		}
	}
}

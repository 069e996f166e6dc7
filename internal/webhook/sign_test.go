package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/signingflow/signing/internal/webhook"
)

// The test vector of the Standard Webhooks libraries
// (standard-webhooks/libraries v1.3.0, go/webhook_test.go, TestSign).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSign(t *testing.T) {
	t.Parallel()
	got, err := webhook.Sign(vectorSecret, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"webhook-id":        vectorID,
		"webhook-timestamp": strconv.Itoa(vectorTimestamp),
		"webhook-signature": vectorSignature,
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d headers, want %d: %v", len(got), len(want), got)
	}
}

func TestSign_refuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, secret, id string
	}{
		{name: "empty_id", secret: vectorSecret, id: ""},
		{name: "secret_not_base64", secret: "whsec_not base64!", id: vectorID},
		{name: "empty_secret", secret: "whsec_", id: vectorID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := webhook.Sign(tt.secret, tt.id, time.Now(), []byte("{}")); err == nil {
				t.Error("Sign succeeded, want an error")
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"e1"}`)
	signed := func(at time.Time) http.Header {
		h, err := webhook.Sign(vectorSecret, "e1", at, body)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	now := time.Now()
	tests := []struct {
		name      string
		secret    string
		header    http.Header
		body      []byte
		tolerance time.Duration
		want      error
	}{
		{name: "valid", secret: vectorSecret, header: signed(now), body: body},
		{name: "secret_without_prefix", secret: vectorSecret[len("whsec_"):], header: signed(now), body: body},
		{name: "wrong_secret", secret: "whsec_" + "c2VjcmV0LW9mLWFub3RoZXI=", header: signed(now), body: body, want: standardwebhooks.ErrNoMatchingSignature},
		{name: "body_changed", secret: vectorSecret, header: signed(now), body: []byte(`{"id":"e2"}`), want: standardwebhooks.ErrNoMatchingSignature},
		{name: "too_old", secret: vectorSecret, header: signed(now.Add(-2 * time.Minute)), body: body, tolerance: time.Minute, want: standardwebhooks.ErrMessageTooOld},
		{name: "too_new", secret: vectorSecret, header: signed(now.Add(2 * time.Minute)), body: body, tolerance: time.Minute, want: standardwebhooks.ErrMessageTooNew},
		{name: "default_tolerance_5m", secret: vectorSecret, header: signed(now.Add(-4 * time.Minute)), body: body},
		{name: "no_headers", secret: vectorSecret, header: http.Header{}, body: body, want: standardwebhooks.ErrRequiredHeaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.Verify(tt.secret, tt.header, tt.body, tt.tolerance)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Verify() = %v, want %v", err, tt.want)
			}
		})
	}
}

package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Sign returns the Standard Webhooks headers of body sent as message id at
// time at: webhook-id, webhook-timestamp (unix seconds) and
// webhook-signature ("v1," and the base64 HMAC-SHA256 of
// "id.timestamp.body" under secret, "whsec_" and the base64 key).
func Sign(secret, id string, at time.Time, body []byte) (http.Header, error) {
	if id == "" {
		return nil, errors.New("webhook: sign: the message id is empty")
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, fmt.Errorf("webhook: sign: secret: %w", err)
	}
	sig, err := wh.Sign(id, at, body)
	if err != nil {
		return nil, fmt.Errorf("webhook: sign: %w", err)
	}
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	return h, nil
}

// Verify checks, for a receiver, that h signs body under secret and that
// its timestamp is within tolerance of now (0 means the specification's
// 5 minutes). The errors wrap the library's (standardwebhooks.ErrNoMatchingSignature,
// ErrMessageTooOld, …).
func Verify(secret string, h http.Header, body []byte, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = 5 * time.Minute
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return fmt.Errorf("webhook: verify: secret: %w", err)
	}
	// The library's own tolerance is fixed, so it checks the signature
	// alone and the timestamp is checked here.
	if err := wh.VerifyIgnoringTimestamp(body, h); err != nil {
		return fmt.Errorf("webhook: verify: %w", err)
	}
	ts, err := strconv.ParseInt(h.Get(standardwebhooks.HeaderWebhookTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: verify: %w", standardwebhooks.ErrInvalidHeaders)
	}
	switch age := time.Since(time.Unix(ts, 0)); {
	case age > tolerance:
		return fmt.Errorf("webhook: verify: %w", standardwebhooks.ErrMessageTooOld)
	case age < -tolerance:
		return fmt.Errorf("webhook: verify: %w", standardwebhooks.ErrMessageTooNew)
	}
	return nil
}

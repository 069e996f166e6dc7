// Package webhook delivers this service's CloudEvents to webhook
// subscribers, signed as Standard Webhooks (https://www.standardwebhooks.com)
// says: the webhook-id, webhook-timestamp and webhook-signature headers
// over the event's structured-mode JSON. A delivery that fails is retried
// through a queue with backoff and, once its time is up, dead-lettered.
package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/signingflow/signing/internal/strictjson"
)

// Subscriber is one webhook endpoint and the events it wants. Its signing
// secret ("whsec_…") is kept under its ID in the stack's webhook secret
// (Secrets), not in the configuration.
type Subscriber struct {
	ID    string   `json:"id"`
	URL   string   `json:"url"`
	Types []string `json:"types"`
	Apps  []string `json:"apps"`
}

var (
	idPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9-]{1,64}$`) })
	// The same rule as signing's org and app names.
	namePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`) })
)

// ParseSubscribers reads the subscribers from raw, a JSON array; "" means
// none. Every type must be one of knownTypes. Only with allowPrivate may a
// URL be http or name a private address (the local stack's receivers).
func ParseSubscribers(raw string, knownTypes []string, allowPrivate bool) ([]Subscriber, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	if err := strictjson.Check([]byte(raw)); err != nil {
		return nil, fmt.Errorf("webhook: subscribers%s", prefixPath(err.Error()))
	}
	// Element by element, so an unknown field's error can name its index.
	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &elems); err != nil {
		return nil, fmt.Errorf("webhook: subscribers: %w", err)
	}
	out := make([]Subscriber, 0, len(elems))
	seen := map[string]int{}
	for i, el := range elems {
		var s Subscriber
		dec := json.NewDecoder(bytes.NewReader(el))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("webhook: subscribers[%d]: %w", i, err)
		}
		if err := s.validate(knownTypes, allowPrivate); err != nil {
			return nil, fmt.Errorf("webhook: subscribers[%d].%w", i, err)
		}
		if j, dup := seen[s.ID]; dup {
			return nil, fmt.Errorf("webhook: subscribers[%d].id: %q is subscribers[%d]'s too", i, s.ID, j)
		}
		seen[s.ID] = i
		out = append(out, s)
	}
	return out, nil
}

// prefixPath joins a strictjson error ("[1].url: …", or a bare message)
// to "subscribers".
func prefixPath(msg string) string {
	if strings.HasPrefix(msg, "[") {
		return msg
	}
	return ": " + msg
}

// validate returns "field: why" for the first field s gets wrong.
func (s Subscriber) validate(knownTypes []string, allowPrivate bool) error {
	if !idPattern().MatchString(s.ID) {
		return errors.New("id: must be 1 to 64 of a-z, 0-9 and -")
	}
	if err := checkURL(s.URL, allowPrivate); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	for i, t := range s.Types {
		if !slices.Contains(knownTypes, t) {
			return fmt.Errorf("types[%d]: %q is not an event type", i, t)
		}
	}
	for i, a := range s.Apps {
		org, app, ok := strings.Cut(a, "/")
		if !ok || !namePattern().MatchString(org) || !namePattern().MatchString(app) {
			return fmt.Errorf("apps[%d]: %q is not org/app", i, a)
		}
	}
	return nil
}

func checkURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the URL, which may carry a token in its query.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("does not parse: %w", err)
	}
	switch {
	case u.Scheme != "https" && !(allowPrivate && u.Scheme == "http"):
		if allowPrivate {
			return errors.New("must be https or http")
		}
		return errors.New("must be https")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return errors.New("must be absolute, with a host")
	case u.User != nil:
		return errors.New("must not carry a user or password")
	case strings.Contains(raw, "#"):
		return errors.New("must not have a fragment")
	}
	// A literal address is refused now rather than at every delivery;
	// names are checked when they are dialled.
	if addr, err := netip.ParseAddr(u.Hostname()); err == nil && !allowPrivate {
		if err := CheckAddress(addr); err != nil {
			return err
		}
	}
	return nil
}

// Wants reports whether s wants an event of eventType from org/app.
func (s Subscriber) Wants(eventType, org, app string) bool {
	return (len(s.Types) == 0 || slices.Contains(s.Types, eventType)) &&
		(len(s.Apps) == 0 || slices.Contains(s.Apps, org+"/"+app))
}

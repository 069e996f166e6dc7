package platformauth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// tokenCache keeps one token until a deadline and runs one refresh at a
// time; concurrent callers share it.
type tokenCache struct {
	op      string
	now     func() time.Time
	timeout time.Duration
	// fetch gets a new token and the time until which it may be reused.
	fetch func(ctx context.Context) (token string, until time.Time, err error)

	group singleflight.Group
	mu    sync.Mutex
	token string
	until time.Time
}

// newTokenCache returns a cache for op that refreshes with fetch, each
// refresh bounded by timeout (0: defaultTimeout).
func newTokenCache(op string, now func() time.Time, timeout time.Duration, fetch func(context.Context) (string, time.Time, error)) tokenCache {
	if timeout == 0 {
		timeout = defaultTimeout
	}
	return tokenCache{op: op, now: now, timeout: timeout, fetch: fetch}
}

// orNow returns now, or time.Now when it is nil.
func orNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// cached returns the token if it may still be used.
func (c *tokenCache) cached() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.until) {
		return c.token, true
	}
	return "", false
}

// get returns the cached token or waits for a refresh. The refresh runs
// under its own timeout, detached from ctx, so that one caller giving up
// does not fail the others; ctx only bounds this caller's wait.
func (c *tokenCache) get(ctx context.Context) (string, error) {
	if tok, ok := c.cached(); ok {
		return tok, nil
	}
	ch := c.group.DoChan("refresh", func() (any, error) {
		if tok, ok := c.cached(); ok {
			return tok, nil
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		tok, until, err := c.fetch(rctx)
		if err != nil {
			return "", err
		}
		c.mu.Lock()
		c.token, c.until = tok, until
		c.mu.Unlock()
		return tok, nil
	})
	select {
	case <-ctx.Done():
		return "", &PermanentError{Op: c.op, Code: "Canceled", Err: fmt.Errorf("waiting for a refresh: %w", context.Cause(ctx))}
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	}
}

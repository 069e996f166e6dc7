package edge

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// wholeTransport reads each upstream answer whole before the edge passes
// it on, and asks again when an answer to a call that is safe to repeat
// ends early. Answers of moto and of DynamoDB Local were now and then cut
// short under load (the edge saw its upstream connection closed
// mid-body), and the SDK does not retry a 200 whose body ends early; a
// read (Describe…, Get…, List…, Query, Scan, BatchGetItem) or a start
// whose execution name makes a repeat harmless is asked again, any other
// call fails as a 502 the SDK retries.
type wholeTransport struct {
	next  http.RoundTripper
	tries int
}

// repeatable reports whether call op may be sent again with the same effect.
func repeatable(op string) bool {
	for _, p := range []string{"Describe", "Get", "List", "Query", "Scan", "BatchGetItem"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return op == "StartExecution"
}

func (t wholeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		_ = r.Body.Close()
	}
	op := Classify(r).Operation
	for try := 1; ; try++ {
		out := r.Clone(r.Context())
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		resp, err := t.next.RoundTrip(out)
		if err != nil {
			return nil, err
		}
		b, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if rerr == nil {
			resp.Body = io.NopCloser(bytes.NewReader(b))
			resp.ContentLength = int64(len(b))
			return resp, nil
		}
		if !repeatable(op) || try >= t.tries || r.Context().Err() != nil {
			return nil, fmt.Errorf("the answer to %s ended early: %w", op, rerr)
		}
	}
}

package edge

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// cutShort answers with a body that ends early the first n times.
type cutShort struct {
	n, calls int
}

type failingBody struct{ io.Reader }

func (failingBody) Close() error { return nil }

func (c *cutShort) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls++
	b, _ := io.ReadAll(r.Body)
	if c.calls <= c.n {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: failingBody{io.MultiReader(strings.NewReader(`{"stat`), errReader{})}}, nil
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"echo":` + string(b) + `}`))}, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("use of closed network connection") }

func call(t *testing.T, tr http.RoundTripper, target string) (*http.Response, error) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "http://moto.invalid/", strings.NewReader(`1`))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Target", target)
	return tr.RoundTrip(r)
}

func TestWholeTransport(t *testing.T) {
	t.Parallel()
	// A read cut short is asked again, with the same body.
	up := &cutShort{n: 2}
	resp, err := call(t, wholeTransport{next: up, tries: 3}, "AWSStepFunctions.DescribeExecution")
	if err != nil {
		t.Fatalf("RoundTrip(read) error = %v", err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != `{"echo":1}` || up.calls != 3 {
		t.Errorf("RoundTrip(read) = %s after %d calls, want the whole answer on the third", b, up.calls)
	}
	// A call that is not safe to repeat fails instead.
	up = &cutShort{n: 1}
	if _, err := call(t, wholeTransport{next: up, tries: 3}, "AWSStepFunctions.SendTaskSuccess"); err == nil || up.calls != 1 {
		t.Errorf("RoundTrip(SendTaskSuccess cut short) = %v after %d calls, want an error and no repeat", err, up.calls)
	}
	// The tries run out.
	up = &cutShort{n: 5}
	if _, err := call(t, wholeTransport{next: up, tries: 3}, "TrentService.GetPublicKey"); err == nil || up.calls != 3 {
		t.Errorf("RoundTrip(always cut short) = %v after %d calls, want an error after 3", err, up.calls)
	}
}

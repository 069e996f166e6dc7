package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/signingflow/signing/internal/signing"
)

// Size limits of what the clients read.
const (
	maxJSONResponse = 4 << 20
	maxErrorBody    = 64 << 10
)

// errCallTimeout is the cause of a call cancelled by its own timeout.
var errCallTimeout = fmt.Errorf("platform: call timed out: %w", context.DeadlineExceeded)

// request is one call to a service.
type request struct {
	op     string
	method string
	// path are segments appended to the base URL; dynamic segments are
	// validated by the caller and escaped here.
	path          []string
	query         url.Values
	header        http.Header
	body          []byte
	contentType   string
	accept        string
	platformToken bool
	// bearer, when set, is sent instead of Config.Tokens' token: the
	// caller's own (Storage's sign endpoint).
	bearer string
	// noBearer leaves the Authorization header out, for the endpoints the
	// reference calls without one (the decision point, access management).
	noBearer bool
	// noSubscriptionKey leaves Ocp-Apim-Subscription-Key out (access
	// management, as app-lib's AccessManagementClient.cs calls it).
	noSubscriptionKey bool
}

// build turns r into an *http.Request with every header set.
func (s *service) build(ctx context.Context, r request) (*http.Request, error) {
	u := *s.base
	escaped := make([]string, len(r.path))
	for i, seg := range r.path {
		escaped[i] = url.PathEscape(seg)
	}
	u.RawPath = u.EscapedPath() + "/" + strings.Join(escaped, "/")
	unescaped, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, s.invalidRequest(r.op, errors.New("path does not escape"))
	}
	u.Path = unescaped
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, s.invalidRequest(r.op, errors.New("request cannot be built"))
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept+", application/problem+json;q=0.9")
	req.Header.Set("User-Agent", s.userAgent)
	if s.subscriptionKey != "" && !r.noSubscriptionKey {
		req.Header.Set("Ocp-Apim-Subscription-Key", s.subscriptionKey)
	}

	if r.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+r.bearer)
	} else if !r.noBearer {
		token, err := s.token(ctx, r.op, s.tokens)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if r.platformToken {
		pt, err := s.token(ctx, r.op, s.platformTokens)
		if err != nil {
			return nil, err
		}
		req.Header.Set("PlatformAccessToken", pt)
	}
	return req, nil
}

// token fetches a token and classifies a failure.
func (s *service) token(ctx context.Context, op string, src TokenSource) (string, error) {
	tok, err := src.Token(ctx)
	if err != nil {
		var te *TransientError
		if errors.As(err, &te) || errors.Is(err, signing.ErrTransient) || isTimeoutOrNet(err) {
			return "", &TransientError{Service: s.name, Operation: op, Code: "TokenUnavailable",
				Detail: "token source failed: " + clean(err.Error(), 200), Err: err}
		}
		return "", &PermanentError{Service: s.name, Operation: op, Code: "TokenUnavailable",
			Detail: "token source failed: " + clean(err.Error(), 200), Err: errors.Join(signing.ErrUnauthenticated, err)}
	}
	if tok == "" || strings.ContainsAny(tok, "\r\n\t ") {
		return "", &PermanentError{Service: s.name, Operation: op, Code: "TokenUnavailable",
			Detail: "token source returned an empty or malformed token", Err: signing.ErrUnauthenticated}
	}
	return tok, nil
}

// send performs r and returns the 2xx response; any other outcome is a
// classified error and the body is closed.
func (s *service) send(ctx context.Context, r request) (*http.Response, error) {
	req, err := s.build(ctx, r)
	if err != nil {
		return nil, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, s.transportError(ctx, r.op, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return nil, s.statusError(r.op, resp.StatusCode, resp.Header, parseProblem(resp.Header.Get("Content-Type"), data))
}

// doJSON performs r under the call timeout and decodes a 2xx JSON body into
// out (unless out is nil).
func (s *service) doJSON(ctx context.Context, r request, out any) error {
	_, err := s.doJSONStatus(ctx, r, out)
	return err
}

// doJSONStatus is doJSON that also returns the 2xx status, for answers
// such as 206 whose body says what failed.
func (s *service) doJSONStatus(ctx context.Context, r request, out any) (int, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, s.timeout, errCallTimeout)
	defer cancel()
	resp, err := s.send(ctx, r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONResponse+1))
	if err != nil {
		return 0, s.transportError(ctx, r.op, err)
	}
	if len(data) > maxJSONResponse {
		return 0, &PermanentError{Service: s.name, Operation: r.op, Status: resp.StatusCode, Code: "ResponseTooLarge",
			Detail: fmt.Sprintf("response body exceeds %d bytes", maxJSONResponse)}
	}
	if out == nil {
		return resp.StatusCode, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return 0, s.invalidResponse(r.op, resp.StatusCode, "response body is not the expected JSON")
	}
	return resp.StatusCode, nil
}

// invalidResponse is the error of a 2xx response the client cannot use.
func (s *service) invalidResponse(op string, status int, detail string) error {
	return &PermanentError{Service: s.name, Operation: op, Status: status, Code: "InvalidResponse", Detail: detail}
}

// transportError classifies an error that left no usable response: always
// transient, with a code saying why.
func (s *service) transportError(ctx context.Context, op string, err error) error {
	te := &TransientError{Service: s.name, Operation: op, Err: err}
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errCallTimeout) || errors.Is(cause, errStreamTimeout):
		te.Code = "Timeout"
		te.Detail = "no response within the client timeout"
		if errors.Is(cause, errStreamTimeout) {
			te.Detail = "the response body was not read within the stream timeout"
		}
		te.Err = cause
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		te.Code = "Timeout"
		te.Detail = "the caller's deadline passed before a response"
		if !errors.Is(err, context.DeadlineExceeded) {
			te.Err = errors.Join(context.DeadlineExceeded, err)
		}
	case errors.Is(err, context.Canceled):
		te.Code = "Canceled"
		te.Detail = "the caller cancelled the call"
	default:
		te.Code = "ConnectionFailed"
		te.Detail = clean(innermost(err), 200)
	}
	return te
}

// innermost returns the message of err without the method and URL a *url.Error adds.
func innermost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTimeoutOrNet(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne)
}

// checkIdempotencyKey accepts 1–255 visible ASCII characters.
func checkIdempotencyKey(key string) error {
	if key == "" {
		return fieldErrorf("idempotencyKey", "must be set")
	}
	if len(key) > 255 {
		return fieldErrorf("idempotencyKey", "must be at most 255 characters")
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return fieldErrorf("idempotencyKey", "must be visible ASCII without spaces")
		}
	}
	return nil
}

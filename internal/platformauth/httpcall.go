package platformauth

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody bounds what is read of an answer.
const maxBody = 64 << 10

// defaultTimeout bounds one refresh when the config sets none.
const defaultTimeout = 30 * time.Second

// defaultHTTPClient is used when a config has no HTTPClient: it never
// follows redirects (a redirect is then a permanent failure).
func defaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout: defaultTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// do sends req and returns the body of a 2xx answer; any other outcome is
// a classified error whose text holds none of secrets.
func do(client *http.Client, op string, req *http.Request, secrets ...string) ([]byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, callError(op, scrubbed(err, secrets...))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, callError(op, scrubbed(err, secrets...))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return body, nil
	}
	code, desc := errorText(body)
	return nil, statusError(op, resp.StatusCode, scrub(code, secrets...), scrub(desc, secrets...))
}

// errorText reads an OAuth error ({error, error_description}), an RFC 9457
// problem ({title, detail}) or short plain text.
func errorText(body []byte) (code, description string) {
	var e struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		Title            string `json:"title"`
		Detail           string `json:"detail"`
	}
	if json.Unmarshal(body, &e) == nil {
		if e.Error != "" || e.ErrorDescription != "" {
			return e.Error, e.ErrorDescription
		}
		if e.Title != "" || e.Detail != "" {
			return e.Title, e.Detail
		}
		return "", ""
	}
	text := strings.TrimSpace(string(body))
	if strings.HasPrefix(text, "<") {
		return "", "" // an HTML error page says nothing useful
	}
	return "", text
}

// scrubbedError keeps an error's identity (for errors.Is and As) but shows
// its text without secrets.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

func scrubbed(err error, secrets ...string) error {
	return &scrubbedError{msg: scrub(err.Error(), secrets...), err: err}
}

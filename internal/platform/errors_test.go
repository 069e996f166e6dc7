package platform

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

func TestPermanentError_Unwrap(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		status  int
		want    []error
		notWant []error
	}{
		{name: "not_found", status: 404, want: []error{signing.ErrNotFound}, notWant: []error{signing.ErrTransient}},
		{name: "gone", status: 410, want: []error{signing.ErrNotFound}},
		{name: "conflict", status: 409, want: []error{signing.ErrConflict}},
		{name: "precondition_failed", status: 412, want: []error{signing.ErrConflict}},
		{name: "bad_request", status: 400, want: []error{signing.ErrInvalid}},
		{name: "unprocessable", status: 422, want: []error{signing.ErrInvalid}},
		{name: "unauthorized", status: 401, want: []error{signing.ErrForbidden, signing.ErrUnauthenticated}},
		{name: "forbidden", status: 403, want: []error{signing.ErrForbidden}, notWant: []error{signing.ErrUnauthenticated}},
		{name: "method_not_allowed", status: 405, notWant: []error{signing.ErrInvalid, signing.ErrNotFound, signing.ErrTransient}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			err := error(&PermanentError{Service: "storage", Operation: "getInstance", Status: tt.status})
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("errors.Is(%v, %v) = false, want true", err, w)
				}
			}
			for _, w := range tt.notWant {
				if errors.Is(err, w) {
					t.Errorf("errors.Is(%v, %v) = true, want false", err, w)
				}
			}
		})
	}
}

func TestTransientError(t *testing.T) {
	t.Parallel()

	err := error(&TransientError{Service: "correspondence", Operation: "send", Code: "Timeout",
		Detail: "no response within the client timeout", Err: context.DeadlineExceeded})
	if !errors.Is(err, signing.ErrTransient) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, ErrTransient and DeadlineExceeded) = false, want true", err)
	}
	if got, want := err.Error(), "platform correspondence.send: transient failure: (Timeout): no response within the client timeout"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	withStatus := &TransientError{Service: "storage", Operation: "readData", Status: 503, Code: "InjectedFault", Detail: "x"}
	if got, want := withStatus.Error(), "platform storage.readData: transient failure: HTTP 503 Service Unavailable (InjectedFault): x"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestIsTransientStatus(t *testing.T) {
	t.Parallel()

	for status, want := range map[int]bool{400: false, 401: false, 404: false, 408: true, 409: false, 425: true, 429: true, 500: true, 502: true, 503: true, 504: true} {
		if got := isTransientStatus(status); got != want {
			t.Errorf("isTransientStatus(%d) = %v, want %v", status, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()

	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Duration
	}{
		{name: "seconds", in: "3", want: 3 * time.Second},
		{name: "http_date", in: now.Add(90 * time.Second).Format(http.TimeFormat), want: 90 * time.Second},
		{name: "past_date", in: now.Add(-time.Minute).Format(http.TimeFormat), want: 0},
		{name: "capped", in: "999999", want: time.Hour},
		{name: "negative", in: "-1", want: 0},
		{name: "garbage", in: "soon", want: 0},
		{name: "empty", in: "", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := parseRetryAfter(tt.in, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/signing"
)

func TestProblemFor(t *testing.T) {
	t.Parallel()
	var fes signing.FieldErrors
	fes.Add("page.limit", "must not be negative")
	fes.Add("taskId", "must be a BPMN task ID")
	tests := []struct {
		name           string
		err            error
		want           ProblemType
		wantErrors     map[string]string
		wantRetryAfter time.Duration
	}{
		{name: "field_errors_renamed", err: fmt.Errorf("memrepo: list: %w", fes), want: ProblemInvalidRequest,
			wantErrors: map[string]string{"limit": "must not be negative", "taskId": "must be a BPMN task ID"}},
		{name: "unnamed_invalid_is_ours", err: fmt.Errorf("register: %w", signing.ErrInvalid), want: ProblemInternal},
		{name: "platform_401_is_forbidden", err: &platform.PermanentError{Service: "storage", Operation: "get", Status: http.StatusUnauthorized}, want: ProblemForbidden},
		{name: "unauthenticated", err: fmt.Errorf("no person: %w", signing.ErrUnauthenticated), want: ProblemUnauthenticated},
		{name: "platform_404_is_not_found", err: &platform.PermanentError{Service: "storage", Operation: "get", Status: http.StatusNotFound}, want: ProblemNotFound},
		{name: "rejected", err: fmt.Errorf("task x: %w", signing.ErrRejected), want: ProblemTaskRejected},
		{name: "expired", err: fmt.Errorf("task x: %w", signing.ErrExpired), want: ProblemTaskExpired},
		{name: "closed", err: fmt.Errorf("task x: %w", signing.ErrTaskClosed), want: ProblemTaskClosed},
		{name: "conflict", err: fmt.Errorf("signee x: %w", signing.ErrConflict), want: ProblemConflict},
		{name: "transient_with_hint", err: fmt.Errorf("read: %w", &platform.TransientError{Service: "storage", Operation: "read", Status: 503, RetryAfter: 1500 * time.Millisecond}),
			want: ProblemUnavailable, wantRetryAfter: 1500 * time.Millisecond},
		{name: "transient_without_hint", err: fmt.Errorf("dynamo: %w", signing.ErrTransient), want: ProblemUnavailable, wantRetryAfter: defaultRetryAfter},
		{name: "deadline", err: fmt.Errorf("get: %w", context.DeadlineExceeded), want: ProblemUnavailable, wantRetryAfter: defaultRetryAfter},
		{name: "anything_else", err: errors.New("boom"), want: ProblemInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := problemFor(tt.err, pageFields)
			if got.Type != tt.want.URI() || got.Status != tt.want.Status || got.cause != tt.err {
				t.Errorf("problemFor(%v) = %s %d, want %s", tt.err, got.Type, got.Status, tt.want.URI())
			}
			if tt.wantErrors != nil && !maps.Equal(got.Errors, tt.wantErrors) {
				t.Errorf("errors = %v, want %v", got.Errors, tt.wantErrors)
			}
			if got.retryAfter != tt.wantRetryAfter {
				t.Errorf("retryAfter = %v, want %v", got.retryAfter, tt.wantRetryAfter)
			}
		})
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   time.Duration
		want string
	}{
		{name: "rounds_up", in: 1500 * time.Millisecond, want: "2"},
		{name: "at_least_one", in: time.Millisecond, want: "1"},
		{name: "whole", in: 7 * time.Second, want: "7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := retryAfterSeconds(tt.in); got != tt.want {
				t.Errorf("retryAfterSeconds(%v) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

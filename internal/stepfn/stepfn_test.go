package stepfn_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

func TestError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "rejected", err: fmt.Errorf("collect: %w", signing.ErrRejected), want: "Signing.Rejected"},
		{name: "expired", err: signing.ErrExpired, want: "Signing.Expired"},
		{name: "data_changed", err: signing.ErrDataChanged, want: "Signing.DataChanged"},
		{name: "transient", err: fmt.Errorf("x: %w", signing.ErrTransient), want: "Signing.Transient"},
		{name: "timeout", err: context.DeadlineExceeded, want: "Signing.Transient"},
		{name: "unclassified", err: errors.New("boom"), want: "Signing.Transient"},
		{name: "invalid", err: signing.Invalid("taskId", "bad"), want: "Signing.Invalid"},
		{name: "not_found", err: signing.ErrNotFound, want: "Signing.Invalid"},
		{name: "forbidden", err: signing.ErrForbidden, want: "Signing.Invalid"},
		{name: "conflict", err: signing.ErrConflict, want: "Signing.Conflict"},
		{name: "closed_otherwise", err: signing.ErrTaskClosed, want: "Signing.Conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got messages.InvokeResponse_Error
			if !errors.As(stepfn.Error(tt.err), &got) {
				t.Fatalf("Error() is not a messages.InvokeResponse_Error")
			}
			if got.Type != tt.want {
				t.Errorf("Type = %q, want %q", got.Type, tt.want)
			}
		})
	}
	if stepfn.Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	got := stepfn.Redact("person 15838523428 and uuid 0b6c1f2e-3d4a-4b5c-8d6e-000000050001, org 312847612 " + strings.Repeat("x", 3000))
	if strings.Contains(got, "15838523428") || !strings.Contains(got, "000000050001") || !strings.Contains(got, "312847612") || len(got) > 2000 {
		t.Errorf("Redact() = %.120q… (%d bytes)", got, len(got))
	}
	tests := []struct{ in, want string }{
		{"task b0000000-0000-4000-8000-00000000005b/SigningTask", "task b0000000-0000-4000-8000-00000000005b/SigningTask"},
		{"b0000000-0000-4000-8000-00000000005b:15838523428", "b0000000-0000-4000-8000-00000000005b:***********"},
		{"15838523428-0000-4000-8000-000000000000", "***********-0000-4000-8000-************"}, // not a GUID: longer runs are masked too
		{"x15838523428y", "x***********y"},
		{"0b0000000-0000-4000-8000-00000000005b", "0b0000000-0000-4000-8000-***********b"}, // not a GUID
		{"158385234280-0000-4000-8000-12345678901", "************-0000-4000-8000-***********"},
	}
	for _, tt := range tests {
		if got := stepfn.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSigneeEvent_Validate(t *testing.T) {
	t.Parallel()
	var ev stepfn.SigneeEvent
	if err := stepfn.Decode([]byte(`{"task":{"instanceGuid":"X","taskId":""},"signee":"nope"}`), &ev); err != nil {
		t.Fatal(err)
	}
	err := ev.Validate()
	for _, f := range []string{"task.instanceGuid", "task.taskId", "signee:"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("Validate() = %v, want it to name %s", err, f)
		}
	}
	for _, bad := range []string{``, `{`, `{"task":1}`, `{"task":{},"x":1}`, `{} {}`} {
		if err := stepfn.Decode([]byte(bad), &ev); !errors.Is(err, signing.ErrInvalid) {
			t.Errorf("Decode(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
	// A name given twice, or bytes that are not UTF-8: refused, naming where.
	for bad, field := range map[string]string{
		`{"task":{"instanceGuid":"a","instanceGuid":"b","taskId":"T"},"signee":"p-1"}`: "task.instanceGuid",
		`{"signee":"p-1","signee":"p-2"}`:                                              "signee",
		"{\"signee\":\"p-\xff\"}":                                                      "event",
	} {
		err := stepfn.Decode([]byte(bad), &ev)
		var fe *signing.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("Decode(%q) error = %v, want a field error naming %s", bad, err, field)
		}
	}
}

package redact_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/redact"
)

func TestDigits(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"task 1d3c5b7a-9e8f-4a6b-8c2d-000000050001/a12345678901": "task 1d3c5b7a-9e8f-4a6b-8c2d-000000050001/a***********",
		"pid 15838523428 and 123456789012":                       "pid *********** and ************",
		"party 50001, org 312847612":                             "party 50001, org 312847612",
		"":                                                       "",
	} {
		if got := redact.Digits(in); got != want {
			t.Errorf("Digits(%q) = %q, want %q", in, got, want)
		}
	}
}

type stringer struct{}

func (stringer) String() string { return "id 15838523428" }

func TestHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(redact.Handler{Next: slog.NewJSONHandler(&buf, nil)})
	log = log.With("task_id", "T02919043558")
	log.WithGroup("g").Info("saw 15838523428", "error", errors.New("bad 15838523428"), "s", stringer{},
		slog.Group("in", "path", "/x/15838523428"), "b", []byte("15838523428"), "n", 15838523428)
	out := buf.String()
	if strings.Contains(out, "15838523428") || strings.Contains(out, "02919043558") {
		t.Errorf("log line keeps a national ID: %s", out)
	}
}

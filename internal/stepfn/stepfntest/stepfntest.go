// Package stepfntest helps the functions' handler tests: it reads the
// sample events in events/ and tells the error name a handler returned.
//
// It serves development and is never deployed. It imports nothing of the
// project: a handler test that needs only an event does not pull in the
// signing harness (internal/signingtest).
package stepfntest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// Event returns the bytes of events/<name>.json.
func Event(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot(t), "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// moduleRoot is the folder with go.mod at or above the test's working directory.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("stepfntest: no go.mod above the test's folder")
		}
		dir = parent
	}
}

// ErrorName returns the errorType the Lambda runtime would report for err;
// it fails the test when err is not a messages.InvokeResponse_Error.
func ErrorName(t testing.TB, err error) (name, message string) {
	t.Helper()
	var ie messages.InvokeResponse_Error
	if !errors.As(err, &ie) {
		t.Fatalf("error = %v (%T), want a messages.InvokeResponse_Error", err, err)
	}
	return ie.Type, ie.Message
}

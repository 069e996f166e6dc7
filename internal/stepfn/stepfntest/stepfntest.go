// Package stepfntest helps the functions' handler tests: it reads the
// sample events in events/ and tells the error name a handler returned.
package stepfntest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/signingflow/signing/internal/signingtest"
)

// Event returns the bytes of events/<name>.json.
func Event(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(signingtest.ModuleRoot(t), "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
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

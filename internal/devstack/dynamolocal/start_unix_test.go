//go:build unix

package dynamolocal_test

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/dynamolocal"
	"github.com/signingflow/signing/internal/dynamo/dynamotest"
)

// TestStart_stop starts a second DynamoDB Local and checks Stop ends its
// whole process group.
func TestStart_stop(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: skipping a test that starts DynamoDB Local")
	}
	if _, err := dynamolocal.Locate(""); err != nil && !dynamotest.CI() {
		t.Skipf("SKIPPED (CI=true fails instead): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := dynamolocal.Start(ctx, dynamolocal.Options{})
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	resp, err := http.Get(inst.Endpoint())
	if err != nil {
		t.Fatalf("GET %s: %v", inst.Endpoint(), err)
	}
	_ = resp.Body.Close()
	if err := inst.Stop(); err != nil {
		t.Fatalf("Stop() error = %v", err)
	}
	if err := inst.Stop(); err != nil {
		t.Errorf("second Stop() error = %v", err)
	}
	if _, err := http.Get(inst.Endpoint()); err == nil {
		t.Errorf("%s still answers after Stop", inst.Endpoint())
	}
	if err := syscall.Kill(-inst.PID(), 0); err == nil {
		t.Errorf("process group %d still exists", inst.PID())
	}
}

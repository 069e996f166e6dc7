// Package devtest holds the test policy of the local stack's integration
// tests: under -short they are skipped (except in CI); when a dependency
// (Java, the npm package, python3 with moto, the go tool) is missing they
// are skipped loudly, and with CI=true they fail instead.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package devtest

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// CI reports whether the CI environment variable asks for no skips.
func CI() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

// Short skips tb under -short, unless CI=true.
func Short(tb testing.TB) {
	tb.Helper()
	if testing.Short() && !CI() {
		tb.Skip("-short: skipping a test that starts processes")
	}
}

// Unavailable fails tb (CI=true) or skips it loudly because a dependency
// is missing; err says which.
func Unavailable(tb testing.TB, err error) {
	tb.Helper()
	if CI() {
		tb.Fatalf("CI=true and a dependency of the local stack is missing: %v", err)
	}
	fmt.Fprintf(os.Stderr, "*** SKIPPING %s: %v\n", tb.Name(), err)
	tb.Skipf("SKIPPED (dependency missing; CI=true fails instead): %v", err)
}

// GoTool returns the go command, or fails/skips tb as Unavailable does.
func GoTool(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		Unavailable(tb, fmt.Errorf("the go tool is not on PATH: %w", err))
	}
	return p
}

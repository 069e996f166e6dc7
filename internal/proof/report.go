package proof

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/signingflow/signing/internal/signingtest"
)

// ReportDirEnv names the environment variable that turns report files on.
const ReportDirEnv = "PROOF_REPORT_DIR"

// WriteReport writes text to name in the directory $PROOF_REPORT_DIR (a
// relative directory is taken from the module root) and returns the path;
// without the variable it writes nothing and returns "". Tests never write
// into the repository by default.
func WriteReport(t testing.TB, name, text string) string {
	t.Helper()
	dir := os.Getenv(ReportDirEnv)
	if dir == "" {
		return ""
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(signingtest.ModuleRoot(t), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("%s: %v", ReportDirEnv, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatalf("%s: %v", ReportDirEnv, err)
	}
	return path
}

package appconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleDir is the lint-clean example app the tests start from.
const exampleDir = "../../examples/founders"

// copyExample copies the example app into a fresh temporary folder.
func copyExample(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	if err := os.CopyFS(dir, os.DirFS(exampleDir)); err != nil {
		t.Fatalf("copy example: %v", err)
	}
	return dir
}

// replace replaces old with new exactly once in the app file rel.
func replace(t *testing.T, dir, rel, old, new string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), old); n != 1 {
		t.Fatalf("%s: %q occurs %d times, want 1", rel, old, n)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replaceAll replaces every old with new in the app file rel; old must occur.
func replaceAll(t *testing.T, dir, rel, old, new string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s: %q not found", rel, old)
	}
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(data), old, new)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lineOf returns the 1-based line of the first occurrence of s in the app file rel.
func lineOf(t *testing.T, dir, rel, s string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(data), s)
	if i < 0 {
		t.Fatalf("%s: %q not found", rel, s)
	}
	return strings.Count(string(data[:i]), "\n") + 1
}

// mustLoad loads dir and fails the test on a load error.
func mustLoad(t *testing.T, dir string) *App {
	t.Helper()
	a, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	return a
}

// formatFindings renders findings one per line for failure messages.
func formatFindings(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n\t")
		b.WriteString(f.String())
	}
	return b.String()
}

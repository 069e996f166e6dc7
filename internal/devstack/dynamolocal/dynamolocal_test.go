package dynamolocal_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/signingflow/signing/internal/devstack/dynamolocal"
)

func TestLocate_missingPackage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := dynamolocal.Locate(dir)
	if !errors.Is(err, dynamolocal.ErrUnavailable) {
		t.Errorf("Locate() error = %v, want ErrUnavailable", err)
	}
}

func TestLocate_walksUp(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	lib := filepath.Join(root, "node_modules", dynamolocal.PackageName, "lib", "dynamodb_local_2026-01-16")
	if err := os.MkdirAll(filepath.Join(lib, "DynamoDBLocal_lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lib, "DynamoDBLocal.jar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "internal", "x")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := dynamolocal.Locate(sub)
	if err != nil {
		t.Fatalf("Locate() error = %v", err)
	}
	if want := filepath.Join(lib, "DynamoDBLocal.jar"); got.Jar != want {
		t.Errorf("Jar = %s, want %s", got.Jar, want)
	}
}

func TestStart_badJava(t *testing.T) {
	t.Parallel()
	_, err := dynamolocal.Start(t.Context(), dynamolocal.Options{Java: filepath.Join(t.TempDir(), "no-java"), Jar: "/nonexistent/DynamoDBLocal.jar"})
	if err == nil {
		t.Fatal("Start() error = nil, want one")
	}
}

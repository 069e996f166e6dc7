package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const exampleDir = "../../examples/founders"

// typoCopy returns a copy of the example app with the seed's typo
// (signeesState) in the BPMN.
func typoCopy(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	if err := os.CopyFS(dir, os.DirFS(exampleDir)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "App", "config", "process", "process.bpmn")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	old := ">signeeState</altinn:signeeStatesDataTypeId>"
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s does not contain %q", p, old)
	}
	data = bytes.Replace(data, []byte(old), []byte(">signeesState</altinn:signeeStatesDataTypeId>"), 1)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRealMain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       func(t *testing.T) []string
		wantCode   int
		wantStdout []string // substrings
		wantStderr []string // substrings
	}{
		{
			name:       "no_args",
			args:       func(*testing.T) []string { return nil },
			wantCode:   2,
			wantStderr: []string{"usage: signing <command>", "lint"},
		},
		{
			name:       "help",
			args:       func(*testing.T) []string { return []string{"help"} },
			wantCode:   0,
			wantStdout: []string{"usage: signing <command>", "lint", "help"},
		},
		{
			name:       "help_lint",
			args:       func(*testing.T) []string { return []string{"help", "lint"} },
			wantCode:   0,
			wantStdout: []string{"usage: signing lint <app-dir>"},
		},
		{
			name:       "help_unknown_command",
			args:       func(*testing.T) []string { return []string{"help", "frobnicate"} },
			wantCode:   2,
			wantStderr: []string{`unknown command "frobnicate"`},
		},
		{
			name:       "unknown_command",
			args:       func(*testing.T) []string { return []string{"frobnicate"} },
			wantCode:   2,
			wantStderr: []string{`unknown command "frobnicate"`, "usage:"},
		},
		{
			name:       "lint_example",
			args:       func(*testing.T) []string { return []string{"lint", exampleDir} },
			wantCode:   0,
			wantStderr: []string{"0 errors, 0 warnings"},
		},
		{
			name:     "lint_seed_typo",
			args:     func(t *testing.T) []string { return []string{"lint", typoCopy(t)} },
			wantCode: 1,
			wantStdout: []string{
				`App/config/process/process.bpmn:SigningTask.signeeStatesDataTypeId: error: data type "signeesState" is not defined`,
				`did you mean "signeeState"?`,
			},
			wantStderr: []string{"1 error, 0 warnings"},
		},
		{
			name:       "lint_missing_folder",
			args:       func(t *testing.T) []string { return []string{"lint", filepath.Join(t.TempDir(), "missing")} },
			wantCode:   2,
			wantStderr: []string{"signing lint: appconfig: cannot read", "missing"},
		},
		{
			name:       "lint_folder_without_app",
			args:       func(t *testing.T) []string { return []string{"lint", t.TempDir()} },
			wantCode:   2,
			wantStderr: []string{"not an app folder"},
		},
		{
			name:       "lint_without_folder",
			args:       func(*testing.T) []string { return []string{"lint"} },
			wantCode:   2,
			wantStderr: []string{"usage: signing lint <app-dir>"},
		},
		{
			name:       "lint_two_folders",
			args:       func(*testing.T) []string { return []string{"lint", exampleDir, exampleDir} },
			wantCode:   2,
			wantStderr: []string{"usage: signing lint <app-dir>"},
		},
		{
			name:       "lint_unknown_flag",
			args:       func(*testing.T) []string { return []string{"lint", "-x", exampleDir} },
			wantCode:   2,
			wantStderr: []string{"flag provided but not defined: -x"},
		},
		{
			name:       "lint_help_flag",
			args:       func(*testing.T) []string { return []string{"lint", "-h"} },
			wantCode:   0,
			wantStderr: []string{"usage: signing lint <app-dir>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			got := realMain(tt.args(t), &stdout, &stderr)
			if got != tt.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tt.wantCode, &stdout, &stderr)
			}
			for _, want := range tt.wantStdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout = %q, want it to contain %q", stdout.String(), want)
				}
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr = %q, want it to contain %q", stderr.String(), want)
				}
			}
		})
	}
}

func TestRunLint_outputFormat(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"lint", typoCopy(t)}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit code = %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("stdout has %d lines, want 1 finding:\n%s", len(lines), &stdout)
	}
	// path:field: error: message (line N)
	parts := strings.SplitN(lines[0], ":", 3)
	if len(parts) != 3 || parts[0] != "App/config/process/process.bpmn" || parts[1] != "SigningTask.signeeStatesDataTypeId" ||
		!strings.HasPrefix(parts[2], " error: ") || !regexp.MustCompile(` \(line [1-9][0-9]*\)$`).MatchString(parts[2]) {
		t.Errorf("finding line = %q, want App/config/process/process.bpmn:SigningTask.signeeStatesDataTypeId: error: … (line N)", lines[0])
	}
	if got, want := stderr.String(), "1 error, 0 warnings\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

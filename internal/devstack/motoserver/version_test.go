package motoserver

import (
	"errors"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/devstack/devtest"
)

// TestStart_unsupportedMotoVersion pins the launcher's version check: for a
// moto its patches do not support, Start fails at once, naming the
// installed and supported versions and what the patches are for, rather
// than serving a moto whose patches may not hold.
func TestStart_unsupportedMotoVersion(t *testing.T) {
	t.Parallel()
	srv, err := Start(t.Context(), Options{assumeMotoVersion: "5.3.0"})
	if errors.Is(err, ErrUnavailable) {
		devtest.Unavailable(t, err)
	}
	if err == nil {
		_ = srv.Stop()
		t.Fatal("Start() with moto 5.3.0 succeeded, want ErrUnsupportedVersion")
	}
	if !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("Start() error = %v, want ErrUnsupportedVersion", err)
	}
	for _, want := range []string{"moto 5.3.0 is installed", "supports moto 5.2.1 only", "getmoto/moto#10093", "getmoto/moto#10202", "startExecution.sync:2", "SUPPORTED_MOTO_VERSIONS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start() error = %q, want it to say %q", err, want)
		}
	}
}

// TestLauncher_supportedVersions pins that the versions the package doc
// and the README name are the launcher's.
func TestLauncher_supportedVersions(t *testing.T) {
	t.Parallel()
	if want := `SUPPORTED_MOTO_VERSIONS = ("5.2.1",)`; !strings.Contains(string(launcher), want) {
		t.Errorf("launcher.py does not declare %s; update the package doc and the README with it", want)
	}
}

func TestUnsupported(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, out, want string }{
		{name: "refusal", out: "some warning\nMOTO_UNSUPPORTED moto 5.3.0 is installed\n", want: "moto 5.3.0 is installed"},
		{name: "other_failure", out: "Traceback (most recent call last):\nImportError: cannot import name\n", want: ""},
		{name: "word_inside_a_line", out: "see MOTO_UNSUPPORTED in launcher.py\n", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := unsupported(tt.out); got != tt.want {
				t.Errorf("unsupported(%q) = %q, want %q", tt.out, got, tt.want)
			}
		})
	}
}

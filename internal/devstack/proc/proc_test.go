//go:build unix

package proc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/proc"
)

func TestProcess_Stop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		shell string
	}{
		{name: "exits_on_sigterm", shell: "echo hello; sleep 60 & wait"},
		{name: "ignores_sigterm", shell: "trap '' TERM; echo hello; sleep 60 & wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := proc.Start("sh", []string{"-c", tt.shell}, proc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, func() bool { return strings.Contains(p.Output(), "hello") })
			if err := p.Stop(500 * time.Millisecond); err != nil {
				t.Fatalf("Stop() error = %v", err)
			}
			if !p.Exited() {
				t.Error("Exited() = false after Stop")
			}
			waitFor(t, func() bool { return !proc.GroupAlive(p.PID()) })
			if err := p.Stop(time.Second); err != nil {
				t.Errorf("second Stop() error = %v", err)
			}
		})
	}
}

func TestProcess_Kill(t *testing.T) {
	t.Parallel()
	p, err := proc.Start("sleep", []string{"60"}, proc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.Kill()
	<-p.Done()
	if got := proc.ExitedWithSignal(p.Err()); !got {
		t.Errorf("ExitedWithSignal(%v) = false, want true", p.Err())
	}
}

func TestTail(t *testing.T) {
	t.Parallel()
	tail := proc.NewTail(5)
	for _, s := range []string{"abc", "defg", "h"} {
		_, _ = tail.Write([]byte(s))
	}
	if got, want := tail.String(), "defgh"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10s")
}

//go:build unix

package proc

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the child in its own process group, so one signal
// reaches it and everything it starts.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
}

// signalGroup sends SIGTERM, or SIGKILL when kill is set, to the child's process group.
func signalGroup(cmd *exec.Cmd, kill bool) {
	if cmd.Process == nil {
		return
	}
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		_ = cmd.Process.Signal(sig)
	}
}

// GroupAlive reports whether any process of the group pgid still exists.
func GroupAlive(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }

//go:build !unix

package proc

import "os/exec"

func setProcessGroup(*exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, _ bool) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

// GroupAlive reports whether the process group exists; without process
// groups it always says no.
func GroupAlive(int) bool { return false }

//go:build linux

package proc

import "syscall"

// setParentDeathSignal asks Linux to kill the child when the process that
// started it dies without stopping it (a test binary that panics, a killed
// `signing dev up`).
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }

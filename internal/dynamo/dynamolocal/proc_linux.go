//go:build linux

package dynamolocal

import "syscall"

// setParentDeathSignal asks Linux to kill the server if the process that
// started it dies without calling Stop (e.g. a test binary that panics).
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }

// Package proc runs the local stack's child processes (moto, function
// bootstraps): each in its own process group, killed with the parent on
// Linux, its output kept in a bounded tail for error messages and copied to
// an optional writer, and stopped as a whole group.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package proc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"
)

// Options configure Start.
type Options struct {
	// Dir is the working directory; empty means the caller's.
	Dir string
	// Env is the complete environment; nil inherits the caller's.
	Env []string
	// Stdout and Stderr receive the process's output besides the tail; nil discards it.
	Stdout, Stderr io.Writer
	// TailBytes is how much output Output keeps; default 16 KiB.
	TailBytes int
}

// Process is a running child process.
type Process struct {
	cmd     *exec.Cmd
	tail    *Tail
	done    chan struct{}
	waitErr error
	started time.Time

	stopOnce sync.Once
	stopErr  error
}

// Start starts name with args in a new process group.
func Start(name string, args []string, opts Options) (*Process, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = opts.Dir
	cmd.Env = opts.Env
	n := opts.TailBytes
	if n <= 0 {
		n = 16 << 10
	}
	tail := &Tail{max: n}
	cmd.Stdout = writers(tail, opts.Stdout)
	cmd.Stderr = writers(tail, opts.Stderr)
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("proc: start %s: %w", name, err)
	}
	p := &Process{cmd: cmd, tail: tail, done: make(chan struct{}), started: time.Now()}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func writers(tail *Tail, w io.Writer) io.Writer {
	if w == nil {
		return tail
	}
	return io.MultiWriter(tail, w)
}

// PID returns the process ID, which is also its process group ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Started returns when the process was started.
func (p *Process) Started() time.Time { return p.started }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err returns the result of waiting for the process; call it after Done.
func (p *Process) Err() error {
	<-p.done
	return p.waitErr
}

// Output returns the last output of the process (stdout and stderr interleaved).
func (p *Process) Output() string { return p.tail.String() }

// Kill sends SIGKILL to the process group without waiting.
func (p *Process) Kill() { signalGroup(p.cmd, true) }

// Stop sends SIGTERM to the process group, waits up to grace, then sends
// SIGKILL and waits again. Calling it again returns the first result.
func (p *Process) Stop(grace time.Duration) error {
	p.stopOnce.Do(func() {
		if !p.Exited() {
			signalGroup(p.cmd, false)
			select {
			case <-p.done:
			case <-time.After(grace):
				signalGroup(p.cmd, true)
				select {
				case <-p.done:
				case <-time.After(5 * time.Second):
					p.stopErr = fmt.Errorf("proc: process %d did not exit", p.PID())
					return
				}
			}
		}
		// Kill what the process may have left in its group.
		signalGroup(p.cmd, true)
	})
	return p.stopErr
}

// ExitedWithSignal reports whether err (from Err) says the process was killed by a signal.
func ExitedWithSignal(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == -1
}

// Tail keeps the last bytes written to it. It is safe for concurrent use.
type Tail struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

// NewTail returns a Tail that keeps max bytes.
func NewTail(max int) *Tail { return &Tail{max: max} }

func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

// String returns what the tail holds.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

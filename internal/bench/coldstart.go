package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/devstack/funchost"
)

// The baselines, built like the functions: the aws-lambda-go hello world,
// and the same with the DynamoDB and KMS clients (the SDK's floor).
const (
	helloLogicalID    = "HelloWorld (aws-lambda-go baseline)"
	helloPackage      = "internal/bench/testdata/hello"
	helloSDKLogicalID = "HelloWorld + DynamoDB and KMS clients (SDK baseline)"
	helloSDKPackage   = "internal/bench/testdata/hellosdk"
)

// baseline reports whether the function named is a baseline.
func baseline(function string) bool {
	return function == helloLogicalID || function == helloSDKLogicalID
}

// ColdStart is one function's cold starts.
type ColdStart struct {
	Function string
	// Init is the init duration of each cold start: process start to its
	// first Runtime API "next" (what Lambda reports as Init Duration).
	Init []time.Duration
	// First is the first invocation's duration after the cold start.
	First []time.Duration
	// Size is the bootstrap's size in bytes as the local stack builds it;
	// Stripped with -ldflags="-s -w" added (0 when not measured).
	Size, Stripped int64
	// ARM64Size is the size for the template's arm64 (make build's flags).
	ARM64Size int64
}

// ColdStarts is the cold-start benchmark's result.
type ColdStarts struct {
	Functions []ColdStart
	N         int
	BuildNote string
}

// runColdStarts restarts each function's process n times (and the hello
// world's), invoking it with an empty event each time. The events fail
// validation in most functions; init happens before the event is read, so
// that does not matter.
func (e *Env) runColdStarts(ctx context.Context, root string, n int, sizes bool, progress func(string)) (ColdStarts, error) {
	res := ColdStarts{N: n}
	dir, err := os.MkdirTemp("", "bench-hello-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	built, err := funchost.Build(ctx, funchost.BuildOptions{ModuleRoot: root, Packages: map[string]string{"hello": helloPackage, "hellosdk": helloSDKPackage}, OutDir: dir})
	if err != nil {
		return res, err
	}
	for _, name := range []string{"hello", "hellosdk"} {
		if err := e.Stack.Host.Add(funchost.Function{Name: "bench-" + name, Bootstrap: built[name], MemoryMB: 256, Timeout: 30 * time.Second}); err != nil {
			return res, err
		}
	}
	type fn struct{ logical, name, bootstrap, pkg string }
	var fns []fn
	for _, f := range e.Stack.Def.Functions {
		fns = append(fns, fn{f.LogicalID, f.Name, e.Bootstrap(f.LogicalID), f.CodeURI})
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].logical < fns[j].logical })
	fns = append(fns, fn{helloLogicalID, "bench-hello", built["hello"], helloPackage},
		fn{helloSDKLogicalID, "bench-hellosdk", built["hellosdk"], helloSDKPackage})
	for _, f := range fns {
		cs := ColdStart{Function: f.logical}
		if st, err := os.Stat(f.bootstrap); err == nil {
			cs.Size = st.Size()
		}
		// Round-robin would interleave functions; one function at a time
		// keeps each one's page cache and CPU conditions alike.
		for k := 0; k < n; k++ {
			e.Stack.Host.Kill(f.name)
			r, err := e.Stack.Host.Invoke(ctx, f.name, []byte("{}"), funchost.InvokeOptions{})
			if err != nil {
				return res, fmt.Errorf("cold start %s: %w", f.logical, err)
			}
			if r.InitDuration == 0 {
				return res, fmt.Errorf("cold start %s: the invocation reused a process", f.logical)
			}
			cs.Init = append(cs.Init, r.InitDuration)
			cs.First = append(cs.First, r.Duration)
		}
		e.Stack.Host.Kill(f.name)
		res.Functions = append(res.Functions, cs)
		d := Summarise(cs.Init)
		progress(fmt.Sprintf("cold start %s: init p50 %s p90 %s", f.logical, d.P50.Round(100*time.Microsecond), d.P90.Round(100*time.Microsecond)))
	}
	res.BuildNote = fmt.Sprintf("GOOS=linux GOARCH=%s CGO_ENABLED=0 go build -tags lambda.norpc -trimpath (funchost.Build, as sam build's go1.x builder; not stripped)", runtime.GOARCH)
	if sizes {
		pkgs := map[string]string{}
		for _, f := range fns {
			pkgs[f.logical] = f.pkg
		}
		stripped, err := buildSizes(ctx, root, pkgs, runtime.GOARCH, true)
		if err != nil {
			return res, err
		}
		arm, err := buildSizes(ctx, root, pkgs, "arm64", false)
		if err != nil {
			return res, err
		}
		for i := range res.Functions {
			res.Functions[i].Stripped = stripped[res.Functions[i].Function]
			res.Functions[i].ARM64Size = arm[res.Functions[i].Function]
		}
	}
	return res, nil
}

// buildSizes builds every package with the stack's flags for arch
// (stripped with -s -w when strip) in one go build, and returns each
// binary's size by key.
func buildSizes(ctx context.Context, root string, pkgs map[string]string, arch string, strip bool) (map[string]int64, error) {
	dir, err := os.MkdirTemp("", "bench-sizes-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", dir + string(filepath.Separator)}
	if strip {
		args = append(args, "-ldflags=-s -w")
	}
	byBase := map[string][]string{}
	for key, pkg := range pkgs {
		pkg = strings.TrimSuffix(filepath.ToSlash(pkg), "/")
		if len(byBase[filepath.Base(pkg)]) == 0 {
			args = append(args, "./"+pkg)
		}
		byBase[filepath.Base(pkg)] = append(byBase[filepath.Base(pkg)], key)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, b)
	}
	out := map[string]int64{}
	for base, keys := range byBase {
		st, err := os.Stat(filepath.Join(dir, base))
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			out[k] = st.Size()
		}
	}
	return out, nil
}

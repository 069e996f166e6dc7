package funchost

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// BuildOptions configure Build.
type BuildOptions struct {
	// ModuleRoot is the folder holding go.mod.
	ModuleRoot string
	// Packages maps a key (the function's logical ID) to its package folder
	// relative to ModuleRoot (its CodeUri), e.g. "functions/resolve-signees".
	Packages map[string]string
	// OutDir receives <key>/bootstrap for every key.
	OutDir string
	// GOARCH is the target architecture; default the host's (see docs/local-stack.md:
	// the template says arm64, the local stack runs the host's).
	GOARCH string
	// Go is the go command; default go on PATH.
	Go string
	// Output receives the compiler's output; it is also part of a build error.
	Output io.Writer
}

// Build compiles each package as `sam build` does for BuildMethod go1.x on
// provided.al2023: GOOS=linux, CGO_ENABLED=0, -tags lambda.norpc, into a
// file named bootstrap. It runs one `go build` for all packages, so they
// compile in parallel and share the build cache. It returns key → path of
// the bootstrap.
func Build(ctx context.Context, opts BuildOptions) (map[string]string, error) {
	goTool := opts.Go
	if goTool == "" {
		p, err := exec.LookPath("go")
		if err != nil {
			return nil, fmt.Errorf("funchost: build: the go tool is not on PATH: %w", err)
		}
		goTool = p
	}
	arch := opts.GOARCH
	if arch == "" {
		arch = runtime.GOARCH
	}
	if len(opts.Packages) == 0 {
		return map[string]string{}, nil
	}
	tmp, err := os.MkdirTemp(opts.OutDir, ".build-")
	if err != nil {
		if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
			return nil, fmt.Errorf("funchost: build: %w", err)
		}
		if tmp, err = os.MkdirTemp(opts.OutDir, ".build-"); err != nil {
			return nil, fmt.Errorf("funchost: build: %w", err)
		}
	}
	defer os.RemoveAll(tmp)

	// One binary per distinct package; go build names it after the folder.
	byDir := map[string][]string{}
	for key, dir := range opts.Packages {
		dir = path.Clean(filepath.ToSlash(dir))
		byDir[dir] = append(byDir[dir], key)
	}
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	// go build -o dir/ names each binary after the last path element, so
	// packages sharing one go into separate runs.
	var runs [][]string
	seen := map[string]int{}
	for _, d := range dirs {
		i := seen[path.Base(d)]
		seen[path.Base(d)]++
		for len(runs) <= i {
			runs = append(runs, nil)
		}
		runs[i] = append(runs[i], d)
	}
	out := map[string]string{}
	for i, run := range runs {
		dst := filepath.Join(tmp, fmt.Sprint(i))
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return nil, fmt.Errorf("funchost: build: %w", err)
		}
		args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", dst + string(filepath.Separator)}
		for _, d := range run {
			args = append(args, "./"+d)
		}
		cmd := exec.CommandContext(ctx, goTool, args...)
		cmd.Dir = opts.ModuleRoot
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if opts.Output != nil {
			cmd.Stdout = io.MultiWriter(&buf, opts.Output)
			cmd.Stderr = cmd.Stdout
		}
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("funchost: go %s: %w\n%s", strings.Join(args, " "), err, buf.String())
		}
		for _, d := range run {
			bin := filepath.Join(dst, path.Base(d))
			for _, key := range byDir[d] {
				target := filepath.Join(opts.OutDir, key, "bootstrap")
				if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
					return nil, fmt.Errorf("funchost: build: %w", err)
				}
				if err := copyFile(bin, target); err != nil {
					return nil, fmt.Errorf("funchost: build: %w", err)
				}
				out[key] = target
			}
		}
	}
	return out, nil
}

// copyFile copies an executable, replacing target atomically (a running
// process keeps its old file).
func copyFile(src, target string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp := target + ".new"
	if err := os.WriteFile(tmp, b, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, target)
}

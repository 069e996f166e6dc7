package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/signingflow/signing/internal/bench"
	"github.com/signingflow/signing/internal/devstack"
)

// runBench implements "signing bench": run the benchmarks on the local
// stack and write the report (make bench).
func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "`folder` for REPORT.md and the charts (default <module root>/bench)")
	quick := fs.Bool("quick", envBool("BENCH_QUICK"), "smaller sizes: a smoke run of every benchmark (also BENCH_QUICK=1)")
	many := fs.Int("many", 0, "run this many concurrent 3-signee `tasks` in the scale benchmark (default 1000; 20 with -quick)")
	verbose := fs.Bool("v", false, "print the stack's output")
	if code, ok := parseCommand(fs, args, 0); !ok {
		return code
	}
	root, err := devstack.FindModuleRoot("")
	if err != nil {
		fmt.Fprintf(stderr, "signing bench: %v\n", err)
		return 2
	}
	sizes, command := bench.FullSizes(), "make bench"
	if *quick {
		sizes, command = bench.QuickSizes(), "BENCH_QUICK=1 make bench"
	}
	if *many > 0 {
		sizes.ManyTasks = *many
		command += fmt.Sprintf(" (signing bench -many %d)", *many)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(root, "bench")
	}
	opts := bench.Options{
		ModuleRoot: root, OutDir: dir, Sizes: sizes, Command: command,
		Progress: func(s string) { fmt.Fprintf(stderr, "bench %s: %s\n", time.Now().Format("15:04:05"), s) },
	}
	if *verbose {
		opts.Logs = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench.Run(ctx, opts)
	if res != nil {
		fmt.Fprintf(stdout, "report: %s (%s)\n", filepath.Join(dir, "REPORT.md"), res.Wall.Round(time.Second))
	}
	if err != nil {
		fmt.Fprintf(stderr, "signing bench: %v\n", err)
		return 1
	}
	return 0
}

func envBool(name string) bool {
	v, _ := strconv.ParseBool(os.Getenv(name))
	return v
}

// Package bench measures the signing service on the local stack and
// writes bench/REPORT.md with PNG charts (`make bench`, `signing bench`):
//
//   - sign path: latency of the sign API at several concurrencies beside
//     the floor (the same DynamoDB transaction and read, sent bare);
//   - cold start: each function's init under the function host beside an
//     aws-lambda-go hello world built the same way; binary sizes;
//   - cost per task against the number of signees: state transitions,
//     Lambda invocations and time, DynamoDB requests and capacity units, SQS
//     requests, document bytes read, priced at list prices;
//   - scale: a 1,000-signee task and many concurrent 3-signee tasks end to
//     end, with the time and peak memory of every process.
//
// Every figure is measured by a run; tests run the code on tiny sizes and
// never assert a timing.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Sizes say how much each benchmark does.
type Sizes struct {
	Name string
	// SignLevels are the sign path's concurrencies; SignRequests the timed
	// requests per level; SignWarmup untimed ones before each level (at
	// least the concurrency).
	SignLevels   []int
	SignRequests map[int]int
	SignWarmup   int
	// ColdStarts per function; BinarySizes also builds stripped and arm64 binaries.
	ColdStarts  int
	BinarySizes bool
	// CostTogether and CostAlone are the signee counts run per pattern;
	// CostModel the counts modelled from the fitted lines when not run.
	CostTogether, CostAlone, CostModel []int
	// BigSignees is the scale run's one large task (0 skips it); it is also
	// the largest "together" cost row.
	BigSignees int
	// ManyTasks of 3 signees run at once (0 skips it); ManyConcurrency
	// bounds the sign requests in flight.
	ManyTasks, ManyConcurrency int
	// MaxProcesses per function in the function host (Lambda would start
	// more; on 2 cores more processes add cold starts, not throughput).
	MaxProcesses int
}

// FullSizes are `make bench`'s.
func FullSizes() Sizes {
	return Sizes{
		Name:       "full",
		SignLevels: []int{1, 10, 50}, SignRequests: map[int]int{1: 200, 10: 500, 50: 1000}, SignWarmup: 20,
		ColdStarts: 20, BinarySizes: true,
		CostTogether: []int{1, 3, 10, 100}, CostAlone: []int{1, 3, 10, 100, 1000}, CostModel: []int{1000},
		BigSignees: 1000, ManyTasks: 1000, ManyConcurrency: 50,
		MaxProcesses: 20,
	}
}

// QuickSizes are BENCH_QUICK=1's: a smoke run of every benchmark.
func QuickSizes() Sizes {
	return Sizes{
		Name:       "quick",
		SignLevels: []int{1, 10, 50}, SignRequests: map[int]int{1: 30, 10: 100, 50: 150}, SignWarmup: 10,
		ColdStarts:   5,
		CostTogether: []int{1, 3, 10}, CostAlone: []int{1, 3}, CostModel: []int{100, 1000},
		BigSignees: 100, ManyTasks: 20, ManyConcurrency: 20,
		MaxProcesses: 20,
	}
}

// TinySizes exercise the code in tests.
func TinySizes() Sizes {
	return Sizes{
		Name:       "tiny (test)",
		SignLevels: []int{1, 2}, SignRequests: map[int]int{1: 3, 2: 4}, SignWarmup: 1,
		ColdStarts:   2,
		CostTogether: []int{1, 2}, CostAlone: []int{1}, CostModel: []int{1000},
		BigSignees: 3, ManyTasks: 2, ManyConcurrency: 2,
		MaxProcesses: 4,
	}
}

// Options configure Run.
type Options struct {
	// ModuleRoot holds go.mod and template.yaml; default found from the working directory.
	ModuleRoot string
	// OutDir receives REPORT.md and the PNGs (default ModuleRoot/bench).
	OutDir string
	Sizes  Sizes
	// Command is how the report says it was made (e.g. "make bench").
	Command string
	// Logs receives the stack's output; nil discards it.
	Logs io.Writer
	// Progress is told what runs, one line at a time.
	Progress func(string)
}

// Results are everything a run measured.
type Results struct {
	Machine Machine
	Started time.Time
	Wall    time.Duration
	Sizes   Sizes
	Command string

	StackUp      time.Duration
	StackTimings map[string]time.Duration

	ColdStarts ColdStarts
	SignPath   SignPath
	Costs      []TaskCost
	Slopes     []Slopes
	Prices     PriceTable
	Scale      []ScaleRun
	// FormDataBytes is the form data (signee list) of the largest task.
	FormDataBytes int
	// Problems lists benchmarks that failed; the report shows them.
	Problems []string

	// ids are the generated national IDs, for the test that the report has none.
	ids []string
}

// Machine describes where the run happened.
type Machine struct {
	CPU, OS, GoVersion string
	Cores              int
	MemoryKB           int64
	// LoadBefore and LoadAfter are /proc/loadavg at the start and end.
	LoadBefore, LoadAfter string
}

func machine() Machine {
	m := Machine{OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version(), Cores: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				_, _ = fmt.Sscan(strings.TrimPrefix(line, "MemTotal:"), &m.MemoryKB)
			}
		}
	}
	m.LoadBefore = loadavg()
	return m
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// Run brings the stack up, runs every benchmark and writes the report. A
// benchmark that fails is reported as a problem and the others still run;
// the error is non-nil when the stack could not start or the report could
// not be written, or (joined) when any benchmark failed.
func Run(ctx context.Context, opts Options) (*Results, error) {
	if opts.Progress == nil {
		opts.Progress = func(string) {}
	}
	if opts.ModuleRoot == "" {
		return nil, errors.New("bench: no module root")
	}
	if opts.OutDir == "" {
		opts.OutDir = filepath.Join(opts.ModuleRoot, "bench")
	}
	sz := opts.Sizes
	res := &Results{Machine: machine(), Started: time.Now(), Sizes: sz, Prices: ListPrices, Command: opts.Command}
	spec := WorldSpec{}
	signNeeds := signPathNeeds(SignPathOptions{Levels: sz.SignLevels, Requests: sz.SignRequests, Warmup: sz.SignWarmup})
	signTasks := (signNeeds + signeesPerSignTask - 1) / signeesPerSignTask
	spec.Groups = append(spec.Groups, Group{Name: "sign", Count: signTasks, Signees: signeesPerSignTask},
		Group{Name: "floor", Count: signTasks, Signees: signeesPerSignTask})
	for _, n := range sz.CostTogether {
		spec.Groups = append(spec.Groups, Group{Name: fmt.Sprintf("%s-%d", PatternTogether, n), Count: 1, Signees: n})
	}
	for _, n := range sz.CostAlone {
		spec.Groups = append(spec.Groups, Group{Name: fmt.Sprintf("%s-%d", PatternAlone, n), Count: 1, Signees: n})
	}
	if sz.BigSignees > 0 {
		spec.Groups = append(spec.Groups, Group{Name: "big", Count: 1, Signees: sz.BigSignees})
	}
	if sz.ManyTasks > 0 {
		spec.Groups = append(spec.Groups, Group{Name: "many", Count: sz.ManyTasks, Signees: 3})
	}
	opts.Progress("starting the local stack")
	env, err := StartEnv(ctx, EnvOptions{ModuleRoot: opts.ModuleRoot, World: spec, MaxProcesses: sz.MaxProcesses, Logs: opts.Logs, Progress: opts.Progress})
	if err != nil {
		return nil, err
	}
	defer env.Close()
	res.StackUp, res.StackTimings = env.Started, env.Stack.Timings
	for _, p := range env.World.Fixture.Persons {
		res.ids = append(res.ids, p.SSN)
	}
	if sz.BigSignees > 0 {
		res.FormDataBytes = len(env.World.Tasks[env.Groups["big"][0]].Instance.Data[0].Bytes)
	}
	var problems []error
	problem := func(what string, err error) {
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", what, err))
			res.Problems = append(res.Problems, fmt.Sprintf("%s: %v", what, err))
			opts.Progress("FAILED " + what + ": " + firstLine(err.Error()))
		}
	}

	opts.Progress("cold starts")
	res.ColdStarts, err = env.runColdStarts(ctx, opts.ModuleRoot, sz.ColdStarts, sz.BinarySizes, opts.Progress)
	problem("cold start", err)

	opts.Progress("sign path")
	res.SignPath, err = env.runSignPath(ctx, SignPathOptions{Levels: sz.SignLevels, Requests: sz.SignRequests, Warmup: sz.SignWarmup}, opts.Progress)
	problem("sign path", err)

	for _, pat := range []struct {
		name string
		ns   []int
	}{{PatternTogether, sz.CostTogether}, {PatternAlone, sz.CostAlone}} {
		for _, n := range pat.ns {
			opts.Progress(fmt.Sprintf("cost: %d signee(s), %s", n, pat.name))
			c, err := env.runCost(ctx, env.Groups[fmt.Sprintf("%s-%d", pat.name, n)][0], pat.name)
			problem(fmt.Sprintf("cost of a task of %d signee(s) signing %s", n, pat.name), err)
			if err == nil {
				c.Price = res.Prices.Of(c)
				res.Costs = append(res.Costs, c)
				opts.Progress(fmt.Sprintf("cost: %d signee(s), %s: %d transitions, %d invocations (%s), %.0f WRU, %d events, $%.6f in %s",
					n, pat.name, c.Transitions, c.InvocationsTotal, joinCounts(c.Invocations), c.WRU, c.Events, c.Price.Total(), c.Duration.Round(time.Millisecond)))
			}
		}
	}

	if sz.BigSignees > 0 {
		opts.Progress(fmt.Sprintf("scale: one task of %d signees", sz.BigSignees))
		run, cost, err := env.runBig(ctx, env.Groups["big"][0])
		problem(fmt.Sprintf("scale: one task of %d signees", sz.BigSignees), err)
		res.Scale = append(res.Scale, run)
		if err == nil {
			cost.Price = res.Prices.Of(cost)
			res.Costs = append(res.Costs, cost)
		}
	}
	if sz.ManyTasks > 0 {
		opts.Progress(fmt.Sprintf("scale: %d tasks of 3 signees at once", sz.ManyTasks))
		run, err := env.runMany(ctx, env.Groups["many"], sz.ManyConcurrency)
		problem(fmt.Sprintf("scale: %d tasks of 3 signees", sz.ManyTasks), err)
		res.Scale = append(res.Scale, run)
	}

	// Model what was not run from the fitted lines.
	for _, pat := range []string{PatternTogether, PatternAlone} {
		s := fitSlopes(res.Costs, pat)
		if len(s.Rows) == 0 || countRows(res.Costs, pat) < 2 {
			continue
		}
		res.Slopes = append(res.Slopes, s)
		for _, n := range sz.CostModel {
			if !hasRow(res.Costs, pat, n) {
				res.Costs = append(res.Costs, s.modelled(n, res.Prices))
			}
		}
	}
	sortCosts(res.Costs)
	res.Machine.LoadAfter = loadavg()
	res.Wall = time.Since(res.Started)
	opts.Progress("writing the report to " + opts.OutDir)
	if err := WriteReport(res, opts.OutDir); err != nil {
		return res, err
	}
	return res, errors.Join(problems...)
}

func countRows(rows []TaskCost, pattern string) int {
	n := 0
	for _, r := range rows {
		if r.Pattern == pattern && !r.Modelled {
			n++
		}
	}
	return n
}

func hasRow(rows []TaskCost, pattern string, n int) bool {
	for _, r := range rows {
		if r.Pattern == pattern && r.N == n {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

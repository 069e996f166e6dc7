package bench

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is the peak memory of one role (a kind of process) over a phase.
type Memory struct {
	Role string
	// PeakKB is the highest VmHWM (peak resident set) of any one process of the role.
	PeakKB int64
	// PeakSumKB is the highest sum of VmRSS over the role's processes at one sample.
	PeakSumKB int64
	// Processes is how many distinct processes of the role were seen.
	Processes int
	// MaxConcurrent is the most processes of the role alive at one sample.
	MaxConcurrent int
}

// Sampler samples /proc/<pid>/status of this process and its children
// (DynamoDB Local's java, moto's python, every function bootstrap) and
// keeps peaks per role. It works on Linux only; elsewhere it records
// nothing.
type Sampler struct {
	every time.Duration
	roles func(pid int, cmdline string) string

	mu    sync.Mutex
	peaks map[string]*Memory
	seen  map[int]string
	stop  chan struct{}
	done  chan struct{}
}

// NewSampler returns a sampler that classifies processes with roleOf.
func NewSampler(every time.Duration) *Sampler {
	return &Sampler{every: every, roles: roleOf}
}

// roleOf names a process: "bench" for this one, "DynamoDB Local (java)",
// "moto (python)", a function's logical ID for its bootstrap; "" to ignore.
func roleOf(pid int, cmdline string) string {
	if pid == os.Getpid() {
		return "bench (this process)"
	}
	args := strings.Split(cmdline, "\x00")
	exe := filepath.Base(args[0])
	switch {
	case strings.HasPrefix(exe, "java"):
		return "DynamoDB Local (java)"
	case strings.HasPrefix(exe, "python"):
		return "moto (python)"
	case exe == "bootstrap":
		return "λ " + filepath.Base(filepath.Dir(args[0]))
	}
	return ""
}

// Start begins sampling, forgetting earlier peaks, and resets the kernel's
// peak RSS (VmHWM) of every process it can so the phase's own peak shows.
func (s *Sampler) Start() {
	s.mu.Lock()
	s.peaks = map[string]*Memory{}
	s.seen = map[int]string{}
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	s.mu.Unlock()
	for _, p := range s.processes() {
		// "5" resets the peak RSS (Linux ≥ 4.0); failure leaves the lifetime peak.
		_ = os.WriteFile("/proc/"+strconv.Itoa(p.pid)+"/clear_refs", []byte("5"), 0)
	}
	go func() {
		defer close(s.done)
		t := time.NewTicker(s.every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				s.sample()
				return
			case <-t.C:
			}
		}
	}()
}

// Stop ends sampling and returns the peaks, largest first.
func (s *Sampler) Stop() []Memory {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Memory, 0, len(s.peaks))
	for _, m := range s.peaks {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PeakSumKB > out[j].PeakSumKB })
	return out
}

type procInfo struct {
	pid  int
	role string
	hwm  int64
	rss  int64
}

// processes lists this process and its descendants with a role.
func (s *Sampler) processes() []procInfo {
	self := os.Getpid()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := ppid(pid); ok {
			parent[pid] = pp
		}
	}
	descends := func(pid int) bool {
		for i := 0; i < 16 && pid > 1; i++ {
			if pid == self {
				return true
			}
			pid = parent[pid]
		}
		return false
	}
	var out []procInfo
	for pid := range parent {
		if !descends(pid) {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err != nil {
			continue
		}
		role := s.roles(pid, string(bytes.TrimRight(cmd, "\x00")))
		if role == "" {
			continue
		}
		hwm, rss := memOf(pid)
		out = append(out, procInfo{pid: pid, role: role, hwm: hwm, rss: rss})
	}
	return out
}

func (s *Sampler) sample() {
	procs := s.processes()
	sums := map[string]int64{}
	counts := map[string]int{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range procs {
		m := s.peaks[p.role]
		if m == nil {
			m = &Memory{Role: p.role}
			s.peaks[p.role] = m
		}
		if _, ok := s.seen[p.pid]; !ok {
			s.seen[p.pid] = p.role
			m.Processes++
		}
		m.PeakKB = max(m.PeakKB, p.hwm, p.rss)
		sums[p.role] += p.rss
		counts[p.role]++
	}
	for role, sum := range sums {
		m := s.peaks[role]
		m.PeakSumKB = max(m.PeakSumKB, sum)
		m.MaxConcurrent = max(m.MaxConcurrent, counts[role])
	}
}

// ppid reads the parent PID from /proc/<pid>/stat.
func ppid(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// pid (comm) state ppid …; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(fields[1])
	return pp, err == nil
}

// memOf reads VmHWM and VmRSS (kB) of a process.
func memOf(pid int) (hwm, rss int64) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var dst *int64
		switch {
		case strings.HasPrefix(line, "VmHWM:"):
			dst = &hwm
		case strings.HasPrefix(line, "VmRSS:"):
			dst = &rss
		default:
			continue
		}
		fields := strings.Fields(line)
		if len(fields) >= 2 {
			*dst, _ = strconv.ParseInt(fields[1], 10, 64)
		}
	}
	return hwm, rss
}

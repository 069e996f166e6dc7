package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/signingflow/signing/internal/platform/wire"
)

// Fault makes calls of an operation fail or slow down.
type Fault struct {
	// Operation is one of Operations, or "*" for every operation.
	Operation string `json:"operation"`
	// Status, when set (400–599), is answered instead of handling the call.
	Status int `json:"status,omitempty"`
	// Count is how many calls the fault applies to; 0 means every call until
	// the faults are cleared.
	Count int `json:"count,omitempty"`
	// LatencyMs delays each affected call. A client that gives up during the
	// delay leaves nothing processed.
	LatencyMs int `json:"latencyMs,omitempty"`
	// RetryAfterSeconds, when set, is sent as Retry-After with Status.
	RetryAfterSeconds int `json:"retryAfterSeconds,omitempty"`
	// Body and ContentType replace the default problem body, e.g. to answer
	// with an HTML error page.
	Body        string `json:"body,omitempty"`
	ContentType string `json:"contentType,omitempty"`
}

// Validate reports what is wrong with f.
func (f Fault) Validate() error {
	if f.Operation != "*" && !slices.Contains(Operations, f.Operation) {
		return fmt.Errorf("operation: must be \"*\" or one of %v", Operations)
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return fmt.Errorf("status: must be 400-599")
	}
	if f.Status == 0 && f.LatencyMs <= 0 {
		return fmt.Errorf("status or latencyMs: set at least one")
	}
	if f.Count < 0 || f.LatencyMs < 0 || f.LatencyMs > 600_000 || f.RetryAfterSeconds < 0 {
		return fmt.Errorf("count, latencyMs (at most 600000) and retryAfterSeconds must not be negative")
	}
	return nil
}

// reply is the answer of a failing fault.
func (f *Fault) reply() reply {
	var rp reply
	if f.Body != "" {
		ct := f.ContentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		rp = reply{status: f.Status, header: http.Header{"Content-Type": {ct}}, body: []byte(f.Body)}
	} else {
		rp = problemReply(f.Status, wire.CodeInjectedFault, "injected fault for "+f.Operation, nil)
	}
	if f.RetryAfterSeconds > 0 {
		rp.header.Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
	}
	return rp
}

// InjectFault queues f; faults of one operation apply in the order injected.
func (e *Emulator) InjectFault(f Fault) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("emulator: fault: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[f.Operation] = append(e.faults[f.Operation], &f)
	return nil
}

// ClearFaults removes every fault.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = map[string][]*Fault{}
}

// Faults returns the faults still pending, with their remaining counts.
func (e *Emulator) Faults() []Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []Fault{}
	for _, op := range append([]string{"*"}, Operations...) {
		for _, f := range e.faults[op] {
			out = append(out, *f)
		}
	}
	return out
}

// takeFault returns the fault that applies to this call of op, using up one count.
func (e *Emulator) takeFault(op string) *Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, key := range []string{op, "*"} {
		queue := e.faults[key]
		if len(queue) == 0 {
			continue
		}
		f := queue[0]
		out := *f
		out.Operation = op
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				e.faults[key] = queue[1:]
			}
		}
		return &out
	}
	return nil
}

// recordCall counts a call of op.
func (e *Emulator) recordCall(op string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls[op]++
}

// Calls returns how many calls of op arrived, faulted ones included.
func (e *Emulator) Calls(op string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[op]
}

package asl

import "strings"

// History limits of a Standard execution.
const (
	MaxHistoryEvents = 25000
	MaxPayloadBytes  = 256 << 10
)

// Events returns the history events one successful pass through s records
// (no retries): a Task enters, is scheduled, starts, succeeds and exits (5);
// a callback (.waitForTaskToken) or .sync task also records TaskSubmitted
// (6); Pass and Choice enter and exit (2); a Map enters, starts, succeeds and
// exits (4) plus, per iteration, MapIterationStarted and MapIterationSucceeded
// (2) and the iteration's own states; a Fail state enters (1).
func Events(s State) int {
	switch s.Type {
	case "Task":
		if strings.HasSuffix(s.Resource, ".waitForTaskToken") || strings.Contains(s.Resource, ".sync") {
			return 6
		}
		return 5
	case "Map":
		return 4
	case "Fail":
		return 1
	}
	return 2
}

// RetryEvents is what each retry of a Task adds: TaskFailed, TaskScheduled, TaskStarted.
const RetryEvents = 3

// IterationEvents is what a Map records per iteration beyond its states.
const IterationEvents = 2

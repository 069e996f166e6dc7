package signing

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// PrepareCreate validates a task and its signees before a repository stores
// them, and fills the defaults (attempt 1, version, creation times). Every
// repository calls it, so they agree on what a valid create is. The
// execution ARN is recorded separately with SetExecution.
func PrepareCreate(task Task, signees []Signee, now time.Time) (Task, error) {
	var errs FieldErrors
	if err := task.Key.Validate(); err != nil {
		errs = append(errs, err.(FieldErrors)...)
	}
	if task.Attempt == 0 {
		task.Attempt = 1
	}
	if task.Attempt < 1 || task.Attempt > MaxAttempt {
		errs.Add("attempt", "must be between 1 and %d", MaxAttempt)
	}
	if task.Instance.InstanceGUID != task.Key.InstanceGUID {
		errs.Add("instance.instanceGuid", "must equal key.instanceGuid")
	}
	if task.Status != TaskCollecting {
		errs.Add("status", "a new task must be %s", TaskCollecting)
	}
	if task.ConfigDigest == "" {
		task.ConfigDigest = task.Config.Digest()
	} else if task.ConfigDigest != task.Config.Digest() {
		errs.Add("configDigest", "must be config.Digest()")
	}
	if task.Counts != (Counts{Total: len(signees)}) {
		errs.Add("counts", "must be total=%d (the number of signees), signed=0, pending=0", len(signees))
	}
	if groups, err := GroupCounts(signees, task.Config); err != nil || !slices.Equal(task.Groups, groups) {
		errs.Add("groups", "must count the signees of each group, none signed (GroupCounts), or be empty when there is one group")
	}
	seen := make(map[SigneeKey]bool, len(signees))
	for i, sg := range signees {
		if err := sg.Validate(); err != nil {
			var fes FieldErrors
			if errors.As(err, &fes) {
				for _, fe := range fes {
					errs.Add(fmt.Sprintf("signees[%d].%s", i, fe.Field), "%s", fe.Message)
				}
			}
		}
		if sg.Status != SigneeResolved {
			errs.Add(fmt.Sprintf("signees[%d].status", i), "a new signee must be %s", SigneeResolved)
		}
		if seen[sg.Key] {
			errs.Add(fmt.Sprintf("signees[%d].key", i), "duplicate signee")
		}
		seen[sg.Key] = true
	}
	if err := errs.Err(); err != nil {
		return task, err
	}
	if task.Version == 0 {
		task.Version = 1
	}
	if task.CreatedAt.IsZero() {
		task.CreatedAt = now
	}
	if task.UpdatedAt.IsZero() {
		task.UpdatedAt = task.CreatedAt
	}
	task.ExecutionARN, task.ClosedAt, task.CloseReason = "", time.Time{}, ""
	return task, nil
}

// PrepareRestart validates a restart: the new attempt's task and signees as
// PrepareCreate does, and an attempt above previousAttempt. Every
// repository calls it, so they agree on what a valid restart is.
func PrepareRestart(task Task, signees []Signee, previousAttempt int, now time.Time) (Task, error) {
	task, err := PrepareCreate(task, signees, now)
	if err != nil {
		return task, err
	}
	if previousAttempt < 1 || previousAttempt >= task.Attempt {
		return task, Invalid("previousAttempt", "must be between 1 and the new attempt %d (exclusive)", task.Attempt)
	}
	return task, nil
}

// RestartDetail is the detail of the "task.restarted" audit entry: which
// attempt replaces which, how it ended, and the new number of signees.
func RestartDetail(previous Task, attempt, signees int) string {
	return fmt.Sprintf("attempt %d replaces attempt %d (%s): %d signees", attempt, previous.Attempt, previous.Status, signees)
}

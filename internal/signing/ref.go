package signing

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

var (
	guidPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	})
	namePattern   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`) })
	taskIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,127}$`) })
)

// InstanceRef identifies one instance of an app: who owns it and which one it is.
type InstanceRef struct {
	// Org is the service owner's short code, e.g. "ttd".
	Org string `json:"org"`
	// App is the app name, e.g. "founders".
	App string `json:"app"`
	// PartyID is the instance owner's party ID.
	PartyID int64 `json:"instanceOwnerPartyId"`
	// InstanceGUID is the instance's GUID in lowercase canonical form.
	InstanceGUID string `json:"instanceGuid"`
}

// ParseInstanceRef builds an InstanceRef from route values, normalising the GUID.
func ParseInstanceRef(org, app, partyID, instanceGUID string) (InstanceRef, error) {
	var errs FieldErrors
	if !namePattern().MatchString(org) {
		errs.Add("org", "must be 1-100 lowercase letters, digits or dashes")
	}
	if !namePattern().MatchString(app) {
		errs.Add("app", "must be 1-100 lowercase letters, digits or dashes")
	}
	// A party ID is a 32-bit integer: the platform's routes take
	// {instanceOwnerPartyId:int} (Altinn/altinn-storage InstancesController.cs,
	// Altinn/app-lib-dotnet SigningController.cs).
	pid, err := strconv.ParseInt(partyID, 10, 32)
	if err != nil || pid <= 0 {
		errs.Add("instanceOwnerPartyId", "must be a positive integer of at most 2147483647")
	}
	guid := strings.ToLower(strings.TrimSpace(instanceGUID))
	if !guidPattern().MatchString(guid) {
		errs.Add("instanceGuid", "must be a GUID like 6f1c2d3e-0000-4000-8000-000000000000")
	}
	if err := errs.Err(); err != nil {
		return InstanceRef{}, err
	}
	return InstanceRef{Org: org, App: app, PartyID: pid, InstanceGUID: guid}, nil
}

// Validate reports every malformed field.
func (r InstanceRef) Validate() error {
	_, err := ParseInstanceRef(r.Org, r.App, strconv.FormatInt(r.PartyID, 10), r.InstanceGUID)
	return err
}

// AppID returns "org/app".
func (r InstanceRef) AppID() string { return r.Org + "/" + r.App }

// InstanceID returns "partyId/instanceGuid", the platform's instance ID.
func (r InstanceRef) InstanceID() string {
	return fmt.Sprintf("%d/%s", r.PartyID, r.InstanceGUID)
}

// ResourceID returns the access-management resource of the app, "app_{org}_{app}".
func (r InstanceRef) ResourceID() string { return "app_" + r.Org + "_" + r.App }

// TaskKey identifies one signing task of one instance; it is the unit of state.
type TaskKey struct {
	// InstanceGUID is the instance's GUID in lowercase canonical form.
	InstanceGUID string `json:"instanceGuid"`
	// TaskID is the BPMN task ID, e.g. "SigningTask".
	TaskID string `json:"taskId"`
	// Attempt, when set, qualifies the key: a workflow step of that attempt.
	// A repository given a qualified key acts only while the stored task is
	// at that attempt (and no restart to a later one is under way); a later
	// attempt is ErrSuperseded. Zero (the API, which reads the current
	// attempt) leaves the key unqualified. The item keys never hold it.
	Attempt int `json:"attempt,omitempty"`
}

// Unqualified returns the key without its attempt.
func (k TaskKey) Unqualified() TaskKey {
	return TaskKey{InstanceGUID: k.InstanceGUID, TaskID: k.TaskID}
}

// At returns the key qualified with attempt.
func (k TaskKey) At(attempt int) TaskKey { k.Attempt = attempt; return k }

// CheckAttempt compares the key's attempt, if any, with the stored task's
// attempt and the attempt of a restart under way (0 if none): a later one
// is ErrSuperseded, an earlier one ErrConflict.
func (k TaskKey) CheckAttempt(stored, restarting int) error {
	if k.Attempt == 0 {
		return nil
	}
	stored = max(stored, 1)
	switch {
	case stored > k.Attempt || restarting > k.Attempt:
		return fmt.Errorf("attempt %d of task %s is superseded by attempt %d: %w", k.Attempt, k, max(stored, restarting), ErrSuperseded)
	case stored < k.Attempt:
		return fmt.Errorf("task %s is at attempt %d, not %d: %w", k, stored, k.Attempt, ErrConflict)
	}
	return nil
}

// Validate reports every malformed field.
func (k TaskKey) Validate() error {
	var errs FieldErrors
	if !guidPattern().MatchString(k.InstanceGUID) {
		errs.Add("instanceGuid", "must be a lowercase GUID")
	}
	if !taskIDPattern().MatchString(k.TaskID) {
		errs.Add("taskId", "must be a BPMN task ID (letters, digits, '_', '-', '.'; at most 128)")
	}
	if k.Attempt < 0 || k.Attempt > MaxAttempt {
		errs.Add("attempt", "must be between 1 and %d, or absent", MaxAttempt)
	}
	return errs.Err()
}

// String returns "instanceGuid/taskId", safe for logs, with "#attempt"
// when the key is qualified.
func (k TaskKey) String() string {
	if k.Attempt > 0 {
		return k.InstanceGUID + "/" + k.TaskID + "#" + strconv.Itoa(k.Attempt)
	}
	return k.InstanceGUID + "/" + k.TaskID
}

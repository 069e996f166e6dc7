package workflow

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// InputVersion is the version of the execution input this code reads and
// writes (schema/execution-input.v1.json).
const InputVersion = 1

// SchemaPath is the JSON Schema of Input, relative to the module root.
const SchemaPath = "schema/execution-input.v1.json"

// MaxDuration bounds a task's deadline: a Standard execution runs at most
// one year, and the execution that waits for a task must outlive it.
const MaxDuration = signing.MaxDuration

// MaxAttempt is the highest attempt number.
const MaxAttempt = signing.MaxAttempt

// Input is the execution input the process engine starts a signing task
// with. It carries keys and configuration, never personal data.
type Input struct {
	// Version is InputVersion.
	Version int `json:"version"`
	// Instance is the instance whose process is in the signing task.
	Instance signing.InstanceRef `json:"instance"`
	// TaskID is the BPMN ID of the signing task.
	TaskID string `json:"taskId"`
	// Config is the task's signature configuration (altinn:signatureConfig).
	Config signing.Config `json:"config"`
	// Deadline, when set, expires the task; at most MaxDuration ahead.
	Deadline time.Time `json:"deadline,omitzero"`
	// Attempt counts the times the process engine entered this task for the
	// instance (1 when absent); a new attempt is a new execution, and starts
	// a rejected, expired or failed task again from a clean state (signing.Service.Start).
	Attempt int `json:"attempt,omitempty"`
	// Continuation is set only by the workflow itself, on the execution that
	// continues a long task in a fresh history (docs/workflow.md, "Limits").
	Continuation *Continuation `json:"continuation,omitempty"`
	// StartedBy links a continuation to its parent in the console; set by the workflow.
	StartedBy string `json:"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID,omitempty"`
}

// Continuation marks an execution that continues its parent's task.
type Continuation struct {
	ParentExecutionARN string `json:"parentExecutionArn"`
}

// Output is the execution's output: what the process engine reads.
type Output struct {
	Outcome  signing.Outcome     `json:"outcome"`
	Instance signing.InstanceRef `json:"instance"`
	TaskID   string              `json:"taskId"`
}

// attempt returns the attempt, 1 when unset.
func (in Input) attempt() int {
	if in.Attempt == 0 {
		return 1
	}
	return in.Attempt
}

// Key returns the task key.
func (in Input) Key() signing.TaskKey {
	return signing.TaskKey{InstanceGUID: in.Instance.InstanceGUID, TaskID: in.TaskID}
}

// StartInput returns what the service's Start step needs, with the
// attempt (1 when unset).
func (in Input) StartInput(executionARN string) signing.StartInput {
	return signing.StartInput{
		Instance: in.Instance, TaskID: in.TaskID, Config: in.Config, Deadline: in.Deadline,
		Attempt: in.attempt(), ExecutionARN: executionARN,
	}
}

var (
	dataTypePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`) })
	resourcePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$`) })
)

// Validate reports every malformed field at once, each error naming its
// field (e.g. "config.signatureDataType"). now is the time a deadline is
// measured from.
func (in Input) Validate(now time.Time) error {
	var errs signing.FieldErrors
	if in.Version != InputVersion {
		errs.Add("version", "must be %d", InputVersion)
	}
	if err := in.Instance.Validate(); err != nil {
		var fes signing.FieldErrors
		if errors.As(err, &fes) {
			for _, fe := range fes {
				errs.Add("instance."+fe.Field, "%s", fe.Message)
			}
		}
	}
	if g := in.Instance.InstanceGUID; g != strings.ToLower(g) {
		errs.Add("instance.instanceGuid", "must be lowercase")
	}
	key := signing.TaskKey{InstanceGUID: "00000000-0000-4000-8000-000000000000", TaskID: in.TaskID}
	if key.Validate() != nil {
		errs.Add("taskId", "must be a BPMN task ID (a letter or '_', then letters, digits, '_', '-' or '.'; at most 128)")
	}
	in.validateConfig(&errs)
	if !in.Deadline.IsZero() {
		switch {
		case !in.Deadline.After(now):
			errs.Add("deadline", "must be in the future")
		case in.Deadline.Sub(now) > MaxDuration:
			errs.Add("deadline", "must be at most %d days ahead (a Standard execution runs at most a year)", int(MaxDuration.Hours()/24))
		}
	}
	if in.Attempt < 0 || in.Attempt > MaxAttempt {
		errs.Add("attempt", "must be between 1 and %d", MaxAttempt)
	}
	if in.Continuation != nil && !strings.HasPrefix(in.Continuation.ParentExecutionARN, "arn:") {
		errs.Add("continuation.parentExecutionArn", "must be an execution ARN")
	}
	return errs.Err()
}

func (in Input) validateConfig(errs *signing.FieldErrors) {
	c := in.Config
	if len(c.DataTypesToSign) == 0 {
		errs.Add("config.dataTypesToSign", "must name at least one data type")
	}
	for i, dt := range c.DataTypesToSign {
		if !dataTypePattern().MatchString(dt) {
			errs.Add("config.dataTypesToSign["+strconv.Itoa(i)+"]", "must be a data type ID")
		}
	}
	for i, dt := range c.UniqueFromSignaturesInDataTypes {
		if !dataTypePattern().MatchString(dt) {
			errs.Add("config.uniqueFromSignaturesInDataTypes["+strconv.Itoa(i)+"]", "must be a data type ID")
		}
	}
	for _, f := range []struct{ field, v string }{
		{"config.signatureDataType", c.SignatureDataType},
		{"config.signeeProviderId", c.SigneeProviderID},
		{"config.signeeStatesDataTypeId", c.SigneeStatesDataTypeID},
	} {
		field, v := f.field, f.v
		if v == "" {
			errs.Add(field, "must be set: runtime-delegated signing needs signatureDataType, signeeProviderId and signeeStatesDataTypeId")
		} else if !dataTypePattern().MatchString(v) {
			errs.Add(field, "must be 1-100 letters, digits, '_', '-' or '.'")
		}
	}
	if c.SigningPDFDataType != "" && !dataTypePattern().MatchString(c.SigningPDFDataType) {
		errs.Add("config.signingPdfDataType", "must be a data type ID")
	}
	for i, r := range c.CorrespondenceResources {
		if !resourcePattern().MatchString(r.Value) {
			errs.Add("config.correspondenceResources["+strconv.Itoa(i)+"].value", "must be a resource ID")
		}
	}
	if c.MaxSignees < 0 || c.MaxSignees > signees.DefaultMax {
		errs.Add("config.maxSignees", "must be between 0 (the product limit) and %d", signees.DefaultMax)
	}
	for _, check := range []func() error{func() error { _, err := c.DeadlineSettings(); return err }, c.CheckRequiredSignatures} {
		if err := check(); err != nil {
			for _, fe := range err.(signing.FieldErrors) {
				errs.Add("config."+fe.Field, "%s", fe.Message)
			}
		}
	}
}

// ParseInput decodes an execution input strictly (unknown fields are
// errors, naming the field) and validates it.
func ParseInput(data []byte, now time.Time) (Input, error) {
	var in Input
	if err := stepfn.Decode(data, &in); err != nil {
		var tim *time.ParseError
		if errors.As(err, &tim) || strings.Contains(err.Error(), "RFC 3339") {
			return Input{}, signing.Invalid("deadline", "must be an RFC 3339 time such as 2026-04-01T12:00:00Z")
		}
		return Input{}, err
	}
	if err := in.Validate(now); err != nil {
		return Input{}, err
	}
	return in, nil
}

// Execution name rules: at most 80 characters; the continuation's names
// (instance GUID, '-', 32 hex digits) stay below that.
const maxExecutionName = 80

// ExecutionName names the execution of a task attempt deterministically:
// "<instanceGuid>-<taskId>-<attempt>". A task ID too long to fit is cut and
// followed by 8 hex digits of its SHA-256, so names stay unique. Every
// character of a GUID and a BPMN task ID is valid in an execution name.
func ExecutionName(instanceGUID, taskID string, attempt int) string {
	suffix := "-" + strconv.Itoa(attempt)
	room := maxExecutionName - len(instanceGUID) - 1 - len(suffix)
	if len(taskID) > room {
		sum := sha256.Sum256([]byte(taskID))
		taskID = taskID[:room-9] + "." + hex.EncodeToString(sum[:4])
	}
	return fmt.Sprintf("%s-%s%s", instanceGUID, taskID, suffix)
}

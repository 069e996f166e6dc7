package stepfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/strictjson"
)

// TaskEvent is the input of a step that works on the whole task. The task
// key carries the execution's attempt ("attempt"), which every step needs:
// a step of a superseded attempt changes nothing (signing.ErrSuperseded).
type TaskEvent struct {
	Task signing.TaskKey `json:"task"`
}

// Validate reports a malformed task key or a missing attempt.
func (e TaskEvent) Validate() error { return ValidateTask(e.Task) }

// ValidateTask reports a malformed task key of a step event, or one without
// its attempt, with field names under "task.".
func ValidateTask(k signing.TaskKey) error {
	var errs signing.FieldErrors
	var fes signing.FieldErrors
	if errors.As(prefixed("task", k.Validate()), &fes) {
		errs = append(errs, fes...)
	}
	if k.Attempt == 0 {
		errs.Add("task.attempt", "must be set: the attempt of the execution (1 or more)")
	}
	return errs.Err()
}

// CollectEvent is the input of the collect step: the task, the round of
// this execution (0 on the first, which looks at every signee for one whose
// delegate or notify step did not succeed), the previous round's
// needDelegation, and the wait the workflow would use (WaitTimeoutSeconds),
// which Collect caps at the deadline.
type CollectEvent struct {
	Task               signing.TaskKey     `json:"task"`
	Round              int                 `json:"round"`
	Retry              []signing.SigneeKey `json:"retry,omitempty"`
	WaitTimeoutSeconds int                 `json:"waitTimeoutSeconds,omitempty"`
	// OpenGroup and MoreToDelegate are the previous round's
	// (signing.Collected); absent on an execution's first round.
	OpenGroup      int  `json:"openGroup,omitempty"`
	MoreToDelegate bool `json:"moreToDelegate,omitempty"`
	// CompleteGroups and ReleaseRetry are the previous round's
	// completeGroups and needRelease (signing.Collected).
	CompleteGroups int                 `json:"completeGroups,omitempty"`
	ReleaseRetry   []signing.SigneeKey `json:"releaseRetry,omitempty"`
	// Replacements is the previous round's (signing.Collected).
	Replacements int `json:"replacements,omitempty"`
}

// Validate reports a malformed task key, round, signee key or wait.
func (e CollectEvent) Validate() error {
	var errs signing.FieldErrors
	if err := ValidateTask(e.Task); err != nil {
		var fes signing.FieldErrors
		if errors.As(err, &fes) {
			errs = append(errs, fes...)
		}
	}
	if e.Round < 0 {
		errs.Add("round", "must not be negative, got %d", e.Round)
	}
	if e.WaitTimeoutSeconds < 0 {
		errs.Add("waitTimeoutSeconds", "must not be negative, got %d", e.WaitTimeoutSeconds)
	}
	if e.OpenGroup < 0 || e.OpenGroup > signing.MaxGroups {
		errs.Add("openGroup", "must be between 0 and %d, got %d", signing.MaxGroups, e.OpenGroup)
	}
	if e.Replacements < 0 {
		errs.Add("replacements", "must not be negative, got %d", e.Replacements)
	}
	if e.CompleteGroups < 0 || e.CompleteGroups > signing.MaxGroups {
		errs.Add("completeGroups", "must be between 0 and %d, got %d", signing.MaxGroups, e.CompleteGroups)
	}
	for i, sk := range e.ReleaseRetry {
		if sk.Validate() != nil {
			errs.Add("releaseRetry["+strconv.Itoa(i)+"]", "must look like p-<hex> or o-<hex>")
		}
	}
	for i, sk := range e.Retry {
		if sk.Validate() != nil {
			errs.Add("retry["+strconv.Itoa(i)+"]", "must look like p-<hex> or o-<hex>")
		}
	}
	return errs.Err()
}

// Options returns what Collect needs.
func (e CollectEvent) Options() signing.CollectOptions {
	return signing.CollectOptions{Scan: e.Round == 0, Retry: e.Retry, WaitSeconds: e.WaitTimeoutSeconds,
		OpenGroup: e.OpenGroup, MoreToDelegate: e.MoreToDelegate, CompleteGroups: e.CompleteGroups, ReleaseRetry: e.ReleaseRetry, Replacements: e.Replacements}
}

// SigneeEvent is the input of a step that works on one signee (a Map item).
type SigneeEvent struct {
	Task   signing.TaskKey   `json:"task"`
	Signee signing.SigneeKey `json:"signee"`
}

// Validate reports a malformed task or signee key.
func (e SigneeEvent) Validate() error {
	var errs signing.FieldErrors
	for _, err := range []error{ValidateTask(e.Task), prefixed("", e.Signee.Validate())} {
		var fes signing.FieldErrors
		var fe *signing.FieldError
		switch {
		case errors.As(err, &fes):
			errs = append(errs, fes...)
		case errors.As(err, &fe):
			errs = append(errs, &signing.FieldError{Field: strings.Replace(fe.Field, "signeeKey", "signee", 1), Message: fe.Message})
		}
	}
	return errs.Err()
}

// RemindEvent is the input of a reminder (a Send Reminders Map item): a
// SigneeEvent with the reminder's scheduled time (Collected.ReminderDue).
type RemindEvent struct {
	Task   signing.TaskKey   `json:"task"`
	Signee signing.SigneeKey `json:"signee"`
	// Reminder is the scheduled time, RFC 3339 (see At).
	Reminder string `json:"reminder"`
}

// At is the reminder's scheduled time; zero when Reminder does not parse.
func (e RemindEvent) At() time.Time {
	at, err := time.Parse(time.RFC3339Nano, e.Reminder)
	if err != nil {
		return time.Time{}
	}
	return at
}

// Validate reports a malformed task or signee key, or a reminder time that
// is missing or not RFC 3339.
func (e RemindEvent) Validate() error {
	err := SigneeEvent{Task: e.Task, Signee: e.Signee}.Validate()
	var errs signing.FieldErrors
	errors.As(err, &errs)
	if e.At().IsZero() {
		errs.Add("reminder", "must be the reminder's scheduled time, RFC 3339 such as 2026-04-01T12:00:00Z")
	}
	return errs.Err()
}

// IsReminder reports whether a Notify Signee event is a reminder: it has a
// "reminder" member. The strict decoding of either event then refuses
// anything else.
func IsReminder(payload []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(payload, &probe) != nil {
		return false
	}
	_, ok := probe["reminder"]
	return ok
}

// RemindStep runs a reminder as SigneeStep runs a per-signee step.
func RemindStep(ctx context.Context, step string, payload []byte, run func(context.Context, signing.TaskKey, signing.SigneeKey, time.Time) (signing.Signee, error)) (SigneeResult, error) {
	var ev RemindEvent
	if err := Decode(payload, &ev); err != nil {
		return SigneeResult{}, Fail(ctx, step, err)
	}
	if err := ev.Validate(); err != nil {
		return SigneeResult{}, Fail(ctx, step, err)
	}
	sg, err := run(ctx, ev.Task, ev.Signee, ev.At())
	if err != nil {
		return SigneeResult{}, Fail(ctx, step, err, "task", ev.Task.String(), "signee", string(ev.Signee))
	}
	slog.InfoContext(ctx, "reminded", "step", step, "task", ev.Task.String(), "signee", string(ev.Signee), "status", string(sg.Status), "reminders", sg.Reminders)
	return SigneeResult{Signee: ev.Signee, Status: sg.Status}, nil
}

// SigneeResult is the output of a per-signee step: keys and status only.
type SigneeResult struct {
	Signee signing.SigneeKey    `json:"signee"`
	Status signing.SigneeStatus `json:"status"`
}

// OutcomeResult is the output of the steps that end a task.
type OutcomeResult struct {
	Outcome signing.Outcome `json:"outcome"`
}

// prefixed prefixes the field names of a FieldErrors with prefix + ".".
func prefixed(prefix string, err error) error {
	var fes signing.FieldErrors
	if prefix == "" || !errors.As(err, &fes) {
		return err
	}
	out := make(signing.FieldErrors, len(fes))
	for i, fe := range fes {
		out[i] = &signing.FieldError{Field: prefix + "." + fe.Field, Message: fe.Message}
	}
	return out
}

// Decode reads a step's JSON input into v strictly: unknown fields, trailing
// data and type mismatches are signing.ErrInvalid errors that name the field
// and never quote the input.
func Decode(payload []byte, v any) error {
	// encoding/json would take bytes that are not UTF-8 and a name given twice.
	if err := strictjson.Check(payload); err != nil {
		var se *strictjson.Error
		if errors.As(err, &se) && se.Path != "" {
			return signing.Invalid(se.Path, "%s", se.Message)
		}
		return signing.Invalid("event", "%s", err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var tim *time.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return signing.Invalid("event", "is empty")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return signing.Invalid("event", "ends before the JSON value is complete")
		case errors.As(err, &syn):
			return signing.Invalid("event", "malformed JSON at byte offset %d", syn.Offset)
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				field = "event"
			}
			return signing.Invalid(field, "must be a JSON %s", jsonKind(typ.Type.Kind()))
		case errors.As(err, &tim):
			return signing.Invalid("event", "holds a time that is not RFC 3339, such as 2026-04-01T12:00:00Z")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return signing.Invalid(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
		}
		return &signing.FieldError{Field: "event", Err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return signing.Invalid("event", "unexpected data after the JSON object")
	}
	return nil
}

// jsonKind names the JSON type that holds a Go kind.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map, reflect.Pointer, reflect.Interface:
		return "object"
	}
	return "number"
}

// SigneeStep runs one per-signee step (delegate, notify, receipt): it decodes
// and checks the Map item, calls run, maps its error to a named error, and
// logs the outcome as done. The result carries keys and status only.
func SigneeStep(ctx context.Context, step, done string, payload []byte, run func(context.Context, signing.TaskKey, signing.SigneeKey) (signing.Signee, error)) (SigneeResult, error) {
	var ev SigneeEvent
	if err := Decode(payload, &ev); err != nil {
		return SigneeResult{}, Fail(ctx, step, err)
	}
	if err := ev.Validate(); err != nil {
		return SigneeResult{}, Fail(ctx, step, err)
	}
	sg, err := run(ctx, ev.Task, ev.Signee)
	if err != nil {
		return SigneeResult{}, Fail(ctx, step, err, "task", ev.Task.String(), "signee", string(ev.Signee))
	}
	slog.InfoContext(ctx, done, "step", step, "task", ev.Task.String(), "signee", string(ev.Signee), "status", string(sg.Status))
	return SigneeResult{Signee: ev.Signee, Status: sg.Status}, nil
}

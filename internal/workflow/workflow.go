package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/signingflow/signing/internal/signing"
)

// API is the part of the Step Functions client the adapter uses; *sfn.Client
// implements it.
type API interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, opts ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
	StopExecution(ctx context.Context, in *sfn.StopExecutionInput, opts ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error)
}

var _ API = (*sfn.Client)(nil)

var (
	_ signing.Workflow         = (*Workflow)(nil)
	_ signing.ExecutionStopper = (*Workflow)(nil)
)

// ErrTokenGone means the step a token belonged to no longer waits: it timed
// out, finished, or the token is unknown. Resuming or failing it again can
// do nothing, so callers may treat the error as a no-op: the workflow looks
// at the task on its own when its wait times out.
var ErrTokenGone = errors.New("workflow: the waiting step is gone (timed out, finished or unknown token)")

// Workflow resumes and fails waiting steps and starts executions.
type Workflow struct {
	api API
	// stateMachineARN is the state machine Start starts; Resume and Fail do not need it.
	stateMachineARN string
	now             func() time.Time
}

// New returns the adapter. stateMachineARN may be empty when only Resume
// and Fail are used (the Lambdas); Start needs it.
func New(api API, stateMachineARN string) *Workflow {
	return &Workflow{api: api, stateMachineARN: stateMachineARN, now: time.Now}
}

// Limits of the Step Functions API.
const (
	maxErrorName = 256
	maxCause     = 32768
)

// Resume reports success to the step waiting on token, with output as its
// JSON result.
func (w *Workflow) Resume(ctx context.Context, token string, output any) error {
	if token == "" {
		return fmt.Errorf("workflow: resume: %w", signing.Invalid("token", "must be set"))
	}
	b, err := json.Marshal(output)
	if err != nil {
		return fmt.Errorf("workflow: resume: output: %w: %w", signing.ErrInvalid, err)
	}
	_, err = w.api.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(string(b))})
	return classify("resume", err)
}

// Stop stops the execution (a superseded attempt's) with the error
// Signing.Superseded and cause. An execution that has ended or does not
// exist is not an error: there is nothing left to stop.
func (w *Workflow) Stop(ctx context.Context, executionARN, cause string) error {
	if executionARN == "" {
		return fmt.Errorf("workflow: stop: %w", signing.Invalid("executionArn", "must be set"))
	}
	_, err := w.api.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: aws.String(executionARN),
		Error:        aws.String(signing.ErrorSuperseded),
		Cause:        aws.String(cut(cause, maxCause)),
	})
	var missing *types.ExecutionDoesNotExist
	if errors.As(err, &missing) {
		return nil
	}
	return classify("stop", err)
}

// Fail reports the named error to the step waiting on token.
func (w *Workflow) Fail(ctx context.Context, token, errorName, cause string) error {
	if token == "" {
		return fmt.Errorf("workflow: fail: %w", signing.Invalid("token", "must be set"))
	}
	_, err := w.api.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{
		TaskToken: aws.String(token),
		Error:     aws.String(cut(errorName, maxErrorName)),
		Cause:     aws.String(cut(cause, maxCause)),
	})
	return classify("fail", err)
}

// classify maps a Step Functions error: a gone step is ErrTokenGone, a
// malformed request ErrInvalid, everything else (throttling and service
// errors the SDK already retried) ErrTransient.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var (
		gone    *types.TaskDoesNotExist
		invalid *types.InvalidToken
		timeout *types.TaskTimedOut
		output  *types.InvalidOutput
	)
	switch {
	case errors.As(err, &gone), errors.As(err, &invalid), errors.As(err, &timeout):
		return fmt.Errorf("workflow: %s: %w", op, ErrTokenGone)
	case errors.As(err, &output):
		return fmt.Errorf("workflow: %s: %w: %w", op, signing.ErrInvalid, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("workflow: %s: %w", op, err)
	}
	return fmt.Errorf("workflow: %s: %w: %w", op, signing.ErrTransient, err)
}

// cut shortens s to at most n bytes on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Start validates in and starts the execution that runs its task, named by
// ExecutionName. Starting the same input again returns the same ARN; an
// execution of that name with another input is ErrConflict.
func (w *Workflow) Start(ctx context.Context, in Input) (executionARN string, err error) {
	if w.stateMachineARN == "" {
		return "", fmt.Errorf("workflow: start: %w", signing.Invalid("stateMachineArn", "must be set"))
	}
	if in.Continuation != nil || in.StartedBy != "" {
		return "", fmt.Errorf("workflow: start: %w", signing.Invalid("continuation", "is set only by the workflow itself"))
	}
	if err := in.Validate(w.now()); err != nil {
		return "", fmt.Errorf("workflow: start: %w", err)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("workflow: start: %w", err)
	}
	name := ExecutionName(in.Instance.InstanceGUID, in.TaskID, in.attempt())
	out, err := w.api.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(w.stateMachineARN),
		Name:            aws.String(name),
		Input:           aws.String(string(body)),
	})
	var exists *types.ExecutionAlreadyExists
	switch {
	case err == nil:
		return aws.ToString(out.ExecutionArn), nil
	case errors.As(err, &exists):
		return w.existing(ctx, name, body)
	}
	return "", classify("start "+name, err)
}

// existing returns the ARN of the execution name if it ran with input body.
func (w *Workflow) existing(ctx context.Context, name string, body []byte) (string, error) {
	arn, err := ExecutionARN(w.stateMachineARN, name)
	if err != nil {
		return "", fmt.Errorf("workflow: start %s: %w", name, err)
	}
	desc, err := w.api.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return "", classify("start "+name+": describe the existing execution", err)
	}
	if !sameJSON([]byte(aws.ToString(desc.Input)), body) {
		return "", fmt.Errorf("workflow: start %s: the execution exists with another input: %w", name, signing.ErrConflict)
	}
	return aws.ToString(desc.ExecutionArn), nil
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// ExecutionARN derives the ARN of the execution name of a state machine:
// arn:aws:states:region:account:stateMachine:M → …:execution:M:name.
func ExecutionARN(stateMachineARN, name string) (string, error) {
	prefix, machine, ok := strings.Cut(stateMachineARN, ":stateMachine:")
	if !ok || machine == "" || strings.Contains(machine, ":") {
		return "", signing.Invalid("stateMachineArn", "must look like arn:aws:states:<region>:<account>:stateMachine:<name>")
	}
	return prefix + ":execution:" + machine + ":" + name, nil
}

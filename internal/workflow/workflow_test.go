package workflow_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/workflow"
)

// FakeSFN is an in-memory Step Functions: executions by ARN, tokens that
// are waiting, and an error to return once.
type FakeSFN struct {
	mu         sync.Mutex
	executions map[string]string // ARN → input
	waiting    map[string]bool
	resumed    map[string]string // token → output
	failed     map[string]string // token → error
	Err        error
	Stopped    []string
	StopErr    error
}

func NewFakeSFN() *FakeSFN {
	return &FakeSFN{executions: map[string]string{}, waiting: map[string]bool{}, resumed: map[string]string{}, failed: map[string]string{}}
}

func (f *FakeSFN) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Err != nil {
		return nil, f.Err
	}
	arn, _ := workflow.ExecutionARN(aws.ToString(in.StateMachineArn), aws.ToString(in.Name))
	if _, ok := f.executions[arn]; ok {
		return nil, &types.ExecutionAlreadyExists{Message: aws.String("exists")}
	}
	f.executions[arn] = aws.ToString(in.Input)
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String(arn)}, nil
}

func (f *FakeSFN) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	input, ok := f.executions[aws.ToString(in.ExecutionArn)]
	if !ok {
		return nil, &types.ExecutionDoesNotExist{}
	}
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Input: aws.String(input)}, nil
}

func (f *FakeSFN) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.take(aws.ToString(in.TaskToken)); err != nil {
		return nil, err
	}
	f.resumed[aws.ToString(in.TaskToken)] = aws.ToString(in.Output)
	return &sfn.SendTaskSuccessOutput{}, nil
}

func (f *FakeSFN) StopExecution(_ context.Context, in *sfn.StopExecutionInput, _ ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Stopped = append(f.Stopped, aws.ToString(in.ExecutionArn))
	return &sfn.StopExecutionOutput{}, f.StopErr
}

func (f *FakeSFN) SendTaskFailure(_ context.Context, in *sfn.SendTaskFailureInput, _ ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.take(aws.ToString(in.TaskToken)); err != nil {
		return nil, err
	}
	f.failed[aws.ToString(in.TaskToken)] = aws.ToString(in.Error)
	return &sfn.SendTaskFailureOutput{}, nil
}

func (f *FakeSFN) take(token string) error {
	if f.Err != nil {
		return f.Err
	}
	if !f.waiting[token] {
		return &types.TaskTimedOut{Message: aws.String("timed out")}
	}
	delete(f.waiting, token)
	return nil
}

const machine = "arn:aws:states:eu-north-1:123456789012:stateMachine:signing-signing"

func TestWorkflow_ResumeFail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		waiting bool
		err     error
		want    error
	}{
		{name: "waiting", waiting: true},
		{name: "timed_out", want: workflow.ErrTokenGone},
		{name: "invalid_token", err: &types.InvalidToken{}, want: workflow.ErrTokenGone},
		{name: "gone", err: &types.TaskDoesNotExist{}, want: workflow.ErrTokenGone},
		{name: "throttled", err: errors.New("ThrottlingException"), want: signing.ErrTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := NewFakeSFN()
			api.Err = tt.err
			api.waiting["r"], api.waiting["f"] = tt.waiting, tt.waiting
			w := workflow.New(api, "")
			for _, err := range []error{
				w.Resume(context.Background(), "r", map[string]string{"event": "signed"}),
				w.Fail(context.Background(), "f", signing.ErrorRejected, strings.Repeat("x", 40000)),
			} {
				if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
					t.Errorf("error = %v, want %v", err, tt.want)
				}
			}
			if tt.want == nil && (api.resumed["r"] != `{"event":"signed"}` || api.failed["f"] != signing.ErrorRejected) {
				t.Errorf("resumed %v, failed %v", api.resumed, api.failed)
			}
		})
	}
}

func example(t *testing.T) workflow.Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(signingtest.ModuleRoot(t), "schema", "examples", "founders.json"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := workflow.ParseInput(b, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestWorkflow_Start(t *testing.T) {
	t.Parallel()
	api := NewFakeSFN()
	w := workflow.New(api, machine)
	in := example(t)
	ctx := context.Background()

	arn, err := w.Start(ctx, in)
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	want := "arn:aws:states:eu-north-1:123456789012:execution:signing-signing:1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d-SigningTask-1"
	if arn != want {
		t.Errorf("Start() = %q, want %q", arn, want)
	}
	if again, err := w.Start(ctx, in); err != nil || again != arn {
		t.Errorf("repeated Start() = %q, %v; want the same ARN", again, err)
	}
	other := in
	other.Config.CompleteAutomatically = true
	if _, err := w.Start(ctx, other); !errors.Is(err, signing.ErrConflict) {
		t.Errorf("Start(other input, same name) error = %v, want ErrConflict", err)
	}
	next := in
	next.Attempt = 2
	if arn2, err := w.Start(ctx, next); err != nil || arn2 == arn {
		t.Errorf("Start(attempt 2) = %q, %v; want a new execution", arn2, err)
	}
	bad := in
	bad.TaskID = "1 bad"
	if _, err := w.Start(ctx, bad); !errors.Is(err, signing.ErrInvalid) {
		t.Errorf("Start(bad) error = %v, want ErrInvalid", err)
	}
	cont := in
	cont.Continuation = &workflow.Continuation{ParentExecutionARN: arn}
	if _, err := w.Start(ctx, cont); !errors.Is(err, signing.ErrInvalid) {
		t.Errorf("Start(continuation) error = %v, want ErrInvalid", err)
	}
	if _, err := workflow.New(api, "").Start(ctx, in); !errors.Is(err, signing.ErrInvalid) {
		t.Errorf("Start() without a state machine: error = %v", err)
	}
}

func TestExecutionName(t *testing.T) {
	t.Parallel()
	const guid = "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"
	tests := []struct {
		name    string
		taskID  string
		attempt int
		want    string
	}{
		{name: "short", taskID: "SigningTask", attempt: 1, want: guid + "-SigningTask-1"},
		{name: "dots_kept", taskID: "Task.Sign_2", attempt: 12, want: guid + "-Task.Sign_2-12"},
		{name: "long_task_cut_and_hashed", taskID: strings.Repeat("A", 128), attempt: 9999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := workflow.ExecutionName(guid, tt.taskID, tt.attempt)
			if tt.want != "" && got != tt.want {
				t.Errorf("ExecutionName() = %q, want %q", got, tt.want)
			}
			if len(got) > 80 || strings.ContainsAny(got, " <>{}[]?*\"#%\\^|~`$&,;:/") {
				t.Errorf("ExecutionName() = %q (%d chars) is not a valid execution name", got, len(got))
			}
			if other := workflow.ExecutionName(guid, tt.taskID+"x", tt.attempt); other == got {
				t.Errorf("two task IDs share the name %q", got)
			}
		})
	}
}

func TestInput_StartInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		attempt     int
		wantAttempt int
	}{
		{name: "absent_is_1", attempt: 0, wantAttempt: 1},
		{name: "first", attempt: 1, wantAttempt: 1},
		{name: "re_entry", attempt: 2, wantAttempt: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := workflow.Input{
				Version: 1, Instance: signingtest.FoundersInstance, TaskID: "SigningTask",
				Deadline: time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC), Attempt: tt.attempt,
			}
			got := in.StartInput("arn:x")
			want := signing.StartInput{
				Instance: in.Instance, TaskID: "SigningTask", Deadline: in.Deadline, Attempt: tt.wantAttempt, ExecutionARN: "arn:x",
			}
			if got.Instance != want.Instance || got.TaskID != want.TaskID || !got.Deadline.Equal(want.Deadline) ||
				got.Attempt != want.Attempt || got.ExecutionARN != want.ExecutionARN {
				t.Errorf("StartInput() = %+v, want %+v", got, want)
			}
		})
	}
}

func TestWorkflow_Stop(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:states:eu-north-1:123456789012:execution:signing:1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d-SigningTask-1"
	tests := []struct {
		name    string
		stopErr error
		want    error
	}{
		{name: "stopped"},
		{name: "gone_is_no_error", stopErr: &types.ExecutionDoesNotExist{Message: aws.String("gone")}},
		{name: "refused_is_transient", stopErr: &types.InvalidArn{Message: aws.String("x")}, want: signing.ErrTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := NewFakeSFN()
			fake.StopErr = tt.stopErr
			err := workflow.New(fake, "").Stop(context.Background(), arn, "superseded by attempt 2")
			if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Stop() error = %v, want %v", err, tt.want)
			}
			if len(fake.Stopped) != 1 || fake.Stopped[0] != arn {
				t.Errorf("stopped %v, want %s", fake.Stopped, arn)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/signingflow/signing/internal/workflow"
)

// fakeSFN starts executions in memory.
type fakeSFN struct {
	mu     sync.Mutex
	inputs map[string]string
}

func (f *fakeSFN) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	arn, _ := workflow.ExecutionARN(aws.ToString(in.StateMachineArn), aws.ToString(in.Name))
	if _, ok := f.inputs[arn]; ok {
		return nil, &types.ExecutionAlreadyExists{}
	}
	f.inputs[arn] = aws.ToString(in.Input)
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String(arn)}, nil
}

func (f *fakeSFN) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Input: aws.String(f.inputs[aws.ToString(in.ExecutionArn)])}, nil
}

func (f *fakeSFN) SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	return nil, errors.New("not used")
}

func (f *fakeSFN) SendTaskFailure(context.Context, *sfn.SendTaskFailureInput, ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	return nil, errors.New("not used")
}

func (f *fakeSFN) StopExecution(context.Context, *sfn.StopExecutionInput, ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error) {
	return nil, errors.New("not used")
}

func TestStart(t *testing.T) {
	t.Parallel()
	example := filepath.Join("..", "..", "schema", "examples", "founders.json")
	body, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"version":1,"taskId":"1 x","config":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	const machine = "arn:aws:states:eu-north-1:123456789012:stateMachine:signing-signing"
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantOut    string
		wantErr    string
		executions int
	}{
		{name: "file", args: []string{"-input", example, "-state-machine", machine}, wantOut: `execution:signing-signing:1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d-SigningTask-1"`, executions: 1},
		{name: "stdin_new_attempt", args: []string{"-input", "-", "-state-machine", machine, "-attempt", "3"}, stdin: string(body), wantOut: "-SigningTask-3", executions: 1},
		{name: "check_only", args: []string{"-input", example, "-check"}, wantOut: "valid; execution name 1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d-SigningTask-1"},
		{name: "invalid_input", args: []string{"-input", bad, "-state-machine", machine}, wantCode: 1, wantErr: "taskId"},
		{name: "no_state_machine", args: []string{"-input", example, "-state-machine", ""}, wantCode: 2, wantErr: "-state-machine"},
		{name: "no_input", args: nil, wantCode: 2, wantErr: "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeSFN{inputs: map[string]string{}}
			var stdout, stderr bytes.Buffer
			newAPI := func(context.Context) (workflow.API, error) { return api, nil }
			code := start(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr, newAPI)
			if code != tt.wantCode {
				t.Fatalf("exit = %d, want %d; stderr %s", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantOut) || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stdout %q, stderr %q; want %q and %q", stdout.String(), stderr.String(), tt.wantOut, tt.wantErr)
			}
			if len(api.inputs) != tt.executions {
				t.Errorf("executions = %d, want %d", len(api.inputs), tt.executions)
			}
			if tt.executions > 0 {
				var again bytes.Buffer
				if code := start(context.Background(), tt.args, strings.NewReader(tt.stdin), &again, &stderr, newAPI); code != 0 || again.String() != stdout.String() {
					t.Errorf("a second start = %d %q, want the same execution %q", code, again.String(), stdout.String())
				}
			}
		})
	}
}

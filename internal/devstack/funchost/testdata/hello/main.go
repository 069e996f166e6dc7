// Command hello is the function host's test Lambda. Its event says what to do:
//
//	{"name": "x"}                      → {"greeting": "hello x", …environment and context facts}
//	{"error": "Custom.Error"}          → fails with that errorType
//	{"sleepMs": 5000}                  → sleeps first (for timeouts)
//	{"exit": 3}                        → exits the process with that status
//	{"touch": "/path"}                 → appends a line to the file (a side effect)
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Name    string `json:"name"`
	Error   string `json:"error"`
	SleepMs int    `json:"sleepMs"`
	Exit    *int   `json:"exit"`
	Touch   string `json:"touch"`
}

type reply struct {
	Greeting     string `json:"greeting"`
	Greeter      string `json:"greeter"`
	FunctionName string `json:"functionName"`
	Memory       string `json:"memory"`
	Handler      string `json:"handler"`
	Region       string `json:"region"`
	RequestID    string `json:"requestId"`
	FunctionARN  string `json:"functionArn"`
	HasDeadline  bool   `json:"hasDeadline"`
	PID          int    `json:"pid"`
}

var started = time.Now()

func handle(ctx context.Context, e event) (reply, error) {
	if e.Touch != "" {
		f, err := os.OpenFile(e.Touch, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return reply{}, err
		}
		_, _ = f.WriteString("touched\n")
		_ = f.Close()
	}
	if e.SleepMs > 0 {
		time.Sleep(time.Duration(e.SleepMs) * time.Millisecond)
	}
	if e.Exit != nil {
		os.Exit(*e.Exit)
	}
	if e.Error != "" {
		return reply{}, messages.InvokeResponse_Error{Type: e.Error, Message: "failed as asked"}
	}
	lc, _ := lambdacontext.FromContext(ctx)
	_, hasDeadline := ctx.Deadline()
	return reply{
		Greeting:     "hello " + e.Name,
		Greeter:      os.Getenv("GREETER"),
		FunctionName: lambdacontext.FunctionName,
		Memory:       os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
		Handler:      os.Getenv("_HANDLER"),
		Region:       os.Getenv("AWS_REGION"),
		RequestID:    lc.AwsRequestID,
		FunctionARN:  lc.InvokedFunctionArn,
		HasDeadline:  hasDeadline,
		PID:          os.Getpid(),
	}, nil
}

func main() {
	if os.Getenv("FAIL_INIT") != "" {
		os.Stderr.WriteString("init failed as asked\n")
		os.Exit(2)
	}
	time.Sleep(20 * time.Millisecond) // a measurable init
	_ = started
	lambda.Start(handle)
}

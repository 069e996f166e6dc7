// Command hello is the function host's test Lambda. Its event says what to do:
//
//	{"name": "x"}                      → {"greeting": "hello x", …environment and context facts}
//	{"error": "Custom.Error"}          → fails with that errorType
//	{"sleepMs": 5000}                  → sleeps first (for timeouts)
//	{"exit": 3}                        → exits the process with that status
//	{"touch": "/path"}                 → appends a line to the file (a side effect)
//	{"waitFile": "/path"}              → waits until the file exists (to hold a process busy)
//	{"allocMB": 300}                   → allocates and touches that much memory
//	{"print": "a line"}                → writes the line to stdout
//
// Its environment says how init goes: FAIL_INIT=1 exits during init;
// POST_INIT_ERROR=<errorType> posts that init error to the Runtime API and
// then hangs, as a runtime may (Lambda answers the caller at once and
// discards the process).
package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Name     string `json:"name"`
	Error    string `json:"error"`
	SleepMs  int    `json:"sleepMs"`
	Exit     *int   `json:"exit"`
	Touch    string `json:"touch"`
	WaitFile string `json:"waitFile"`
	AllocMB  int    `json:"allocMB"`
	Print    string `json:"print"`
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
	LogFormat    string `json:"logFormat"`
	LogLevel     string `json:"logLevel"`
	AllocatedMB  int    `json:"allocatedMB"`
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
	for e.WaitFile != "" {
		if _, err := os.Stat(e.WaitFile); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if e.Print != "" {
		fmt.Println(e.Print)
	}
	var mem []byte
	if e.AllocMB > 0 {
		mem = make([]byte, e.AllocMB<<20)
		for i := 0; i < len(mem); i += 4096 {
			mem[i] = 1
		}
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
		LogFormat:    os.Getenv("AWS_LAMBDA_LOG_FORMAT"),
		LogLevel:     os.Getenv("AWS_LAMBDA_LOG_LEVEL"),
		AllocatedMB:  len(mem) >> 20,
	}, nil
}

func main() {
	if os.Getenv("FAIL_INIT") != "" {
		os.Stderr.WriteString("init failed as asked\n")
		os.Exit(2)
	}
	if typ := os.Getenv("POST_INIT_ERROR"); typ != "" {
		postInitError(typ)
		time.Sleep(time.Hour) // hang: the host must not wait for the exit
	}
	time.Sleep(20 * time.Millisecond) // a measurable init
	_ = started
	lambda.Start(handle)
}

// postInitError reports an init error to the Runtime API as a runtime does.
func postInitError(typ string) {
	url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
	body := fmt.Sprintf(`{"errorType":%q,"errorMessage":"init failed as asked"}`, typ)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		os.Exit(3)
	}
	req.Header.Set("Lambda-Runtime-Function-Error-Type", typ)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		os.Exit(3)
	}
	_ = resp.Body.Close()
}

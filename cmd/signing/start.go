package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/signingflow/signing/internal/workflow"
)

// runStart implements "signing start": it validates an execution input
// (schema/execution-input.v1.json) and starts the execution that runs its
// signing task, against AWS or the endpoint in AWS_ENDPOINT_URL.
func runStart(args []string, stdout, stderr io.Writer) int {
	ctx := context.Background()
	newAPI := func(ctx context.Context) (workflow.API, error) {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		return sfn.NewFromConfig(cfg), nil
	}
	return start(ctx, args, os.Stdin, stdout, stderr, newAPI)
}

func start(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, newAPI func(context.Context) (workflow.API, error)) int {
	fset := flag.NewFlagSet("start", flag.ContinueOnError)
	fset.SetOutput(stderr)
	input := fset.String("input", "", "execution input JSON `file` (schema/execution-input.v1.json); - reads standard input")
	machine := fset.String("state-machine", os.Getenv("STATE_MACHINE_ARN"), "state machine `ARN` (default $STATE_MACHINE_ARN; the stack's SigningStateMachineArn output)")
	attempt := fset.Int("attempt", 0, "override the input's attempt `number` (a new attempt starts a new execution)")
	check := fset.Bool("check", false, "validate the input and print the execution name; start nothing")
	fset.Usage = func() {
		fmt.Fprint(stderr, "usage: signing start -input file|- [-state-machine ARN] [-attempt n] [-check]\n\n"+
			"Validates a signing task's execution input and starts its execution. Starting the\n"+
			"same input again is harmless: it prints the same execution ARN.\n\n")
		fset.PrintDefaults()
	}
	if code, ok := parseFlags(fset, args); !ok {
		return code
	}
	if fset.NArg() != 0 || *input == "" {
		fset.Usage()
		return 2
	}
	var data []byte
	var err error
	if *input == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, 1<<20))
	} else {
		data, err = os.ReadFile(*input)
	}
	if err != nil {
		fmt.Fprintf(stderr, "signing start: %v\n", err)
		return 2
	}
	in, err := workflow.ParseInput(data, time.Now())
	if err == nil && *attempt != 0 {
		in.Attempt = *attempt
		err = in.Validate(time.Now())
	}
	if err != nil {
		fmt.Fprintf(stderr, "signing start: %s: %v\n", *input, err)
		return 1
	}
	name := workflow.ExecutionName(in.Instance.InstanceGUID, in.TaskID, max(in.Attempt, 1))
	if *check {
		fmt.Fprintf(stdout, "valid; execution name %s\n", name)
		return 0
	}
	if *machine == "" {
		fmt.Fprintln(stderr, "signing start: -state-machine (or STATE_MACHINE_ARN) must be set")
		return 2
	}
	api, err := newAPI(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "signing start: AWS configuration: %v\n", err)
		return 1
	}
	arn, err := workflow.New(api, *machine).Start(ctx, in)
	if err != nil {
		fmt.Fprintf(stderr, "signing start: %v\n", err)
		return 1
	}
	out, _ := json.Marshal(map[string]string{"executionArn": arn, "name": name})
	fmt.Fprintln(stdout, string(out))
	return 0
}

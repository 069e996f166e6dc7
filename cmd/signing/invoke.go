package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/funchost"
)

// runInvoke implements "signing invoke": like `sam local invoke`, it runs
// one function once with an event file, on a local stack it brings up for
// the purpose, and prints the response (or the error document) on stdout.
func runInvoke(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return invoke(ctx, args, stdout, stderr)
}

func invoke(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	event := fs.String("e", "", "event JSON `file` (events/<file>.json); - reads standard input")
	verbose := fs.Bool("v", false, "print the output of every part of the stack, not only the function's")
	tokenPID := fs.String("token-pid", "", "put a token of the local issuer for this national `id` (as signing dev token)\nin the event's Authorization header: an HTTP API event's sample token does not verify")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: signing invoke <FunctionLogicalId> -e events/<file>.json [-token-pid <id>] [-v]\n\n"+
			"Brings the local stack up, invokes the function once with the event and prints its\n"+
			"response on stdout (its log on stderr). Exits 1 when the function fails.\n\n")
		fs.PrintDefaults()
	}
	var fn string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		fn, args = args[0], args[1:]
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fn == "" && fs.NArg() == 1 {
		fn = fs.Arg(0)
	} else if fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	if fn == "" || *event == "" {
		fs.Usage()
		return 2
	}
	var payload []byte
	var err error
	if *event == "-" {
		payload, err = io.ReadAll(io.LimitReader(os.Stdin, funchost.MaxPayload+1))
	} else {
		payload, err = os.ReadFile(*event)
	}
	if err != nil {
		fmt.Fprintf(stderr, "signing invoke: %v\n", err)
		return 2
	}
	if *tokenPID != "" {
		if payload, err = withLocalToken(payload, *tokenPID); err != nil {
			fmt.Fprintf(stderr, "signing invoke: -token-pid: %v\n", err)
			return 2
		}
	}
	opts := devstack.Options{EdgeAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", EmulatorAddr: "127.0.0.1:0", Logs: functionLog{stderr}}
	if *verbose {
		opts.Logs = stderr
		opts.Progress = func(s string) { fmt.Fprintln(stderr, "invoke:", s) }
	}
	s, err := devstack.Up(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "signing invoke: %v\n", err)
		return 1
	}
	defer s.Close()
	if _, ok := s.Host.Function(fn); !ok {
		fmt.Fprintf(stderr, "signing invoke: no function %s in the template (functions: %s)\n", fn, strings.Join(s.Host.Functions(), ", "))
		return 2
	}
	start := time.Now()
	res, err := s.Host.Invoke(ctx, fn, payload, funchost.InvokeOptions{})
	if err != nil {
		fmt.Fprintf(stderr, "signing invoke: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "REPORT RequestId: %s Duration: %s Init Duration: %s\n", res.RequestID,
		time.Since(start).Round(time.Millisecond), res.InitDuration.Round(time.Millisecond))
	fmt.Fprintln(stdout, strings.TrimSpace(string(res.Payload)))
	if err := s.Close(); err != nil {
		fmt.Fprintf(stderr, "signing invoke: stop: %v\n", err)
	}
	if res.FunctionError != "" {
		return 1
	}
	return 0
}

// functionLog passes on the function host's lines only (they start with
// "[name] "), so moto's and DynamoDB Local's chatter stays out of the way.
type functionLog struct{ w io.Writer }

func (f functionLog) Write(b []byte) (int, error) {
	if len(b) > 0 && b[0] == '[' {
		return f.w.Write(b)
	}
	return len(b), nil
}

// withLocalToken returns the HTTP API event with a token of the local
// issuer for pid in its Authorization header.
func withLocalToken(event []byte, pid string) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("the event is not a JSON object: %w", err)
	}
	root, err := devstack.FindModuleRoot("")
	if err != nil {
		return nil, err
	}
	tok, err := localToken(root, pid, "", time.Hour)
	if err != nil {
		return nil, err
	}
	headers, _ := ev["headers"].(map[string]any)
	if headers == nil {
		headers = map[string]any{}
	}
	for k := range headers {
		if strings.EqualFold(k, "authorization") {
			delete(headers, k)
		}
	}
	headers["authorization"] = "Bearer " + tok
	ev["headers"] = headers
	return json.Marshal(ev)
}

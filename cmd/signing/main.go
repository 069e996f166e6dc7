// Command signing is the command-line tool of the signing service.
//
// Usage:
//
//	signing <command> [arguments]
//
// Run "signing help" for the list of commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// command is one subcommand.
type command struct {
	name    string
	usage   string // arguments shown after the name
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands lists the subcommands; add new ones here (one file each).
var commands = []command{
	{name: "lint", usage: "<app-dir>", summary: "check the signing configuration of an app folder", run: runLint},
	{name: "emulator", usage: "[-addr host:port] [-fixture file]", summary: "serve the platform APIs locally from a fixture", run: runEmulator},
	{name: "dev", usage: "up|token|demo [flags]", summary: "run the local stack, issue a local token, or run the demo", run: runDev},
	{name: "invoke", usage: "<FunctionLogicalId> -e events/<file>.json", summary: "invoke one function once on the local stack, like sam local invoke", run: runInvoke},
	{name: "bench", usage: "[-quick] [-many n] [-out dir]", summary: "run the benchmarks on the local stack and write bench/REPORT.md", run: runBench},
	{name: "events", usage: "replay [flags]", summary: "send dead-lettered or past events again, with their original ids", run: runEvents},
	{name: "start", usage: "-input file|- [-state-machine ARN] [-attempt n] [-check]", summary: "validate an execution input and start its signing task", run: runStart},
}

func main() { os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr)) }

// realMain runs the command line args and returns the exit status:
// 0 success, 1 the command found problems, 2 usage or input errors.
func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return help(rest, stdout, stderr)
	}
	if c, ok := lookup(name); ok {
		return c.run(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "signing: unknown command %q\n\n", name)
	usage(stderr)
	return 2
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// help prints the overview, or the usage of one command.
func help(args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		usage(stdout)
		return 0
	case 1:
		if c, ok := lookup(args[0]); ok {
			fmt.Fprintf(stdout, "usage: signing %s %s\n\n%s.\n", c.name, c.usage, c.summary)
			return 0
		}
		fmt.Fprintf(stderr, "signing help: unknown command %q\n", args[0])
		return 2
	default:
		fmt.Fprintln(stderr, "usage: signing help [command]")
		return 2
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, "usage: signing <command> [arguments]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-8s %s\n", "help", "show help for a command")
}

// parseFlags parses args into fs. When the command should end there it
// returns ok false and the exit code: 0 after -h, 2 for a bad flag (fs has
// said what is wrong).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// parseCommand is parseFlags for a command that takes exactly n
// positional arguments: any other count prints the usage and exits 2.
func parseCommand(fs *flag.FlagSet, args []string, n int) (code int, ok bool) {
	if code, ok := parseFlags(fs, args); !ok {
		return code, false
	}
	if fs.NArg() != n {
		fs.Usage()
		return 2, false
	}
	return 0, true
}

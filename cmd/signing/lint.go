package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/signingflow/signing/internal/appconfig"
)

// runLint implements "signing lint <app-dir>": it prints one finding per
// line to stdout and a summary to stderr, and exits 1 if there are errors.
func runLint(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("lint", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprint(stderr, "usage: signing lint <app-dir>\n\n"+
			"Checks the signing configuration of the app folder (the folder containing App/): the signing\n"+
			"tasks of process.bpmn, their data types, layout sets, texts and signee providers, and that\n"+
			"policy.xml lets the app delegate read, sign and the providers' additional actions, a party\n"+
			"read and sign, and the service owner read and write what the service reads and writes.\n"+
			"Findings print as path:field: severity: message (line N).\n"+
			"Exit status: 0 no errors (warnings allowed), 1 errors found, 2 folder unreadable or bad usage.\n")
		fset.PrintDefaults()
	}
	if code, ok := parseCommand(fset, args, 1); !ok {
		return code
	}
	app, err := appconfig.Load(fset.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "signing lint: %v\n", err)
		return 2
	}
	findings := app.Check()
	for _, f := range findings {
		fmt.Fprintln(stdout, f)
	}
	errs, warns := appconfig.Count(findings)
	fmt.Fprintf(stderr, "%s, %s\n", plural(errs, "error"), plural(warns, "warning"))
	if errs > 0 {
		return 1
	}
	return 0
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/platform/emulator"
)

// runEmulator implements "signing emulator": it serves the platform APIs
// (storage, access management, correspondence, notifications, register)
// from a fixture on loopback until interrupted.
func runEmulator(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveEmulator(ctx, args, stdout, stderr)
}

func serveEmulator(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fset.SetOutput(stderr)
	addr := fset.String("addr", "127.0.0.1:5101", "loopback `address` to listen on")
	fixture := fset.String("fixture", "", "fixture JSON `file` (default: the bundled founders fixture)")
	platformKey := fset.String("platform-key", "", "PEM RSA key `file` (created if missing) whose public half signs the\n"+
		"platform access tokens to accept for -platform-org; give the functions the same file\n"+
		"as PLATFORM_ACCESS_TOKEN_KEY_FILE")
	platformOrg := fset.String("platform-org", emulator.DevPlatformOrg, "`org` (iss) of the platform access tokens -platform-key signs")
	fset.Usage = func() {
		fmt.Fprint(stderr, "usage: signing emulator [-addr host:port] [-fixture file] [-platform-key file [-platform-org org]]\n\n"+
			"Serves the platform APIs in memory for local development and tests.\n"+
			"Register and access management accept only platform access tokens signed with\n"+
			"the key of -platform-key.\n"+
			"Inspect what was sent under /_emulator/ (delegations, messages, notifications, data);\n"+
			"inject faults with POST /_emulator/faults.\n\n")
		fset.PrintDefaults()
	}
	if code, ok := parseCommand(fset, args, 0); !ok {
		return code
	}
	f := emulator.Founders()
	if *fixture != "" {
		var err error
		if f, err = emulator.LoadFixture(*fixture); err != nil {
			fmt.Fprintf(stderr, "signing emulator: %v\n", err)
			return 2
		}
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	emu := emulator.New(f, emulator.WithLogger(log))
	if *platformKey != "" {
		key, err := localjwt.LoadOrCreateKey(*platformKey)
		if err != nil {
			fmt.Fprintf(stderr, "signing emulator: -platform-key: %v\n", err)
			return 2
		}
		emu.IDP().RegisterPlatformIssuer(*platformOrg, &key.PublicKey)
	}
	srv, err := emu.Start(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "signing emulator: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "platform emulator listening on %s\n", srv.URL)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		fmt.Fprintf(stderr, "signing emulator: shutdown: %v\n", err)
		return 1
	}
	return 0
}

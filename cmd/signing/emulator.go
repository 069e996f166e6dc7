package main

import (
	"context"
	"crypto/rsa"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/signingflow/signing/internal/devstack/httpserve"
	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/emulator/idp"
	"github.com/signingflow/signing/internal/platformauth"
)

// runEmulator implements "signing emulator": it serves the platform APIs
// (storage, access management, correspondence, notifications, register,
// authorization) and the identity double (Maskinporten, Altinn's exchange)
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
	platformOrg := fset.String("platform-org", emulator.DevPlatformOrg, "`org` (iss) of the platform access tokens -platform-key signs, and the\nservice owner -maskinporten-client belongs to")
	mpKey := fset.String("maskinporten-key", "", "PEM RSA key `file` (created if missing) registered for -maskinporten-client with the\nemulator's Maskinporten; give the functions the same file as MASKINPORTEN_KEY_FILE")
	mpClient := fset.String("maskinporten-client", "signing-local", "Maskinporten client `ID` of -maskinporten-key")
	fset.Usage = func() {
		fmt.Fprint(stderr, "usage: signing emulator [-addr host:port] [-fixture file] [-platform-key file [-platform-org org]]\n"+
			"                        [-maskinporten-key file [-maskinporten-client id]]\n\n"+
			"Serves the platform APIs in memory for local development and tests, with\n"+
			"Maskinporten and Altinn's token exchange on the same URL (PLATFORM_URL and\n"+
			"MASKINPORTEN_URL). The APIs accept only Altinn tokens that exchange issued, for\n"+
			"grants signed with the key of -maskinporten-key; register and access management\n"+
			"accept only platform access tokens signed with the key of -platform-key.\n"+
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
	// The keys first: a bad key file is a usage error, whatever the address.
	var mpPub, platformPub *rsa.PublicKey
	for _, k := range []struct {
		flag, file string
		pub        **rsa.PublicKey
	}{{"-maskinporten-key", *mpKey, &mpPub}, {"-platform-key", *platformKey, &platformPub}} {
		if k.file == "" {
			continue
		}
		key, err := localjwt.LoadOrCreateKey(k.file)
		if err != nil {
			fmt.Fprintf(stderr, "signing emulator: %s: %v\n", k.flag, err)
			return 2
		}
		*k.pub = &key.PublicKey
	}
	ln, err := emulator.Listen(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "signing emulator: %v\n", err)
		return 1
	}
	p, err := idp.New(idp.Options{BaseURL: httpserve.URL(ln)})
	if err != nil {
		_ = ln.Close()
		fmt.Fprintf(stderr, "signing emulator: %v\n", err)
		return 1
	}
	if mpPub != nil {
		// The kid the functions name for a key file (platformauth.LoadPEMSigner).
		p.RegisterClient(*mpClient, mpPub, platformauth.Thumbprint(mpPub), emulator.DevServiceOwnerScopes)
		p.SetClientOrg(*mpClient, *platformOrg, emulator.DevServiceOwnerOrgNumber)
	}
	if platformPub != nil {
		p.RegisterPlatformIssuer(*platformOrg, platformPub)
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	emu := emulator.New(f, emulator.WithLogger(log), emulator.WithIDP(p))
	srv := emu.Serve(ln)
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

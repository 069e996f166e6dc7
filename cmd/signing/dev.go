package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/hookrecv"
	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/devstack/pages"
	"github.com/signingflow/signing/internal/devstack/proc"
	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platformauth"
	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/signing"
)

const devUsage = `usage: signing dev <up|token|demo|jwk> [flags]

  up     start the local stack (DynamoDB Local, moto, the edge, the function
         host, the HTTP API, the platform emulator) and the pages (persona
         switcher, inbox, signing step, timeline) and run until interrupted;
         with -platform-url, -maskinporten-url and -maskinporten-client-id it
         runs against a real Altinn environment (TT02) instead of the emulator
  token  print a token the local HTTP API accepts: signing dev token --pid <national id> [--name …]
  demo   bring the stack up, run the seed's main flow and print each step;
         with -keep the stack and the pages stay up afterwards
  jwk    print the public JWK to register for the Maskinporten client: of the
         running stack's KMS key, or of -key-file

docs/local-stack.md says what runs where and how to use the
AWS CLI against it.
`

// runDev implements "signing dev".
func runDev(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return dev(ctx, args, stdout, stderr)
}

func dev(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, devUsage)
		return 2
	}
	switch args[0] {
	case "up":
		return devUp(ctx, args[1:], stdout, stderr)
	case "token":
		return devToken(args[1:], stdout, stderr)
	case "demo":
		return devDemo(ctx, args[1:], stdout, stderr)
	case "jwk":
		return devJWK(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, devUsage)
		return 0
	}
	fmt.Fprintf(stderr, "signing dev: unknown subcommand %q\n\n%s", args[0], devUsage)
	return 2
}

// stackFlags are the flags of the commands that start the stack.
type stackFlags struct {
	edge, api, emulator, issuer string
	wait                        int
	verbose                     bool
}

func (f *stackFlags) register(fs *flag.FlagSet, defaults devstack.Options) {
	fs.StringVar(&f.edge, "edge", defaults.EdgeAddr, "`address` of the AWS endpoint (the edge)")
	fs.StringVar(&f.api, "api", defaults.APIAddr, "`address` of the HTTP API")
	fs.StringVar(&f.emulator, "platform", defaults.EmulatorAddr, "`address` of the platform emulator")
	fs.StringVar(&f.issuer, "issuer", defaults.IssuerAddr, "`address` where the local token issuer serves its key set")
	fs.IntVar(&f.wait, "wait-timeout", 0, "override the state machine's WaitTimeoutSeconds (`seconds`; 0 keeps the template's)")
	fs.BoolVar(&f.verbose, "v", false, "print every child's output and the stack's own log")
}

func (f *stackFlags) options(stderr io.Writer) devstack.Options {
	opts := devstack.Options{EdgeAddr: f.edge, APIAddr: f.api, EmulatorAddr: f.emulator, IssuerAddr: f.issuer}
	if f.wait > 0 {
		opts.Substitutions = map[string]string{"WaitTimeoutSeconds": strconv.Itoa(f.wait)}
	}
	if f.verbose {
		opts.Logs = stderr
		opts.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	opts.Progress = func(s string) { fmt.Fprintln(stderr, "dev:", s) }
	return opts
}

// realFlags are the flags of `dev up` that point the stack at a real
// Altinn environment.
type realFlags struct {
	platformURL, maskinportenURL, clientID, keyFile, accessTokenKeyFile, environment string
	exchangeTest                                                                     bool
}

func (f *realFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.platformURL, "platform-url", "", "run against this Altinn platform `URL` (e.g. https://platform.tt02.altinn.no)\ninstead of the emulator, which is then not started")
	fs.StringVar(&f.maskinportenURL, "maskinporten-url", "", "Maskinporten's base `URL` for -platform-url (e.g. https://test.maskinporten.no)")
	fs.StringVar(&f.clientID, "maskinporten-client-id", "", "the Maskinporten client `ID` for -platform-url")
	fs.StringVar(&f.keyFile, "maskinporten-key-file", "", "PEM RSA private key `file` registered for the client (default: a KMS key\nthe stack makes at every start, whose JWK it prints)")
	fs.StringVar(&f.accessTokenKeyFile, "platform-access-token-key-file", "", "PEM RSA private key `file` Altinn knows for the app's org, to sign the\nplatform access token (default: the stack's KMS key, which Altinn does not know)")
	fs.BoolVar(&f.exchangeTest, "altinn-exchange-test", false, "exchange for Testdepartementet (ttd) tokens (exchange/maskinporten?test=true)")
	fs.StringVar(&f.environment, "environment", devstack.DefaultRealEnvironment, "the template's `Environment` against -platform-url (selects the correspondence resource)")
}

// platform returns the real platform the flags name, nil for none, or why
// the flags do not name one.
func (f *realFlags) platform(fs *flag.FlagSet) (*devstack.RealPlatform, error) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if f.platformURL == "" {
		for _, name := range []string{"maskinporten-url", "maskinporten-client-id", "maskinporten-key-file", "platform-access-token-key-file", "altinn-exchange-test", "environment"} {
			if set[name] {
				return nil, fmt.Errorf("-%s needs -platform-url", name)
			}
		}
		return nil, nil
	}
	p := &devstack.RealPlatform{
		URL: f.platformURL, MaskinportenURL: f.maskinportenURL, ClientID: f.clientID,
		KeyFile: f.keyFile, PlatformAccessTokenKeyFile: f.accessTokenKeyFile,
		ExchangeTest: f.exchangeTest, Environment: f.environment,
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// upKey is the context key of a stand-in for devstack.Up (tests check the
// options `dev up` builds without starting anything).
type upKey struct{}

// startStack is devstack.Up, or the stand-in ctx carries.
func startStack(ctx context.Context, opts devstack.Options) (*devstack.Stack, error) {
	if up, ok := ctx.Value(upKey{}).(func(context.Context, devstack.Options) (*devstack.Stack, error)); ok {
		return up(ctx, opts)
	}
	return devstack.Up(ctx, opts)
}

func devUp(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dev up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf stackFlags
	sf.register(fs, devstack.Options{EdgeAddr: devstack.DefaultEdgeAddr, APIAddr: devstack.DefaultAPIAddr, EmulatorAddr: devstack.DefaultEmulatorAddr, IssuerAddr: devstack.DefaultIssuerAddr})
	var rf realFlags
	rf.register(fs)
	pagesAddr := fs.String("pages", pages.DefaultAddr, "`address` of the pages (open them at http://localhost:{port}/; empty for none;\nnot served with -platform-url)")
	if code, ok := parseCommand(fs, args, 0); !ok {
		return code
	}
	rp, err := rf.platform(fs)
	if err != nil {
		fmt.Fprintf(stderr, "signing dev up: %v\n", err)
		return 2
	}
	opts := sf.options(stderr)
	opts.Platform = rp
	if !flagSet(fs, "pages") && strings.HasSuffix(sf.api, ":0") {
		*pagesAddr = "127.0.0.1:0"
	}
	if rp != nil {
		fmt.Fprintf(stdout, "running against %s (Maskinporten %s, client %s); the platform emulator is not started\n",
			rp.URL, rp.MaskinportenURL, rp.ClientID)
	}
	root, err := devstack.FindModuleRoot("")
	if err != nil {
		fmt.Fprintf(stderr, "signing dev up: %v\n", err)
		return 2
	}
	opts.ModuleRoot = root
	opts.BuildDir = filepath.Join(root, ".aws-sam", "devstack", "build")
	if opts.Logs == nil {
		// Function output is worth seeing while developing.
		opts.Logs = stderr
	}
	var pl *pages.Listener
	if rp == nil && *pagesAddr != "" {
		// A few instances of the founders' app to start signing tasks on.
		f := scenario.WithInstances(emulator.Founders(), devUpInstances-1)
		opts.Fixture = &f
		if pl, err = listenPages(*pagesAddr, &opts, stderr); err != nil {
			fmt.Fprintf(stderr, "signing dev up: %v\n", err)
			return 1
		}
	}
	out := &syncWriter{w: stdout}
	stdout = out
	opts.OnWebhookEvent = printWebhookEvent(out)
	s, err := startStack(ctx, opts)
	if err != nil {
		if pl != nil {
			_ = pl.Close()
		}
		fmt.Fprintf(stderr, "signing dev up: %v\n", err)
		return 1
	}
	var ps *pages.Server
	if pl != nil {
		if ps, err = servePages(pl, s, *opts.Fixture, root); err != nil {
			_ = s.Close()
			fmt.Fprintf(stderr, "signing dev up: %v\n", err)
			return 1
		}
	}
	printEndpoints(stdout, s)
	if rp != nil {
		printRealPlatform(stdout, rp, s.MaskinportenJWK)
	}
	if f, ok := ctx.Value(stackUpKey{}).(func(*devstack.Stack)); ok {
		f(s)
	}
	if ps != nil {
		fmt.Fprintf(stdout, "\npages:   open %s to log in as a person, start a signing task and sign by clicking\n", ps.URL)
	}
	fmt.Fprintln(stdout, "\nready; Ctrl-C stops everything")
	<-ctx.Done()
	fmt.Fprintln(stderr, "dev: stopping")
	if ps != nil {
		_ = ps.Close()
	}
	if err := s.Close(); err != nil {
		fmt.Fprintf(stderr, "signing dev up: stop: %v\n", err)
		return 1
	}
	return 0
}

// stackUpKey is the context key of a function `dev up` hands its running
// stack to (tests record the stack's processes with it).
type stackUpKey struct{}

// withStackUp returns ctx carrying f for `dev up`.
func withStackUp(ctx context.Context, f func(*devstack.Stack)) context.Context {
	return context.WithValue(ctx, stackUpKey{}, f)
}

// devUpInstances is how many instances of the founders' app `dev up` puts
// in the emulator's storage, to start signing tasks on from the pages.
const devUpInstances = 5

// flagSet reports whether the command line set the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// listenPages binds the pages' address (a free port when addr is taken)
// and has the stack's HTTP API allow their origin.
func listenPages(addr string, opts *devstack.Options, stderr io.Writer) (*pages.Listener, error) {
	pl, err := pages.Listen(addr)
	if err != nil && addr != "127.0.0.1:0" {
		fmt.Fprintf(stderr, "dev: the pages cannot listen on %s (%v); they take a free port\n", addr, err)
		pl, err = pages.Listen("127.0.0.1:0")
	}
	if err != nil {
		return nil, err
	}
	pl.Allow(opts)
	return pl, nil
}

// servePages serves the pages of the running stack s, seeded with fixture,
// and adds their address to the stack's endpoints.
func servePages(pl *pages.Listener, s *devstack.Stack, fixture emulator.Fixture, root string) (*pages.Server, error) {
	in, err := scenario.ExampleInput(root)
	if err != nil {
		_ = pl.Close()
		return nil, err
	}
	ps, err := pages.Serve(pl, pages.FromStack(s, fixture, in, root))
	if err != nil {
		return nil, err
	}
	s.AddEndpoint("pages", ps.URL)
	return ps, nil
}

func printEndpoints(w io.Writer, s *devstack.Stack) {
	fmt.Fprintln(w, "local stack:")
	for _, e := range s.Endpoints() {
		fmt.Fprintf(w, "  %-22s %s\n", e[0], e[1])
	}
	fmt.Fprintf(w, "  %-22s %s\n", "state machine", s.Def.Outputs["SigningStateMachineArn"])
	fmt.Fprintf(w, "  %-22s %s\n", "table", s.Def.Outputs["SigningTableName"])
	fmt.Fprintf(w, "\nAWS CLI: AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=%s aws stepfunctions list-state-machines\n",
		s.EdgeURL, devstack.AccessKey, devstack.AccessKey, s.Def.Region)
	fmt.Fprintf(w, "token:   go run ./cmd/signing dev token --pid <national id>\n")
}

// printRealPlatform says what running against a real environment needs:
// the JWK to register for the client when the stack's KMS key signs.
func printRealPlatform(w io.Writer, p *devstack.RealPlatform, jwk []byte) {
	fmt.Fprintf(w, "\nplatform: %s (the platform emulator is not started)\n", p.URL)
	if p.KeyFile == "" {
		fmt.Fprintf(w, "Maskinporten: register this public key (JWK) for client %s before the first platform call;\n"+
			"the stack makes a new key at every start (-maskinporten-key-file keeps one):\n%s\n", p.ClientID, jwk)
	} else {
		fmt.Fprintf(w, "Maskinporten: the grant is signed with %s (signing dev jwk -key-file prints its JWK)\n", p.KeyFile)
	}
	if p.PlatformAccessTokenKeyFile == "" {
		fmt.Fprintln(w, "platform access token: signed with the stack's KMS key, which Altinn does not know: Register and\n"+
			"Access Management will refuse it (-platform-access-token-key-file names the org's key)")
	}
}

// devJWK prints the public JWK of the Maskinporten key: of a PEM key file
// (kid: its RFC 7638 thumbprint, as the functions name it), or of the key
// the running local stack made (kid: its KMS key ID).
func devJWK(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dev jwk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key-file", "", "PEM RSA private key `file` (default: the running stack's Maskinporten key)")
	edgeURL := fs.String("edge", "http://"+devstack.DefaultEdgeAddr, "`URL` of the running stack's AWS endpoint (the edge)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: signing dev jwk [-key-file file | -edge URL]\n\n"+
			"Prints the public JWK to register for the Maskinporten client (docs/local-stack.md:\n"+
			"\"Run against Altinn's test environment (TT02)\").\n\n")
		fs.PrintDefaults()
	}
	if code, ok := parseCommand(fs, args, 0); !ok {
		return code
	}
	var jwk []byte
	var err error
	if *keyFile != "" {
		var signer *platformauth.PEMSigner
		if signer, err = platformauth.LoadPEMSigner(*keyFile, ""); err == nil {
			jwk, err = devstack.JWK(signer.Public(), signer.KeyID())
		}
	} else {
		jwk, err = devstack.MaskinportenKeyJWK(ctx, devstack.EdgeConfig(*edgeURL, devstack.DefaultRegion), devstack.DefaultStackName)
	}
	if err != nil {
		fmt.Fprintf(stderr, "signing dev jwk: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", jwk)
	return 0
}

func devToken(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dev token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pid := fs.String("pid", "", "the caller's national `id` (the pid claim)")
	name := fs.String("name", "", "the caller's `name` (default: from the platform fixture)")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *pid == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: signing dev token --pid <national id> [--name …] [--ttl 1h]")
		return 2
	}
	root, err := devstack.FindModuleRoot("")
	if err != nil {
		fmt.Fprintf(stderr, "signing dev token: %v\n", err)
		return 2
	}
	token, err := localToken(root, *pid, *name, *ttl)
	if err != nil {
		fmt.Fprintf(stderr, "signing dev token: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, token)
	return 0
}

// localToken issues a token for the person with national ID pid, adding
// the party claims of the platform fixture's person with that ID.
func localToken(root, pid, name string, ttl time.Duration) (string, error) {
	key, err := localjwt.LoadOrCreateKey(filepath.Join(root, filepath.FromSlash(devstack.KeyFile)))
	if err != nil {
		return "", err
	}
	claims := map[string]any{"pid": pid, "scope": "openid altinn:instances.read altinn:instances.write"}
	for _, p := range emulator.Founders().Persons {
		if p.SSN == pid {
			for k, v := range scenario.AltinnUserClaims(p.UserID, p.PartyID, p.PartyUUID, p.SSN) {
				claims[k] = v
			}
			claims["name"] = p.Name()
		}
	}
	if name != "" {
		claims["name"] = name
	}
	iss := &localjwt.Issuer{Key: key, Issuer: devstack.Issuer}
	return iss.Token(claims, ttl)
}

// demoProviders is the example app's signee providers file with one more
// provider, scenario.InOrderProvider: its first provider with the
// organisations in signing group 1 and the persons in group 2.
func demoProviders() (string, error) {
	root, err := devstack.FindModuleRoot("")
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(root, "examples", "founders", signees.SpecsPath))
	if err != nil {
		return "", err
	}
	specs, err := signees.ParseSpecs(data)
	if err != nil || len(specs) == 0 {
		return "", fmt.Errorf("%s: %d providers, %v", signees.SpecsPath, len(specs), err)
	}
	ordered := specs[0]
	ordered.ID = scenario.InOrderProvider
	ordered.Persons = slices.Clone(ordered.Persons)
	ordered.Organisations = slices.Clone(ordered.Organisations)
	for i := range ordered.Organisations {
		ordered.Organisations[i].Group = 1
	}
	for i := range ordered.Persons {
		ordered.Persons[i].Group = 2
	}
	out, err := json.Marshal(map[string]any{"providers": append(specs, ordered)})
	return string(out), err
}

func devDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dev demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf stackFlags
	sf.register(fs, devstack.Options{EdgeAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", EmulatorAddr: "127.0.0.1:0", IssuerAddr: "127.0.0.1:0"})
	pagesAddr := fs.String("pages", pages.DefaultAddr, "`address` of the pages (open them at http://localhost:{port}/; a free port when taken;\nempty for none)")
	keep := fs.Bool("keep", false, "after the demo, keep the stack and the pages up until interrupted, to sign by clicking\n(make run sets it unless CI=true)")
	if code, ok := parseCommand(fs, args, 0); !ok {
		return code
	}
	if sf.wait == 0 {
		sf.wait = 5 // heal a lost wake-up within the demo's patience
	}
	opts := sf.options(stderr)
	// More instances of the founders' app for the demo's rejected task
	// and its task in two signing groups, and two to sign on by clicking.
	f := scenario.WithInstances(emulator.Founders(), 4)
	if opts.Fixture == nil {
		opts.Fixture = &f
	} else {
		f = *opts.Fixture
	}
	// The example app's configured providers, as an app deploying them sets
	// SIGNEE_PROVIDERS, and the same founders in two signing groups (the
	// company first) for the demo's third task.
	if _, set := opts.FunctionEnv["SIGNEE_PROVIDERS"]; !set {
		providers, err := demoProviders()
		if err != nil {
			fmt.Fprintf(stderr, "signing dev demo: the example app's signee providers: %v\n", err)
			return 1
		}
		if opts.FunctionEnv == nil {
			opts.FunctionEnv = map[string]string{}
		}
		opts.FunctionEnv["SIGNEE_PROVIDERS"] = providers
	}
	// Without -v the stack's output is kept, to show why a step failed.
	var logs *proc.Tail
	if opts.Logs == nil {
		logs = proc.NewTail(64 << 10)
		opts.Logs = logs
	}
	root, _ := devstack.FindModuleRoot("")
	var pl *pages.Listener
	if *pagesAddr != "" {
		var err error
		if pl, err = listenPages(*pagesAddr, &opts, stderr); err != nil {
			fmt.Fprintf(stderr, "signing dev demo: %v\n", err)
			return 1
		}
	}
	// The stack's webhook receiver prints each event as it arrives, its
	// signature checked, between the demo's steps.
	out := &syncWriter{w: stdout}
	stdout = out
	opts.OnWebhookEvent = printWebhookEvent(out)
	t0 := time.Now()
	fmt.Fprintln(stdout, "bringing the local stack up")
	s, err := devstack.Up(ctx, opts)
	if err != nil {
		if pl != nil {
			_ = pl.Close()
		}
		fmt.Fprintf(stderr, "signing dev demo: %v\n", err)
		return 1
	}
	defer s.Close()
	fmt.Fprintf(stdout, "stack up in %s (build %s, DynamoDB Local %s, moto %s)\n",
		s.Timings["total"].Round(time.Millisecond), s.Timings["build"].Round(time.Millisecond),
		s.Timings["dynamodb"].Round(time.Millisecond), s.Timings["moto"].Round(time.Millisecond))
	var ps *pages.Server
	if pl != nil {
		if ps, err = servePages(pl, s, f, root); err != nil {
			fmt.Fprintf(stderr, "signing dev demo: %v\n", err)
			return 1
		}
		defer ps.Close()
		fmt.Fprintf(stdout, "pages: %s (the people's view: log in as a founder, read the inbox, follow the signing)\n", ps.URL)
	}
	fmt.Fprintln(stdout)
	in, err := scenario.ExampleInput(root)
	if err != nil {
		fmt.Fprintf(stderr, "signing dev demo: %v\n", err)
		return 1
	}
	run := scenario.New(s, f.Instances[0], in)
	fmt.Fprintf(stdout, "the founders of %s/%s sign instance %s\n", in.Instance.Org, in.Instance.App, f.Instances[0].InstanceGUID)
	steps := scenario.Demo(ctx, run, f, stdout, scenario.DemoOptions{})
	ok := 0
	for _, st := range steps {
		if st.Err == nil {
			ok++
		}
	}
	fmt.Fprintf(stdout, "\nsummary: %d of %d steps verified in %s\n", ok, len(steps), time.Since(t0).Round(time.Millisecond))
	stats := functionStats(s)
	names := make([]string, 0, len(stats))
	for name := range stats {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(stdout, "  %-42s %s\n", name, stats[name])
	}
	if *keep && ps != nil {
		fmt.Fprintf(stdout, "\nthe stack and the pages stay up: open %s, log in as Kari Nordmann and start the signing step of\n"+
			"an instance not started yet, then sign, sign for the company, submit, or reject, by clicking. Ctrl-C stops.\n", ps.URL)
		<-ctx.Done()
		fmt.Fprintln(stderr, "dev: stopping")
		_ = ps.Close()
	}
	if err := s.Close(); err != nil {
		fmt.Fprintf(stderr, "signing dev demo: stop: %v\n", err)
		return 1
	}
	if ok != len(steps) {
		if logs != nil {
			fmt.Fprintf(stderr, "signing dev demo: the stack's last output (-v shows all of it):\n%s\n", lastLines(logs.String(), 40))
		}
		return 1
	}
	return 0
}

// syncWriter serialises writes from the demo and the webhook receiver.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// printWebhookEvent prints one line per event the stack's webhook receiver
// accepts (signature checked): its type, subject and id.
func printWebhookEvent(w io.Writer) func(hookrecv.Event) {
	return func(e hookrecv.Event) {
		fmt.Fprintf(w, "    webhook ✓ %-36s %s  id %s\n", strings.TrimPrefix(e.Type, signing.EventTypePrefix), e.Subject, e.ID)
	}
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// functionStats summarises each function's invocations and cold starts.
func functionStats(s *devstack.Stack) map[string]string {
	out := map[string]string{}
	for _, name := range s.Host.Functions() {
		st, _ := s.Host.Stats(name)
		if st.Invocations == 0 {
			continue
		}
		var init time.Duration
		for _, d := range st.InitDurations {
			init += d
		}
		if n := len(st.InitDurations); n > 0 {
			init /= time.Duration(n)
		}
		out[name] = fmt.Sprintf("%d invocation(s), %d error(s), %d cold start(s), init %s", st.Invocations, st.Errors, st.ColdStarts, init.Round(time.Millisecond))
	}
	return out
}

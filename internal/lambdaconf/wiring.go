package lambdaconf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/lambdaconf/awsenv"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platformauth"
	"github.com/signingflow/signing/internal/queue"
	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/signing"
)

// Linked are the adapters a function links beyond the table, KMS and the
// platform clients. Each lives in a package of its own (awssecrets.Reader,
// awssfn.New), so a function that does not name one in its main.go does
// not link its AWS SDK package: a service package's init (its endpoint
// rules and, since the SDK's schema-based serialisation, its shape
// schemas) runs at every cold start whether the client is used or not.
// A port that needs an adapter the function did not link is a wiring
// problem naming both; TestTemplate_functions checks each main.go links
// exactly what its ports need (Port.Links).
type Linked struct {
	// Secrets reads a secret's string (awssecrets.Reader): Identities with
	// HASH_KEY_SECRET_ARN.
	Secrets func(awsenv.Env) func(ctx context.Context, arn string) (string, error)
	// StepFunctions is the Step Functions adapter (awssfn.New): Workflow
	// and Executions.
	StepFunctions func(awsenv.Env) interface {
		signing.Workflow
		signing.ExecutionStopper
	}
	// Events is the EventBridge bus of that name (awsevents.New): EventBus.
	Events func(e awsenv.Env, busName string) events.Bus
	// Queues is the SQS queue at that URL (awsqueue.New): EventDeadLetters
	// and Webhooks.
	Queues func(e awsenv.Env, queueURL string) queue.Sender
}

// The adapters a Port may need (Port.Links), by their Linked field names.
const (
	LinkSecrets       = "Secrets"
	LinkStepFunctions = "StepFunctions"
)

// Wiring builds the ports a function's main asks for, each once, from the
// environment variables that port needs and nothing else (Ports lists
// them, with the AWS actions each port calls; template.yaml gives each
// function exactly those, which TestTemplate_functions checks against the
// Wiring methods its main.go calls). Only the AWS clients a port calls are
// built. A problem is kept, and the port returned is nil: Run reports
// every problem at once after the wiring function returns.
type Wiring struct {
	ctx  context.Context
	r    *reader
	aws  awsenv.Env
	link Linked

	ddb  *dynamodb.Client
	kms  *kms.Client
	flow interface {
		signing.Workflow
		signing.ExecutionStopper
	}
	base  *Platform
	maskp platform.TokenSource
	pat   platform.TokenSource
	// maskpRead and patRead are set once their variables are read.
	maskpRead, patRead bool

	storage     *platform.StorageClient
	storageRead bool

	// transient is set when a secret could not be read for a reason a
	// retry may cure.
	transient error
	// pending are the reads under way, which Err waits for.
	pending []func()
}

// NewWiring returns a Wiring that reads through lookup and builds its AWS
// clients from e, with the adapters link names.
func NewWiring(ctx context.Context, lookup func(string) (string, bool), e awsenv.Env, link Linked) *Wiring {
	return &Wiring{ctx: ctx, r: &reader{lookup: lookup}, aws: e, link: link}
}

// unlinked records that a port needs an adapter the function does not link.
func (w *Wiring) unlinked(port, link string) {
	w.r.errs = append(w.r.errs, fmt.Errorf("lambdaconf: %s needs the %s adapter, which this function's main.go does not link (lambdaconf.Linked)", port, link))
}

// Err waits for the reads still under way (Identities) and returns every
// problem met; it wraps signing.ErrTransient when the only problems are
// transient.
func (w *Wiring) Err() error {
	for _, wait := range w.pending {
		wait()
	}
	w.pending = nil
	if err := w.r.err("wiring"); err != nil {
		return err
	}
	return w.transient
}

// Run is the whole main of a function: it sets the JSON logger, reads the
// AWS configuration from the environment (awsenv.Load: not the SDK's config
// package, see awsenv), calls wire with a Wiring, and starts the Lambda
// runtime with the handler wire returns; link names the adapters beyond
// the table and the platform that its ports need. A transient failure while wiring
// (reading a secret at a cold start) is retried with a fresh Wiring
// (Retry); any other problem is logged and exits 1. It does not return.
func Run(name string, link Linked, wire func(w *Wiring) any) {
	slog.SetDefault(NewLogger(os.Stdout))
	e, err := awsenv.Load(os.LookupEnv)
	if err != nil {
		Exit(name+": AWS configuration", err)
	}
	ctx := context.Background()
	handler, err := Retry(ctx, InitBackoff, func() (any, error) {
		w := NewWiring(ctx, os.LookupEnv, e, link)
		h := wire(w)
		return h, w.Err()
	})
	if err != nil {
		Exit(name+": wiring", err)
	}
	lambda.Start(handler)
}

// Clock is the system clock.
func (w *Wiring) Clock() signing.Clock { return signing.SystemClock{} }

// Repo is the DynamoDB store on TABLE_NAME.
func (w *Wiring) Repo() signing.Repository {
	table := w.r.required(EnvTableName)
	if w.ddb == nil {
		w.ddb = dynamodb.NewFromConfig(w.aws.Config, func(o *dynamodb.Options) { o.BaseEndpoint = w.aws.BaseEndpoint(dynamodb.ServiceID) })
	}
	return dynamo.New(w.ddb, table, dynamo.WithClock(w.Clock()))
}

// Settings are what messages to people say: ENVIRONMENT (the
// correspondence resource), INSTANCE_URL and LANGUAGE.
func (w *Wiring) Settings() signing.Settings {
	env, instanceURL, lang := w.r.settings()
	return signing.Settings{Environment: env, InstanceURL: instanceURL, Language: lang}
}

// DocumentSettings are what the signing PDF says: INSTANCE_URL and
// LANGUAGE (no correspondence, so no ENVIRONMENT).
func (w *Wiring) DocumentSettings() signing.Settings {
	instanceURL := w.r.instanceURL()
	return signing.Settings{InstanceURL: instanceURL, Language: w.r.language()}
}

// Identities is the keyed hasher: HASH_KEY, or the Secrets Manager secret
// HASH_KEY_SECRET_ARN names. The secret is read in the background from this
// call on, while the rest of the function is wired (the API fetches its
// token key set meanwhile), and Err waits for it: the API and Resolve
// Signees hash identities in nearly every call, so a read on first use
// would only move the wait into the first invocation, while a read in
// parallel at init overlaps it with the other init work.
func (w *Wiring) Identities() signing.Identities {
	key, arn := w.r.hashKey()
	if arn == "" {
		if key == nil {
			return nil
		}
		h, err := ident.NewHasher(key)
		if err != nil {
			w.r.fail(EnvHashKey, "%v", err)
			return nil
		}
		return h
	}
	if w.link.Secrets == nil {
		w.unlinked("Identities", LinkSecrets)
		return nil
	}
	read := w.link.Secrets(w.aws)
	p := &pendingHasher{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		s, err := read(w.ctx, arn)
		if err == nil {
			var key []byte
			if key, err = ident.ParseHasherKey(s); err == nil {
				p.h, err = ident.NewHasher(key)
			}
			if err != nil {
				err = fmt.Errorf("the secret: %w", err)
			}
		}
		p.err = err
	}()
	w.pending = append(w.pending, func() {
		<-p.done
		switch {
		case p.err == nil:
		case errors.Is(p.err, signing.ErrTransient):
			w.transient = fmt.Errorf("lambdaconf: %s: %w", EnvHashKeySecretARN, p.err)
		default:
			w.r.fail(EnvHashKeySecretARN, "%v", p.err)
		}
	})
	return p
}

// pendingHasher is the keyed hasher whose key is still being read; Run
// starts no handler before the read is done (Wiring.Err waits for it).
type pendingHasher struct {
	done chan struct{}
	h    *ident.Hasher
	err  error
}

func (p *pendingHasher) hasher() *ident.Hasher {
	<-p.done
	if p.h == nil {
		panic("lambdaconf: the hash key was not read: " + p.err.Error())
	}
	return p.h
}

// Person implements signing.Identities.
func (p *pendingHasher) Person(id ident.NationalID) string { return p.hasher().Person(id) }

// Organisation implements signing.Identities.
func (p *pendingHasher) Organisation(org ident.OrgNumber) string { return p.hasher().Organisation(org) }

// Fail records a problem the wiring callback met outside the Wiring (such
// as the API's token verifier); a transient one (signing.ErrTransient) is
// retried as the Wiring's own are.
func (w *Wiring) Fail(err error) {
	if errors.Is(err, signing.ErrTransient) {
		w.transient = err
		return
	}
	w.r.errs = append(w.r.errs, err)
}

// kmsClient is the KMS client, built on first need.
func (w *Wiring) kmsClient() platformauth.KMSSignAPI {
	if w.kms == nil {
		w.kms = kms.NewFromConfig(w.aws.Config, func(o *kms.Options) { o.BaseEndpoint = w.aws.BaseEndpoint(kms.ServiceID) })
	}
	return w.kms
}

// platformBase reads PLATFORM_URL and PLATFORM_TIMEOUT once.
func (w *Wiring) platformBase() Platform {
	if w.base == nil {
		p := w.r.platformBase()
		w.base = &p
	}
	return *w.base
}

// bearer is the service owner's Maskinporten token source, once.
func (w *Wiring) bearer() platform.TokenSource {
	if !w.maskpRead {
		w.maskpRead = true
		n := len(w.r.errs)
		m := w.r.maskinporten()
		base := w.platformBase()
		if len(w.r.errs) > n {
			return nil
		}
		var api platformauth.KMSSignAPI
		if m.KMSKeyID != "" {
			api = w.kmsClient()
		}
		src, err := m.tokens(base.URL, api)
		if err != nil {
			w.r.errs = append(w.r.errs, err)
			return nil
		}
		w.maskp = src
	}
	return w.maskp
}

// platformAccessToken is the platform access token source, once.
func (w *Wiring) platformAccessToken() platform.TokenSource {
	if !w.patRead {
		w.patRead = true
		n := len(w.r.errs)
		var p Platform
		w.r.accessToken(&p)
		if len(w.r.errs) > n {
			return nil
		}
		var api platformauth.KMSSignAPI
		if p.AccessTokenKMSKeyID != "" {
			api = w.kmsClient()
		}
		src, err := p.accessTokens(api)
		if err != nil {
			w.r.errs = append(w.r.errs, err)
			return nil
		}
		w.pat = src
	}
	return w.pat
}

// noBearer stands in for the bearer of the clients that send none
// (access management and the decision point: the package doc's "Scopes"),
// so a function that calls only those needs no Maskinporten client.
type noBearer struct{}

func (noBearer) Token(context.Context) (string, error) {
	return "", errors.New("lambdaconf: this client sends no bearer token")
}

// platformConfig is the platform client configuration with the given
// token sources; ok is false when a problem was met.
func (w *Wiring) platformConfig(tokens, platformTokens platform.TokenSource) (platform.Config, bool) {
	p := w.platformBase()
	if len(w.r.errs) > 0 || tokens == nil {
		return platform.Config{}, false
	}
	return platform.Config{Timeout: p.Timeout, Tokens: tokens, PlatformTokens: platformTokens}.WithPlatformURL(p.URL), true
}

func (w *Wiring) client(err error) bool {
	if err != nil {
		w.r.errs = append(w.r.errs, fmt.Errorf("lambdaconf: %w", err))
		return false
	}
	return true
}

// storageClient is the storage client, once (Storage, Apps and Signees share it).
func (w *Wiring) storageClient() *platform.StorageClient {
	if !w.storageRead {
		w.storageRead = true
		c, ok := w.platformConfig(w.bearer(), nil)
		if !ok {
			return nil
		}
		s, err := platform.NewStorageClient(c)
		if !w.client(err) {
			return nil
		}
		w.storage = s
	}
	return w.storage
}

// Storage is platform storage, with the service owner's bearer.
func (w *Wiring) Storage() signing.Storage {
	if s := w.storageClient(); s != nil {
		return s
	}
	return nil
}

// Apps is the app catalog (texts and titles) over platform storage.
func (w *Wiring) Apps() signing.Apps {
	if s := w.storageClient(); s != nil {
		return platform.NewAppCatalog(s, 0)
	}
	return nil
}

// Correspondence is the correspondence API, with the service owner's bearer.
func (w *Wiring) Correspondence() signing.Correspondence {
	c, ok := w.platformConfig(w.bearer(), nil)
	if !ok {
		return nil
	}
	cc, err := platform.NewCorrespondenceClient(c)
	if !w.client(err) {
		return nil
	}
	return cc
}

// Register is the register API: the service owner's bearer and the
// platform access token.
func (w *Wiring) Register() signing.Register {
	bearer, pat := w.bearer(), w.platformAccessToken()
	c, ok := w.platformConfig(bearer, pat)
	if !ok || pat == nil {
		return nil
	}
	rc, err := platform.NewRegisterClient(c)
	if !w.client(err) {
		return nil
	}
	return rc
}

// Access is access management: the platform access token alone.
func (w *Wiring) Access() signing.AccessManagement {
	pat := w.platformAccessToken()
	c, ok := w.platformConfig(noBearer{}, pat)
	if !ok || pat == nil {
		return nil
	}
	ac, err := platform.NewAccessClient(c)
	if !w.client(err) {
		return nil
	}
	return ac
}

// Authorization is the decision point, which takes no token.
func (w *Wiring) Authorization() signing.Authorization {
	c, ok := w.platformConfig(noBearer{}, nil)
	if !ok {
		return nil
	}
	ac, err := platform.NewAuthorizationClient(c)
	if !w.client(err) {
		return nil
	}
	return ac
}

// Signees is the signee source: the built-in providers and those
// SIGNEE_PROVIDERS configures, reading the instance from storage;
// ALLOW_SYNTHETIC_IDS accepts synthetic test IDs.
func (w *Wiring) Signees() signing.SigneeSource {
	allow, specs := w.r.signees()
	storage := w.storageClient()
	providers := signees.BuiltIn()
	for _, spec := range specs {
		p, err := signees.NewConfigured(spec)
		if err != nil {
			w.r.fail(EnvSigneeProviders, "%v", err)
			return nil
		}
		providers = append(providers, p)
	}
	registry, err := signees.NewRegistry(providers...)
	if err != nil {
		w.r.fail(EnvSigneeProviders, "%v", err)
		return nil
	}
	if storage == nil {
		return nil
	}
	return &signees.Source{Registry: registry, Storage: storage, Options: signees.Options{AllowSynthetic: allow}}
}

// workflowAdapter is the Step Functions adapter, once; nil (and a
// problem) when the function does not link it.
func (w *Wiring) workflowAdapter(port string) interface {
	signing.Workflow
	signing.ExecutionStopper
} {
	if w.flow == nil {
		if w.link.StepFunctions == nil {
			w.unlinked(port, LinkStepFunctions)
			return nil
		}
		w.flow = w.link.StepFunctions(w.aws)
	}
	return w.flow
}

// Workflow resumes and fails waiting steps (states:SendTaskSuccess,
// states:SendTaskFailure).
func (w *Wiring) Workflow() signing.Workflow {
	if f := w.workflowAdapter("Workflow"); f != nil {
		return f
	}
	return nil
}

// Executions stops a superseded attempt's execution (states:StopExecution).
func (w *Wiring) Executions() signing.ExecutionStopper {
	if f := w.workflowAdapter("Executions"); f != nil {
		return f
	}
	return nil
}

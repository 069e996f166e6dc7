// Package signingtest wires a signing.Service to the in-memory repository
// and the platform emulator (over real HTTP) for tests, with the founders
// example app and its fixture: Kari owns the instance and holds a signing
// role for the company; Ola does not.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package signingtest

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/appconfig"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/memrepo"
	"github.com/signingflow/signing/internal/signingpdf"
	"github.com/signingflow/signing/internal/texts"
)

// The founders fixture's instance, people and company.
var (
	FoundersInstance = signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001, InstanceGUID: "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"}
	FoundersTask     = signing.TaskKey{InstanceGUID: FoundersInstance.InstanceGUID, TaskID: "SigningTask"}
	KariUUID         = "0b6c1f2e-3d4a-4b5c-8d6e-000000050001"
	OlaUUID          = "0b6c1f2e-3d4a-4b5c-8d6e-000000050002"
	CompanyUUID      = "0b6c1f2e-3d4a-4b5c-8d6e-000000050003"
	// PerUUID and PerSSN are Per Hansen's, whom no form names.
	PerUUID = "0b6c1f2e-3d4a-4b5c-8d6e-000000050004"
	PerSSN  = "12847832280"
	// CompanyOrg is the company's organisation number.
	CompanyOrg = "312847612"
)

// Clock is a settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// ClockStart is when a harness's clock starts.
var ClockStart = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)

// NewClock returns a clock at ClockStart.
func NewClock() *Clock { return &Clock{now: ClockStart} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// ExampleApps serves the example app's texts and titles.
func ExampleApps(app *appconfig.App) signing.Apps { return exampleApps{app: app} }

type exampleApps struct{ app *appconfig.App }

func (a exampleApps) App(context.Context, string, string) (signing.AppInfo, error) {
	return signing.AppInfo{Texts: texts.Resources(a.app.Texts), Titles: a.app.Metadata.Title, Owner: "Testdepartementet"}, nil
}

// Harness is a service wired to the in-memory repository and the platform
// emulator over real HTTP.
type Harness struct {
	Svc  *signing.Service
	Repo *memrepo.Repo
	Emu  *emulator.Emulator
	// EmuURL is the emulator's base URL.
	EmuURL   string
	Workflow *Workflow
	Clock    *Clock
	// Cfg is the example's SigningTask configuration; tests may change it before Start.
	Cfg signing.Config
	App *appconfig.App
}

// New returns a harness with a fresh repository and emulator, which takes
// opts after its defaults.
func New(t *testing.T, opts ...emulator.Option) *Harness {
	t.Helper()
	app, err := appconfig.Load(filepath.Join(ModuleRoot(t), "examples", "founders"))
	if err != nil {
		t.Fatal(err)
	}
	st, ok := app.Task("SigningTask")
	if !ok {
		t.Fatal("example has no SigningTask")
	}
	emu := emulator.New(emulator.Founders(), append([]emulator.Option{emulator.WithSequentialIDs(1)}, opts...)...)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	clients, err := platform.NewClients(emulator.Config(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	clock := NewClock()
	repo := memrepo.New(clock)
	h := &Harness{Repo: repo, Emu: emu, EmuURL: srv.URL, Workflow: &Workflow{}, Clock: clock, Cfg: st.Config, App: app}
	h.Svc = NewService(t, Parts{
		Repo: repo, Storage: clients.Storage, Access: clients.Access, Correspondence: clients.Correspondence,
		Register: clients.Register, Authorization: clients.Authorization, Workflow: h.Workflow, Apps: exampleApps{app: app}, Clock: clock,
	})
	return h
}

// Parts are the ports a test service is built over: the repository, the
// platform, the workflow, the app catalog and the clock, which each
// harness provides its own way (the fault matrix wraps them to inject
// failures).
type Parts struct {
	Repo           signing.Repository
	Storage        signing.Storage
	Access         signing.AccessManagement
	Correspondence signing.Correspondence
	Register       signing.Register
	Authorization  signing.Authorization
	Workflow       signing.Workflow
	Apps           signing.Apps
	Clock          signing.Clock
}

// settings are the test service's settings: the tt02 correspondence
// resource and an apps.example.no instance link.
func settings() signing.Settings {
	return signing.Settings{Environment: "tt02", InstanceURL: "https://{org}.apps.example.no/{org}/{app}/#/instance/{partyId}/{instanceGuid}"}
}

// NewService returns the signing.Service the test harnesses run: p's ports,
// the built-in signee providers reading p.Storage (synthetic IDs allowed),
// the keyed hasher on HasherKey, the PDF renderer and the tt02 settings. New and the
// fault matrix (internal/proof/faults) both build theirs here.
func NewService(t testing.TB, p Parts) *signing.Service {
	t.Helper()
	reg, err := signees.NewRegistry(signees.BuiltIn()...)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := ident.NewHasher([]byte(HasherKey))
	if err != nil {
		t.Fatal(err)
	}
	return &signing.Service{
		Repo:           p.Repo,
		Signees:        &signees.Source{Registry: reg, Storage: p.Storage, Options: signees.Options{AllowSynthetic: true}},
		Storage:        p.Storage,
		Access:         p.Access,
		Correspondence: p.Correspondence,
		Register:       p.Register,
		Authorization:  p.Authorization,
		Workflow:       p.Workflow,
		Apps:           p.Apps,
		Identities:     hasher,
		PDF:            signingpdf.Renderer{},
		Clock:          p.Clock,
		Settings:       settings(),
	}
}

// HasherKey is the keyed-hash key the harness uses.
const HasherKey = "0123456789abcdef0123456789abcdef-test-key"

// ModuleRoot returns the folder holding go.mod, walking up from the test's folder.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// Start starts the example's signing task.
func (h *Harness) Start(t *testing.T) signing.StartResult {
	t.Helper()
	got, err := h.Svc.Start(context.Background(), signing.StartInput{Instance: FoundersInstance, TaskID: "SigningTask", Config: h.Cfg})
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	return got
}

// SigneeByUUID finds the signee with a party UUID.
func (h *Harness) SigneeByUUID(t *testing.T, uuid string) signing.Signee {
	t.Helper()
	list, _, err := h.Repo.ListSignees(context.Background(), FoundersTask, signing.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sg := range list {
		if sg.PartyUUID == uuid {
			return sg
		}
	}
	t.Fatalf("no signee with party %s", uuid)
	return signing.Signee{}
}

// Workflow keeps the resumed and failed tokens.
type Workflow struct {
	mu      sync.Mutex
	Resumed []string
	Failed  map[string]string // token → error name
	Err     error
}

func (w *Workflow) Resume(_ context.Context, token string, _ any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.Err != nil {
		return w.Err
	}
	w.Resumed = append(w.Resumed, token)
	return nil
}

func (w *Workflow) Fail(_ context.Context, token, name, _ string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.Err != nil {
		return w.Err
	}
	if w.Failed == nil {
		w.Failed = map[string]string{}
	}
	w.Failed[token] = name
	return nil
}

// Caller returns a caller with the given national ID, party and name, and
// the platform user ID the emulator's founders fixture gives that person.
func Caller(t *testing.T, ssn, partyUUID, name string) signing.Caller {
	t.Helper()
	id, err := ident.ParseNationalID(ssn, ident.AllowSynthetic())
	if err != nil {
		t.Fatal(err)
	}
	c := signing.Caller{Person: id, PartyUUID: partyUUID, Name: name}
	for _, p := range emulator.Founders().Persons {
		if p.SSN == ssn {
			c.UserID = strconv.FormatInt(p.UserID, 10)
			c.PartyID = p.PartyID
			if c.Token, err = emulator.PersonToken(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c
}

// Kari owns the instance and holds a signing role for the company.
func Kari(t *testing.T) signing.Caller { return Caller(t, "15838523428", KariUUID, "Kari Nordmann") }

// Per is Per Hansen, in the register but named by no form: the one a
// signee is replaced by.
func Per(t *testing.T) signing.Caller { return Caller(t, PerSSN, PerUUID, "Per Hansen") }

// Ola is a founder without a role in the company.
func Ola(t *testing.T) signing.Caller { return Caller(t, "02919043558", OlaUUID, "Ola Johan Testesen") }

// SignAll records every signee's signature through the service: Kari,
// Ola, and Kari for the company.
func (h *Harness) SignAll(t *testing.T) {
	t.Helper()
	for _, in := range []signing.SignInput{
		{Task: FoundersTask, Caller: Kari(t)},
		{Task: FoundersTask, Caller: Ola(t)},
		{Task: FoundersTask, Caller: Kari(t), OnBehalfOf: CompanyOrg},
	} {
		if _, err := h.Svc.Sign(context.Background(), in); err != nil {
			t.Fatalf("Sign(onBehalfOf %q) error = %v", in.OnBehalfOf, err)
		}
	}
}

// CompleteAll records every signature (SignAll) and completes the task as
// Kari, its owner.
func (h *Harness) CompleteAll(t *testing.T) {
	t.Helper()
	h.SignAll(t)
	if _, err := h.Svc.Complete(context.Background(), signing.CompleteInput{Task: FoundersTask, Caller: Kari(t)}); err != nil {
		t.Fatalf("Complete() error = %v", err)
	}
}

// Ready starts the task and delegates and notifies every signee: the steps
// the state machine runs before its first Collect Signatures, in the order
// statemachine/signing.asl.json gives them (route.go).
func (h *Harness) Ready(t *testing.T) signing.StartResult {
	t.Helper()
	return h.readyRoute(t)
}

package signing_test

import (
	"context"
	"net/http/httptest"
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
	foundersInstance = signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001, InstanceGUID: "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"}
	foundersTask     = signing.TaskKey{InstanceGUID: foundersInstance.InstanceGUID, TaskID: "SigningTask"}
	kariUUID         = "0b6c1f2e-3d4a-4b5c-8d6e-000000050001"
	olaUUID          = "0b6c1f2e-3d4a-4b5c-8d6e-000000050002"
	companyUUID      = "0b6c1f2e-3d4a-4b5c-8d6e-000000050003"
)

// fixedClock is a settable clock.
type fixedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fixedClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recordingQueue keeps what was enqueued.
type recordingQueue struct {
	mu     sync.Mutex
	orders []signing.NotificationOrder
	err    error
}

func (q *recordingQueue) Enqueue(_ context.Context, orders []signing.NotificationOrder) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	q.orders = append(q.orders, orders...)
	return nil
}

// exampleApps serves the example app's texts and titles.
type exampleApps struct{ app *appconfig.App }

func (a exampleApps) App(context.Context, string, string) (signing.AppInfo, error) {
	return signing.AppInfo{Texts: texts.Resources(a.app.Texts), Titles: a.app.Metadata.Title, Owner: "Testdepartementet"}, nil
}

// harness is a service wired to the in-memory repository and the platform
// emulator over real HTTP.
type harness struct {
	svc   *signing.Service
	repo  *memrepo.Repo
	emu   *emulator.Emulator
	queue *recordingQueue
	wf    *recordingWorkflow
	clock *fixedClock
	cfg   signing.Config
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	app, err := appconfig.Load("../../examples/founders")
	if err != nil {
		t.Fatal(err)
	}
	st, ok := app.Task("SigningTask")
	if !ok {
		t.Fatal("example has no SigningTask")
	}
	emu := emulator.New(emulator.Founders(), emulator.WithSequentialIDs(1))
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	clients, err := platform.NewClients(emulator.Config(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := signees.NewRegistry(signees.BuiltIn()...)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := ident.NewHasher([]byte("0123456789abcdef0123456789abcdef-test-key"))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{now: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)}
	repo := memrepo.New(clock)
	queue := &recordingQueue{}
	wf := &recordingWorkflow{}
	h := &harness{repo: repo, emu: emu, queue: queue, wf: wf, clock: clock, cfg: st.Config}
	h.svc = &signing.Service{
		Repo:           repo,
		Signees:        &signees.Source{Registry: reg, Storage: clients.Storage, Options: signees.Options{AllowSynthetic: true}},
		Storage:        clients.Storage,
		Access:         clients.Access,
		Correspondence: clients.Correspondence,
		Register:       clients.Register,
		Queue:          queue,
		Workflow:       wf,
		Apps:           exampleApps{app: app},
		Identities:     hasher,
		PDF:            signingpdf.Renderer{},
		Clock:          clock,
		Settings:       signing.Settings{Environment: "tt02", InstanceURL: "https://{org}.apps.example.no/{org}/{app}/#/instance/{partyId}/{instanceGuid}"},
	}
	return h
}

func (h *harness) start(t *testing.T) signing.StartResult {
	t.Helper()
	got, err := h.svc.Start(context.Background(), signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: h.cfg})
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	return got
}

// signeeByUUID finds the signee with a party UUID.
func (h *harness) signeeByUUID(t *testing.T, uuid string) signing.Signee {
	t.Helper()
	list, _, err := h.repo.ListSignees(context.Background(), foundersTask, signing.Page{})
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

// recordingWorkflow keeps the resumed and failed tokens.
type recordingWorkflow struct {
	mu      sync.Mutex
	resumed []string
	failed  map[string]string // token → error name
	err     error
}

func (w *recordingWorkflow) Resume(_ context.Context, token string, _ any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	w.resumed = append(w.resumed, token)
	return nil
}

func (w *recordingWorkflow) Fail(_ context.Context, token, name, _ string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.failed == nil {
		w.failed = map[string]string{}
	}
	w.failed[token] = name
	return nil
}

// The founders fixture's people as callers.
func caller(t *testing.T, ssn, partyUUID, name string) signing.Caller {
	t.Helper()
	id, err := ident.ParseNationalID(ssn, ident.AllowSynthetic())
	if err != nil {
		t.Fatal(err)
	}
	return signing.Caller{Person: id, PartyUUID: partyUUID, Name: name}
}

func kari(t *testing.T) signing.Caller { return caller(t, "15838523428", kariUUID, "Kari Nordmann") }
func ola(t *testing.T) signing.Caller  { return caller(t, "02919043558", olaUUID, "Ola Johan Testesen") }

// ready starts the task and delegates and notifies every signee.
func (h *harness) ready(t *testing.T) signing.StartResult {
	t.Helper()
	started := h.start(t)
	for _, sk := range started.Signees {
		if _, err := h.svc.Delegate(context.Background(), foundersTask, sk); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Notify(context.Background(), foundersTask, sk); err != nil {
			t.Fatal(err)
		}
	}
	return started
}

package faults_test

import (
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/appconfig"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/memrepo"
	"github.com/signingflow/signing/internal/signingtest"
)

// The example app, loaded once; runs only read it.
var (
	foundersOnce sync.Once
	foundersApp  *appconfig.App
	foundersErr  error
)

func founders(t testing.TB) (*appconfig.App, error) {
	foundersOnce.Do(func() {
		foundersApp, foundersErr = appconfig.Load(filepath.Join(signingtest.ModuleRoot(t), "examples", "founders"))
	})
	return foundersApp, foundersErr
}

// run is one signing task driven through the service with at most one
// fault: the real service on the in-memory repository and the platform
// emulator over HTTP, every effect through the world.
type run struct {
	t   *testing.T
	w   *world
	svc *signing.Service
	mem *memrepo.Repo
	emu *emulator.Emulator
	wf  *workflow
	// clients reach the emulator around the world, for tests that tamper with it.
	clients platform.Clients
	// clock moves on by a second each time a step starts, as time passes between retries.
	clock *signingtest.Clock
	cfg   signing.Config
	log   *slog.Logger
	// keys are the task's signee keys, from Start.
	keys []signing.SigneeKey
	// attempts counts step invocations, retries included.
	attempts int
	// visited are the states of the state machine the driver passed
	// ("Map / state" inside a Map).
	visited map[string]bool
	// reminder is the reminder time a Map's items carry (Send Reminders'
	// ItemSelector "reminder"), while the driver walks that Map.
	reminder *time.Time
}

func newRun(t *testing.T, plan *fault) *run {
	t.Helper()
	app, err := founders(t)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := app.Task("SigningTask")
	if !ok {
		t.Fatal("the example has no SigningTask")
	}
	log := slog.Default().With("run", t.Name())
	emu := emulator.New(emulator.Founders(), emulator.WithSequentialIDs(1), emulator.WithLogger(log.With("component", "emulator")))
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	cfg := emulator.Config(srv.URL)
	cfg.Timeout = clientTimeout(plan)
	clients, err := platform.NewClients(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(emu, plan)
	clk := signingtest.NewClock()
	mem := memrepo.New(clk)
	mem.Err = w.takeRepoErr
	wf := &workflow{w: w}
	st2 := storage{w: w, next: clients.Storage}
	r := &run{
		t: t, w: w, mem: mem, emu: emu, wf: wf, clock: clk, cfg: st.Config, log: log, clients: clients,
	}
	r.svc = signingtest.NewService(t, signingtest.Parts{
		Repo:           repo{w: w, next: mem},
		Storage:        st2,
		Access:         access{w: w, next: clients.Access},
		Correspondence: correspondence{w: w, next: clients.Correspondence},
		Register:       register{w: w, next: clients.Register},
		Authorization:  authorization{w: w, next: clients.Authorization},
		Workflow:       wf,
		Apps:           signingtest.ExampleApps(app),
		Clock:          clk,
	})
	// One call at a time, so "the first call of a boundary in a step" is one call.
	r.svc.Settings.LookupConcurrency = 1
	return r
}

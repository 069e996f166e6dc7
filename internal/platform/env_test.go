package platform_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
)

// The bundled founders fixture (emulator/fixtures/founders.json).
const (
	kariSSN      = "15838523428"
	kariUUID     = "0b6c1f2e-3d4a-4b5c-8d6e-000000050001"
	olaSSN       = "02919043558"
	olaUUID      = "0b6c1f2e-3d4a-4b5c-8d6e-000000050002"
	holdingOrg   = "312847612"
	holdingUUID  = "0b6c1f2e-3d4a-4b5c-8d6e-000000050003"
	ownerPartyID = 50001
	instanceGUID = "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"
	modelID      = "8a2f4c6e-1b3d-4f5a-9c7e-0d2b4f6a8c10"
	pdfID        = "8a2f4c6e-1b3d-4f5a-9c7e-0d2b4f6a8c11"
)

var (
	foundersRef = signing.InstanceRef{Org: "ttd", App: "founders", PartyID: ownerPartyID, InstanceGUID: instanceGUID}
	unknownRef  = signing.InstanceRef{Org: "ttd", App: "founders", PartyID: ownerPartyID, InstanceGUID: "00000000-0000-4000-8000-000000000000"}
	fixtureSSNs = []string{kariSSN, olaSSN}
)

// env is an emulator behind a real HTTP server and clients pointed at it.
type env struct {
	emu *emulator.Emulator
	url string
	cfg platform.Config
	c   platform.Clients
	// headers records the request headers the server saw, by path.
	mu      sync.Mutex
	headers map[string]http.Header
}

func newEnv(t *testing.T, opts ...emulator.Option) *env {
	t.Helper()
	e := &env{headers: map[string]http.Header{}}
	e.emu = emulator.New(emulator.Founders(), append([]emulator.Option{emulator.WithSequentialIDs(7)}, opts...)...)
	h := e.emu.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.headers[r.URL.Path] = r.Header.Clone()
		e.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.cfg = emulator.Config(srv.URL)
	e.cfg.Timeout = 5 * time.Second
	e.c = e.clients(t, e.cfg)
	return e
}

func (e *env) clients(t *testing.T, cfg platform.Config) platform.Clients {
	t.Helper()
	c, err := platform.NewClients(cfg)
	if err != nil {
		t.Fatalf("NewClients() error = %v", err)
	}
	return c
}

func (e *env) header(path string) http.Header {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.headers[path]
}

func (e *env) fault(t *testing.T, f emulator.Fault) {
	t.Helper()
	if err := e.emu.InjectFault(f); err != nil {
		t.Fatalf("InjectFault() error = %v", err)
	}
}

func mustNationalID(t *testing.T, s string) ident.NationalID {
	t.Helper()
	id, err := ident.ParseNationalID(s, ident.AllowSynthetic())
	if err != nil {
		t.Fatalf("ParseNationalID() error = %v", err)
	}
	return id
}

func mustOrg(t *testing.T, s string) ident.OrgNumber {
	t.Helper()
	o, err := ident.ParseOrgNumber(s)
	if err != nil {
		t.Fatalf("ParseOrgNumber() error = %v", err)
	}
	return o
}

// mustID parses a fixture national ID.
func mustID(s string) ident.NationalID {
	id, err := ident.ParseNationalID(s, ident.AllowSynthetic())
	if err != nil {
		panic(err)
	}
	return id
}

func delegation(to string, actions ...string) signing.Delegation {
	return signing.Delegation{Instance: foundersRef, TaskID: "SigningTask", FromPartyUUID: kariUUID, ToPartyUUID: to, Actions: actions}
}

func message(key string) signing.Message {
	return signing.Message{
		IdempotencyKey:   key,
		Resource:         "ttd-founders-correspondence",
		SendersReference: foundersRef.InstanceID(),
		Recipient:        signing.Recipient{Person: mustID(olaSSN)},
		Language:         "nb",
		Title:            "Stiftelsesdokumenter: Oppgave til signering",
		Summary:          "Din signatur ventes for Stiftelsesdokumenter.",
		Body:             "Du har en oppgave som venter på din signatur. [Klikk her](http://local/ttd/founders/#/instance/50001/x)",
	}
}

// newRedirector serves a 307 to target for every request and returns its URL.
func newRedirector(t *testing.T, target string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

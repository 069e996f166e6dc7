// Package pages serves the people's view of the local stack: a persona
// switcher that logs a fixture person in through the local issuer, each
// persona's inbox (the correspondence the platform emulator received for
// them) with what waits for them, the signing step of an instance (the
// signee list, the documents, sign, sign on behalf of an organisation,
// reject with a reason, the owner's submit) and a developer's timeline of a
// task (its executions' states, the audit trail, the events, the platform
// calls the emulator saw).
//
// The pages call the signing HTTP API from the browser as Altinn's app
// frontend does: the same routes, query parameters and bodies, Altinn's
// AltinnStudioRuntime cookie and the XSRF token the API's GET answers set,
// cross-origin with CORS from the origin the stack's HTTP API allows. The
// pages server adds only what the local stack has no service for, each
// under /dev/ or the app's own route: the login (a local issuer's token set
// as the runtime cookie), the app's data route the documents open by, the
// process engine's start of a signing task, and read-only views of the
// emulator's records, Step Functions' history and the owner's evidence
// routes. It holds no signing logic.
//
// It is a development tool: never deployed (template.yaml does not name
// it, no function links it; internal/layout checks), served by `signing dev
// up` and `signing dev demo` next to the stack.
package pages

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/httpserve"
	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/workflow"
)

// DefaultAddr is where `signing dev up` serves the pages: the port of
// devstack.LocalFrontendOrigin, the origin the stack's HTTP API allows.
const DefaultAddr = "127.0.0.1:8080"

// Host is the host name the pages are opened by. The runtime cookie the
// login sets is the host's, and a browser sends a host's cookies to every
// port of it, so the pages on localhost:8080 reach the HTTP API on
// localhost:3000 logged in, as the app frontend reaches an API under the
// cookie's domain.
const Host = "localhost"

//go:embed assets
var assets embed.FS

// designSystem are the files of Digdir's design system
// (@digdir/designsystemet-css, pinned in package.json) the pages load,
// served from the module's node_modules: its components and its theme.
var designSystem = map[string]string{
	"designsystemet.css": "node_modules/@digdir/designsystemet-css/dist/src/index.css",
	"theme.css":          "node_modules/@digdir/designsystemet-css/dist/theme/designsystemet.css",
}

// Listener is the pages' address, bound before the stack starts so that
// the stack's HTTP API can allow the pages' origin (Allow).
type Listener struct {
	ln net.Listener
	// Origin is the browser origin of the pages, http://localhost:{port}.
	Origin string
}

// Listen binds addr ("127.0.0.1:0" picks a free port).
func Listen(addr string) (*Listener, error) {
	ln, err := httpserve.Listen(addr)
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	return &Listener{ln: ln, Origin: "http://" + net.JoinHostPort(Host, strconv.Itoa(port))}, nil
}

// Close releases the address of a listener never served.
func (l *Listener) Close() error { return l.ln.Close() }

// Allow adds the pages' origin to the CorsAllowedOrigins opts gives the
// template, after devstack.LocalFrontendOrigin, so the HTTP API answers
// the pages' CORS requests and accepts their state-changing calls with the
// runtime cookie.
func (l *Listener) Allow(opts *devstack.Options) {
	if opts.Parameters == nil {
		opts.Parameters = map[string]string{}
	}
	origins := opts.Parameters["CorsAllowedOrigins"]
	if origins == "" {
		origins = devstack.LocalFrontendOrigin
	}
	if !slices.Contains(strings.Split(origins, ","), l.Origin) {
		origins += "," + l.Origin
	}
	opts.Parameters["CorsAllowedOrigins"] = origins
}

// StepFunctions is what the pages ask of Step Functions: start a task's
// execution as the process engine does, and read executions and their
// history for the timeline. *sfn.Client is one.
type StepFunctions interface {
	workflow.API
	ListExecutions(ctx context.Context, in *sfn.ListExecutionsInput, opts ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error)
	GetExecutionHistory(ctx context.Context, in *sfn.GetExecutionHistoryInput, opts ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
}

var _ StepFunctions = (*sfn.Client)(nil)

// Config is what the pages server reads and calls.
type Config struct {
	// APIURL is the stack's HTTP API (devstack.Stack.APIURL).
	APIURL string
	// Emulator is the platform emulator whose records the inbox, the
	// documents and the timeline show.
	Emulator *emulator.Emulator
	// Issuer signs the personas' tokens, as the stack's HTTP API trusts.
	Issuer *localjwt.Issuer
	// Fixture is the emulator's seed: the personas, organisations, roles and instances.
	Fixture emulator.Fixture
	// StepFunctions and StateMachineARN start tasks and read their executions.
	StepFunctions   StepFunctions
	StateMachineARN string
	// Input is the process engine's input a started task runs with (its
	// instance replaced): the example app's (scenario.ExampleInput).
	Input workflow.Input
	// ModuleRoot holds node_modules with the design system's files.
	ModuleRoot string
	// Logger logs one line per request (method, path, status); nil discards.
	Logger *slog.Logger
}

// FromStack is the configuration of the pages of a running stack seeded
// with fixture, starting tasks with in.
func FromStack(s *devstack.Stack, fixture emulator.Fixture, in workflow.Input, moduleRoot string) Config {
	arn := s.Def.Outputs["SigningStateMachineArn"]
	if arn == "" && len(s.Def.StateMachines) > 0 {
		arn = s.Def.StateMachines[0].ARN
	}
	return Config{
		APIURL: s.APIURL, Emulator: s.Emulator, Issuer: s.Issuer, Fixture: fixture,
		StepFunctions: sfn.NewFromConfig(s.AWSConfig()), StateMachineARN: arn, Input: in, ModuleRoot: moduleRoot,
	}
}

// Server serves the pages.
type Server struct {
	// URL is where to open the pages: Origin and "/".
	URL string
	// Origin is the pages' browser origin.
	Origin string

	cfg       Config
	srv       *httpserve.Server
	closeOnce sync.Once
	closeErr  error
	http      *http.Client
	// apiBrowserURL is the HTTP API as the browser calls it: on Host, so
	// the runtime cookie goes with every call.
	apiBrowserURL string
}

// Serve serves the pages on l until Close.
func Serve(l *Listener, cfg Config) (*Server, error) {
	if cfg.Emulator == nil || cfg.Issuer == nil || cfg.APIURL == "" {
		_ = l.Close()
		return nil, errors.New("pages: the pages need the platform emulator, the local issuer and the HTTP API")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		URL: l.Origin + "/", Origin: l.Origin, cfg: cfg,
		http:          &http.Client{Timeout: 30 * time.Second},
		apiBrowserURL: browserURL(cfg.APIURL),
	}
	s.srv = httpserve.Serve(l.ln, s.Handler())
	return s, nil
}

// Close stops serving; it is safe to call twice.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			s.closeErr = err
		}
	})
	return s.closeErr
}

// browserURL returns a loopback URL with Host as its host.
func browserURL(u string) string {
	for _, loop := range []string{"127.0.0.1", "[::1]"} {
		if strings.HasPrefix(u, "http://"+loop+":") {
			return "http://" + Host + strings.TrimPrefix(u, "http://"+loop)
		}
	}
	return strings.TrimRight(u, "/")
}

// Handler returns the pages' routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	shell := s.page
	mux.HandleFunc("GET /{$}", shell)
	mux.HandleFunc("GET /inbox", shell)
	mux.HandleFunc("GET /signing/{partyId}/{guid}", shell)
	mux.HandleFunc("GET /timeline/{partyId}/{guid}", shell)
	mux.HandleFunc("GET /assets/ds/{file}", s.designSystemFile)
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", noStore(http.FileServerFS(static))))

	mux.HandleFunc("GET /dev/config", s.config)
	mux.HandleFunc("POST /dev/login", s.login)
	mux.HandleFunc("POST /dev/personas", s.addPersona)
	mux.HandleFunc("POST /dev/logout", s.logout)
	mux.HandleFunc("GET /dev/me", s.me)
	mux.HandleFunc("GET /dev/inbox", s.inbox)
	mux.HandleFunc("GET /dev/inbox/{correspondenceId}/attachments/{dataElementId}", s.attachment)
	mux.HandleFunc("GET /dev/instances", s.instances)
	mux.HandleFunc("POST /dev/instances/{partyId}/{guid}/start", s.start)
	mux.HandleFunc("GET /dev/instances/{partyId}/{guid}/timeline", s.timeline)
	mux.HandleFunc("GET /dev/executions/history", s.history)
	// The app's data route, which the documents' selfLinks.apps name; the
	// local stack runs no app, so the pages serve it from Storage. (A
	// pattern of its own would overlap /assets/.)
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		m := dataRoute.FindStringSubmatch(r.URL.Path)
		if m == nil {
			problem(w, http.StatusNotFound, "no such page")
			return
		}
		for i, name := range []string{"org", "app", "partyId", "guid", "dataId"} {
			r.SetPathValue(name, m[i+1])
		}
		s.document(w, r)
	})
	return s.guard(mux)
}

// dataRoute is the app's /{org}/{app}/instances/{partyId}/{guid}/data/{dataId}.
var dataRoute = regexp.MustCompile(`^/([^/]+)/([^/]+)/instances/([0-9]+)/([0-9a-fA-F-]{36})/data/([0-9a-fA-F-]{36})$`)

// guard sends a page opened on another host name to Host (the runtime
// cookie is Host's), refuses /dev/ calls on another host (a page of another
// site rebinding a name to this address), refuses a state-changing /dev/
// call from another origin or without a JSON body type (a cross-site form
// cannot send one), and logs each request.
func (s *Server) guard(next http.Handler) http.Handler {
	want := strings.TrimPrefix(s.Origin, "http://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "pages",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)))
		}()
		switch {
		case r.Host != want && r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/dev/"):
			http.Redirect(sw, r, s.Origin+r.URL.RequestURI(), http.StatusFound)
			return
		case r.Host != want:
			problem(sw, http.StatusForbidden, "open the pages at "+s.URL)
			return
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			if o := r.Header.Get("Origin"); o != "" && o != s.Origin {
				problem(sw, http.StatusForbidden, "calls from another origin are refused")
				return
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				problem(sw, http.StatusUnsupportedMediaType, "send application/json")
				return
			}
		}
		sw.Header().Set("X-Content-Type-Options", "nosniff")
		sw.Header().Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(sw, r)
	})
}

// contentSecurityPolicy lets the pages load their own scripts and styles
// and call the HTTP API, and nothing else: no outside fonts, scripts or
// trackers.
func (s *Server) contentSecurityPolicy() string {
	return "default-src 'self'; connect-src 'self' " + s.apiBrowserURL + "; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
		"object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}

// page serves the pages' shell; assets/app.js renders the page its path names.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("assets/index.html")
	if err != nil {
		problem(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", s.contentSecurityPolicy())
	_, _ = w.Write(b)
}

// designSystemFile serves one of the design system's files from node_modules.
func (s *Server) designSystemFile(w http.ResponseWriter, r *http.Request) {
	rel, ok := designSystem[r.PathValue("file")]
	if !ok {
		problem(w, http.StatusNotFound, "no such file")
		return
	}
	b, err := os.ReadFile(filepath.Join(s.cfg.ModuleRoot, filepath.FromSlash(rel)))
	if err != nil {
		problem(w, http.StatusNotFound, rel+" is missing: run make deps (npm ci)")
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(b)
}

func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// config serves what every page needs: the API's address as the browser
// calls it, the personas, organisations and instances. No national ID.
func (s *Server) config(w http.ResponseWriter, r *http.Request) {
	type org struct {
		OrgNumber string `json:"orgNumber"`
		Name      string `json:"name"`
		PartyID   int64  `json:"partyId"`
	}
	out := struct {
		APIURL        string     `json:"apiUrl"`
		Personas      []persona  `json:"personas"`
		Organisations []org      `json:"organisations"`
		Instances     []instance `json:"instances"`
		TaskID        string     `json:"taskId"`
	}{APIURL: s.apiBrowserURL, Personas: []persona{}, Organisations: []org{}, Instances: []instance{}, TaskID: s.cfg.Input.TaskID}
	for _, p := range s.cfg.Emulator.Persons() {
		out.Personas = append(out.Personas, s.personaOf(p))
	}
	for _, o := range s.cfg.Fixture.Organisations {
		out.Organisations = append(out.Organisations, org{OrgNumber: o.OrgNumber, Name: o.Name, PartyID: o.PartyID})
	}
	for _, in := range s.cfg.Fixture.Instances {
		out.Instances = append(out.Instances, s.instanceOf(in))
	}
	writeJSON(w, http.StatusOK, out)
}

// writeJSON writes v as JSON, not to be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// problem writes an RFC 9457 problem with detail.
func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": detail})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// pathInstance finds the fixture instance the request's partyId and guid name.
func (s *Server) pathInstance(r *http.Request) (emulator.Instance, bool) {
	party, err := strconv.ParseInt(r.PathValue("partyId"), 10, 64)
	if err != nil {
		return emulator.Instance{}, false
	}
	guid := strings.ToLower(r.PathValue("guid"))
	for _, in := range s.cfg.Fixture.Instances {
		if in.PartyID == party && strings.ToLower(in.InstanceGUID) == guid {
			return in, true
		}
	}
	return emulator.Instance{}, false
}

// instancePath is /{org}/{app}/instances/{partyId}/{guid}, the API's prefix.
func instancePath(in emulator.Instance) string {
	return fmt.Sprintf("/%s/%s/instances/%d/%s", in.Org, in.App, in.PartyID, in.InstanceGUID)
}

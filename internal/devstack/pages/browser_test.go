package pages_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/devtest"
	"github.com/signingflow/signing/internal/devstack/pages"
	"github.com/signingflow/signing/internal/devstack/proc"
	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/platform/emulator"
)

// rejectReason is what Kari gives when she rejects the second task.
const rejectReason = "Aksjekapitalen er feil i stiftelsesdokumentet"

// TestBrowser_foundersFlow runs testdata/founders.mjs in Chromium against
// the pages of a local stack: the founders' flow by clicking (Kari and Ola
// sign, Kari signs for the company, Kari submits, each inbox shows the
// receipt) and a reject with a reason, with axe-core on every page. Then it
// checks in the emulator what the clicks did. Screenshots go to
// test-artifacts/pages below the module root (PAGES_ARTIFACTS overrides);
// UPDATE_DOCS_SCREENSHOT=1 also writes docs/pages-signing-step.png.
func TestBrowser_foundersFlow(t *testing.T) {
	devtest.Short(t)
	devtest.GoTool(t)
	root, err := devstack.FindModuleRoot("")
	if err != nil {
		t.Fatal(err)
	}
	node, chromium := browserTools(t, root)

	ctx, cancel := context.WithTimeout(t.Context(), 9*time.Minute)
	defer cancel()
	fixture := scenario.WithInstances(emulator.Founders(), 1)
	pl, err := pages.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := proc.NewTail(256 << 10)
	opts := devstack.Options{
		ModuleRoot: root, EdgeAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", EmulatorAddr: "127.0.0.1:0",
		Fixture:       &fixture,
		Substitutions: map[string]string{"WaitTimeoutSeconds": "2", "RetryWaitSeconds": "1"},
		Logs:          logs,
	}
	pl.Allow(&opts)
	t0 := time.Now()
	s, err := devstack.Up(ctx, opts)
	if err != nil {
		_ = pl.Close()
		if errors.Is(err, devstack.ErrUnavailable) {
			devtest.Unavailable(t, err)
		}
		t.Fatalf("devstack.Up() error = %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stop the stack: %v", err)
		}
	})
	in, err := scenario.ExampleInput(root)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := pages.Serve(pl, pages.FromStack(s, fixture, in, root))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ps.Close() })
	t.Logf("stack up in %s; pages at %s", time.Since(t0).Round(time.Millisecond), ps.URL)

	artifacts := os.Getenv("PAGES_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(root, "test-artifacts", "pages")
	}
	// The screenshots of this run only.
	if old, _ := filepath.Glob(filepath.Join(artifacts, "*.png")); len(old) > 0 {
		for _, f := range old {
			_ = os.Remove(f)
		}
	}
	a, b := fixture.Instances[0], fixture.Instances[1]
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "founders.mjs"))
	cmd.Env = append(os.Environ(),
		"PAGES_URL="+ps.URL, "ARTIFACTS="+artifacts, "CHROMIUM="+chromium, "REASON="+rejectReason,
		"INSTANCE_A="+strconv.FormatInt(a.PartyID, 10)+"/"+a.InstanceGUID,
		"INSTANCE_B="+strconv.FormatInt(b.PartyID, 10)+"/"+b.InstanceGUID)
	if v, _ := strconv.ParseBool(os.Getenv("UPDATE_DOCS_SCREENSHOT")); v {
		cmd.Env = append(cmd.Env, "DOCS_SCREENSHOT="+filepath.Join(root, "docs", "pages-signing-step.png"))
	}
	t1 := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("the browser flow took %s; screenshots in %s", time.Since(t1).Round(time.Millisecond), artifacts)
	if err != nil {
		t.Fatalf("node testdata/founders.mjs: %v\n%s\nlast output of the stack:\n%s", err, redact(fixture, string(out)), redact(fixture, lastLines(logs.String(), 60)))
	}
	var summary struct {
		Screenshots []string            `json:"screenshots"`
		Axe         map[string][]string `json:"axe"`
		Problems    []string            `json:"problems"`
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &summary); err != nil {
		t.Fatalf("the script's summary: %v\n%s", err, out)
	}
	if len(summary.Problems) > 0 || len(summary.Screenshots) < 8 {
		t.Errorf("problems %v, %d screenshots", summary.Problems, len(summary.Screenshots))
	}
	for page, v := range summary.Axe {
		if len(v) > 0 {
			t.Logf("axe on %s (moderate or minor): %v", page, v)
		}
	}

	// What the clicks did, as the platform saw it.
	kari, ola, company := scenario.Founders(fixture)
	got := scenario.Receipts(messagesAbout(s.Emulator, a))
	if got[kari.PartyUUID] != 2 || got[ola.PartyUUID] != 1 || got[company.PartyUUID] != 0 {
		t.Errorf("receipts on instance A: Kari %d, Ola %d, the company %d; want 2, 1, 0",
			got[kari.PartyUUID], got[ola.PartyUUID], got[company.PartyUUID])
	}
	told := false
	for _, m := range messagesAbout(s.Emulator, b) {
		if strings.HasPrefix(m.IdempotencyKey, "cancel:") && m.RecipientPartyUUID == ola.PartyUUID {
			told = strings.Contains(m.Body, rejectReason)
		}
	}
	if !told {
		t.Error("Ola got no cancellation of instance B that gives the reason")
	}
}

// browserTools finds node, the npm packages and chromium, or fails (CI=true)
// or skips loudly naming what is missing.
func browserTools(t *testing.T, root string) (node, chromium string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		devtest.Unavailable(t, fmt.Errorf("node is not on PATH: %w", err))
	}
	for _, pkg := range []string{"playwright-core", "axe-core", "@digdir/designsystemet-css"} {
		if _, err := os.Stat(filepath.Join(root, "node_modules", pkg, "package.json")); err != nil {
			devtest.Unavailable(t, fmt.Errorf("the npm package %s is missing (make deps runs npm ci): %w", pkg, err))
		}
	}
	chromium = os.Getenv("CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser"} {
		if chromium != "" {
			break
		}
		chromium, _ = exec.LookPath(name)
	}
	if chromium == "" {
		devtest.Unavailable(t, errors.New("chromium is missing: apt-get install chromium (Debian's package; .ci/run installs it), or set CHROMIUM"))
	}
	return node, chromium
}

// messagesAbout are the correspondences about instance in.
func messagesAbout(e *emulator.Emulator, in emulator.Instance) []emulator.MessageRecord {
	var out []emulator.MessageRecord
	for _, m := range e.Messages() {
		if strings.Contains(m.SendersReference, in.InstanceGUID) {
			out = append(out, m)
		}
	}
	return out
}

// redact keeps the fixture's national IDs out of test logs.
func redact(f emulator.Fixture, s string) string {
	for _, p := range f.Persons {
		if p.SSN != "" {
			s = strings.ReplaceAll(s, p.SSN, p.SSN[:6]+"*****")
		}
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

package pages

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform/emulator"
)

// testServer serves the pages on the founders fixture's emulator, without
// a stack: no HTTP API, no Step Functions.
func testServer(t *testing.T) (*Server, *emulator.Emulator) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := emulator.Founders()
	emu := emulator.New(f)
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Serve(l, Config{
		APIURL: "http://127.0.0.1:1", Emulator: emu, Fixture: f,
		Issuer: &localjwt.Issuer{Key: key, Issuer: devstack.Issuer},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, emu
}

// call makes a request to s on Host, with the runtime cookie when session is set.
func call(t *testing.T, s *Server, method, path, body, session string, header ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.Origin+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Host = strings.Replace(req.URL.Host, Host, "127.0.0.1", 1) // dial the loopback, keep Host
	req.Host = strings.TrimPrefix(s.Origin, "http://")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: RuntimeCookie, Value: session})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// login logs in the persona with party UUID id and returns the runtime cookie's value.
func login(t *testing.T, s *Server, id string) string {
	t.Helper()
	resp, body := call(t, s, http.MethodPost, "/dev/login", `{"persona":"`+id+`"}`, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %s = %d %s", id, resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == RuntimeCookie {
			if !c.HttpOnly || c.Path != "/" {
				t.Errorf("the runtime cookie is %v, want HttpOnly on /", c)
			}
			return c.Value
		}
	}
	t.Fatal("login set no runtime cookie")
	return ""
}

func founder(t *testing.T, first string) emulator.Person {
	t.Helper()
	for _, p := range emulator.Founders().Persons {
		if p.FirstName == first {
			return p
		}
	}
	t.Fatalf("no %s in the fixture", first)
	return emulator.Person{}
}

func TestServer_login(t *testing.T) {
	t.Parallel()
	s, _ := testServer(t)
	kari := founder(t, "Kari")
	session := login(t, s, kari.PartyUUID)

	resp, body := call(t, s, http.MethodGet, "/dev/me", "", session)
	var me persona
	if err := json.Unmarshal([]byte(body), &me); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /dev/me = %d %s", resp.StatusCode, body)
	}
	if me.Name != kari.Name() || me.PartyID != kari.PartyID || len(me.ActsFor) != 1 || !slices.Contains(me.ActsFor[0].Roles, "DAGL") {
		t.Errorf("me = %+v, want Kari acting for the company as DAGL", me)
	}
	// The token carries Altinn's user claims, signed by the local issuer.
	claims := map[string]any{}
	parts := strings.Split(session, ".")
	if len(parts) != 3 {
		t.Fatalf("the runtime cookie is no JWT")
	}
	if err := json.Unmarshal(decodeSegment(t, parts[1]), &claims); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"pid", "urn:altinn:userid", "urn:altinn:partyid", "urn:altinn:party:uuid", "urn:altinn:authlevel", "name"} {
		if _, ok := claims[c]; !ok {
			t.Errorf("the token lacks %s", c)
		}
	}
	if resp, _ := call(t, s, http.MethodGet, "/dev/me", "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /dev/me without a session = %d, want 401", resp.StatusCode)
	}
	if resp, _ := call(t, s, http.MethodGet, "/dev/me", "", "not-a-token"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /dev/me with a forged session = %d, want 401", resp.StatusCode)
	}
	if resp, _ := call(t, s, http.MethodPost, "/dev/login", `{"persona":"nobody"}`, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("login as nobody = %d, want 404", resp.StatusCode)
	}
}

// A person added on the page joins the register: listed among the
// personas, able to log in (their token names them, their inbox is empty),
// and their made-up national ID is synthetic and never in an answer; a
// missing or too long name is 400 naming the field, with nobody added.
func TestServer_addPersona(t *testing.T) {
	t.Parallel()
	s, emu := testServer(t)
	before := len(emu.Persons())
	for _, tt := range []struct{ body, field string }{
		{`{"firstName":"Nora"}`, "lastName"},
		{`{"firstName":" ","lastName":"Berg"}`, "firstName"},
		{`{"firstName":"Nora","lastName":"` + strings.Repeat("x", 101) + `"}`, "lastName"},
		{`{"firstName":"Nora","lastName":"Berg","ssn":"15838523428"}`, "firstName"},
	} {
		if resp, body := call(t, s, http.MethodPost, "/dev/personas", tt.body, ""); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tt.field) {
			t.Errorf("add %s = %d %s, want 400 naming %s", tt.body, resp.StatusCode, body, tt.field)
		}
	}
	if n := len(emu.Persons()); n != before {
		t.Fatalf("%d persons after refused additions, want %d", n, before)
	}
	resp, body := call(t, s, http.MethodPost, "/dev/personas", `{"firstName":"Nora","lastName":"Berg"}`, "")
	var nora persona
	if err := json.Unmarshal([]byte(body), &nora); err != nil || resp.StatusCode != http.StatusCreated || nora.Name != "Nora Berg" || nora.ID == "" {
		t.Fatalf("add Nora = %d %s", resp.StatusCode, body)
	}
	all := emu.Persons()
	added := all[len(all)-1]
	if len(all) != before+1 || added.PartyUUID != nora.ID {
		t.Fatalf("the register has %d persons, last %s; want Nora added", len(all), added.Name())
	}
	if id, err := ident.ParseNationalID(added.SSN, ident.AllowSynthetic()); err != nil || id.Kind() != ident.KindSynthetic {
		t.Errorf("Nora's national ID is not a valid synthetic one: %v", err)
	}
	session := login(t, s, nora.ID)
	for _, path := range []string{"/dev/config", "/dev/me", "/dev/inbox"} {
		resp, body := call(t, s, http.MethodGet, path, "", session)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, nora.ID) && path != "/dev/inbox" {
			t.Errorf("GET %s as Nora = %d %s", path, resp.StatusCode, body)
		}
		if strings.Contains(body, added.SSN) {
			t.Errorf("GET %s shows Nora's national ID", path)
		}
	}
}

var jwtEncoding = base64.RawURLEncoding

func decodeSegment(t *testing.T, seg string) []byte {
	t.Helper()
	b, err := jwtEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestServer_noNationalID: no answer of the pages server holds a national ID.
func TestServer_noNationalID(t *testing.T) {
	t.Parallel()
	s, _ := testServer(t)
	session := login(t, s, founder(t, "Kari").PartyUUID)
	for _, path := range []string{"/dev/config", "/dev/me", "/dev/inbox", "/dev/instances"} {
		resp, body := call(t, s, http.MethodGet, path, "", session)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %s", path, resp.StatusCode, body)
		}
		for _, p := range emulator.Founders().Persons {
			if strings.Contains(body, p.SSN) {
				t.Errorf("GET %s shows a national ID", path)
			}
		}
	}
}

func TestServer_guard(t *testing.T) {
	t.Parallel()
	s, _ := testServer(t)
	port := strings.TrimPrefix(s.Origin, "http://"+Host+":")
	tests := []struct {
		name   string
		method string
		path   string
		host   string
		body   string
		header []string
		want   int
	}{
		{name: "page_on_another_host_name", method: http.MethodGet, path: "/inbox", host: "127.0.0.1:" + port, want: http.StatusFound},
		{name: "dev_call_on_another_host_name", method: http.MethodGet, path: "/dev/config", host: "evil.example:" + port, want: http.StatusForbidden},
		{name: "login_from_another_origin", method: http.MethodPost, path: "/dev/login", body: `{"persona":"x"}`, header: []string{"Origin", "https://evil.example"}, want: http.StatusForbidden},
		{name: "login_as_a_form", method: http.MethodPost, path: "/dev/login", header: []string{"Content-Type", "application/x-www-form-urlencoded"}, want: http.StatusUnsupportedMediaType},
		{name: "design_system_file_not_served", method: http.MethodGet, path: "/assets/ds/go.mod", want: http.StatusNotFound},
		{name: "page", method: http.MethodGet, path: "/", want: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), tt.method, "http://127.0.0.1:"+port+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Host = Host + ":" + port
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s (Host %s) = %d, want %d", tt.method, tt.path, req.Host, resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusOK {
				if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
					t.Errorf("the page's Content-Security-Policy is %q", csp)
				}
			}
		})
	}
}

// TestServer_document: the app's data route serves a document to the
// owner, and to another persona only once they were delegated read.
func TestServer_document(t *testing.T) {
	t.Parallel()
	s, _ := testServer(t)
	in := emulator.Founders().Instances[0]
	var pdf emulator.DataElement
	for _, d := range in.Data {
		if d.ContentType == "application/pdf" {
			pdf = d
		}
	}
	path := instancePath(in) + "/data/" + pdf.ID
	resp, body := call(t, s, http.MethodGet, path, "", login(t, s, founder(t, "Kari").PartyUUID))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF") {
		t.Errorf("GET %s as the owner = %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := call(t, s, http.MethodGet, path, "", login(t, s, founder(t, "Ola").PartyUUID)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET %s as Ola, not delegated = %d, want 403", path, resp.StatusCode)
	}
	if resp, _ := call(t, s, http.MethodGet, path, "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET %s logged out = %d, want 401", path, resp.StatusCode)
	}
}

func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "breaks", in: "Hei<br />du<br>der", want: "Hei\ndu\nder"},
		{name: "tags_dropped", in: "<b>Viktig</b> <script>alert(1)</script>", want: "Viktig alert(1)"},
		{name: "markdown_link", in: "Gå til [skjemaet](https://example.no/a)", want: "Gå til skjemaet (https://example.no/a)"},
		{name: "entities", in: "Kari &amp; Ola", want: "Kari & Ola"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := plainText(tt.in); got != tt.want {
				t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestReferencedInstance(t *testing.T) {
	t.Parallel()
	got := referencedInstance("50001/1D3C5B7A-9E8F-4A6B-8C2D-4E6F8A0B2C4D")
	if got == nil || got.PartyID != 50001 || got.GUID != "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d" {
		t.Errorf("referencedInstance = %+v", got)
	}
	if got := referencedInstance("no reference"); got != nil {
		t.Errorf("referencedInstance(no reference) = %+v, want nil", got)
	}
}

func TestBrowserURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://127.0.0.1:3000":    "http://localhost:3000",
		"http://[::1]:3000":        "http://localhost:3000",
		"https://api.example.no/":  "https://api.example.no",
		"http://localhost:3000/x/": "http://localhost:3000/x",
	} {
		if got := browserURL(in); got != want {
			t.Errorf("browserURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestListener_Allow(t *testing.T) {
	t.Parallel()
	l := &Listener{Origin: "http://localhost:9999"}
	var opts devstack.Options
	l.Allow(&opts)
	l.Allow(&opts)
	if got, want := opts.Parameters["CorsAllowedOrigins"], devstack.LocalFrontendOrigin+",http://localhost:9999"; got != want {
		t.Errorf("CorsAllowedOrigins = %q, want %q", got, want)
	}
}

// TestTexts_everyLanguage: nb, nn and en have the same keys, and every key
// the pages use is among them.
func TestTexts_everyLanguage(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("assets/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	lang := ""
	langLine := regexp.MustCompile(`^  ([a-z]{2}): \{$`)
	keyLine := regexp.MustCompile(`^    '([^']+)':`)
	for _, line := range strings.Split(string(src), "\n") {
		if m := langLine.FindStringSubmatch(line); m != nil {
			lang = m[1]
		} else if m := keyLine.FindStringSubmatch(line); m != nil && lang != "" {
			keys[lang] = append(keys[lang], m[1])
		}
	}
	if len(keys) != 3 || len(keys["en"]) < 100 {
		t.Fatalf("read %d languages, %d English keys", len(keys), len(keys["en"]))
	}
	slices.Sort(keys["en"])
	for _, l := range []string{"nb", "nn"} {
		slices.Sort(keys[l])
		if !slices.Equal(keys[l], keys["en"]) {
			t.Errorf("%s has other keys than en:\n%v\n%v", l, keys[l], keys["en"])
		}
	}
	app, err := os.ReadFile("assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\bt\('([a-zA-Z.]+)'`).FindAllStringSubmatch(string(app), -1) {
		if !slices.Contains(keys["en"], m[1]) {
			t.Errorf("app.js uses the text %q, which i18n.js lacks", m[1])
		}
	}
}

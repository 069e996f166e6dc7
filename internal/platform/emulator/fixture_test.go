package emulator_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/signingflow/signing/internal/platform/emulator"
)

// TestFounders_matchesExample checks the bundled fixture against
// examples/founders: the model bytes, every founder and the company.
func TestFounders_matchesExample(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile("../../../examples/founders/data/model.xml")
	if err != nil {
		t.Fatalf("read example model: %v", err)
	}
	f := emulator.Founders()

	if len(f.Instances) != 1 {
		t.Fatalf("instances = %d, want 1", len(f.Instances))
	}
	in := f.Instances[0]
	if in.Org != "ttd" || in.App != "founders" || in.CurrentTask != "SigningTask" {
		t.Errorf("instance = %s/%s in %q, want ttd/founders in SigningTask", in.Org, in.App, in.CurrentTask)
	}
	byType := map[string]emulator.DataElement{}
	for _, d := range in.Data {
		byType[d.DataType] = d
	}
	if m := byType["model"]; m.ContentType != "application/xml" || !bytes.Equal(m.Bytes, example) {
		t.Errorf("model element differs from examples/founders/data/model.xml; run: cp examples/founders/data/model.xml internal/platform/emulator/fixtures/founders/model.xml")
	}
	if p := byType["ref-data-as-pdf"]; p.ContentType != "application/pdf" {
		t.Errorf("ref-data-as-pdf content type = %q", p.ContentType)
	}

	var model struct {
		Persons []struct {
			FirstName  string `json:"fornavn"`
			MiddleName string `json:"mellomnavn"`
			LastName   string `json:"etternavn"`
			SSN        string `json:"foedselsnummer"`
			Email      string `json:"epost"`
			Mobile     string `json:"mobiltelefon"`
		} `json:"stifterPerson"`
		Companies []struct {
			Name      string `json:"navn"`
			OrgNumber string `json:"organisasjonsnummer"`
			Email     string `json:"epost"`
			Mobile    string `json:"mobiltelefon"`
		} `json:"stifterVirksomhet"`
	}
	// model.json holds the same form data as model.xml and is easier to read here.
	exampleJSON, err := os.ReadFile("../../../examples/founders/data/model.json")
	if err != nil {
		t.Fatalf("read example model: %v", err)
	}
	if err := json.Unmarshal(exampleJSON, &model); err != nil {
		t.Fatal(err)
	}
	// The model's persons, and Per Hansen, whom no form names: the one a
	// signee is replaced by in the tests.
	if len(f.Persons) != len(model.Persons)+1 || !slices.ContainsFunc(f.Persons, func(p emulator.Person) bool { return p.LastName == "Hansen" }) {
		t.Errorf("fixture persons = %d, model persons = %d, want the model's and Per Hansen", len(f.Persons), len(model.Persons))
	}
	for i, mp := range model.Persons {
		idx := slices.IndexFunc(f.Persons, func(p emulator.Person) bool { return p.SSN == mp.SSN })
		if idx < 0 {
			t.Errorf("model person %d (%s) is not in the fixture", i, mp.LastName)
			continue
		}
		p := f.Persons[idx]
		if p.FirstName != mp.FirstName || p.MiddleName != mp.MiddleName || p.LastName != mp.LastName || p.Email != mp.Email || p.Mobile != mp.Mobile {
			t.Errorf("fixture person %s %s differs from the model", p.FirstName, p.LastName)
		}
	}
	for _, mc := range model.Companies {
		idx := slices.IndexFunc(f.Organisations, func(o emulator.Organisation) bool { return o.OrgNumber == mc.OrgNumber })
		if idx < 0 {
			t.Errorf("model company %s is not in the fixture", mc.OrgNumber)
			continue
		}
		o := f.Organisations[idx]
		if o.Name != mc.Name || o.Email != mc.Email || o.Mobile != mc.Mobile {
			t.Errorf("fixture organisation %+v differs from the model", o)
		}
		var signers, others int
		for _, r := range f.Roles {
			if r.OrgNumber != mc.OrgNumber {
				continue
			}
			if slices.ContainsFunc(r.Roles, func(role string) bool { return slices.Contains(emulator.SigningRoles, role) }) {
				signers++
			} else {
				others++
			}
		}
		if signers == 0 || others == 0 {
			t.Errorf("organisation %s: %d persons may sign and %d may not, want at least one of each", mc.OrgNumber, signers, others)
		}
	}
}

// TestFounders_pdfIsWellFormed checks the PDF's cross-reference table.
func TestFounders_pdfIsWellFormed(t *testing.T) {
	t.Parallel()
	var pdf []byte
	for _, d := range emulator.Founders().Instances[0].Data {
		if d.ContentType == "application/pdf" {
			pdf = d.Bytes
		}
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) || len(pdf) > 4096 {
		t.Fatalf("PDF header/trailer/size wrong (%d bytes)", len(pdf))
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[xref:], -1)
	if len(entries) == 0 {
		t.Fatal("no xref entries")
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := strconv.Itoa(i+1) + " 0 obj"; !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("xref entry %d points at %q, want %q", i+1, pdf[off:off+8], want)
		}
	}
}

func TestParseFixture_errors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		json string
		want []string
	}{
		{name: "unknown_field", json: `{"people":[]}`, want: []string{`unknown field "people"`}},
		{name: "malformed", json: `{"persons":[`, want: []string{"JSON ends too early"}},
		{name: "bad_person_and_org", json: `{"persons":[{"partyId":1,"partyUuid":"X","ssn":"15838523429","firstName":"A","lastName":""}],
			"organisations":[{"partyId":1,"partyUuid":"0b6c1f2e-3d4a-4b5c-8d6e-000000050003","orgNumber":"312847613","name":"O"}]}`,
			want: []string{"persons[0].partyUuid", "persons[0].ssn", "persons[0]: firstName and lastName", "organisations[0].partyId: 1 is used twice", "organisations[0].orgNumber"}},
		{name: "bad_instance", json: `{"instances":[{"org":"ttd","app":"founders","instanceOwnerPartyId":9,"instanceGuid":"x",
			"data":[{"id":"y","dataType":"","contentType":"pdf","text":"a","file":"b"}]}]}`,
			want: []string{"instances[0].instanceOwnerPartyId", "instances[0].instanceGuid", "data[0]: set exactly one", "data[0].id", "data[0].dataType", "data[0].contentType"}},
		{name: "missing_file", json: `{"persons":[{"userId":1,"partyId":1,"partyUuid":"0b6c1f2e-3d4a-4b5c-8d6e-000000050001","ssn":"15838523428","firstName":"A","lastName":"B"}],
			"instances":[{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","data":[{"id":"8a2f4c6e-1b3d-4f5a-9c7e-0d2b4f6a8c10","dataType":"x","contentType":"text/plain","file":"nope.txt"}]}]}`,
			want: []string{"data[0].file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := emulator.ParseFixture(fstest.MapFS{"f.json": {Data: []byte(tt.json)}}, "f.json")
			if err == nil {
				t.Fatal("ParseFixture() error = nil")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %q, want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "15838523429") || strings.Contains(err.Error(), kariSSN) {
				t.Errorf("error %q contains a national ID", err)
			}
		})
	}
}

func TestLoadFixture(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bytes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bytes", "doc.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	fx := `{"persons":[{"userId":1,"partyId":1,"partyUuid":"0b6c1f2e-3d4a-4b5c-8d6e-000000050001","ssn":"15838523428","firstName":"A","lastName":"B"}],
		"instances":[{"org":"ttd","app":"a","instanceOwnerPartyId":1,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","data":[
		{"id":"8a2f4c6e-1b3d-4f5a-9c7e-0d2b4f6a8c10","dataType":"x","contentType":"text/plain","file":"bytes/doc.txt"},
		{"id":"8a2f4c6e-1b3d-4f5a-9c7e-0d2b4f6a8c11","dataType":"y","contentType":"application/octet-stream","base64":"AAEC"},
		{"id":"8a2f4c6e-1b3d-4f5a-9c7e-0d2b4f6a8c12","dataType":"z","contentType":"text/plain","text":"inline"}]}]}`
	path := filepath.Join(dir, "fixture.json")
	if err := os.WriteFile(path, []byte(fx), 0o644); err != nil {
		t.Fatal(err)
	}

	f, err := emulator.LoadFixture(path)
	if err != nil {
		t.Fatalf("LoadFixture() error = %v", err)
	}
	var got []string
	for _, d := range f.Instances[0].Data {
		got = append(got, string(d.Bytes))
	}
	if want := []string{"hello", "\x00\x01\x02", "inline"}; !slices.Equal(got, want) {
		t.Errorf("bytes = %q, want %q", got, want)
	}
	if _, err := emulator.LoadFixture(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("LoadFixture(missing) error = nil")
	}
}

func TestNew_panicsOnInvalidFixture(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("New() did not panic")
		}
	}()
	emulator.New(emulator.Fixture{Persons: []emulator.Person{{PartyID: -1}}})
}

// TestFounders_applicationMatchesExample checks the bundled application
// metadata, policy and texts against examples/founders, byte for byte.
func TestFounders_applicationMatchesExample(t *testing.T) {
	t.Parallel()
	f := emulator.Founders()
	if len(f.Applications) != 1 || f.Applications[0].Org != "ttd" || f.Applications[0].App != "founders" {
		t.Fatalf("applications = %+v, want ttd/founders", f.Applications)
	}
	a := f.Applications[0]
	const example = "../../../examples/founders/App/config/"
	tests := []struct {
		name string
		file string
		got  []byte
	}{
		{name: "metadata", file: "applicationmetadata.json", got: a.MetadataBytes},
		{name: "policy", file: "authorization/policy.xml", got: a.PolicyBytes},
		{name: "texts_nb", file: "texts/resource.nb.json", got: a.TextBytes["nb"]},
		{name: "texts_nn", file: "texts/resource.nn.json", got: a.TextBytes["nn"]},
		{name: "texts_en", file: "texts/resource.en.json", got: a.TextBytes["en"]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want, err := os.ReadFile(example + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(tt.got, want) {
				t.Errorf("the bundled %s differs from examples/founders; run: cp examples/founders/App/config/%s internal/platform/emulator/fixtures/founders/%s", tt.file, tt.file, tt.file)
			}
		})
	}
}

func TestParseFixture_applicationErrors(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"f.json":    {Data: []byte(`{"applications":[{"org":"ttd","app":"x","metadata":"meta.json","policy":"nb.json","texts":{"nb":"nb.json","xx1":"missing.json"}},{"org":"ttd","app":"x","metadata":"","policy":"missing.xml"}]}`)},
		"meta.json": {Data: []byte(`{"id":"ttd/other"}`)},
		"nb.json":   {Data: []byte(`{"language":"nn","resources":[]}`)},
	}
	_, err := emulator.ParseFixture(fsys, "f.json")
	if err == nil {
		t.Fatal("ParseFixture() error = nil")
	}
	for _, want := range []string{"applications[0].metadata: must be application metadata", "applications[0].texts.nb", "applications[0].texts.xx1", "applications[1].metadata: must name a file", "applications[1]: ttd/x is declared twice",
		"applications[0].policy: appconfig: policy", "applications[1].policy: open"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %q, want it to contain %q", err, want)
		}
	}
}

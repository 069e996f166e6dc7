package emulator

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/appconfig"
	"github.com/signingflow/signing/internal/ident"
)

// Fixture is the emulator's seed: the register (persons, organisations and
// their roles) and the instances in storage with their data.
type Fixture struct {
	Persons       []Person       `json:"persons"`
	Organisations []Organisation `json:"organisations"`
	Roles         []Role         `json:"roles"`
	Instances     []Instance     `json:"instances"`
	Applications  []Application  `json:"applications,omitempty"`
}

// Application is an app's metadata and texts, served by storage's
// application endpoints, and its policy, which access management reads to
// decide what the app may delegate. In JSON, Metadata, Policy and the Texts
// values are files relative to the fixture file; in Go set MetadataBytes,
// PolicyBytes and TextBytes.
type Application struct {
	Org string `json:"org"`
	App string `json:"app"`
	// Metadata is the applicationmetadata.json file.
	Metadata string `json:"metadata"`
	// Texts maps a language code to its resource.{language}.json file.
	Texts map[string]string `json:"texts,omitempty"`
	// Policy is the app's policy.xml (App/config/authorization/policy.xml);
	// empty means the app has no policy, so it may delegate nothing.
	Policy string `json:"policy,omitempty"`
	// MetadataBytes, PolicyBytes and TextBytes are the files' bytes, filled by ParseFixture.
	MetadataBytes []byte            `json:"-"`
	PolicyBytes   []byte            `json:"-"`
	TextBytes     map[string][]byte `json:"-"`
}

// Person is a person in the register. SSN is a (synthetic) national ID as
// given; the emulator never logs it and never sends it in a response.
type Person struct {
	// UserID is the person's platform user ID (the urn:altinn:userid claim).
	UserID     int64  `json:"userId"`
	PartyID    int64  `json:"partyId"`
	PartyUUID  string `json:"partyUuid"`
	SSN        string `json:"ssn"`
	FirstName  string `json:"firstName"`
	MiddleName string `json:"middleName,omitempty"`
	LastName   string `json:"lastName"`
	Email      string `json:"email,omitempty"`
	Mobile     string `json:"mobile,omitempty"`
}

// Name returns "First [Middle] Last".
func (p Person) Name() string {
	return strings.Join(strings.Fields(p.FirstName+" "+p.MiddleName+" "+p.LastName), " ")
}

// Organisation is an organisation in the register, with its contact information.
type Organisation struct {
	PartyID   int64  `json:"partyId"`
	PartyUUID string `json:"partyUuid"`
	OrgNumber string `json:"orgNumber"`
	Name      string `json:"name"`
	UnitType  string `json:"unitType,omitempty"`
	Email     string `json:"email,omitempty"`
	Mobile    string `json:"mobile,omitempty"`
}

// Role lists the roles (e.g. "DAGL", "LEDE", "MEDL") a person holds in an
// organisation. The roles in SigningRoles may sign for it.
type Role struct {
	PersonSSN string   `json:"personSsn"`
	OrgNumber string   `json:"orgNumber"`
	Roles     []string `json:"roles"`
}

// SigningRoles are the register roles that may sign for an organisation
// (the key roles: general manager, chair, owner, partners, managing owner).
var SigningRoles = []string{"DAGL", "LEDE", "INNH", "DTPR", "DTSO", "KOMP", "BEST"}

// Instance is an app instance in storage.
type Instance struct {
	Org          string `json:"org"`
	App          string `json:"app"`
	PartyID      int64  `json:"instanceOwnerPartyId"`
	InstanceGUID string `json:"instanceGuid"`
	// CurrentTask is the process's current task; empty means ended.
	CurrentTask string `json:"currentTask,omitempty"`
	// CurrentTaskType is the current task's altinnTaskType, e.g. "signing".
	CurrentTaskType string        `json:"currentTaskType,omitempty"`
	Created         time.Time     `json:"created"`
	LastChanged     time.Time     `json:"lastChanged"`
	Data            []DataElement `json:"data"`
}

// DataElement is a data element with its bytes. In JSON the bytes come from
// exactly one of "text" (UTF-8), "base64" or "file" (a path relative to the
// fixture file); in Go set Bytes.
type DataElement struct {
	ID                string `json:"id"`
	DataType          string `json:"dataType"`
	ContentType       string `json:"contentType"`
	Filename          string `json:"filename,omitempty"`
	GeneratedFromTask string `json:"generatedFromTask,omitempty"`
	// Tags are the element's tags (Storage's default is none).
	Tags        []string  `json:"tags,omitempty"`
	Created     time.Time `json:"created"`
	LastChanged time.Time `json:"lastChanged"`
	Text        string    `json:"text,omitempty"`
	Base64      []byte    `json:"base64,omitempty"`
	File        string    `json:"file,omitempty"`
	// Bytes is the content, filled from Text, Base64 or File by ParseFixture.
	Bytes []byte `json:"-"`
}

//go:embed fixtures
var bundled embed.FS

// Founders returns the bundled fixture that matches examples/founders: the
// two founders and the founding company of examples/founders/data/model.xml,
// their roles, and one ttd/founders instance in SigningTask with the model
// and its PDF.
func Founders() Fixture {
	f, err := ParseFixture(bundled, "fixtures/founders.json")
	if err != nil {
		panic("emulator: bundled fixture: " + err.Error())
	}
	return f
}

// LoadFixture reads a fixture file; "file" references are relative to it.
func LoadFixture(name string) (Fixture, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return Fixture{}, fmt.Errorf("emulator: fixture %s: %w", name, err)
	}
	return ParseFixture(os.DirFS(filepath.Dir(abs)), filepath.Base(abs))
}

// ParseFixture reads the fixture name from fsys, resolves data bytes and
// validates it. Unknown JSON fields are errors, to catch typos.
func ParseFixture(fsys fs.FS, name string) (Fixture, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Fixture{}, fmt.Errorf("emulator: fixture %s: %w", name, err)
	}
	var f Fixture
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Fixture{}, fmt.Errorf("emulator: fixture %s: %s", name, jsonProblem(err))
	}
	var errs []error
	dir := path.Dir(name)
	for i := range f.Instances {
		for j := range f.Instances[i].Data {
			d := &f.Instances[i].Data[j]
			field := fmt.Sprintf("instances[%d].data[%d]", i, j)
			n := 0
			for _, set := range []bool{d.Text != "", d.Base64 != nil, d.File != ""} {
				if set {
					n++
				}
			}
			switch {
			case n != 1:
				errs = append(errs, fmt.Errorf("%s: set exactly one of text, base64 or file", field))
			case d.Text != "":
				d.Bytes = []byte(d.Text)
			case d.Base64 != nil:
				d.Bytes = d.Base64
			default:
				b, err := fs.ReadFile(fsys, path.Join(dir, d.File))
				if err != nil {
					errs = append(errs, fmt.Errorf("%s.file: %w", field, err))
				}
				d.Bytes = b
			}
		}
	}
	for i := range f.Applications {
		a := &f.Applications[i]
		field := fmt.Sprintf("applications[%d]", i)
		if a.Metadata == "" {
			errs = append(errs, fmt.Errorf("%s.metadata: must name a file", field))
		} else if b, err := fs.ReadFile(fsys, path.Join(dir, a.Metadata)); err != nil {
			errs = append(errs, fmt.Errorf("%s.metadata: %w", field, err))
		} else {
			a.MetadataBytes = b
		}
		if a.Policy != "" {
			if b, err := fs.ReadFile(fsys, path.Join(dir, a.Policy)); err != nil {
				errs = append(errs, fmt.Errorf("%s.policy: %w", field, err))
			} else {
				a.PolicyBytes = b
			}
		}
		a.TextBytes = map[string][]byte{}
		for lang, file := range a.Texts {
			b, err := fs.ReadFile(fsys, path.Join(dir, file))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s.texts.%s: %w", field, lang, err))
				continue
			}
			a.TextBytes[lang] = b
		}
	}
	if err := errors.Join(append(errs, f.Validate())...); err != nil {
		return Fixture{}, fmt.Errorf("emulator: fixture %s: %w", name, err)
	}
	return f, nil
}

var (
	guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`)
	typePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)

	languagePattern = regexp.MustCompile(`^[a-z]{2,3}$`)
)

// Validate reports every problem of the fixture at once; messages name the
// field, never a national ID.
func (f Fixture) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	partyIDs := map[int64]bool{}
	partyUUIDs := map[string]bool{}
	party := func(field string, id int64, uuid string) {
		if id <= 0 {
			add("%s.partyId: must be positive", field)
		} else if partyIDs[id] {
			add("%s.partyId: %d is used twice", field, id)
		}
		partyIDs[id] = true
		if !guidPattern.MatchString(uuid) {
			add("%s.partyUuid: must be a lowercase UUID", field)
		} else if partyUUIDs[uuid] {
			add("%s.partyUuid: %s is used twice", field, uuid)
		}
		partyUUIDs[uuid] = true
	}
	ssns := map[string]bool{}
	userIDs := map[int64]bool{}
	for i, p := range f.Persons {
		field := fmt.Sprintf("persons[%d]", i)
		party(field, p.PartyID, p.PartyUUID)
		if p.UserID <= 0 {
			add("%s.userId: must be positive", field)
		} else if userIDs[p.UserID] {
			add("%s.userId: %d is used twice", field, p.UserID)
		}
		userIDs[p.UserID] = true
		if _, err := ident.ParseNationalID(p.SSN, ident.AllowSynthetic()); err != nil {
			add("%s.ssn: %w", field, err)
		} else if ssns[p.SSN] {
			add("%s.ssn: used by an earlier person", field)
		}
		ssns[p.SSN] = true
		if strings.TrimSpace(p.FirstName) == "" || strings.TrimSpace(p.LastName) == "" {
			add("%s: firstName and lastName must be set", field)
		}
	}
	orgs := map[string]bool{}
	for i, o := range f.Organisations {
		field := fmt.Sprintf("organisations[%d]", i)
		party(field, o.PartyID, o.PartyUUID)
		if _, err := ident.ParseOrgNumber(o.OrgNumber); err != nil || len(o.OrgNumber) != 9 {
			add("%s.orgNumber: must be a valid 9-digit organisation number", field)
		} else if orgs[o.OrgNumber] {
			add("%s.orgNumber: %s is used twice", field, o.OrgNumber)
		}
		orgs[o.OrgNumber] = true
		if strings.TrimSpace(o.Name) == "" {
			add("%s.name: must be set", field)
		}
	}
	for i, r := range f.Roles {
		field := fmt.Sprintf("roles[%d]", i)
		if !ssns[r.PersonSSN] {
			add("%s.personSsn: no such person", field)
		}
		if !orgs[r.OrgNumber] {
			add("%s.orgNumber: no such organisation", field)
		}
		if len(r.Roles) == 0 {
			add("%s.roles: must list at least one role", field)
		}
	}
	instances := map[string]bool{}
	dataIDs := map[string]bool{}
	for i, in := range f.Instances {
		field := fmt.Sprintf("instances[%d]", i)
		if !namePattern.MatchString(in.Org) || !namePattern.MatchString(in.App) {
			add("%s: org and app must be lowercase names", field)
		}
		if !partyIDs[in.PartyID] {
			add("%s.instanceOwnerPartyId: no party has ID %d", field, in.PartyID)
		}
		if !guidPattern.MatchString(in.InstanceGUID) {
			add("%s.instanceGuid: must be a lowercase UUID", field)
		} else if instances[in.InstanceGUID] {
			add("%s.instanceGuid: used twice", field)
		}
		instances[in.InstanceGUID] = true

		if in.CurrentTask != "" && !typePattern.MatchString(in.CurrentTask) {
			add("%s.currentTask: must be a task ID", field)
		}
		for j, d := range in.Data {
			dfield := fmt.Sprintf("%s.data[%d]", field, j)
			if !guidPattern.MatchString(d.ID) {
				add("%s.id: must be a lowercase UUID", dfield)
			} else if dataIDs[d.ID] {
				add("%s.id: used twice", dfield)
			}
			dataIDs[d.ID] = true
			if !typePattern.MatchString(d.DataType) {
				add("%s.dataType: must be a data type name", dfield)
			}
			if mt, _, err := mime.ParseMediaType(d.ContentType); err != nil || !strings.Contains(mt, "/") {
				add("%s.contentType: must be a media type", dfield)
			}
		}
	}
	apps := map[string]bool{}
	for i, a := range f.Applications {
		field := fmt.Sprintf("applications[%d]", i)
		if !namePattern.MatchString(a.Org) || !namePattern.MatchString(a.App) {
			add("%s: org and app must be lowercase names", field)
		} else if apps[a.Org+"/"+a.App] {
			add("%s: %s/%s is declared twice", field, a.Org, a.App)
		}
		apps[a.Org+"/"+a.App] = true
		if a.MetadataBytes != nil {
			var meta struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(a.MetadataBytes, &meta); err != nil || meta.ID != a.Org+"/"+a.App {
				add("%s.metadata: must be application metadata JSON with \"id\": %q", field, a.Org+"/"+a.App)
			}
		}
		if a.PolicyBytes != nil {
			if _, err := appconfig.ParsePolicy(a.PolicyBytes); err != nil {
				add("%s.policy: %v", field, err)
			}
		}
		for lang, b := range a.TextBytes {
			if !languagePattern.MatchString(lang) {
				add("%s.texts: %q is not a language code", field, lang)
			}
			var res struct {
				Language string `json:"language"`
			}
			if err := json.Unmarshal(b, &res); err != nil || res.Language != lang {
				add("%s.texts.%s: must be a text resource file with \"language\": %q", field, lang, lang)
			}
		}
	}
	return errors.Join(errs...)
}

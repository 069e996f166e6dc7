package emulator

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/appconfig"
	"github.com/signingflow/signing/internal/platform/emulator/idp"
	"github.com/signingflow/signing/internal/platform/wire"
)

// Emulator serves the platform APIs from memory. It is safe for concurrent use.
type Emulator struct {
	fixture Fixture
	opts    options
	// policies are the app policies by "org/app" (SetPolicy; guarded by mu).
	policies map[string]*appconfig.Policy

	mu     sync.Mutex
	st     *state
	faults map[string][]*Fault
	calls  map[string]int
	seq    uint64
}

// Option changes how New builds an emulator.
type Option func(*options)

type options struct {
	now       func() time.Time
	logger    *slog.Logger
	sequenced bool
	seed      uint32
	// idp verifies platform access tokens and service owners' bearer
	// tokens (WithIDP, else devIDP).
	idp *idp.IDP
	// userKey verifies users' tokens (WithUserTokenKey, else the dev key).
	userKeys []userKey
}

// WithClock makes the emulator read the time from now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger logs one line per request (method, path, operation, status,
// duration); never a body, a national ID or a token. The default logs nothing.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithSequentialIDs makes every new ID deterministic:
// "{seed:08x}-0000-4000-8000-{n:012x}" for n = 1, 2, ….
func WithSequentialIDs(seed uint32) Option {
	return func(o *options) { o.sequenced, o.seed = true, seed }
}

// New returns an emulator seeded from f. It panics if f does not validate:
// fixtures from LoadFixture, ParseFixture and Founders always do.
func New(f Fixture, opts ...Option) *Emulator {
	if err := f.Validate(); err != nil {
		panic("emulator: invalid fixture: " + err.Error())
	}
	e := &Emulator{fixture: f, faults: map[string][]*Fault{}, calls: map[string]int{}}
	e.opts.now = func() time.Time { return time.Now().UTC() }
	e.opts.logger = slog.New(slog.DiscardHandler)
	for _, opt := range opts {
		if opt != nil {
			opt(&e.opts)
		}
	}
	if e.opts.idp == nil {
		e.opts.idp = devIDP(e.opts.now)
	}
	e.policies = policies(f)
	e.st = newState(f)
	return e
}

// Reset restores the fixture's state and clears faults and call counts.
func (e *Emulator) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st = newState(e.fixture)
	e.policies = policies(e.fixture)
	e.faults = map[string][]*Fault{}
	e.calls = map[string]int{}
	e.seq = 0
}

// now returns the emulator's time in UTC.
func (e *Emulator) now() time.Time { return e.opts.now().UTC() }

// newID returns a new lowercase UUID; the caller holds e.mu.
func (e *Emulator) newID() string {
	e.seq++
	if e.opts.sequenced {
		return fmt.Sprintf("%08x-0000-4000-8000-%012x", e.opts.seed, e.seq)
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// state is everything the APIs change.
type state struct {
	personsBySSN  map[string]*Person
	orgsByNumber  map[string]*Organisation
	partiesByUUID map[string]party
	partiesByID   map[int64]party
	roles         map[string][]string // personSSN + "/" + orgNumber
	instances     map[string]*instance
	elements      map[string]*element
	delegations   []DelegationRecord
	messages      []MessageRecord
	notifications []NotificationRecord
	applications  map[string]Application // "org/app"
	// personsByUserID finds a person by platform user ID; dataTypes maps
	// "org/app" to its data types (lower-cased ID → the task each is bound
	// to), parsed once from the metadata.
	personsByUserID map[int64]*Person
	dataTypes       map[string]map[string]string
	// corrAttachments are correspondence attachments by ID; corrByKey maps
	// an idempotent key to the correspondence sent under it.
	corrAttachments map[string]*corrAttachment
	corrByKey       map[string]string
}

// party is a person or an organisation.
type party struct {
	person *Person
	org    *Organisation
}

func (p party) uuid() string {
	if p.person != nil {
		return p.person.PartyUUID
	}
	return p.org.PartyUUID
}

func (p party) contact() (email, mobile string) {
	if p.person != nil {
		return p.person.Email, p.person.Mobile
	}
	return p.org.Email, p.org.Mobile
}

type instance struct {
	Instance
	// owner is the party with the instance owner's party ID.
	owner party
	data  []*element
}

func (in *instance) id() string { return strconv.FormatInt(in.PartyID, 10) + "/" + in.InstanceGUID }

type element struct {
	meta       wire.DataElement
	instanceID string
	bytes      []byte
	source     string
}

func newState(f Fixture) *state {
	st := &state{
		personsBySSN:    map[string]*Person{},
		orgsByNumber:    map[string]*Organisation{},
		partiesByUUID:   map[string]party{},
		partiesByID:     map[int64]party{},
		roles:           map[string][]string{},
		instances:       map[string]*instance{},
		elements:        map[string]*element{},
		applications:    map[string]Application{},
		personsByUserID: map[int64]*Person{},
		dataTypes:       map[string]map[string]string{},
		corrAttachments: map[string]*corrAttachment{},
		corrByKey:       map[string]string{},
	}
	for _, a := range f.Applications {
		st.applications[a.Org+"/"+a.App] = a
		st.dataTypes[a.Org+"/"+a.App] = dataTypesOf(a.MetadataBytes)
	}
	for i := range f.Persons {
		p := f.Persons[i]
		st.personsBySSN[p.SSN] = &p
		st.personsByUserID[p.UserID] = &p
		st.partiesByUUID[p.PartyUUID] = party{person: &p}
		st.partiesByID[p.PartyID] = party{person: &p}
	}
	for i := range f.Organisations {
		o := f.Organisations[i]
		st.orgsByNumber[o.OrgNumber] = &o
		st.partiesByUUID[o.PartyUUID] = party{org: &o}
		st.partiesByID[o.PartyID] = party{org: &o}
	}
	for _, r := range f.Roles {
		k := r.PersonSSN + "/" + r.OrgNumber
		st.roles[k] = append(st.roles[k], r.Roles...)
	}
	for _, fi := range f.Instances {
		in := &instance{Instance: fi}
		in.Data = nil
		in.owner = st.partiesByID[fi.PartyID]
		for _, d := range fi.Data {
			el := &element{
				instanceID: in.id(),
				bytes:      slices.Clone(d.Bytes),
				source:     "fixture",
				meta: wire.DataElement{
					ID: d.ID, InstanceGUID: fi.InstanceGUID, DataType: d.DataType, Filename: d.Filename,
					ContentType: d.ContentType, Size: int64(len(d.Bytes)), Tags: append([]string{}, d.Tags...),
					Created: d.Created.UTC(), LastChanged: d.LastChanged.UTC(),
				},
			}
			if d.GeneratedFromTask != "" {
				el.meta.References = []wire.Reference{{Value: d.GeneratedFromTask, Relation: wire.RelationGeneratedFrom, ValueType: wire.ValueTypeTask}}
			}
			in.data = append(in.data, el)
			st.elements[d.ID] = el
		}
		st.instances[fi.InstanceGUID] = in
	}
	return st
}

// Package repotest is the contract suite of signing.Repository. Every
// implementation runs it (the DynamoDB store against DynamoDB Local, the
// in-memory fake as is) so they keep the same semantics:
//
//	func TestStore_Contract(t *testing.T) {
//		repotest.Run(t, func(t *testing.T) signing.Repository { return newStore(t) })
//	}
package repotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

// T0 is the time the fixtures start from; each step of a fixture is a
// millisecond later, so audit entries have distinct times.
var T0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Config is the signing configuration of the fixture tasks.
var Config = signing.Config{
	DataTypesToSign:   []string{"ref-data-as-pdf", "attachments"},
	SignatureDataType: "signatures",
	SigneeProviderID:  "founders",
	CorrespondenceResources: []signing.CorrespondenceResource{
		{Value: "app-correspondence"},
	},
	SigneeStatesDataTypeID: "signee-states",
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// NewGUID returns a random lowercase GUID.
func NewGUID() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}

// NewIdentityHash returns a random keyed-hash lookalike (64 hex digits).
func NewIdentityHash() string { return randomHex(32) }

// NewPerson returns a resolved person signee with a random identity.
func NewPerson(name string) signing.Signee {
	hash := NewIdentityHash()
	key, err := signing.NewSigneeKey(signing.SigneePerson, hash)
	if err != nil {
		panic(err)
	}
	return signing.Signee{
		Key:          key,
		Kind:         signing.SigneePerson,
		DisplayName:  name,
		MaskedID:     "010190*****",
		IdentityHash: hash,
		PartyID:      50001000,
		PartyUUID:    NewGUID(),
		Communication: signing.Communication{
			InboxTitleKey: "signing.title",
			Email:         "signee@example.com",
			TextArgs:      []string{name},
		},
		AdditionalActions: []string{"reject"},
		Status:            signing.SigneeResolved,
	}
}

// NewOrganisation returns a resolved organisation signee.
func NewOrganisation(name, orgNumber string) signing.Signee {
	hash := NewIdentityHash()
	key, err := signing.NewSigneeKey(signing.SigneeOrganisation, hash)
	if err != nil {
		panic(err)
	}
	return signing.Signee{
		Key:          key,
		Kind:         signing.SigneeOrganisation,
		DisplayName:  name,
		MaskedID:     orgNumber,
		IdentityHash: hash,
		OrgNumber:    orgNumber,
		PartyID:      50002000,
		PartyUUID:    NewGUID(),
		Status:       signing.SigneeResolved,
	}
}

// Fixture is one task with its signees in a repository under test.
type Fixture struct {
	Repo    signing.Repository
	Task    signing.Task
	Signees []signing.Signee
	ticks   atomic.Int64
}

// NewTask builds (without storing) a collecting task with n person signees.
func NewTask(tb testing.TB, n int) (signing.Task, []signing.Signee) {
	tb.Helper()
	inst := signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001337, InstanceGUID: NewGUID()}
	task, err := signing.NewTask(inst, "SigningTask", Config, n, T0.Add(30*24*time.Hour), T0)
	if err != nil {
		tb.Fatalf("NewTask: %v", err)
	}
	signees := make([]signing.Signee, n)
	for i := range signees {
		signees[i] = NewPerson(fmt.Sprintf("Signee %d", i))
	}
	return task, signees
}

// Create stores a new task with n person signees in repo.
func Create(tb testing.TB, repo signing.Repository, n int) *Fixture {
	tb.Helper()
	task, signees := NewTask(tb, n)
	if err := repo.CreateTask(context.Background(), task, signees); err != nil {
		tb.Fatalf("CreateTask: %v", err)
	}
	return &Fixture{Repo: repo, Task: task, Signees: signees}
}

// Key is the task's key.
func (f *Fixture) Key() signing.TaskKey { return f.Task.Key }

// Now returns the fixture's next instant: T0 plus one millisecond per call.
func (f *Fixture) Now() time.Time { return T0.Add(time.Duration(f.ticks.Add(1)) * time.Millisecond) }

// Move applies a transition to signee i and fails the test on error.
func (f *Fixture) Move(tb testing.TB, i int, to signing.SigneeStatus) signing.Signee {
	tb.Helper()
	t := signing.Transition{To: to, At: f.Now()}
	if to == signing.SigneeFailed {
		t.Step, t.Reason = "notify", "no address"
	}
	s, err := f.Repo.UpdateSignee(context.Background(), f.Key(), f.Signees[i].Key, t)
	if err != nil {
		tb.Fatalf("UpdateSignee(%s → %s): %v", f.Signees[i].Key, to, err)
	}
	return s
}

// Signature returns a valid signature by signee i itself.
func (f *Fixture) Signature(i int) signing.Signature {
	s := f.Signees[i]
	return signing.Signature{
		Task:      f.Key(),
		SigneeKey: s.Key,
		Signer:    signing.Signer{IdentityHash: s.IdentityHash, MaskedID: s.MaskedID, Name: s.DisplayName, PartyID: s.PartyID, PartyUUID: s.PartyUUID},
		SignedAt:  f.Now(),
		Digests: []signing.DataElementDigest{
			{DataElementID: NewGUID(), DataType: "ref-data-as-pdf", SHA256: randomHex(32), Size: 1234},
			{DataElementID: NewGUID(), DataType: "attachments", SHA256: randomHex(32), Size: 99},
		},
		RequestHash: signing.RequestHash(s.IdentityHash, s.Key, "request-"+strconv.Itoa(i)),
	}
}

// Sign delegates (if needed) and records the signature of signee i.
func (f *Fixture) Sign(tb testing.TB, i int) signing.RecordResult {
	tb.Helper()
	ctx := context.Background()
	s, err := f.Repo.GetSignee(ctx, f.Key(), f.Signees[i].Key)
	if err != nil {
		tb.Fatalf("GetSignee: %v", err)
	}
	if s.Status == signing.SigneeResolved {
		f.Move(tb, i, signing.SigneeDelegated)
	}
	res, err := f.Repo.RecordSignature(ctx, f.Signature(i))
	if err != nil {
		tb.Fatalf("RecordSignature(%s): %v", f.Signees[i].Key, err)
	}
	return res
}

// Reach moves signee i to status along the legal path (signed via RecordSignature).
func (f *Fixture) Reach(tb testing.TB, i int, status signing.SigneeStatus) {
	tb.Helper()
	paths := map[signing.SigneeStatus][]signing.SigneeStatus{
		signing.SigneeResolved:    nil,
		signing.SigneeDelegated:   {signing.SigneeDelegated},
		signing.SigneeNotified:    {signing.SigneeDelegated, signing.SigneeNotified},
		signing.SigneeSigned:      {signing.SigneeDelegated, signing.SigneeSigned},
		signing.SigneeReceiptSent: {signing.SigneeDelegated, signing.SigneeSigned, signing.SigneeReceiptSent},
		signing.SigneeFailed:      {signing.SigneeDelegated, signing.SigneeFailed},
		signing.SigneeRevoked:     {signing.SigneeRevoked},
	}
	path, ok := paths[status]
	if !ok {
		tb.Fatalf("no path to %q", status)
	}
	for _, st := range path {
		if st == signing.SigneeSigned {
			if _, err := f.Repo.RecordSignature(context.Background(), f.Signature(i)); err != nil {
				tb.Fatalf("RecordSignature: %v", err)
			}
			continue
		}
		f.Move(tb, i, st)
	}
}

// NextAttempt builds (without storing) the task's next attempt with
// signees: attempt + 1, collecting, created at the fixture's next instant.
func (f *Fixture) NextAttempt(signees []signing.Signee) signing.Task {
	task := f.Task
	task.Attempt = max(task.Attempt, 1) + 1
	task.Status = signing.TaskCollecting
	task.Counts = signing.Counts{Total: len(signees)}
	task.Groups = Groups(nil, signees, task.Config)
	task.CreatedAt = f.Now()
	task.UpdatedAt = task.CreatedAt
	task.ExecutionARN, task.ClosedAt, task.CloseReason, task.Version = "", time.Time{}, "", 0
	return task
}

// Restart replaces the stored attempt (rejected or expired) with the next
// one and signees, and makes them the fixture's task and signees.
func (f *Fixture) Restart(tb testing.TB, signees []signing.Signee) signing.Task {
	tb.Helper()
	prev := f.MustTask(tb).Attempt
	next := f.NextAttempt(signees)
	if err := f.Repo.RestartTask(context.Background(), next, signees, prev); err != nil {
		tb.Fatalf("RestartTask(attempt %d) error = %v", next.Attempt, err)
	}
	f.Task, f.Signees = f.MustTask(tb), signees
	return next
}

// MustTask reads the task.
func (f *Fixture) MustTask(tb testing.TB) signing.Task {
	tb.Helper()
	task, err := f.Repo.GetTask(context.Background(), f.Key())
	if err != nil {
		tb.Fatalf("GetTask: %v", err)
	}
	return task
}

// MustSignee reads signee i.
func (f *Fixture) MustSignee(tb testing.TB, i int) signing.Signee {
	tb.Helper()
	s, err := f.Repo.GetSignee(context.Background(), f.Key(), f.Signees[i].Key)
	if err != nil {
		tb.Fatalf("GetSignee: %v", err)
	}
	return s
}

// SameJSON fails the test when got and want differ in their JSON form.
func SameJSON(tb testing.TB, what string, got, want any) {
	tb.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		tb.Fatal(err)
	}
	if string(g) != string(w) {
		tb.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// WantErr fails the test unless errors.Is(err, want); want nil means no error.
func WantErr(tb testing.TB, what string, err, want error) {
	tb.Helper()
	switch {
	case want == nil && err != nil:
		tb.Errorf("%s: error = %v, want none", what, err)
	case want != nil && !errors.Is(err, want):
		tb.Errorf("%s: error = %v, want %v", what, err, want)
	}
}

// Groups is signing.GroupCounts, which must succeed (tb fails otherwise; a
// nil tb panics).
func Groups(tb testing.TB, signees []signing.Signee, cfg signing.Config) []signing.GroupCount {
	g, err := signing.GroupCounts(signees, cfg)
	if err != nil {
		if tb == nil {
			panic(err)
		}
		tb.Helper()
		tb.Fatalf("GroupCounts: %v", err)
	}
	return g
}

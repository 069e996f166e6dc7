package signing_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/memrepo"
	"github.com/signingflow/signing/internal/signing/repotest"
	"github.com/signingflow/signing/internal/signingtest"
)

// TestService_groupsInOrder runs a task whose founders sign after the
// company: the founders are neither delegated nor told, and may not sign,
// until the company has signed; then Collect hands them out for delegation.
func TestService_groupsInOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	signingtest.InOrder(t, h)
	started := h.Ready(t)
	company := h.SigneeByUUID(t, companyUUID)
	if !slices.Equal(started.Signees, []signing.SigneeKey{company.Key}) {
		t.Fatalf("Start() handed out %v for the first delegation, want the company's key alone", started.Signees)
	}
	task, err := h.Repo.GetTask(ctx, foundersTask)
	if err != nil {
		t.Fatal(err)
	}
	if want := []signing.GroupCount{{Group: 1, Total: 1}, {Group: 2, Total: 2}}; !slices.Equal(task.Groups, want) {
		t.Fatalf("task groups = %+v, want %+v", task.Groups, want)
	}
	for _, d := range h.Emu.Delegations() {
		if d.To != companyUUID {
			t.Errorf("delegated to %s before the company signed; want the company alone", d.To)
		}
	}
	ola := h.SigneeByUUID(t, olaUUID)
	if _, err := h.Svc.Delegate(ctx, foundersTask, ola.Key); !errors.Is(err, signing.ErrGroupNotOpen) {
		t.Errorf("Delegate(Ola) before group 2 opens: error = %v, want ErrGroupNotOpen", err)
	}
	for _, who := range []signing.Caller{signingtest.Ola(t), signingtest.Kari(t)} {
		if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: who}); !errors.Is(err, signing.ErrGroupNotOpen) || !errors.Is(err, signing.ErrForbidden) {
			t.Errorf("Sign(%s) before group 2 opens: error = %v, want ErrGroupNotOpen (a forbidden)", who.Name, err)
		}
	}
	states, ts, err := h.Svc.StateWithTask(ctx, signing.ReadInput{Task: foundersTask, Caller: signingtest.Kari(t)})
	if err != nil {
		t.Fatal(err)
	}
	if ts.OpenGroup != 1 {
		t.Errorf("task state openGroup = %d, want 1", ts.OpenGroup)
	}
	for i, st := range states {
		wantGroup, wantOpen := 2, false
		if st.SigneeKey == company.Key {
			wantGroup, wantOpen = 1, true
		}
		if st.Group != wantGroup || st.GroupOpen == nil || *st.GroupOpen != wantOpen {
			t.Errorf("signee state %s: group %d open %v, want %d %v", st.SigneeKey, st.Group, st.GroupOpen, wantGroup, wantOpen)
		}
		if i == 0 && st.SigneeKey != company.Key {
			t.Errorf("signee states start with %s, want group 1's company first", st.SigneeKey)
		}
	}

	// The company signs: group 2 opens, and the next round hands out Kari and Ola.
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: signingtest.Kari(t), OnBehalfOf: signingtest.CompanyOrg}); err != nil {
		t.Fatalf("Sign(company) error = %v", err)
	}
	col, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{OpenGroup: 1})
	if err != nil {
		t.Fatal(err)
	}
	kari := h.SigneeByUUID(t, kariUUID)
	slices.Sort(col.NeedDelegation)
	want := []signing.SigneeKey{kari.Key, ola.Key}
	slices.Sort(want)
	if col.OpenGroup != 2 || !slices.Equal(col.NeedDelegation, want) || !col.MoreToDelegate || col.AllSigned {
		t.Fatalf("Collect() after the company signed = open group %d, needDelegation %v, more %v, allSigned %v; want group 2, Kari and Ola, come back at once, not all signed",
			col.OpenGroup, col.NeedDelegation, col.MoreToDelegate, col.AllSigned)
	}
	for _, sk := range col.NeedDelegation {
		for _, fn := range []string{"DelegateSignee", "NotifySignee"} {
			if err := signingtest.SigneeStep(ctx, h.Svc, fn, foundersTask, sk); err != nil {
				t.Fatalf("%s(%s): %v", fn, sk, err)
			}
		}
	}
	// The round after that hands out nobody again.
	again, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{OpenGroup: col.OpenGroup, Retry: col.NeedDelegation, MoreToDelegate: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.NeedDelegation) != 0 || again.MoreToDelegate {
		t.Errorf("Collect() once group 2 is told: needDelegation %v, more %v; want none, and a wait", again.NeedDelegation, again.MoreToDelegate)
	}
	for _, who := range []signing.Caller{signingtest.Ola(t), signingtest.Kari(t)} {
		if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: who}); err != nil {
			t.Errorf("Sign(%s) once group 2 is open: %v", who.Name, err)
		}
	}
	task, err = h.Repo.GetTask(ctx, foundersTask)
	if err != nil {
		t.Fatal(err)
	}
	if !task.Counts.AllSigned() || !slices.Equal(task.Groups, []signing.GroupCount{{Group: 1, Total: 1, Signed: 1}, {Group: 2, Total: 2, Signed: 2}}) {
		t.Errorf("task after every signature: counts %+v groups %+v, want all signed in both groups", task.Counts, task.Groups)
	}
}

// TestTask_openGroup checks which groups are open: those up to the first
// incomplete one, unnumbered signees being group 1.
func TestTask_openGroup(t *testing.T) {
	t.Parallel()
	var g []signing.GroupCount
	g = append(g, signing.GroupCount{Group: 1, Total: 1, Signed: 1}, signing.GroupCount{Group: 3, Total: 2})
	task := signing.Task{Groups: g}
	if task.OpenGroup() != 3 || !task.GroupOpen(0) || !task.GroupOpen(3) || task.GroupOpen(4) {
		t.Errorf("OpenGroup() = %d (groups %+v): want 3, with group 1 (and unnumbered) and 3 open, 4 not", task.OpenGroup(), g)
	}
	if (signing.Task{}).OpenGroup() != 0 || !(signing.Task{}).GroupOpen(7) {
		t.Error("a task without groups: OpenGroup() must be 0 and every group open")
	}
}

// groupOneSigned stores a task of n signees: the first alone in group 1,
// signed, the others in group 2, which is therefore open.
func groupOneSigned(t *testing.T, repo signing.Repository, n int) signing.Task {
	t.Helper()
	ctx := context.Background()
	task, people := repotest.NewTask(t, n)
	people[0].Group = 1
	for i := 1; i < len(people); i++ {
		people[i].Group = 2
	}
	task.Groups = repotest.Groups(t, people, signing.Config{})
	if err := repo.CreateTask(ctx, task, people); err != nil {
		t.Fatal(err)
	}
	f := &repotest.Fixture{Repo: repo, Task: task, Signees: people}
	f.Reach(t, 0, signing.SigneeNotified)
	sig := f.Signature(0)
	sig.Group = 1
	if _, err := repo.RecordSignature(ctx, sig); err != nil {
		t.Fatal(err)
	}
	return task
}

// TestService_groupOpening_inRounds opens a group larger than a round:
// Collect hands it out a round at a time, asking the workflow to come back
// at once (moreToDelegate) after each round that handed out signees the
// previous did not, and not after one that handed out none (its retries
// fill it, or nobody is left), so the rounds end.
func TestService_groupOpening_inRounds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := signingtest.NewClock()
	repo := memrepo.New(clock)
	task := groupOneSigned(t, repo, 250)
	svc := signingtest.NewService(t, signingtest.Parts{Repo: repo, Clock: clock})
	tell := func(keys []signing.SigneeKey) {
		for _, sk := range keys {
			for _, to := range []signing.SigneeStatus{signing.SigneeDelegated, signing.SigneeNotified} {
				if _, err := repo.UpdateSignee(ctx, task.Key, sk, signing.Transition{To: to, At: clock.Now()}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	opts := signing.CollectOptions{OpenGroup: 1}
	handed := map[signing.SigneeKey]bool{}
	var rounds []int
	for round := 0; round < 10; round++ {
		col, err := svc.Collect(ctx, task.Key, opts)
		if err != nil {
			t.Fatal(err)
		}
		rounds = append(rounds, len(col.NeedDelegation))
		if col.OpenGroup != 2 {
			t.Fatalf("round %d: open group %d, want 2", round, col.OpenGroup)
		}
		for _, sk := range col.NeedDelegation {
			if handed[sk] {
				t.Errorf("round %d handed out %s again", round, sk)
			}
			handed[sk] = true
		}
		tell(col.NeedDelegation)
		opts = signing.CollectOptions{OpenGroup: col.OpenGroup, MoreToDelegate: col.MoreToDelegate, Retry: col.NeedDelegation}
		if !col.MoreToDelegate {
			break
		}
	}
	if want := []int{100, 100, 49, 0}; !slices.Equal(rounds, want) {
		t.Errorf("signees handed out per round = %v, want %v", rounds, want)
	}
	if len(handed) != 249 {
		t.Errorf("handed out %d signees of group 2, want all 249", len(handed))
	}

	// A round whose retries fill it hands out nobody new: no more, so a
	// platform that keeps refusing does not loop without waits.
	task2 := groupOneSigned(t, repo, 202)
	first, err := svc.Collect(ctx, task2.Key, signing.CollectOptions{OpenGroup: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.NeedDelegation) != 100 || !first.MoreToDelegate {
		t.Fatalf("first round = %d handed out, more %v; want 100 and more", len(first.NeedDelegation), first.MoreToDelegate)
	}
	// None of them was delegated: the next round is full of retries.
	col, err := svc.Collect(ctx, task2.Key, signing.CollectOptions{OpenGroup: 2, Retry: first.NeedDelegation, MoreToDelegate: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(col.NeedDelegation, first.NeedDelegation) || col.MoreToDelegate {
		t.Errorf("round of failed retries = %d handed out (same: %v), more %v; want the same 100 and no more",
			len(col.NeedDelegation), slices.Equal(col.NeedDelegation, first.NeedDelegation), col.MoreToDelegate)
	}
}

// TestService_twoOfThree runs a task that needs any 2 of its 3
// signatures: when Ola and Kari have signed, the task may complete, the
// company may no longer sign, and Collect hands it out to be released: its
// rights revoked and it told, once, that it is no longer needed.
func TestService_twoOfThree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.Cfg.RequiredSignatures = []signing.GroupRequirement{{Group: 1, Required: 2}}
	h.Ready(t)
	task, err := h.Repo.GetTask(ctx, foundersTask)
	if err != nil {
		t.Fatal(err)
	}
	if want := []signing.GroupCount{{Group: 1, Total: 3, Required: 2}}; !slices.Equal(task.Groups, want) {
		t.Fatalf("groups = %+v, want %+v", task.Groups, want)
	}
	for _, who := range []signing.Caller{signingtest.Ola(t), signingtest.Kari(t)} {
		if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: who}); err != nil {
			t.Fatalf("Sign(%s) error = %v", who.Name, err)
		}
	}
	_, err = h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: signingtest.Kari(t), OnBehalfOf: signingtest.CompanyOrg})
	if !errors.Is(err, signing.ErrSignatureNotNeeded) {
		t.Errorf("Sign(company) after 2 of 3: error = %v, want ErrSignatureNotNeeded", err)
	}
	col, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	company := h.SigneeByUUID(t, companyUUID)
	if !col.AllSigned || col.CompleteGroups != 1 || !slices.Equal(col.NeedRelease, []signing.SigneeKey{company.Key}) {
		t.Fatalf("Collect() = allSigned %v, complete groups %d, needRelease %v; want all signed, 1, the company", col.AllSigned, col.CompleteGroups, col.NeedRelease)
	}
	rightsBefore := len(h.Emu.Delegations())
	for range 2 { // a retried step changes nothing more
		sg, err := h.Svc.ReleaseSignee(ctx, foundersTask, company.Key)
		if err != nil || sg.Status != signing.SigneeRevoked {
			t.Fatalf("ReleaseSignee() = %s, %v; want revoked", sg.Status, err)
		}
	}
	for _, d := range h.Emu.Delegations() {
		if d.To == companyUUID {
			t.Errorf("the company still holds %s after its release", d.Action)
		}
	}
	if len(h.Emu.Delegations()) >= rightsBefore {
		t.Errorf("rights in force %d, before the release %d; want fewer", len(h.Emu.Delegations()), rightsBefore)
	}
	told := 0
	for _, m := range h.Emu.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, "not-needed:") {
			told++
			if m.RecipientPartyUUID != companyUUID || !strings.Contains(m.Title, "trengs ikke lenger") {
				t.Errorf("not-needed message to %s titled %q", m.RecipientPartyUUID, m.Title)
			}
		}
	}
	if told != 1 {
		t.Errorf("not-needed messages = %d, want 1", told)
	}
	again, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{CompleteGroups: col.CompleteGroups, ReleaseRetry: col.NeedRelease})
	if err != nil || len(again.NeedRelease) != 0 {
		t.Errorf("Collect() after the release: needRelease %v (%v), want none", again.NeedRelease, err)
	}
	if _, err := h.Svc.Complete(ctx, signing.CompleteInput{Task: foundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Errorf("Complete() with 2 of 3 signatures: %v", err)
	}
}

// TestService_requiredSignatures_refused checks the start refuses a
// requirement its signees cannot meet, naming the field.
func TestService_requiredSignatures_refused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		req   signing.GroupRequirement
		field string
	}{
		{signing.GroupRequirement{Group: 1, Required: 4}, "config.requiredSignatures[0].required"},
		{signing.GroupRequirement{Group: 2, Required: 1}, "config.requiredSignatures[0].group"},
	} {
		h := newHarness(t)
		h.Cfg.RequiredSignatures = []signing.GroupRequirement{tt.req}
		_, err := h.Svc.Start(context.Background(), signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: h.Cfg})
		if !errors.Is(err, signing.ErrInvalid) || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("Start(%+v) error = %v, want one naming %s", tt.req, err, tt.field)
		}
	}
}

// TestService_replaceSignee replaces Ola, who has not signed, by Per
// Hansen: the round after releases Ola (rights revoked, told once that the
// sender withdrew the request) and hands Per out for delegation; Per signs
// and Kari's earlier signature still counts.
func TestService_replaceSignee(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.Ready(t)
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
	ola := h.SigneeByUUID(t, olaUUID)
	per, err := signing.ReplacementCandidate(signingtest.PerSSN, "Hansen", "", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.ReplaceSignee(ctx, signing.ReplaceInput{Task: foundersTask, Caller: signingtest.Ola(t), Signee: ola.Key, By: per}); !errors.Is(err, signing.ErrForbidden) {
		t.Errorf("ReplaceSignee() by a signee: error = %v, want ErrForbidden", err)
	}
	wrong := per
	wrong.LastName = "Olsen"
	if _, err := h.Svc.ReplaceSignee(ctx, signing.ReplaceInput{Task: foundersTask, Caller: signingtest.Kari(t), Signee: ola.Key, By: wrong}); !errors.Is(err, signing.ErrInvalid) {
		t.Errorf("ReplaceSignee() with the wrong last name: error = %v, want ErrInvalid", err)
	}
	res, err := h.Svc.ReplaceSignee(ctx, signing.ReplaceInput{Task: foundersTask, Caller: signingtest.Kari(t), Signee: ola.Key, By: per})
	if err != nil {
		t.Fatalf("ReplaceSignee() error = %v", err)
	}
	if res.Old.Status != signing.SigneeReplaced || res.Old.ReplacedBy != res.New.Key || res.New.PartyUUID != signingtest.PerUUID || res.New.Status != signing.SigneeResolved {
		t.Fatalf("ReplaceSignee() = old %s (by %s), new %s of party %s; want Ola replaced by Per, resolved", res.Old.Status, res.Old.ReplacedBy, res.New.Status, res.New.PartyUUID)
	}
	self, err := signing.ReplacementCandidate("02919043558", "Testesen", "", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.ReplaceSignee(ctx, signing.ReplaceInput{Task: foundersTask, Caller: signingtest.Kari(t), Signee: ola.Key, By: self}); err == nil {
		t.Error("ReplaceSignee(Ola by Ola) succeeded, want a refusal")
	}
	kari := h.SigneeByUUID(t, kariUUID)
	if _, err := h.Svc.ReplaceSignee(ctx, signing.ReplaceInput{Task: foundersTask, Caller: signingtest.Kari(t), Signee: kari.Key, By: per}); !errors.Is(err, signing.ErrConflict) {
		t.Errorf("ReplaceSignee(Kari, who signed) error = %v, want ErrConflict", err)
	}
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: signingtest.Ola(t)}); !errors.Is(err, signing.ErrForbidden) {
		t.Errorf("Sign(Ola) once replaced: error = %v, want ErrForbidden", err)
	}
	audit, err := h.Repo.Audit(ctx, foundersTask)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(audit, func(e signing.AuditEntry) bool {
		return e.Action == "signee.replaced" && strings.Contains(e.Detail, ola.MaskedID) && strings.Contains(e.Detail, res.New.MaskedID) && !strings.Contains(e.Detail, signingtest.PerSSN)
	}) {
		t.Errorf("audit = %+v, want signee.replaced naming both masked identities", audit)
	}

	col, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(col.NeedDelegation, []signing.SigneeKey{res.New.Key}) || !slices.Equal(col.NeedRelease, []signing.SigneeKey{ola.Key}) || col.Replacements != 1 {
		t.Fatalf("Collect() = needDelegation %v, needRelease %v, replacements %d; want Per, Ola and 1", col.NeedDelegation, col.NeedRelease, col.Replacements)
	}
	for range 2 {
		if sg, err := h.Svc.ReleaseSignee(ctx, foundersTask, ola.Key); err != nil || sg.Status != signing.SigneeRevoked {
			t.Fatalf("ReleaseSignee(Ola) = %s, %v; want revoked", sg.Status, err)
		}
	}
	for _, fn := range []string{"DelegateSignee", "NotifySignee"} {
		if err := signingtest.SigneeStep(ctx, h.Svc, fn, foundersTask, res.New.Key); err != nil {
			t.Fatal(err)
		}
	}
	told := 0
	for _, m := range h.Emu.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, "replaced:") {
			told++
			if m.RecipientPartyUUID != olaUUID {
				t.Errorf("replaced message to %s, want Ola", m.RecipientPartyUUID)
			}
		}
	}
	if told != 1 {
		t.Errorf("Ola was told %d times, want once", told)
	}
	for _, d := range h.Emu.Delegations() {
		if d.To == olaUUID {
			t.Errorf("Ola still holds %s", d.Action)
		}
	}
	for _, in := range []signing.SignInput{{Task: foundersTask, Caller: signingtest.Per(t)}, {Task: foundersTask, Caller: signingtest.Kari(t), OnBehalfOf: signingtest.CompanyOrg}} {
		if _, err := h.Svc.Sign(ctx, in); err != nil {
			t.Fatalf("Sign(%s %s) error = %v", in.Caller.Name, in.OnBehalfOf, err)
		}
	}
	task, err := h.Repo.GetTask(ctx, foundersTask)
	if err != nil || !task.SignaturesDone() || task.Counts.Signed != 3 {
		t.Errorf("task after Per and the company signed: %d signed, done %v (%v); want Kari's, Per's and the company's", task.Counts.Signed, task.SignaturesDone(), err)
	}
	again, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{Replacements: col.Replacements, Retry: col.NeedDelegation, ReleaseRetry: col.NeedRelease})
	if err != nil || len(again.NeedDelegation)+len(again.NeedRelease) != 0 || !again.AllSigned {
		t.Errorf("Collect() after = %+v (%v), want nothing left and all signed", again, err)
	}
}

// TestService_restart_keepsTheOrder: attempt 1 of a task in two groups got
// as far as delegating group 2; the owner rejects it and attempt 2 starts.
// Attempt 2's group 2 is not open, so Ola, though named again, loses the
// rights attempt 1 gave him until the company has signed again.
func TestService_restart_keepsTheOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	signingtest.InOrder(t, h)
	h.Ready(t)
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: signingtest.Kari(t), OnBehalfOf: signingtest.CompanyOrg}); err != nil {
		t.Fatal(err)
	}
	col, err := h.Svc.Collect(ctx, foundersTask, signing.CollectOptions{OpenGroup: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, sk := range col.NeedDelegation {
		if err := signingtest.SigneeStep(ctx, h.Svc, "DelegateSignee", foundersTask, sk); err != nil {
			t.Fatal(err)
		}
	}
	holds := func() bool {
		return slices.ContainsFunc(h.Emu.Delegations(), func(d emulator.DelegationRecord) bool { return d.To == olaUUID })
	}
	if !holds() {
		t.Fatal("Ola was not delegated once group 2 opened")
	}
	if _, err := h.Svc.Reject(ctx, signing.RejectInput{Task: foundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Svc.Start(ctx, signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: h.Cfg, Attempt: 2}); err != nil {
		t.Fatalf("Start(attempt 2) error = %v", err)
	}
	if holds() {
		t.Error("Ola still holds rights from attempt 1 while attempt 2's group 2 is not open")
	}
}

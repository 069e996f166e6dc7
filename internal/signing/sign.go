package signing

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/signingflow/signing/internal/ident"
)

// Caller is the person calling the API, as the token describes them.
type Caller struct {
	Person ident.NationalID
	// UserID is the platform user ID, if the token has one.
	UserID string
	// PartyID and PartyUUID are the person's own register party.
	PartyID   int64
	PartyUUID string
	Name      string
	// Token is the caller's own token, which Storage's sign endpoint needs
	// (the reference signs with the user's token); never logged or stored.
	Token string `json:"-"`
	// Org is the service owner's org code of a service-owner token
	// (urn:altinn:org), set only when the token names no person: the app
	// reading a task's record (IsApp).
	Org string
}

// IsApp reports a service owner's caller: a token naming an org and no
// person. It may read the record of its own apps' tasks (audit trail,
// events, evidence, verify, replay) and their state, and do nothing a
// person does (Validate refuses it there).
func (c Caller) IsApp() bool { return c.Person.IsZero() && c.Org != "" }

// Validate reports a caller without an identity.
func (c Caller) Validate() error {
	if c.Person.IsZero() {
		return fmt.Errorf("the token names no person: %w", ErrUnauthenticated)
	}
	return nil
}

// SignInput asks to sign a task, for oneself or on behalf of an organisation.
type SignInput struct {
	Task   TaskKey
	Caller Caller
	// OnBehalfOf is the organisation number signed for; empty signs for oneself.
	OnBehalfOf string
	// Instance, when set, must match the task's instance (a mismatch is ErrNotFound).
	Instance *InstanceRef
	// RequestKey is the client's idempotency key, if it sent one (see
	// ValidateRequestKey). A retry with the same key, by the same person,
	// for the same signee, after the signature was recorded (e.g. the
	// first answer was lost to a timeout) gets the recorded signature back
	// with Replayed set; without a key, or with another, it is a conflict.
	RequestKey string
}

// MaxRequestKeyLength bounds an idempotency key.
const MaxRequestKeyLength = 255

// ValidateRequestKey checks an idempotency key: 1 to 255 printable ASCII
// characters (no spaces), so a UUID, a ULID or a random token all do.
func ValidateRequestKey(key string) error {
	if key == "" || len(key) > MaxRequestKeyLength {
		return fmt.Errorf("must be 1 to %d characters", MaxRequestKeyLength)
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] > '~' {
			return fmt.Errorf("must be printable ASCII without spaces")
		}
	}
	return nil
}

// RequestHash binds an idempotency key to the person and signee it was
// used for: a key replayed by someone else, or for another signee, never
// matches. The key itself is not stored.
func RequestHash(identityHash string, signee SigneeKey, key string) string {
	if key == "" {
		return ""
	}
	h := sha256.New()
	for _, part := range []string{"sign-request/v1", identityHash, string(signee), key} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SignResult is a recorded signature and whether the workflow was woken.
type SignResult struct {
	Signature Signature
	// Replayed is set when the signature was recorded by an earlier
	// request with the same idempotency key; nothing was written now.
	Replayed bool
	// WakeErr is set when the waiting workflow could not be resumed; the
	// workflow's wait times out and looks again, so signing still succeeded.
	WakeErr error
}

// Sign records the caller's signature: only a delegated signee, or a person
// with a signing role for an organisation signee, may sign, once, while the
// task collects signatures. The signature covers the SHA-256 of every data
// element of the task's data types to sign.
func (s *Service) Sign(ctx context.Context, in SignInput) (SignResult, error) {
	if err := in.Caller.Validate(); err != nil {
		return SignResult{}, err
	}
	if in.RequestKey != "" {
		if err := ValidateRequestKey(in.RequestKey); err != nil {
			return SignResult{}, Invalid("requestKey", "%s", err)
		}
	}
	task, err := s.taskFor(ctx, in.Task, in.Instance)
	if err != nil {
		return SignResult{}, err
	}
	if !task.Status.Open() {
		return SignResult{}, closedError(task)
	}
	if task.Expired(s.Clock.Now()) {
		// The workflow closes it at its next look; no signature lands meanwhile.
		return SignResult{}, fmt.Errorf("task %s: the deadline passed: %w", task.Key, ErrExpired)
	}
	sg, org, err := s.signeeFor(ctx, task, in.Caller, in.OnBehalfOf)
	if err != nil {
		return SignResult{}, err
	}
	identity := s.Identities.Person(in.Caller.Person)
	requestHash := RequestHash(identity, sg.Key, in.RequestKey)
	if sg.Status.HasSigned() {
		return s.replay(ctx, task.Key, sg.Key, requestHash)
	}
	if !task.GroupOpen(sg.Group) {
		return SignResult{}, fmt.Errorf("signee %s of group %d: %w", sg.Key, sg.SigningGroup(), ErrGroupNotOpen)
	}
	if task.GroupComplete(sg.Group) {
		return SignResult{}, fmt.Errorf("signee %s of group %d: %w", sg.Key, sg.SigningGroup(), ErrSignatureNotNeeded)
	}
	if apply, _ := Plan(sg.Status, SigneeSigned); !apply || sg.DelegatedAt.IsZero() {
		return SignResult{}, fmt.Errorf("signee %s is %s and may not sign (signing needs a delegation): %w", sg.Key, sg.Status, ErrForbidden)
	}
	if in.Caller.Token == "" || in.Caller.UserID == "" {
		return SignResult{}, fmt.Errorf("signing needs the caller's own token with a user ID, as Storage's sign endpoint does: %w", ErrUnauthenticated)
	}
	digests, err := s.digests(ctx, task)
	if err != nil {
		return SignResult{}, err
	}
	// Storage first: the signature document exists before the signature
	// counts, so a 200 never stands without it. A retry after a failed
	// record signs in Storage again, which replaces the user's document.
	ids := make([]string, len(digests))
	for i, d := range digests {
		ids[i] = d.DataElementID
	}
	if err := s.Storage.Sign(ctx, in.Caller.Token, task.Instance, StorageSign{
		SignatureDataType: task.Config.SignatureDataType, TaskID: task.Key.TaskID, DataElementIDs: ids,
		UserID: in.Caller.UserID, Person: in.Caller.Person, OrgNumber: org,
	}); err != nil {
		return SignResult{}, fmt.Errorf("sign in storage: %w", err)
	}
	name := in.Caller.Name
	if name == "" && sg.Kind == SigneePerson {
		name = sg.DisplayName
	}
	sig := Signature{
		Task:      task.Key,
		SigneeKey: sg.Key,
		Signer: Signer{
			IdentityHash: identity,
			MaskedID:     in.Caller.Person.Masked(),
			Name:         name,
			UserID:       in.Caller.UserID,
			PartyID:      in.Caller.PartyID,
			PartyUUID:    in.Caller.PartyUUID,
		},
		OnBehalfOf:  org,
		SignedAt:    s.Clock.Now().UTC(),
		Digests:     digests,
		RequestHash: requestHash,
	}
	if len(task.Groups) > 0 {
		sig.Group = sg.SigningGroup()
	}
	if sg.Kind == SigneePerson && (sig.Signer.PartyUUID == "" || sig.Signer.PartyUUID == sg.PartyUUID) {
		// A person signs as the signee Register found: its party, which the
		// receipt goes to, even when the token names none.
		sig.Signer.PartyID, sig.Signer.PartyUUID = sg.PartyID, sg.PartyUUID
	}
	// Conditional on the attempt read: a task rejected and started again
	// meanwhile does not take a signature made for the attempt before.
	rec := sig
	rec.Task = task.Key.At(task.Attempt)
	res, err := s.Repo.RecordSignature(ctx, rec)
	err = changedMeanwhile(err)
	if errors.Is(err, ErrConflict) && requestHash != "" {
		// A concurrent request may have recorded it: the same one retried?
		if out, rerr := s.replay(ctx, task.Key, sg.Key, requestHash); rerr == nil {
			return out, nil
		}
	}
	if err != nil {
		return SignResult{}, err
	}
	out := SignResult{Signature: sig}
	if res.WaitToken != "" {
		out.WakeErr = s.Workflow.Resume(ctx, res.WaitToken, map[string]string{"event": "signed", "signee": string(sg.Key)})
	}
	return out, nil
}

// taskFor returns the task, checking it belongs to instance when given.
func (s *Service) taskFor(ctx context.Context, key TaskKey, instance *InstanceRef) (Task, error) {
	if err := key.Validate(); err != nil {
		return Task{}, err
	}
	task, err := s.Repo.GetTask(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return Task{}, fmt.Errorf("task %s: %w", key, ErrNoTask)
	}
	if err != nil {
		return Task{}, err
	}
	if instance != nil && *instance != task.Instance {
		// Another party or app with the same instance GUID: do not reveal the task exists.
		return Task{}, fmt.Errorf("task %s: %w", key, ErrNotFound)
	}
	return task, nil
}

// signeeFor finds the signee the caller acts as: themself, or an
// organisation they hold a signing role for.
func (s *Service) signeeFor(ctx context.Context, task Task, caller Caller, onBehalfOf string) (Signee, string, error) {
	if onBehalfOf == "" {
		key, err := NewSigneeKey(SigneePerson, s.Identities.Person(caller.Person))
		if err != nil {
			return Signee{}, "", err
		}
		sg, err := s.Repo.GetSignee(ctx, task.Key, key)
		if errors.Is(err, ErrNotFound) {
			return Signee{}, "", fmt.Errorf("the caller is not a signee of task %s: %w", task.Key, ErrForbidden)
		}
		return sg, "", err
	}
	org, err := ident.ParseOrgNumber(onBehalfOf)
	if err != nil {
		return Signee{}, "", &FieldError{Field: "onBehalfOf", Err: err}
	}
	key, err := NewSigneeKey(SigneeOrganisation, s.Identities.Organisation(org))
	if err != nil {
		return Signee{}, "", err
	}
	sg, err := s.Repo.GetSignee(ctx, task.Key, key)
	if errors.Is(err, ErrNotFound) {
		return Signee{}, "", fmt.Errorf("organisation %s is not a signee of task %s: %w", org, task.Key, ErrForbidden)
	}
	if err != nil {
		return Signee{}, "", err
	}
	ok, err := s.canSignFor(ctx, caller, org)
	if err != nil {
		return Signee{}, "", err
	}
	if !ok {
		return Signee{}, "", fmt.Errorf("the caller holds no role that may sign for organisation %s: %w", org, ErrForbidden)
	}
	return sg, org.String(), nil
}

// digests hashes every data element of the task's data types to sign, in
// the configured order and, within a type, in the order created.
func (s *Service) digests(ctx context.Context, task Task) ([]DataElementDigest, error) {
	inst, err := s.Storage.GetInstance(ctx, task.Instance)
	if err != nil {
		return nil, fmt.Errorf("get instance %s: %w", task.Instance.InstanceID(), err)
	}
	var out []DataElementDigest
	for _, dataType := range task.Config.DataTypesToSign {
		var els []DataElement
		for _, el := range inst.Data {
			if el.DataType == dataType {
				els = append(els, el)
			}
		}
		slices.SortStableFunc(els, func(a, b DataElement) int { return a.Created.Compare(b.Created) })
		for _, el := range els {
			d, err := s.digest(ctx, task.Instance, el)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the instance has no data elements of the types to sign %v: %w", task.Config.DataTypesToSign, ErrConflict)
	}
	return out, nil
}

// digest streams one data element through SHA-256.
func (s *Service) digest(ctx context.Context, ref InstanceRef, el DataElement) (DataElementDigest, error) {
	rc, _, err := s.Storage.ReadData(ctx, ref, el.ID)
	if err != nil {
		return DataElementDigest{}, fmt.Errorf("read data element %s: %w", el.ID, err)
	}
	defer rc.Close()
	d, err := DigestReader(el.ID, el.DataType, rc)
	if err != nil {
		return DataElementDigest{}, fmt.Errorf("read data element %s: %w: %w", el.ID, ErrTransient, err)
	}
	d.ContentType, d.Filename = el.ContentType, el.Filename
	return d, nil
}

// RejectInput asks to reject a task.
type RejectInput struct {
	Task     TaskKey
	Caller   Caller
	Instance *InstanceRef
	// Reason is the reason the person gives, free text and so personal
	// data: kept with the task and put in the messages about the reject,
	// never logged (CleanReason). Optional unless the task's configuration
	// requires it.
	Reason string
}

// CleanReason checks a reject's or cancel's reason: trimmed, at most
// MaxReasonLength characters, valid UTF-8 without control characters
// (line breaks become spaces), and present when required. The errors
// name the field "reason" and never echo the text.
func CleanReason(reason string, required bool) (string, error) {
	var b strings.Builder
	for _, c := range reason {
		switch {
		case c == utf8.RuneError:
			return "", Invalid("reason", "must be valid UTF-8 text")
		case c == '\n' || c == '\r' || c == '\t':
			b.WriteByte(' ')
		case c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0):
			return "", Invalid("reason", "must not hold control characters")
		default:
			b.WriteRune(c)
		}
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	switch n := utf8.RuneCountInString(out); {
	case n > MaxReasonLength:
		return "", Invalid("reason", "must be at most %d characters, got %d", MaxReasonLength, n)
	case n == 0 && required:
		return "", Invalid("reason", "is required for this task: say why")
	}
	return out, nil
}

// RejectResult is the rejected task and whether the workflow was told.
type RejectResult struct {
	Task Task
	// WakeErr is set when a waiting workflow step could not be failed; the
	// task is rejected regardless, and the wait's timeout finds it so.
	WakeErr error
}

// Reject closes the task as rejected and fails the workflow's waits with
// the Signing.Rejected error. The instance owner may reject unless the
// task's submitterActions leave "reject" out; so may a delegated signee who
// was given the "reject" action.
func (s *Service) Reject(ctx context.Context, in RejectInput) (RejectResult, error) {
	if err := in.Caller.Validate(); err != nil {
		return RejectResult{}, err
	}
	task, err := s.taskFor(ctx, in.Task, in.Instance)
	if err != nil {
		return RejectResult{}, err
	}
	if !task.Status.Open() {
		return RejectResult{}, closedError(task)
	}
	if !s.isOwner(task, in.Caller) || !task.Config.SubmitterMay(SubmitterReject) {
		sg, _, err := s.signeeFor(ctx, task, in.Caller, "")
		if err != nil {
			return RejectResult{}, err
		}
		if !slices.Contains(sg.AdditionalActions, "reject") || sg.DelegatedAt.IsZero() {
			return RejectResult{}, fmt.Errorf("signee %s may not reject task %s: %w", sg.Key, task.Key, ErrForbidden)
		}
	}
	text, err := CleanReason(in.Reason, task.Config.RequireRejectReason)
	if err != nil {
		return RejectResult{}, err
	}
	by, why := RejectedBySignee, "rejected by a signee"
	if s.isOwner(task, in.Caller) && task.Config.SubmitterMay(SubmitterReject) {
		by, why = RejectedByOwner, "rejected by the instance owner"
	}
	res, err := s.Repo.Close(ctx, task.Key.At(task.Attempt), TaskRejected, s.Clock.Now(), s.Identities.Person(in.Caller.Person), why,
		Statement{By: by, Reason: text})
	if err != nil {
		return RejectResult{}, changedMeanwhile(err)
	}
	return RejectResult{Task: res.Task, WakeErr: s.failWaits(ctx, res, ErrorRejected, "the signing task was rejected")}, nil
}

// CancelInput asks to cancel a task: the owner (or the app) withdraws it.
type CancelInput struct {
	Task     TaskKey
	Caller   Caller
	Instance *InstanceRef
	// Reason is as RejectInput's, and optional.
	Reason string
}

// Cancel is the owner's withdrawal of the task, apart from a reject: only
// the instance owner may cancel. The task closes as rejected with RejectedBy CancelledByOwner, so
// the workflow ends with outcome cancelled and the signees are told the
// sender withdrew it.
func (s *Service) Cancel(ctx context.Context, in CancelInput) (RejectResult, error) {
	if err := in.Caller.Validate(); err != nil {
		return RejectResult{}, err
	}
	task, err := s.taskFor(ctx, in.Task, in.Instance)
	if err != nil {
		return RejectResult{}, err
	}
	if !task.Status.Open() {
		return RejectResult{}, closedError(task)
	}
	if !s.isOwner(task, in.Caller) {
		return RejectResult{}, fmt.Errorf("only the instance owner may cancel task %s: %w", task.Key, ErrForbidden)
	}
	text, err := CleanReason(in.Reason, false)
	if err != nil {
		return RejectResult{}, err
	}
	res, err := s.Repo.Close(ctx, task.Key.At(task.Attempt), TaskRejected, s.Clock.Now(), s.Identities.Person(in.Caller.Person), cancelReason,
		Statement{By: CancelledByOwner, Reason: text})
	if err != nil {
		return RejectResult{}, changedMeanwhile(err)
	}
	return RejectResult{Task: res.Task, WakeErr: s.failWaits(ctx, res, ErrorRejected, "the signing task was cancelled")}, nil
}

// changedMeanwhile turns ErrSuperseded, which a write conditional on the
// attempt the API read returns when a new attempt started meanwhile, into
// the API's vocabulary: the task changed, ErrConflict.
func changedMeanwhile(err error) error {
	if errors.Is(err, ErrSuperseded) {
		return fmt.Errorf("the task was started again meanwhile: %w", ErrConflict)
	}
	return err
}

// isOwner reports whether the caller is the instance owner.
func (s *Service) isOwner(task Task, c Caller) bool {
	return c.PartyUUID != "" && c.PartyUUID == task.OwnerPartyUUID
}

// The error names the workflow's waits are failed with; the state machine
// matches them with ErrorEquals.
const (
	ErrorRejected = "Signing.Rejected"
	ErrorExpired  = "Signing.Expired"
)

// failWaits fails the stored workflow waits of a closed task.
func (s *Service) failWaits(ctx context.Context, res CloseResult, name, cause string) error {
	var errs []error
	for _, token := range []string{res.WaitToken, res.CompletionToken} {
		if token == "" {
			continue
		}
		if err := s.Workflow.Fail(ctx, token, name, cause); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		// The task is closed; the workflow's wait times out and sees it.
		return fmt.Errorf("task %s closed, but the workflow was not told: %w", res.Task.Key, err)
	}
	return nil
}

// CompleteInput asks to complete a task whose signatures are all in.
type CompleteInput struct {
	Task     TaskKey
	Caller   Caller
	Instance *InstanceRef
}

// CompleteResult says whether the workflow was woken after completion.
type CompleteResult struct {
	// WakeErr is set when the workflow's completion wait could not be
	// resumed; the task is completed regardless, and the wait's timeout
	// finds it so.
	WakeErr error
}

// Complete is the submitter's "process next": only the instance owner may
// complete (unless the task's submitterActions leave "complete" out), and
// only when every signee has signed. It resumes the workflow's
// completion wait.
func (s *Service) Complete(ctx context.Context, in CompleteInput) (CompleteResult, error) {
	if err := in.Caller.Validate(); err != nil {
		return CompleteResult{}, err
	}
	task, err := s.taskFor(ctx, in.Task, in.Instance)
	if err != nil {
		return CompleteResult{}, err
	}
	if !s.isOwner(task, in.Caller) || !task.Config.SubmitterMay(SubmitterComplete) {
		return CompleteResult{}, fmt.Errorf("only the instance owner may complete task %s, if its configuration allows: %w", task.Key, ErrForbidden)
	}
	if task.Status.Open() && task.Expired(s.Clock.Now()) {
		return CompleteResult{}, fmt.Errorf("task %s: the deadline passed: %w", task.Key, ErrExpired)
	}
	if err := task.CanComplete(); err != nil {
		return CompleteResult{}, err
	}
	token, err := s.Repo.Complete(ctx, task.Key.At(task.Attempt), s.Clock.Now(), s.Identities.Person(in.Caller.Person))
	if err != nil || token == "" {
		return CompleteResult{}, changedMeanwhile(err)
	}
	return CompleteResult{WakeErr: s.Workflow.Resume(ctx, token, map[string]string{"event": "completed"})}, nil
}

// parseOrg parses a stored organisation number.
func parseOrg(s string) (ident.OrgNumber, error) {
	org, err := ident.ParseOrgNumber(s)
	if err != nil {
		return ident.OrgNumber{}, fmt.Errorf("%w: %w", errNoOrg, err)
	}
	return org, nil
}

// canSignFor asks the platform's decision point whether the caller holds a
// key role in org, and so may sign for it.
func (s *Service) canSignFor(ctx context.Context, caller Caller, org ident.OrgNumber) (bool, error) {
	orgs, err := s.keyRoleOrgs(ctx, caller, []ident.OrgNumber{org})
	return len(orgs) == 1, err
}

// keyRoleOrgs returns those of orgs the caller holds a key role in. Only a
// platform user (a token with a user ID) holds roles, as in the reference.
func (s *Service) keyRoleOrgs(ctx context.Context, caller Caller, orgs []ident.OrgNumber) ([]ident.OrgNumber, error) {
	if caller.UserID == "" || len(orgs) == 0 {
		return nil, nil
	}
	out, err := s.Authorization.KeyRoleOrganisations(ctx, caller.UserID, orgs)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return out, err
}

// replay answers a sign request for a signee who has signed: with the
// recorded signature when it was recorded by a request with the same
// idempotency key (requestHash binds person, signee and key), otherwise
// with ErrConflict.
func (s *Service) replay(ctx context.Context, task TaskKey, signee SigneeKey, requestHash string) (SignResult, error) {
	conflict := fmt.Errorf("signee %s has signed already: %w", signee, ErrConflict)
	if requestHash == "" {
		return SignResult{}, conflict
	}
	sig, err := s.Repo.GetSignature(ctx, task, signee)
	if errors.Is(err, ErrNotFound) {
		return SignResult{}, conflict
	}
	if err != nil {
		return SignResult{}, err
	}
	if subtle.ConstantTimeCompare([]byte(sig.RequestHash), []byte(requestHash)) != 1 {
		return SignResult{}, conflict
	}
	return SignResult{Signature: sig, Replayed: true}, nil
}

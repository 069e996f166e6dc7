package signing

import (
	"context"
	"errors"
	"fmt"

	"github.com/signingflow/signing/internal/ident"
)

// ReplaceInput is the owner's replacement of one signee who has not signed
// by another: a person by national ID and last name, or an organisation by
// number (Candidate; its Communication may carry addresses).
type ReplaceInput struct {
	Task     TaskKey
	Caller   Caller
	Instance *InstanceRef
	// Signee is the signee to replace.
	Signee SigneeKey
	// By is who replaces it: Kind and Person+LastName, or Org.
	By Candidate
}

// ReplaceResult is the replacement: the old signee (now replaced) and the new one.
type ReplaceResult struct {
	Old, New Signee
	// WakeErr is set when the waiting workflow could not be told; it looks
	// again at its next round anyway.
	WakeErr error
}

// ReplaceSignee replaces one signee of an open task by another person or
// organisation, without starting over: only the instance owner may, for a
// signee who has not signed and whose group still needs signatures. The
// new signee is looked up in the register (a person's last name must match)
// and takes the old one's signing group, additional actions and text keys;
// a person already a signee of the task is refused. One write
// (Repository.ReplaceSignee) marks the old one replaced and stores the new,
// audited with both masked identities; the waiting workflow is woken, and
// its next round releases the old signee (rights revoked, told the sender
// withdrew the request) and delegates and tells the new one when its group
// is open. Every other signature stays as it is.
func (s *Service) ReplaceSignee(ctx context.Context, in ReplaceInput) (ReplaceResult, error) {
	if err := in.Caller.Validate(); err != nil {
		return ReplaceResult{}, err
	}
	if err := in.Signee.Validate(); err != nil {
		return ReplaceResult{}, err
	}
	task, err := s.taskFor(ctx, in.Task, in.Instance)
	if err != nil {
		return ReplaceResult{}, err
	}
	if !task.Status.Open() {
		return ReplaceResult{}, closedError(task)
	}
	if !s.isOwner(task, in.Caller) {
		return ReplaceResult{}, fmt.Errorf("only the instance owner may replace a signee: %w", ErrForbidden)
	}
	key := task.Key.At(task.Attempt)
	old, err := s.Repo.GetSignee(ctx, key, in.Signee)
	if err != nil {
		return ReplaceResult{}, changedMeanwhile(err)
	}
	switch {
	case old.Status.HasSigned():
		return ReplaceResult{}, fmt.Errorf("signee %s has signed; a signature is never replaced: %w", old.Key, ErrConflict)
	case old.Status == SigneeReplaced || old.Status == SigneeRevoked:
		return ReplaceResult{}, fmt.Errorf("signee %s is %s already: %w", old.Key, old.Status, ErrConflict)
	case task.GroupComplete(old.Group):
		return ReplaceResult{}, fmt.Errorf("signee %s: %w", old.Key, ErrSignatureNotNeeded)
	}
	c := in.By
	c.Group, c.AdditionalActions = old.Group, old.AdditionalActions
	comm := old.Communication
	comm.Email, comm.Mobile, comm.TextArgs = c.Communication.Email, c.Communication.Mobile, nil
	c.Communication = comm
	next, err := s.lookup(ctx, c)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) || errors.Is(err, ErrInvalid) {
			return ReplaceResult{}, err
		}
		return ReplaceResult{}, fmt.Errorf("look up the new signee: %w", err)
	}
	if next.Key == old.Key {
		return ReplaceResult{}, fmt.Errorf("the new signee is the signee to replace: %w", ErrConflict)
	}
	entry := AuditEntry{
		At: s.Clock.Now(), Actor: s.Identities.Person(in.Caller.Person), Action: "signee.replaced", SigneeKey: old.Key,
		Detail: fmt.Sprintf("%s %s replaced by %s %s (%s)", old.Kind, old.MaskedID, next.Kind, next.MaskedID, next.Key),
	}
	res, err := s.Repo.ReplaceSignee(ctx, key, old.Key, next, entry)
	if err != nil {
		return ReplaceResult{}, changedMeanwhile(err)
	}
	out := ReplaceResult{New: next}
	if out.Old, err = s.Repo.GetSignee(ctx, key, old.Key); err != nil {
		out.Old = old
	}
	if res.WaitToken != "" {
		out.WakeErr = s.Workflow.Resume(ctx, res.WaitToken, map[string]string{"event": "replaced", "signee": string(old.Key)})
	}
	return out, nil
}

// ReplacementCandidate checks a replacement's identity as a provider's is
// checked: a person by national ID (synthetic IDs only when allowed) and a
// non-empty last name, or an organisation by number. Fields are named as
// the request names them.
func ReplacementCandidate(nationalID, lastName, orgNumber string, allowSynthetic bool) (Candidate, error) {
	var errs FieldErrors
	switch {
	case nationalID != "" && orgNumber != "":
		errs.Add("organisationNumber", "give a person (nationalId and lastName) or an organisation, not both")
	case orgNumber != "":
		org, err := ident.ParseOrgNumber(orgNumber)
		if err != nil {
			errs = append(errs, &FieldError{Field: "organisationNumber", Err: err})
		}
		return Candidate{Kind: SigneeOrganisation, Org: org}, errs.Err()
	case nationalID != "":
		var opts []ident.ParseOption
		if allowSynthetic {
			opts = append(opts, ident.AllowSynthetic())
		}
		id, err := ident.ParseNationalID(nationalID, opts...)
		if err != nil {
			errs = append(errs, &FieldError{Field: "nationalId", Err: err})
		}
		if lastName == "" {
			errs.Add("lastName", "is required with nationalId: persons are looked up by national ID and last name")
		}
		return Candidate{Kind: SigneePerson, Person: id, LastName: lastName}, errs.Err()
	default:
		errs.Add("nationalId", "give a person (nationalId and lastName) or an organisation (organisationNumber)")
	}
	return Candidate{}, errs.Err()
}

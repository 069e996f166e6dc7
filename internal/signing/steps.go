package signing

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/texts"
)

// StartInput starts a signing task; the process engine's execution input carries it.
type StartInput struct {
	Instance InstanceRef
	TaskID   string
	Config   Config
	// Deadline, when set, expires the task.
	Deadline time.Time
	// Attempt counts the times the process engine entered the task; 0 means 1.
	Attempt      int
	ExecutionARN string
}

// StartResult is what the workflow needs after the task started.
type StartResult struct {
	Task    TaskKey     `json:"task"`
	Signees []SigneeKey `json:"signees"`
	// StopErr is set when the previous attempt's execution could not be
	// stopped; the start succeeded regardless (its steps refuse on their own).
	StopErr error `json:"-"`
}

// Start resolves the signees of the task, looks each up in the register and
// stores the task with them, as attempt in.Attempt:
//
//   - no task yet: it is created;
//   - the task exists with the same attempt: the stored task's signees are
//     returned (another configuration is ErrConflict), so a repeat is harmless;
//   - the task exists with a lower attempt that was rejected, expired or failed: the
//     new attempt starts from a clean state (Repository.RestartTask), so everyone is
//     delegated and told again and the old signatures no longer count;
//   - a lower attempt that is still collecting (reject it first) or is
//     completed (never restarted): ErrConflict;
//   - a higher attempt (a stale start): ErrSuperseded.
//
// Starting a later attempt takes over what the previous one may not have
// finished, since every step of the previous attempt now refuses
// (ErrSuperseded): it revokes the delegations of its signees that the new
// attempt does not name, keeps the receipts it owes (RestartTask), and
// stops its execution (best effort; nothing relies on it).
func (s *Service) Start(ctx context.Context, in StartInput) (StartResult, error) {
	key := TaskKey{InstanceGUID: in.Instance.InstanceGUID, TaskID: in.TaskID}
	attempt := in.Attempt
	if attempt == 0 {
		attempt = 1
	}
	if attempt < 1 || attempt > MaxAttempt {
		return StartResult{}, Invalid("attempt", "must be between 1 and %d", MaxAttempt)
	}
	existing, err := s.Repo.GetTask(ctx, key)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return StartResult{}, fmt.Errorf("start %s: %w", key, err)
	}
	if found {
		if err := startable(existing, attempt, in.Config.Digest()); err != nil {
			return StartResult{}, fmt.Errorf("start %s: %w", key, err)
		}
		if existing.Attempt == attempt {
			return s.started(ctx, existing, in.ExecutionARN)
		}
	}
	now := s.Clock.Now()
	task, err := NewTask(in.Instance, in.TaskID, in.Config, 0, in.Deadline, now)
	if err != nil {
		return StartResult{}, err
	}
	task.Attempt = attempt
	if !in.Config.RuntimeDelegated() {
		return StartResult{}, Invalid("config.signeeProviderId", "runtime-delegated signing needs signeeProviderId and signeeStatesDataTypeId")
	}
	inst, err := s.Storage.GetInstance(ctx, in.Instance)
	if err != nil {
		return StartResult{}, fmt.Errorf("start %s: get instance: %w", key, err)
	}
	owner, err := s.ownerParty(ctx, inst)
	if err != nil {
		return StartResult{}, fmt.Errorf("start %s: %w", key, err)
	}
	cands, err := s.Signees.Candidates(ctx, in.Config, inst)
	if err != nil {
		return StartResult{}, fmt.Errorf("start %s: %w", key, err)
	}
	signees, err := s.lookupAll(ctx, cands)
	if err != nil {
		return StartResult{}, fmt.Errorf("start %s: %w", key, err)
	}
	task.OwnerPartyUUID = owner.PartyUUID
	task.Counts.Total = len(signees)
	if task.Groups, err = GroupCounts(signees, in.Config); err != nil {
		return StartResult{}, fmt.Errorf("start %s: %w", key, err)
	}
	var stopErr error
	if found {
		stopErr, err = s.restart(ctx, existing, task, signees)
	} else {
		err = s.Repo.CreateTask(ctx, task, signees)
	}
	if err != nil {
		return StartResult{}, fmt.Errorf("start %s: %w", key, err)
	}
	if in.ExecutionARN != "" {
		if err := s.Repo.SetExecution(ctx, key, in.ExecutionARN); err != nil {
			return StartResult{}, fmt.Errorf("start %s: %w", key, err)
		}
	}
	out := StartResult{Task: key, Signees: []SigneeKey{}, StopErr: stopErr}
	for _, sg := range signees {
		if task.GroupOpen(sg.Group) {
			out.Signees = append(out.Signees, sg.Key)
		}
	}
	return out, nil
}

// ownerParty looks the instance owner up in the register, by organisation
// number if the owner has one, else by national ID (as the reference does):
// Storage's instance owner carries no party UUID, and the delegations are
// made from the owner's UUID.
func (s *Service) ownerParty(ctx context.Context, inst Instance) (Party, error) {
	var (
		p   Party
		err error
	)
	switch {
	case inst.OwnerOrgNumber != "":
		org, perr := ident.ParseOrgNumber(inst.OwnerOrgNumber)
		if perr != nil {
			return Party{}, &FieldError{Field: "instance.instanceOwner.organisationNumber", Err: perr}
		}
		p, err = s.Register.LookupOrganisation(ctx, org)
	case !inst.OwnerPerson.IsZero():
		p, err = s.Register.LookupPerson(ctx, inst.OwnerPerson)
	default:
		return Party{}, Invalid("instance.instanceOwner", "the owner is neither a person nor an organisation, so no rights can be delegated from it")
	}
	if err != nil {
		return Party{}, fmt.Errorf("look up the instance owner: %w", err)
	}
	if p.PartyUUID == "" {
		return Party{}, fmt.Errorf("look up the instance owner: the register gave no party UUID: %w", ErrInvalid)
	}
	return p, nil
}

// startable decides whether attempt may start on the stored task existing:
// nil for a repeat of its attempt (same configuration) or for a later
// attempt of a rejected, expired or failed task, else ErrConflict.
func startable(existing Task, attempt int, configDigest string) error {
	switch {
	case existing.Attempt == attempt && existing.ConfigDigest != configDigest:
		return fmt.Errorf("attempt %d exists with another configuration: %w", attempt, ErrConflict)
	case existing.Attempt == attempt:
		return nil
	case existing.Attempt > attempt:
		return fmt.Errorf("attempt %d is stale: the task is at attempt %d: %w", attempt, existing.Attempt, ErrSuperseded)
	case existing.Status == TaskCompleted:
		return fmt.Errorf("attempt %d: the task was completed in attempt %d and is never started again: %w", attempt, existing.Attempt, ErrConflict)
	case !existing.Restartable():
		return fmt.Errorf("attempt %d: attempt %d is still %s; reject it first: %w", attempt, existing.Attempt, existing.Status, ErrConflict)
	}
	return nil
}

// started finishes a repeated start of the stored attempt: it records the
// execution if an earlier run stopped before doing so, and returns the
// task's signees.
func (s *Service) started(ctx context.Context, task Task, executionARN string) (StartResult, error) {
	if executionARN != "" && task.ExecutionARN == "" {
		if err := s.Repo.SetExecution(ctx, task.Key, executionARN); err != nil {
			return StartResult{}, fmt.Errorf("start %s: %w", task.Key, err)
		}
	}
	return s.signeeKeys(ctx, task)
}

// restart replaces the closed attempt previous with task and signees:
// first it revokes the rights previous delegated to signees that task does
// not name, or names in a signing group not yet open (previous's own
// release may not have run: it is superseded now), then the repository
// swaps the attempts, then previous's execution is stopped (its failure is
// returned as stopErr, the start stands). The owner's replacements of
// previous are not carried over: the new attempt asks the provider again.
func (s *Service) restart(ctx context.Context, previous, task Task, signees []Signee) (stopErr, err error) {
	// Kept: the rights of signees the new attempt names in a group open
	// from its start (they are delegated again anyway). Revoked: those it
	// does not name, and those of a later group, which must not hold rights
	// before their group opens.
	keep := make(map[SigneeKey]bool, len(signees))
	for _, sg := range signees {
		keep[sg.Key] = task.GroupOpen(sg.Group)
	}
	err = s.eachSignee(ctx, previous.Key.At(previous.Attempt), func(sg Signee) error {
		if keep[sg.Key] || sg.Status == SigneeRevoked {
			return nil
		}
		return s.revoke(ctx, previous, sg, sg.Actions())
	})
	if err != nil && !errors.Is(err, ErrSuperseded) { // superseded: a resumed restart cleared them
		return nil, err
	}
	if err := s.Repo.RestartTask(ctx, task, signees, previous.Attempt); err != nil {
		return nil, err
	}
	if s.Executions != nil && previous.ExecutionARN != "" {
		// Best effort: every step of the previous attempt refuses anyway.
		stopErr = s.Executions.Stop(ctx, previous.ExecutionARN, fmt.Sprintf("superseded by attempt %d", task.Attempt))
	}
	return stopErr, nil
}

// signeeKeys lists the signee keys of a stored task that the workflow's
// first delegation runs for: those of its open group (every signee when
// the task has no groups; the later groups' come from Collect as their
// group opens).
func (s *Service) signeeKeys(ctx context.Context, task Task) (StartResult, error) {
	out := StartResult{Task: task.Key, Signees: []SigneeKey{}}
	err := s.eachSignee(ctx, task.Key, func(sg Signee) error {
		if task.GroupOpen(sg.Group) {
			out.Signees = append(out.Signees, sg.Key)
		}
		return nil
	})
	return out, err
}

// eachSignee calls fn for every signee of the task, page by page.
func (s *Service) eachSignee(ctx context.Context, key TaskKey, fn func(Signee) error) error {
	page := Page{}
	for {
		list, next, err := s.Repo.ListSignees(ctx, key, page)
		if err != nil {
			return fmt.Errorf("list signees of %s: %w", key, err)
		}
		for _, sg := range list {
			if err := fn(sg); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		page.Token = next
	}
}

// lookupAll looks every candidate up in the register, a few at a time.
func (s *Service) lookupAll(ctx context.Context, cands []Candidate) ([]Signee, error) {
	out := make([]Signee, len(cands))
	g, gctx := errgroup.WithContext(ctx)
	limit := s.Settings.LookupConcurrency
	if limit <= 0 {
		limit = 8
	}
	g.SetLimit(limit)
	for i, c := range cands {
		g.Go(func() error {
			sg, err := s.lookup(gctx, c)
			if err != nil {
				return &FieldError{Field: fmt.Sprintf("signees[%d]", i), Message: "register lookup: " + err.Error(), Err: err}
			}
			out[i] = sg
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// lookup turns a candidate into a signee: register party, keyed hash, masked
// identity, and (for organisations) contact details the provider left empty.
func (s *Service) lookup(ctx context.Context, c Candidate) (Signee, error) {
	var (
		party        Party
		hash, masked string
		err          error
	)
	comm := c.Communication
	sg := Signee{Kind: c.Kind, AdditionalActions: c.AdditionalActions, Group: c.Group, Status: SigneeResolved}
	switch c.Kind {
	case SigneePerson:
		party, err = s.Register.LookupPerson(ctx, c.Person)
		if err == nil && !LastNameMatches(party.LastName, c.LastName) {
			return Signee{}, Invalid("lastName", "does not match the register's last name for this national ID")
		}
		hash, masked = s.Identities.Person(c.Person), c.Person.Masked()
	case SigneeOrganisation:
		party, err = s.Register.LookupOrganisation(ctx, c.Org)
		hash, masked = s.Identities.Organisation(c.Org), c.Org.String()
		sg.OrgNumber = c.Org.String()
		if comm.Email == "" {
			comm.Email = party.Email
		}
		if comm.Mobile == "" {
			comm.Mobile = party.Mobile
		}
	default:
		return Signee{}, Invalid("kind", "unknown signee kind %q", c.Kind)
	}
	if err != nil {
		return Signee{}, err
	}
	if sg.Key, err = NewSigneeKey(c.Kind, hash); err != nil {
		return Signee{}, err
	}
	sg.DisplayName = party.Name
	if sg.DisplayName == "" {
		sg.DisplayName = c.Name
	}
	sg.MaskedID, sg.IdentityHash = masked, hash
	sg.PartyID, sg.PartyUUID = party.PartyID, party.PartyUUID
	sg.Communication = comm
	return sg, sg.Validate()
}

// openSignee returns the task and signee if the task still collects
// signatures; ok is false (with a nil error) when it does not.
func (s *Service) openSignee(ctx context.Context, key TaskKey, sk SigneeKey) (Task, Signee, bool, error) {
	task, err := s.Repo.GetTask(ctx, key)
	if err != nil {
		return Task{}, Signee{}, false, err
	}
	sg, err := s.Repo.GetSignee(ctx, key, sk)
	if err != nil {
		return Task{}, Signee{}, false, err
	}
	return task, sg, task.Status.Open(), nil
}

// Delegate grants the signee read, sign and any additional actions on the
// task. A delegation the platform refuses for good is recorded on the signee
// as a failure; a transient failure is returned for the workflow to retry.
func (s *Service) Delegate(ctx context.Context, key TaskKey, sk SigneeKey) (Signee, error) {
	task, sg, open, err := s.openSignee(ctx, key, sk)
	if err != nil || !open || sg.Status != SigneeResolved {
		return sg, err
	}
	if !task.GroupOpen(sg.Group) {
		// Never before the signee's group opens: the order is enforced by
		// who holds the rights, not only by who is told.
		return sg, fmt.Errorf("delegate %s/%s: group %d: %w", key, sk, sg.SigningGroup(), ErrGroupNotOpen)
	}
	if task.GroupComplete(sg.Group) {
		return sg, nil // the group has its signatures: no longer needed
	}
	if sg.PartyUUID == task.OwnerPartyUUID {
		// The instance owner holds the rights already; there is nothing to delegate.
		return s.Repo.UpdateSignee(ctx, key, sk, Transition{To: SigneeDelegated, At: s.Clock.Now()})
	}
	if after := task.DelegateAfter(); s.Clock.Now().Before(after) {
		// A release of the attempt this one replaced began before the
		// restart and may still revoke this person's rights: delegate once
		// it cannot. The step's retries, or Collect's needDelegation, come back.
		return sg, fmt.Errorf("delegate %s/%s: the replaced attempt's release may still be revoking until %s: %w", key, sk, after.Format(time.RFC3339), ErrTransient)
	}
	err = s.Access.Delegate(ctx, Delegation{
		Instance: task.Instance, TaskID: key.TaskID,
		FromPartyUUID: task.OwnerPartyUUID, ToPartyUUID: sg.PartyUUID, Actions: sg.Actions(),
	})
	if permanent(err) {
		return s.fail(ctx, key, sk, "delegate", err)
	}
	if err != nil {
		return sg, fmt.Errorf("delegate %s/%s: %w", key, sk, err)
	}
	return s.Repo.UpdateSignee(ctx, key, sk, Transition{To: SigneeDelegated, At: s.Clock.Now()})
}

// fail records that step failed for good for the signee.
func (s *Service) fail(ctx context.Context, key TaskKey, sk SigneeKey, step string, cause error) (Signee, error) {
	return s.Repo.UpdateSignee(ctx, key, sk, Transition{To: SigneeFailed, At: s.Clock.Now(), Step: step, Reason: reason(cause)})
}

// reason shortens an error to a failure reason for the signee's record.
func reason(err error) string {
	msg := err.Error()
	const max = 300
	if len(msg) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

// Notify sends the signee the call-to-action message and queues the email
// and SMS notification. A message the platform refuses for good, or a
// missing correspondence resource, is recorded as a failure.
func (s *Service) Notify(ctx context.Context, key TaskKey, sk SigneeKey) (Signee, error) {
	task, sg, open, err := s.openSignee(ctx, key, sk)
	if err != nil || !open || sg.Status != SigneeDelegated || task.GroupComplete(sg.Group) {
		return sg, err
	}
	resource, ok := task.Config.CorrespondenceResourceFor(s.Settings.Environment)
	if !ok {
		return s.fail(ctx, key, sk, "notify", fmt.Errorf("no correspondence resource is configured for environment %q", s.Settings.Environment))
	}
	msg, err := s.callToAction(ctx, task, sg, resource, idempotencyKey("cta", task, string(sk)))
	var te textsError
	if errors.As(err, &te) {
		return sg, fmt.Errorf("notify %s/%s: %w", key, sk, te.error)
	}
	if permanent(err) {
		return s.fail(ctx, key, sk, "notify", err)
	}
	if err != nil {
		return sg, fmt.Errorf("notify %s/%s: %w", key, sk, err)
	}
	id, err := s.Correspondence.Send(ctx, msg)
	if permanent(err) {
		return s.fail(ctx, key, sk, "notify", err)
	}
	if err != nil {
		return sg, fmt.Errorf("notify %s/%s: send message: %w", key, sk, err)
	}
	return s.Repo.UpdateSignee(ctx, key, sk, Transition{To: SigneeNotified, At: s.Clock.Now(), CorrespondenceID: id})
}

// callToAction builds the call-to-action message to signee sg: the inbox
// message in the service's language from the signee's text keys (or the
// app's, or the defaults), whose notification block carries the e-mail and
// SMS, as the reference sends them (Altinn/app-lib-dotnet
// src/Altinn.App.Core/Features/Signing/Helpers/SigningNotificationHelper.cs):
// one send, one idempotent key, and the platform orders them. An error
// reading the app's texts is a textsError (not the signee's failure); one
// finding the recipient may be permanent (permanent).
func (s *Service) callToAction(ctx context.Context, task Task, sg Signee, resource, key string) (Message, error) {
	lang := s.language()
	vars, res, err := s.vars(ctx, task.Instance, lang)
	if err != nil {
		return Message{}, textsError{err}
	}
	to, err := s.recipientOf(ctx, sg)
	if err != nil {
		return Message{}, err
	}
	c := sg.Communication
	vars.Args = c.TextArgs
	cta := texts.CallToAction(res, lang, texts.CTAKeys{
		InboxTitle: c.InboxTitleKey, InboxSummary: c.InboxSummaryKey, InboxBody: c.InboxBodyKey,
		EmailSubject: c.EmailSubjectKey, EmailBody: c.EmailBodyKey, SMSBody: c.SMSBodyKey,
	}, vars)
	return Message{
		IdempotencyKey:   key,
		Resource:         resource,
		SendersReference: task.Instance.InstanceID(),
		Recipient:        to,
		Language:         cta.Language,
		Title:            cta.Title,
		Summary:          cta.Summary,
		Body:             cta.Body,
		Notification: &NotificationOrder{
			SendersReference: task.Instance.InstanceID(),
			Choice:           c.EffectiveChoice(),
			EmailAddress:     c.Email,
			EmailSubject:     cta.EmailSubject,
			EmailBody:        cta.EmailBody,
			MobileNumber:     c.Mobile,
			SMSBody:          cta.SMSBody,
		},
	}, nil
}

// textsError is a failure to read the app's texts for a message.
type textsError struct{ error }

func (e textsError) Unwrap() error { return e.error }

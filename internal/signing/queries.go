package signing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/signingflow/signing/internal/ident"
)

// ReadInput names the task a caller wants to read.
type ReadInput struct {
	Task     TaskKey
	Caller   Caller
	Instance *InstanceRef
	// Current is the instance as Storage gave it for this request, if it was
	// read already (CurrentTask); reads that need it use it instead of
	// asking again.
	Current *Instance
}

// CurrentTask reads the instance from Storage and returns it with the key of
// its current task, as the reference's signing routes do when the frontend
// sends no taskId: ErrNotSigningTask when the process has ended or its
// current task is not a signing task.
func (s *Service) CurrentTask(ctx context.Context, ref InstanceRef) (TaskKey, Instance, error) {
	if err := ref.Validate(); err != nil {
		return TaskKey{}, Instance{}, err
	}
	inst, err := s.Storage.GetInstance(ctx, ref)
	if err != nil {
		return TaskKey{}, Instance{}, err
	}
	if inst.CurrentTask == "" || inst.CurrentTaskType != AltinnTaskTypeSigning {
		return TaskKey{}, Instance{}, fmt.Errorf("instance %s: %w", ref.InstanceGUID, ErrNotSigningTask)
	}
	key := TaskKey{InstanceGUID: ref.InstanceGUID, TaskID: inst.CurrentTask}
	if err := key.Validate(); err != nil {
		return TaskKey{}, Instance{}, fmt.Errorf("instance %s: the current task's ID: %w", ref.InstanceGUID, err)
	}
	return key, inst, nil
}

// SigneeState is one signee as the signing-state endpoint shows it: the
// reference's SigneeState fields, plus this product's status and key.
//
// DelegationSuccessful is false only when the delegation failed for good.
// The reference delegates while the process enters the task, so its false
// means failed; the app frontend shows a failed delegation as soon as an
// unsigned signee reports false (app-frontend-react
// src/layout/SigningActions/SigningActionsComponent.tsx, SigneeList/SigneeStateTag.tsx).
// Here delegation runs after the task starts: a signee whose delegation is
// still under way is waiting, as the frontend shows a true, and Status says
// "resolved" until it is done.
type SigneeState struct {
	// Name is the person's name: the signee's, or for an organisation the
	// person who signed for it; nil for an organisation not yet signed for.
	Name *string `json:"name"`
	// Organization is the organisation's name for organisation signees.
	Organization         *string `json:"organization"`
	DelegationSuccessful bool    `json:"delegationSuccessful"`
	// NotificationStatus is "Sent", "Failed" or "NotSent".
	NotificationStatus string       `json:"notificationStatus"`
	PartyID            int64        `json:"partyId"`
	SignedTime         *time.Time   `json:"signedTime"`
	Status             SigneeStatus `json:"status"`
	SigneeKey          SigneeKey    `json:"signeeKey"`
	// FailedStep names the step that failed for good, if any.
	FailedStep string `json:"failedStep,omitempty"`
	// Group and GroupOpen are the signee's signing group and whether it may
	// sign now, when the task has groups (Task.Groups); absent otherwise.
	Group     int   `json:"group,omitempty"`
	GroupOpen *bool `json:"groupOpen,omitempty"`
}

// access is what a caller may see of a task.
type access struct {
	owner bool
	// app is set for the service owner of the task's app (Caller.IsApp).
	app bool
	// signee is the caller's own signee, if any.
	signee *Signee
	// orgs are the organisation signees the caller holds a signing role for.
	orgs []Signee
}

func (a access) any() bool { return a.owner || a.app || a.signee != nil || len(a.orgs) > 0 }

// authorize decides what the caller may see: the instance owner, a signee,
// a person with a signing role for an organisation signee, or the service
// owner of the task's app (a service-owner token, Caller.IsApp) may read
// the task; anyone else gets ErrForbidden.
func (s *Service) authorize(ctx context.Context, in ReadInput) (Task, []Signee, access, error) {
	if !in.Caller.IsApp() {
		if err := in.Caller.Validate(); err != nil {
			return Task{}, nil, access{}, err
		}
	}
	task, err := s.taskFor(ctx, in.Task, in.Instance)
	if err != nil {
		return Task{}, nil, access{}, err
	}
	if in.Caller.IsApp() && in.Caller.Org != task.Instance.Org {
		return Task{}, nil, access{}, fmt.Errorf("the service owner %s may not read task %s of %s's app: %w", in.Caller.Org, task.Key, task.Instance.Org, ErrForbidden)
	}
	var all []Signee
	if err := s.eachSignee(ctx, task.Key, func(sg Signee) error { all = append(all, sg); return nil }); err != nil {
		return Task{}, nil, access{}, err
	}
	if in.Caller.IsApp() {
		return task, all, access{app: true}, nil
	}
	a := access{owner: s.isOwner(task, in.Caller)}
	me := s.Identities.Person(in.Caller.Person)
	var orgs []ident.OrgNumber
	byOrg := map[string]Signee{}
	for i, sg := range all {
		switch sg.Kind {
		case SigneePerson:
			if sg.IdentityHash == me {
				a.signee = &all[i]
			}
		case SigneeOrganisation:
			org, err := parseOrg(sg.OrgNumber)
			if err != nil {
				return Task{}, nil, access{}, err
			}
			if _, dup := byOrg[org.String()]; !dup {
				orgs = append(orgs, org)
			}
			byOrg[org.String()] = sg
		}
	}
	// One decision request for every organisation signee, as the reference asks.
	allowed, err := s.keyRoleOrgs(ctx, in.Caller, orgs)
	if err != nil {
		return Task{}, nil, access{}, err
	}
	for _, org := range allowed {
		if sg, ok := byOrg[org.String()]; ok {
			a.orgs = append(a.orgs, sg)
		}
	}
	if !a.any() {
		return Task{}, nil, access{}, fmt.Errorf("the caller may not read task %s: %w", task.Key, ErrForbidden)
	}
	return task, all, a, nil
}

// State returns every signee's state, persons first, organisations last,
// as the reference orders them.
func (s *Service) State(ctx context.Context, in ReadInput) ([]SigneeState, error) {
	out, _, err := s.StateWithTask(ctx, in)
	return out, err
}

// TaskState is what the signing state says of the task itself: its
// status, deadline and reminders, and for a rejected task who rejected and
// the reason they gave (shown to those who may read the state, never
// logged).
type TaskState struct {
	Status             TaskStatus `json:"status"`
	Deadline           *time.Time `json:"deadline,omitempty"`
	DeadlineExtendedAt *time.Time `json:"deadlineExtendedAt,omitempty"`
	Reminders          []string   `json:"reminders,omitempty"`
	RejectedBy         string     `json:"rejectedBy,omitempty"`
	RejectReason       string     `json:"rejectReason,omitempty"`
	// OpenGroup is the signing group that may sign now, when the task has
	// groups (Task.OpenGroup).
	OpenGroup int `json:"openGroup,omitempty"`
}

// StateWithTask is State and the task's own state, from the same reads.
func (s *Service) StateWithTask(ctx context.Context, in ReadInput) ([]SigneeState, TaskState, error) {
	task, all, _, err := s.authorize(ctx, in)
	if err != nil {
		return nil, TaskState{}, err
	}
	ts := TaskState{Status: task.Status, Deadline: timePtr(task.Deadline), DeadlineExtendedAt: timePtr(task.DeadlineExtendedAt),
		Reminders: task.Config.Reminders, RejectedBy: task.RejectedBy, RejectReason: task.RejectReason, OpenGroup: task.OpenGroup()}
	states, err := s.signeeStates(ctx, task, all)
	return states, ts, err
}

// signeeStates is the signee list of task in the reference's shape.
func (s *Service) signeeStates(ctx context.Context, task Task, all []Signee) ([]SigneeState, error) {
	sigs, err := s.Repo.ListSignatures(ctx, task.Key)
	if err != nil {
		return nil, err
	}
	bySignee := make(map[SigneeKey]Signature, len(sigs))
	for _, sig := range sigs {
		bySignee[sig.SigneeKey] = sig
	}
	slices.SortStableFunc(all, func(a, b Signee) int {
		if d := a.SigningGroup() - b.SigningGroup(); d != 0 {
			return d // in the order the groups sign
		}
		if a.Kind == b.Kind {
			return 0
		}
		if a.Kind == SigneePerson {
			return -1
		}
		return 1
	})
	out := make([]SigneeState, 0, len(all))
	for _, sg := range all {
		st := SigneeState{
			DelegationSuccessful: !sg.DelegatedAt.IsZero() || sg.FailedStep != "delegate",
			NotificationStatus:   "NotSent",
			PartyID:              sg.PartyID,
			Status:               sg.Status,
			SigneeKey:            sg.Key,
			FailedStep:           sg.FailedStep,
		}
		if len(task.Groups) > 0 {
			open := task.GroupOpen(sg.Group)
			st.Group, st.GroupOpen = sg.SigningGroup(), &open
		}
		switch {
		case !sg.NotifiedAt.IsZero():
			st.NotificationStatus = "Sent"
		case sg.FailedStep == "notify":
			st.NotificationStatus = "Failed"
		}
		name := sg.DisplayName
		if sg.Kind == SigneeOrganisation {
			st.Organization = &name
		} else {
			st.Name = &name
		}
		if sig, ok := bySignee[sg.Key]; ok {
			// The frontend accepts only UTC with Z (zod's datetime()).
			at := sig.SignedAt.UTC()
			st.SignedTime = &at
			if sg.Kind == SigneeOrganisation && sig.Signer.Name != "" {
				signer := sig.Signer.Name
				st.Name = &signer
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// DocumentsToSign returns the instance's data elements of the task's data
// types to sign, in configured order and, within a type, oldest first.
func (s *Service) DocumentsToSign(ctx context.Context, in ReadInput) ([]DataElement, error) {
	task, _, _, err := s.authorize(ctx, in)
	if err != nil {
		return nil, err
	}
	inst, err := s.instanceOf(ctx, in, task)
	if err != nil {
		return nil, err
	}
	var out []DataElement
	for _, dt := range task.Config.DataTypesToSign {
		var els []DataElement
		for _, el := range inst.Data {
			if el.DataType == dt {
				els = append(els, el)
			}
		}
		slices.SortStableFunc(els, func(a, b DataElement) int { return a.Created.Compare(b.Created) })
		out = append(out, els...)
	}
	if out == nil {
		out = []DataElement{}
	}
	return out, nil
}

// ReadInstance returns the instance as Storage has it now. It checks no
// access: callers use it after an operation that did.
func (s *Service) ReadInstance(ctx context.Context, ref InstanceRef) (Instance, error) {
	if err := ref.Validate(); err != nil {
		return Instance{}, err
	}
	return s.Storage.GetInstance(ctx, ref)
}

// MissingSignatures reports whether the task still lacks signatures, so its
// completion would be refused: the reference's MissingSignatures
// validation (src/Altinn.App.Core/Features/Validation/Default/SigningTaskValidator.cs),
// for anyone who may read the task. A closed task lacks none.
func (s *Service) MissingSignatures(ctx context.Context, in ReadInput) (bool, error) {
	task, _, _, err := s.authorize(ctx, in)
	if err != nil {
		return false, err
	}
	return task.Status.Open() && errors.Is(task.CanComplete(), ErrMissingSignatures), nil
}

// AuthorizedOrganisation is an organisation signee the caller may sign for.
type AuthorizedOrganisation struct {
	OrgNumber string `json:"orgNumber"`
	OrgName   string `json:"orgName"`
	PartyID   int64  `json:"partyId"`
}

// Organisations returns the organisation signees the caller holds a signing role for.
func (s *Service) Organisations(ctx context.Context, in ReadInput) ([]AuthorizedOrganisation, error) {
	_, _, a, err := s.authorize(ctx, in)
	if err != nil {
		return nil, err
	}
	out := make([]AuthorizedOrganisation, 0, len(a.orgs))
	for _, sg := range a.orgs {
		out = append(out, AuthorizedOrganisation{OrgNumber: sg.OrgNumber, OrgName: sg.DisplayName, PartyID: sg.PartyID})
	}
	return out, nil
}

// PendingRequests lists the open requests to sign addressed to the caller in person.
func (s *Service) PendingRequests(ctx context.Context, caller Caller, page Page) ([]SigningRequest, string, error) {
	if err := caller.Validate(); err != nil {
		return nil, "", err
	}
	reqs, next, err := s.Repo.PendingFor(ctx, s.Identities.Person(caller.Person), page)
	if err != nil {
		return nil, "", err
	}
	if reqs == nil {
		reqs = []SigningRequest{}
	}
	return reqs, next, nil
}

// errNoOrg is returned for an organisation signee stored without a valid number.
var errNoOrg = errors.New("stored organisation signee has no valid organisation number")

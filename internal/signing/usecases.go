package signing

import (
	"context"
	"time"
)

// The use cases below are what each function runs: each holds exactly the
// ports its steps use, and a function wires only those (internal/lambdaconf,
// functions/*/main.go). Each runs on a Service that holds those ports and
// no others; TestUseCases_ports checks, from this package's source, that
// the Service methods a use case calls reach no port outside its own
// fields, and that each of its fields is reached.
//
// Service stays the one implementation of the steps (and what the tests'
// harness builds with every port); the use cases are the functions' view
// of it.

// Resolution starts a task: it resolves the signees, looks them up in the
// register and stores the task (the Resolve Signees step).
type Resolution struct {
	Repo       Repository
	Signees    SigneeSource
	Storage    Storage
	Access     AccessManagement
	Register   Register
	Executions ExecutionStopper
	Identities Identities
	Clock      Clock
	Settings   Settings
}

func (u Resolution) service() *Service {
	return &Service{Repo: u.Repo, Signees: u.Signees, Storage: u.Storage, Access: u.Access, Register: u.Register,
		Executions: u.Executions, Identities: u.Identities, Clock: u.Clock, Settings: u.Settings}
}

// Start is Service.Start.
func (u Resolution) Start(ctx context.Context, in StartInput) (StartResult, error) {
	return u.service().Start(ctx, in)
}

// Now is Service.Now.
func (u Resolution) Now() time.Time { return u.service().Now() }

// Delegating gives one signee the right to read and sign (the Delegate
// Signee step).
type Delegating struct {
	Repo   Repository
	Access AccessManagement
	Clock  Clock
}

func (u Delegating) service() *Service {
	return &Service{Repo: u.Repo, Access: u.Access, Clock: u.Clock}
}

// Delegate is Service.Delegate.
func (u Delegating) Delegate(ctx context.Context, key TaskKey, sk SigneeKey) (Signee, error) {
	return u.service().Delegate(ctx, key, sk)
}

// Notification tells one signee there is something to sign (the Notify
// Signee step).
type Notification struct {
	Repo           Repository
	Correspondence Correspondence
	Register       Register
	Apps           Apps
	Clock          Clock
	Settings       Settings
}

func (u Notification) service() *Service {
	return &Service{Repo: u.Repo, Correspondence: u.Correspondence, Register: u.Register, Apps: u.Apps, Clock: u.Clock, Settings: u.Settings}
}

// Notify is Service.Notify.
func (u Notification) Notify(ctx context.Context, key TaskKey, sk SigneeKey) (Signee, error) {
	return u.service().Notify(ctx, key, sk)
}

// Remind is Service.Remind (the Send Reminders step runs the Notify
// Signee function with a reminder time).
func (u Notification) Remind(ctx context.Context, key TaskKey, sk SigneeKey, due time.Time) (Signee, error) {
	return u.service().Remind(ctx, key, sk, due)
}

// Collection waits for signatures and takes the pending ones (the Collect
// Signatures step).
type Collection struct {
	Repo  Repository
	Clock Clock
}

func (u Collection) service() *Service { return &Service{Repo: u.Repo, Clock: u.Clock} }

// Collect is Service.Collect.
func (u Collection) Collect(ctx context.Context, key TaskKey, opts CollectOptions) (Collected, error) {
	return u.service().Collect(ctx, key, opts)
}

// Receipts sends a signee the receipt of their signature (the Send
// Receipt step).
type Receipts struct {
	Repo           Repository
	Storage        Storage
	Correspondence Correspondence
	Register       Register
	Apps           Apps
	Clock          Clock
	Settings       Settings
}

func (u Receipts) service() *Service {
	return &Service{Repo: u.Repo, Storage: u.Storage, Correspondence: u.Correspondence, Register: u.Register, Apps: u.Apps, Clock: u.Clock, Settings: u.Settings}
}

// SendReceipt is Service.SendReceipt.
func (u Receipts) SendReceipt(ctx context.Context, key TaskKey, sk SigneeKey) (Signee, error) {
	return u.service().SendReceipt(ctx, key, sk)
}

// Closing ends a rejected, expired or abandoned task: receipts still owed,
// the signees' rights revoked (the Handle Reject step).
type Closing struct {
	Repo           Repository
	Storage        Storage
	Access         AccessManagement
	Correspondence Correspondence
	Register       Register
	Apps           Apps
	Clock          Clock
	Settings       Settings
}

func (u Closing) service() *Service {
	return &Service{Repo: u.Repo, Storage: u.Storage, Access: u.Access, Correspondence: u.Correspondence, Register: u.Register,
		Apps: u.Apps, Clock: u.Clock, Settings: u.Settings}
}

// ReleaseSignee is Service.ReleaseSignee.
func (u Closing) ReleaseSignee(ctx context.Context, key TaskKey, sk SigneeKey) (Signee, error) {
	return u.service().ReleaseSignee(ctx, key, sk)
}

// Finish is Service.Finish.
func (u Closing) Finish(ctx context.Context, key TaskKey, status TaskStatus, reason string) (Outcome, error) {
	return u.service().Finish(ctx, key, status, reason)
}

// Abandon is Service.Abandon.
func (u Closing) Abandon(ctx context.Context, key TaskKey, reason string) (TaskStatus, error) {
	return u.service().Abandon(ctx, key, reason)
}

// Finalization checks the signed data, writes the signing PDF and revokes
// what completion revokes (the Finalize Task step).
type Finalization struct {
	Repo     Repository
	Storage  Storage
	Access   AccessManagement
	Apps     Apps
	PDF      PDFRenderer
	Clock    Clock
	Settings Settings
}

func (u Finalization) service() *Service {
	return &Service{Repo: u.Repo, Storage: u.Storage, Access: u.Access, Apps: u.Apps, PDF: u.PDF, Clock: u.Clock, Settings: u.Settings}
}

// Finalize is Service.Finalize.
func (u Finalization) Finalize(ctx context.Context, key TaskKey) (Outcome, error) {
	return u.service().Finalize(ctx, key)
}

// API is the signing API's operations: sign, reject, complete and the
// reads of a task (the API function).
type API struct {
	Repo          Repository
	Storage       Storage
	Authorization Authorization
	Workflow      Workflow
	Identities    Identities
	Clock         Clock
	// Correspondence, Register, Apps and Settings send an invitation again
	// (Resend).
	Correspondence Correspondence
	Register       Register
	Apps           Apps
	Settings       Settings
}

func (u API) service() *Service {
	return &Service{Repo: u.Repo, Storage: u.Storage, Authorization: u.Authorization, Workflow: u.Workflow, Identities: u.Identities, Clock: u.Clock,
		Correspondence: u.Correspondence, Register: u.Register, Apps: u.Apps, Settings: u.Settings}
}

// Cancel is Service.Cancel.
func (u API) Cancel(ctx context.Context, in CancelInput) (RejectResult, error) {
	return u.service().Cancel(ctx, in)
}

// ExtendDeadline is Service.ExtendDeadline.
func (u API) ExtendDeadline(ctx context.Context, in ExtendInput) (Task, error) {
	return u.service().ExtendDeadline(ctx, in)
}

// Events is Service.Events.
func (u API) Events(ctx context.Context, in ReadInput, page Page) ([]CloudEvent, string, error) {
	return u.service().Events(ctx, in, page)
}

// AuditTrail is Service.AuditTrail.
func (u API) AuditTrail(ctx context.Context, in ReadInput, page Page) ([]AuditEntry, string, error) {
	return u.service().AuditTrail(ctx, in, page)
}

// Evidence is Service.Evidence.
func (u API) Evidence(ctx context.Context, in ReadInput) (Evidence, error) {
	return u.service().Evidence(ctx, in)
}

// Verify is Service.Verify.
func (u API) Verify(ctx context.Context, in ReadInput) (Verification, error) {
	return u.service().Verify(ctx, in)
}

// ReplaceSignee is Service.ReplaceSignee.
func (u API) ReplaceSignee(ctx context.Context, in ReplaceInput) (ReplaceResult, error) {
	return u.service().ReplaceSignee(ctx, in)
}

// Resend is Service.Resend.
func (u API) Resend(ctx context.Context, in ResendInput) (Signee, error) {
	return u.service().Resend(ctx, in)
}

// Sign is Service.Sign.
func (u API) Sign(ctx context.Context, in SignInput) (SignResult, error) {
	return u.service().Sign(ctx, in)
}

// Reject is Service.Reject.
func (u API) Reject(ctx context.Context, in RejectInput) (RejectResult, error) {
	return u.service().Reject(ctx, in)
}

// Complete is Service.Complete.
func (u API) Complete(ctx context.Context, in CompleteInput) (CompleteResult, error) {
	return u.service().Complete(ctx, in)
}

// State is Service.State.
func (u API) State(ctx context.Context, in ReadInput) ([]SigneeState, error) {
	return u.service().State(ctx, in)
}

// StateWithTask is Service.StateWithTask.
func (u API) StateWithTask(ctx context.Context, in ReadInput) ([]SigneeState, TaskState, error) {
	return u.service().StateWithTask(ctx, in)
}

// DocumentsToSign is Service.DocumentsToSign.
func (u API) DocumentsToSign(ctx context.Context, in ReadInput) ([]DataElement, error) {
	return u.service().DocumentsToSign(ctx, in)
}

// Organisations is Service.Organisations.
func (u API) Organisations(ctx context.Context, in ReadInput) ([]AuthorizedOrganisation, error) {
	return u.service().Organisations(ctx, in)
}

// PendingRequests is Service.PendingRequests.
func (u API) PendingRequests(ctx context.Context, caller Caller, page Page) ([]SigningRequest, string, error) {
	return u.service().PendingRequests(ctx, caller, page)
}

// CurrentTask is Service.CurrentTask.
func (u API) CurrentTask(ctx context.Context, ref InstanceRef) (TaskKey, Instance, error) {
	return u.service().CurrentTask(ctx, ref)
}

// ReadInstance is Service.ReadInstance.
func (u API) ReadInstance(ctx context.Context, ref InstanceRef) (Instance, error) {
	return u.service().ReadInstance(ctx, ref)
}

// MissingSignatures is Service.MissingSignatures.
func (u API) MissingSignatures(ctx context.Context, in ReadInput) (bool, error) {
	return u.service().MissingSignatures(ctx, in)
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.Clock.Now() }

package signing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/texts"
)

// ErrRejected and ErrExpired say why a task is closed; both wrap ErrTaskClosed.
var (
	ErrRejected = fmt.Errorf("%w: rejected", ErrTaskClosed)
	ErrExpired  = fmt.Errorf("%w: expired", ErrTaskClosed)
)

// closedError returns the error for a task that is no longer collecting.
func closedError(t Task) error {
	return fmt.Errorf("task %s: %w", t.Key, ClosedError(t.Status))
}

// ClosedError is the error for a task found in status, which is not
// collecting: ErrRejected, ErrExpired, or ErrTaskClosed. Whether the
// service saw the status before its write or the repository's condition
// refused the write, the caller gets the same error for the same state.
func ClosedError(status TaskStatus) error {
	switch status {
	case TaskRejected:
		return ErrRejected
	case TaskExpired:
		return ErrExpired
	}
	return fmt.Errorf("task is %s: %w", status, ErrTaskClosed)
}

// Identities computes the keyed hashes that stand in for raw identities;
// *ident.Hasher implements it.
type Identities interface {
	Person(id ident.NationalID) string
	Organisation(org ident.OrgNumber) string
}

// AppInfo is what the service needs to know about an app to write to people.
type AppInfo struct {
	// Texts are the app's text resources by language.
	Texts texts.Resources
	// Titles are the app's titles by language, from its metadata.
	Titles map[string]string
	// Owner is the service owner's display name.
	Owner string
}

// Apps looks up an app's texts and titles.
type Apps interface {
	App(ctx context.Context, org, app string) (AppInfo, error)
}

// Settings are the deployment settings of the service.
type Settings struct {
	// Environment selects the correspondence resource, e.g. "tt02" or "production".
	Environment string
	// InstanceURL is the link to an instance, with {org}, {app}, {partyId} and
	// {instanceGuid} placeholders, e.g. "https://{org}.apps.example.no/{org}/{app}/#/instance/{partyId}/{instanceGuid}".
	InstanceURL string
	// Language is the language of messages to signees; empty means nb.
	Language string
	// LookupConcurrency bounds parallel register lookups; 0 means 8.
	LookupConcurrency int
}

// Service runs the steps of a signing task and the signing API.
type Service struct {
	Repo           Repository
	Signees        SigneeSource
	Storage        Storage
	Access         AccessManagement
	Correspondence Correspondence
	Register       Register
	Authorization  Authorization
	Workflow       Workflow
	// Executions, when set, stops a superseded attempt's execution.
	Executions ExecutionStopper
	Apps       Apps
	Identities Identities
	PDF        PDFRenderer
	Clock      Clock
	Settings   Settings
}

// instanceURL fills the instance link template for ref.
func (s *Service) instanceURL(ref InstanceRef) string {
	return strings.NewReplacer(
		"{org}", ref.Org,
		"{app}", ref.App,
		"{partyId}", strconv.FormatInt(ref.PartyID, 10),
		"{instanceGuid}", ref.InstanceGUID,
	).Replace(s.Settings.InstanceURL)
}

// vars returns the text variables for messages about ref.
func (s *Service) vars(ctx context.Context, ref InstanceRef, lang string) (texts.Vars, texts.Resources, error) {
	info, err := s.Apps.App(ctx, ref.Org, ref.App)
	if err != nil {
		return texts.Vars{}, nil, fmt.Errorf("app %s texts: %w", ref.AppID(), err)
	}
	owner := info.Owner
	if owner == "" {
		owner = ref.Org
	}
	return texts.Vars{
		AppName:     texts.AppName(info.Texts, lang, info.Titles, ref.AppID()),
		AppOwner:    owner,
		InstanceURL: s.instanceURL(ref),
	}, info.Texts, nil
}

func (s *Service) language() string { return texts.NormalizeLanguage(s.Settings.Language) }

// idempotencyKey builds the key of one side effect: kind, task, attempt
// and subject, "cta:<instanceGuid>:<taskId>:<attempt>:<signeeKey>". The
// attempt is part of it, so a new attempt of a task tells everyone again
// instead of getting the platform's answer to the first attempt back.
func idempotencyKey(kind string, task Task, subject string) string {
	return kind + ":" + task.Key.InstanceGUID + ":" + task.Key.TaskID + ":" + strconv.Itoa(max(task.Attempt, 1)) + ":" + subject
}

// permanent reports whether err will not go away on retry.
func permanent(err error) bool {
	return err != nil && !errors.Is(err, ErrTransient) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)
}

package signing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrDataChanged means signed data changed after it was signed; it wraps ErrConflict.
var ErrDataChanged = fmt.Errorf("%w: signed data has been modified after the signature was made", ErrConflict)

// ErrorDataChanged is the workflow error name of ErrDataChanged.
const ErrorDataChanged = "Signing.DataChanged"

// Summary is what the signing PDF shows: the task, its documents with their
// digests, and who signed when.
type Summary struct {
	Instance    InstanceRef
	TaskID      string
	AppName     string
	CompletedAt time.Time
	Documents   []SummaryDocument
	Signatures  []SummarySignature
}

// SummaryDocument is one signed document.
type SummaryDocument struct {
	DataElementID string
	DataType      string
	Filename      string
	SHA256        string
}

// SummarySignature is one signature: who, for whom, when.
type SummarySignature struct {
	Name     string
	MaskedID string
	// OnBehalfOf names the organisation signed for: "Name (number)".
	OnBehalfOf string
	SignedAt   time.Time
}

// PDFRenderer renders the signing PDF of a task.
type PDFRenderer interface {
	Render(s Summary) ([]byte, error)
}

// Finalize ends a task whose signatures are all in: it completes the task
// if it completes automatically, checks that no signed data changed since
// it was signed, writes the signing PDF if configured, and revokes the
// signees' rights (keeping read access if configured).
func (s *Service) Finalize(ctx context.Context, key TaskKey) (Outcome, error) {
	task, err := s.Repo.GetTask(ctx, key)
	if err != nil {
		return "", err
	}
	task.Key = key
	if task.Status.Open() && task.Config.CompleteAutomatically {
		if _, err := s.Repo.Complete(ctx, key, s.Clock.Now(), "system"); err != nil && !errors.Is(err, ErrConflict) {
			return "", fmt.Errorf("finalize %s: complete: %w", key, err)
		}
		if task, err = s.Repo.GetTask(ctx, key); err != nil {
			return "", err
		}
		task.Key = key
	}
	if task.Status != TaskCompleted {
		return "", fmt.Errorf("finalize %s: task is %s, not completed: %w", key, task.Status, ErrConflict)
	}
	sigs, err := s.Repo.ListSignatures(ctx, key)
	if err != nil {
		return "", err
	}
	inst, err := s.Storage.GetInstance(ctx, task.Instance)
	if err != nil {
		return "", fmt.Errorf("finalize %s: get instance: %w", key, err)
	}
	docs, err := s.verify(ctx, task, inst, sigs)
	if err != nil {
		return "", err
	}
	if task.Config.SigningPDFDataType != "" {
		if err := s.writePDF(ctx, task, docs, sigs); err != nil {
			return "", err
		}
	}
	if err := s.revokeOnCompletion(ctx, task); err != nil {
		return "", err
	}
	return OutcomeSigned, nil
}

// verify re-reads every signed element once and compares it with every
// signature's digest of it.
func (s *Service) verify(ctx context.Context, task Task, inst Instance, sigs []Signature) ([]SummaryDocument, error) {
	current := map[string]DataElementDigest{}
	var docs []SummaryDocument
	for _, sig := range sigs {
		for _, d := range sig.Digests {
			now, seen := current[d.DataElementID]
			if !seen {
				i := slices.IndexFunc(inst.Data, func(el DataElement) bool { return el.ID == d.DataElementID })
				if i < 0 {
					return nil, fmt.Errorf("finalize %s: signed data element %s is gone: %w", task.Key, d.DataElementID, ErrDataChanged)
				}
				var err error
				if now, err = s.digest(ctx, task.Instance, inst.Data[i]); err != nil {
					return nil, fmt.Errorf("finalize %s: %w", task.Key, err)
				}
				current[d.DataElementID] = now
				docs = append(docs, SummaryDocument{DataElementID: d.DataElementID, DataType: d.DataType, Filename: inst.Data[i].Filename, SHA256: now.SHA256})
			}
			if now.SHA256 != d.SHA256 {
				return nil, fmt.Errorf("finalize %s: data element %s signed by %s: %w", task.Key, d.DataElementID, sig.SigneeKey, ErrDataChanged)
			}
		}
	}
	return docs, nil
}

func (s *Service) writePDF(ctx context.Context, task Task, docs []SummaryDocument, sigs []Signature) error {
	if s.PDF == nil {
		return fmt.Errorf("finalize %s: signingPdfDataType is set but no PDF renderer is configured: %w", task.Key, ErrInvalid)
	}
	lang := s.language()
	vars, _, err := s.vars(ctx, task.Instance, lang)
	if err != nil {
		return err
	}
	orgNames := map[string]string{}
	if err := s.eachSignee(ctx, task.Key, func(sg Signee) error {
		if sg.Kind == SigneeOrganisation {
			orgNames[sg.OrgNumber] = sg.DisplayName
		}
		return nil
	}); err != nil {
		return err
	}
	sum := Summary{Instance: task.Instance, TaskID: task.Key.TaskID, AppName: vars.AppName, CompletedAt: task.ClosedAt, Documents: docs}
	for _, sig := range sigs {
		onBehalfOf := sig.OnBehalfOf
		if name := orgNames[onBehalfOf]; name != "" {
			onBehalfOf = name + " (" + onBehalfOf + ")"
		}
		sum.Signatures = append(sum.Signatures, SummarySignature{Name: sig.Signer.Name, MaskedID: sig.Signer.MaskedID, OnBehalfOf: onBehalfOf, SignedAt: sig.SignedAt})
	}
	slices.SortFunc(sum.Signatures, func(a, b SummarySignature) int { return a.SignedAt.Compare(b.SignedAt) })
	body, err := s.PDF.Render(sum)
	if err != nil {
		return fmt.Errorf("finalize %s: render PDF: %w", task.Key, err)
	}
	dt := task.Config.SigningPDFDataType
	if _, err := s.Storage.CreateData(ctx, task.Instance, NewDataElement{
		DataType: dt, ContentType: "application/pdf", Filename: dt + ".pdf", GeneratedFromTask: task.Key.TaskID,
		IdempotencyKey: idempotencyKey("pdf", task, dt), Body: body,
	}); err != nil {
		return fmt.Errorf("finalize %s: write PDF: %w", task.Key, err)
	}
	return nil
}

// revokeOnCompletion withdraws sign and the additional actions from every
// delegated signee, and read too unless the task keeps read access.
func (s *Service) revokeOnCompletion(ctx context.Context, task Task) error {
	return s.eachSignee(ctx, task.Key, func(sg Signee) error {
		actions := sg.Actions()
		if task.Config.KeepReadAccess {
			actions = slices.DeleteFunc(actions, func(a string) bool { return a == "read" })
		}
		return s.revoke(ctx, task, sg, actions)
	})
}

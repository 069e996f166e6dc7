package signing

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxAuditPage is the most audit entries one page returns.
const MaxAuditPage = 500

// AuditTrail returns a page of the task's audit trail, oldest first, to its
// instance owner: every step, signature, reject, release and replacement
// with its time and actor (a keyed hash or "system"); details only where
// they hold no free text (publicDetail). next continues the listing; empty
// at its end.
func (s *Service) AuditTrail(ctx context.Context, in ReadInput, page Page) (entries []AuditEntry, next string, err error) {
	_, _, entries, next, err = s.auditPage(ctx, in, page, "read the audit trail")
	for i := range entries {
		entries[i].Detail = publicDetail(entries[i])
	}
	return entries, next, err
}

// auditPage reads a page of the task's audit trail for its instance owner,
// details as stored, with the task and its signees.
func (s *Service) auditPage(ctx context.Context, in ReadInput, page Page, what string) (Task, []Signee, []AuditEntry, string, error) {
	task, signees, err := s.ownerRead(ctx, in, what)
	if err != nil {
		return Task{}, nil, nil, "", err
	}
	limit := page.Limit
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > MaxAuditPage:
		return Task{}, nil, nil, "", Invalid("limit", "must be from 1 to %d", MaxAuditPage)
	}
	cursor := ""
	if page.Token != "" {
		b, derr := base64.RawURLEncoding.DecodeString(page.Token)
		if derr != nil || len(b) == 0 {
			return Task{}, nil, nil, "", Invalid("next", "is not a token this listing returned")
		}
		cursor = string(b)
	}
	entries, rest, err := s.Repo.AuditPage(ctx, task.Key, cursor, limit)
	if err != nil {
		return Task{}, nil, nil, "", err
	}
	next := ""
	if rest != "" {
		next = base64.RawURLEncoding.EncodeToString([]byte(rest))
	}
	return task, signees, entries, next, nil
}

// publicDetail is what the audit trail shows of an entry's detail: the
// details this service writes without free text (counts, times, masked
// identities, organisation numbers) as they are; of a failure only the
// step (the platform's error text may hold anything); nothing of a close
// (its statement holds the rejecting person's reason) or of an execution
// (its ARN names the account).
func publicDetail(e AuditEntry) string {
	switch e.Action {
	case "task.created", "task.restarted", "task.deadline-extended", "signature.recorded", "receipt.owed_sent",
		"signee.reminded", "signee.replaced":
		return e.Detail
	case "signee." + string(SigneeFailed):
		step, _, _ := strings.Cut(e.Detail, ":")
		return step
	}
	return ""
}

// Evidence is what a signing task's record shows: its signatures with the
// digests each covered, its signees, and the signing PDF once written.
type Evidence struct {
	Task       EvidenceTask        `json:"task"`
	Signatures []EvidenceSignature `json:"signatures"`
	Signees    []EvidenceSignee    `json:"signees"`
	// SigningPDF is the signing PDF's data element, when the task wrote one.
	SigningPDF *DataElementRef `json:"signingPdf,omitempty"`
}

// EvidenceTask is the task's part of the evidence.
type EvidenceTask struct {
	TaskID    string     `json:"taskId"`
	Attempt   int        `json:"attempt"`
	Status    TaskStatus `json:"status"`
	CreatedAt time.Time  `json:"createdAt"`
	ClosedAt  *time.Time `json:"closedAt,omitempty"`
}

// EvidenceSignature is one signature: who signed (masked identity and
// name), for which signee, when, and the SHA-256 of each element signed.
type EvidenceSignature struct {
	SigneeKey  SigneeKey           `json:"signeeKey"`
	SignerName string              `json:"signerName"`
	MaskedID   string              `json:"signerMaskedId"`
	OnBehalfOf string              `json:"onBehalfOf,omitempty"`
	SignedAt   time.Time           `json:"signedAt"`
	Digests    []DataElementDigest `json:"digests"`
}

// EvidenceSignee is one signee as the task recorded it (masked identity).
type EvidenceSignee struct {
	SigneeKey   SigneeKey    `json:"signeeKey"`
	Kind        SigneeKind   `json:"kind"`
	DisplayName string       `json:"displayName"`
	MaskedID    string       `json:"maskedId"`
	Status      SigneeStatus `json:"status"`
	Group       int          `json:"group,omitempty"`
	ReplacedBy  SigneeKey    `json:"replacedBy,omitempty"`
}

// DataElementRef names a data element of the instance.
type DataElementRef struct {
	ID       string `json:"id"`
	DataType string `json:"dataType"`
}

// Evidence returns the task's evidence to its instance owner.
func (s *Service) Evidence(ctx context.Context, in ReadInput) (Evidence, error) {
	task, signees, err := s.ownerRead(ctx, in, "read the evidence")
	if err != nil {
		return Evidence{}, err
	}
	sigs, err := s.Repo.ListSignatures(ctx, task.Key)
	if err != nil {
		return Evidence{}, err
	}
	out := Evidence{
		Task:       EvidenceTask{TaskID: task.Key.TaskID, Attempt: max(task.Attempt, 1), Status: task.Status, CreatedAt: task.CreatedAt.UTC(), ClosedAt: timePtr(task.ClosedAt)},
		Signatures: make([]EvidenceSignature, 0, len(sigs)),
		Signees:    []EvidenceSignee{},
	}
	for _, sig := range sigs {
		out.Signatures = append(out.Signatures, EvidenceSignature{
			SigneeKey: sig.SigneeKey, SignerName: sig.Signer.Name, MaskedID: sig.Signer.MaskedID,
			OnBehalfOf: sig.OnBehalfOf, SignedAt: sig.SignedAt.UTC(), Digests: sig.Digests,
		})
	}
	for _, sg := range signees {
		out.Signees = append(out.Signees, EvidenceSignee{
			SigneeKey: sg.Key, Kind: sg.Kind, DisplayName: sg.DisplayName, MaskedID: sg.MaskedID,
			Status: sg.Status, Group: sg.Group, ReplacedBy: sg.ReplacedBy,
		})
	}
	if task.Config.SigningPDFDataType != "" && task.Status == TaskCompleted {
		inst, err := s.instanceOf(ctx, in, task)
		if err != nil {
			return Evidence{}, err
		}
		for _, el := range inst.Data {
			if el.DataType == task.Config.SigningPDFDataType {
				out.SigningPDF = &DataElementRef{ID: el.ID, DataType: el.DataType}
			}
		}
	}
	return out, nil
}

// Verification is the outcome of recomputing the signed data's digests.
type Verification struct {
	// Intact is true when every element every signature covered still has
	// the digest it was signed with.
	Intact   bool                  `json:"intact"`
	Elements []ElementVerification `json:"elements"`
}

// ElementVerification is one signed data element, checked.
type ElementVerification struct {
	DataElementID string `json:"dataElementId"`
	DataType      string `json:"dataType"`
	// Signed is the SHA-256 the signatures covered (hex); Current what
	// Storage holds now, empty when the element is gone.
	Signed  string `json:"signedSha256"`
	Current string `json:"currentSha256,omitempty"`
	Changed bool   `json:"changed"`
	Missing bool   `json:"missing,omitempty"`
	// Signatures counts the signatures that covered the element.
	Signatures int `json:"signatures"`
}

// Verify recomputes the SHA-256 of every data element the task's
// signatures covered from Storage, once each, and reports those that
// changed or are gone; for the instance owner.
func (s *Service) Verify(ctx context.Context, in ReadInput) (Verification, error) {
	task, _, err := s.ownerRead(ctx, in, "verify the signed data")
	if err != nil {
		return Verification{}, err
	}
	sigs, err := s.Repo.ListSignatures(ctx, task.Key)
	if err != nil {
		return Verification{}, err
	}
	inst, err := s.instanceOf(ctx, in, task)
	if err != nil {
		return Verification{}, err
	}
	out := Verification{Intact: true, Elements: []ElementVerification{}}
	index := map[string]int{}
	for _, sig := range sigs {
		for _, d := range sig.Digests {
			i, seen := index[d.DataElementID]
			if !seen {
				ev := ElementVerification{DataElementID: d.DataElementID, DataType: d.DataType, Signed: d.SHA256}
				j := slices.IndexFunc(inst.Data, func(el DataElement) bool { return el.ID == d.DataElementID })
				if j < 0 {
					ev.Missing, ev.Changed = true, true
				} else {
					now, err := s.digest(ctx, task.Instance, inst.Data[j])
					if err != nil {
						return Verification{}, fmt.Errorf("verify %s: %w", task.Key, err)
					}
					ev.Current, ev.Changed = now.SHA256, now.SHA256 != d.SHA256
				}
				i = len(out.Elements)
				index[d.DataElementID] = i
				out.Elements = append(out.Elements, ev)
			}
			el := &out.Elements[i]
			el.Signatures++
			if d.SHA256 != el.Signed {
				// Signatures of one element disagree: it changed between them.
				el.Changed = true
			}
		}
	}
	for _, el := range out.Elements {
		out.Intact = out.Intact && !el.Changed
	}
	return out, nil
}

// ownerRead returns the task whose record the instance owner, or the
// service owner of its app, may read, with its signees (authorize has read
// them all already).
func (s *Service) ownerRead(ctx context.Context, in ReadInput, what string) (Task, []Signee, error) {
	task, all, a, err := s.authorize(ctx, in)
	if err != nil {
		return Task{}, nil, err
	}
	if !a.owner && !a.app {
		return Task{}, nil, fmt.Errorf("only the instance owner or the app's service owner may %s: %w", what, ErrForbidden)
	}
	return task, all, nil
}

// instanceOf is the instance as this request read it, or from Storage.
func (s *Service) instanceOf(ctx context.Context, in ReadInput, task Task) (Instance, error) {
	if in.Current != nil {
		return *in.Current, nil
	}
	return s.Storage.GetInstance(ctx, task.Instance)
}

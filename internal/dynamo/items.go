package dynamo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/signing"
)

// Items are (un)marshalled with their json tags, so nested domain values
// (config, communication, signer, digests) keep their JSON field names.
func marshal(v any) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
}

func unmarshal(m map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(m, v, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
}

// taskItem is the task: status, counters, tokens, config.
type taskItem struct {
	PK           string         `json:"PK"`
	SK           string         `json:"SK"`
	Type         string         `json:"type"`
	Org          string         `json:"org"`
	App          string         `json:"app"`
	OwnerPartyID int64          `json:"instanceOwnerPartyId"`
	InstanceGUID string         `json:"instanceGuid"`
	TaskID       string         `json:"taskId"`
	Status       string         `json:"status"`
	Config       signing.Config `json:"config"`
	ConfigDigest string         `json:"configDigest"`
	// SigneesDigest is the SHA-256 of the sorted signee keys, so a repeated
	// create is compared without reading the signees.
	SigneesDigest   string `json:"signeesDigest"`
	ExecutionARN    string `json:"executionArn,omitempty"`
	Total           int    `json:"total"`
	Signed          int    `json:"signed"`
	Pending         int    `json:"pending"`
	Deadline        string `json:"deadline,omitempty"`
	Version         int64  `json:"version"`
	CreatedAt       string `json:"createdAt"`
	UpdatedAt       string `json:"updatedAt"`
	ClosedAt        string `json:"closedAt,omitempty"`
	CloseReason     string `json:"closeReason,omitempty"`
	WaitToken       string `json:"waitToken,omitempty"`
	CompletionToken string `json:"completionToken,omitempty"`
	// Attempt is the task's attempt; absent (0) on items written before
	// attempts were stored, which were attempt 1.
	Attempt int `json:"attempt,omitempty"`
	// RestartAttempt, RestartDigest and RestartAt mark a restart in progress
	// (see RestartTask): the attempt it starts, the digest of its input
	// (createDigest) and its time, which becomes the new attempt's creation
	// time. The final write of the restart replaces the item without them.
	RestartAttempt int    `json:"restartAttempt,omitempty"`
	RestartDigest  string `json:"restartDigest,omitempty"`
	RestartAt      string `json:"restartAt,omitempty"`
	// ReleaseUntil and ReleaseAttempt are signing.Task's (BeginRelease,
	// EndRelease); the restart's final write keeps them.
	ReleaseUntil   string `json:"releaseUntil,omitempty"`
	ReleaseAttempt int    `json:"releaseAttempt,omitempty"`
	// RemindersDoneUntil is signing.Task's (SetRemindersDone), in the
	// fixed-width form of keys (sortableTime), so a condition compares it as
	// a string.
	RemindersDoneUntil string `json:"remindersDoneUntil,omitempty"`
	// RejectedBy and RejectReason are signing.Task's (a Close statement);
	// the reason is a person's free text, kept for the signing state and the
	// messages, never logged.
	RejectedBy   string `json:"rejectedBy,omitempty"`
	RejectReason string `json:"rejectReason,omitempty"`
	// DeadlineExtendedAt is signing.Task's (ExtendDeadline).
	DeadlineExtendedAt string `json:"deadlineExtendedAt,omitempty"`
	// Groups are signing.Task's, by group number ("1", "2", …), so a
	// signature adds to its group's count in place (RecordSignature);
	// absent for a task whose signees are all in one group.
	Groups map[string]groupItem `json:"groups,omitempty"`
	// Replacements is signing.Task's, counted up in place (ReplaceSignee).
	Replacements int `json:"replacements,omitempty"`
	// More keeps the task's fields this adapter does not map one by one, so
	// a field added to signing.Task is stored before anyone maps it here.
	More string `json:"more,omitempty"`
}

// groupItem is one signing group's counts in the task item. Required is
// always stored (the group's Need), so a signature's condition compares
// two numbers of the item; K is signing.GroupCount.Required as given (0:
// every signee).
type groupItem struct {
	Total    int `json:"total"`
	Signed   int `json:"signed"`
	Required int `json:"required"`
	K        int `json:"k,omitempty"`
}

func groupItems(gs []signing.GroupCount) map[string]groupItem {
	if len(gs) == 0 {
		return nil
	}
	out := make(map[string]groupItem, len(gs))
	for _, g := range gs {
		out[strconv.Itoa(g.Group)] = groupItem{Total: g.Total, Signed: g.Signed, Required: g.Need(), K: g.Required}
	}
	return out
}

func groupCounts(m map[string]groupItem) []signing.GroupCount {
	if len(m) == 0 {
		return nil
	}
	out := make([]signing.GroupCount, 0, len(m))
	for k, g := range m {
		n, err := strconv.Atoi(k)
		if err != nil {
			continue
		}
		out = append(out, signing.GroupCount{Group: n, Total: g.Total, Signed: g.Signed, Required: g.K})
	}
	slices.SortFunc(out, func(a, b signing.GroupCount) int { return a.Group - b.Group })
	return out
}

// taskFields are the JSON names of the signing.Task fields taskItem maps itself.
var taskFields = []string{
	"key", "instance", "attempt", "status", "config", "configDigest", "executionArn", "counts",
	"deadline", "version", "createdAt", "updatedAt", "closedAt", "closeReason", "releaseUntil", "releaseAttempt", "remindersDoneUntil", "rejectedBy", "rejectReason", "deadlineExtendedAt", "groups", "replacements",
}

// signeeFields are the JSON names of the signing.Signee fields signeeItem maps itself.
var signeeFields = []string{
	"key", "kind", "displayName", "maskedId", "identityHash", "orgNumber", "partyId", "partyUuid",
	"communication", "additionalActions", "status", "delegatedAt", "notifiedAt", "signedAt",
	"receiptSentAt", "revokedAt", "correspondenceId", "failedStep", "failedReason", "version",
}

// more returns, as JSON, the fields of v (a domain struct) whose JSON
// names are not in known; empty when there are none.
func more(v any, known []string) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return ""
	}
	for _, k := range known {
		delete(m, k)
	}
	if len(m) == 0 {
		return ""
	}
	b, err = json.Marshal(m)
	if err != nil {
		return ""
	}
	return string(b)
}

// restore sets the fields kept by more on v (a pointer to a domain struct).
func restore(more string, v any) {
	if more != "" {
		_ = json.Unmarshal([]byte(more), v)
	}
}

func newTaskItem(t signing.Task, signeesDigest string) taskItem {
	return taskItem{
		PK:                 instancePK(t.Key.InstanceGUID),
		SK:                 taskSK(t.Key.TaskID),
		Type:               typeTask,
		Org:                t.Instance.Org,
		App:                t.Instance.App,
		OwnerPartyID:       t.Instance.PartyID,
		InstanceGUID:       t.Key.InstanceGUID,
		TaskID:             t.Key.TaskID,
		Status:             string(t.Status),
		Config:             t.Config,
		ConfigDigest:       t.ConfigDigest,
		SigneesDigest:      signeesDigest,
		ExecutionARN:       t.ExecutionARN,
		Total:              t.Counts.Total,
		Signed:             t.Counts.Signed,
		Pending:            t.Counts.Pending,
		Deadline:           fmtTime(t.Deadline),
		Version:            t.Version,
		CreatedAt:          fmtTime(t.CreatedAt),
		UpdatedAt:          fmtTime(t.UpdatedAt),
		ClosedAt:           fmtTime(t.ClosedAt),
		CloseReason:        t.CloseReason,
		ReleaseUntil:       fmtTime(t.ReleaseUntil),
		ReleaseAttempt:     t.ReleaseAttempt,
		RemindersDoneUntil: sortableTime(t.RemindersDoneUntil),
		RejectedBy:         t.RejectedBy,
		RejectReason:       t.RejectReason,
		DeadlineExtendedAt: fmtTime(t.DeadlineExtendedAt),
		Groups:             groupItems(t.Groups),
		Replacements:       t.Replacements,
		Attempt:            max(t.Attempt, 1),
		More:               more(t, taskFields),
	}
}

// attempt returns the task's attempt, 1 for items written before attempts were stored.
func (it taskItem) attempt() int { return max(it.Attempt, 1) }

func (it taskItem) task() signing.Task {
	var t signing.Task
	restore(it.More, &t)
	t.Key, t.Instance, t.Status, t.Config = signing.TaskKey{InstanceGUID: it.InstanceGUID, TaskID: it.TaskID},
		signing.InstanceRef{Org: it.Org, App: it.App, PartyID: it.OwnerPartyID, InstanceGUID: it.InstanceGUID},
		signing.TaskStatus(it.Status), it.Config
	t.ConfigDigest, t.ExecutionARN = it.ConfigDigest, it.ExecutionARN
	t.Counts = signing.Counts{Total: it.Total, Signed: it.Signed, Pending: it.Pending}
	t.Deadline, t.Version = parseTime(it.Deadline), it.Version
	t.CreatedAt, t.UpdatedAt, t.ClosedAt = parseTime(it.CreatedAt), parseTime(it.UpdatedAt), parseTime(it.ClosedAt)
	t.CloseReason, t.ReleaseUntil, t.ReleaseAttempt = it.CloseReason, parseTime(it.ReleaseUntil), it.ReleaseAttempt
	t.RemindersDoneUntil = parseTime(it.RemindersDoneUntil)
	t.RejectedBy, t.RejectReason = it.RejectedBy, it.RejectReason
	t.DeadlineExtendedAt = parseTime(it.DeadlineExtendedAt)
	t.Groups = groupCounts(it.Groups)
	t.Replacements = it.Replacements
	t.Attempt = it.attempt()
	return t
}

// signeeItem is one signee, with the task's instance, creation time and
// deadline copied in so the BySigner index answers without reading the task.
type signeeItem struct {
	PK     string `json:"PK"`
	SK     string `json:"SK"`
	Type   string `json:"type"`
	GSI1PK string `json:"GSI1PK,omitempty"`
	GSI1SK string `json:"GSI1SK,omitempty"`

	Org           string `json:"org"`
	App           string `json:"app"`
	OwnerPartyID  int64  `json:"instanceOwnerPartyId"`
	InstanceGUID  string `json:"instanceGuid"`
	TaskID        string `json:"taskId"`
	TaskCreatedAt string `json:"taskCreatedAt"`
	Deadline      string `json:"deadline,omitempty"`
	// CreateDigest identifies the create call that wrote the item, so a
	// retried create recognises its own half-written signees.
	CreateDigest string `json:"createDigest"`
	// Attempt is the task attempt the signee belongs to (absent: 1), so a
	// resumed restart tells the new attempt's signees from the old ones.
	Attempt int `json:"attempt,omitempty"`

	Key               string                `json:"signeeKey"`
	Kind              string                `json:"kind"`
	DisplayName       string                `json:"displayName"`
	MaskedID          string                `json:"maskedId"`
	IdentityHash      string                `json:"identityHash"`
	OrgNumber         string                `json:"orgNumber,omitempty"`
	PartyID           int64                 `json:"partyId"`
	PartyUUID         string                `json:"partyUuid"`
	Communication     signing.Communication `json:"communication"`
	AdditionalActions []string              `json:"additionalActions,omitempty"`
	Status            string                `json:"status"`
	DelegatedAt       string                `json:"delegatedAt,omitempty"`
	NotifiedAt        string                `json:"notifiedAt,omitempty"`
	SignedAt          string                `json:"signedAt,omitempty"`
	ReceiptSentAt     string                `json:"receiptSentAt,omitempty"`
	RevokedAt         string                `json:"revokedAt,omitempty"`
	CorrespondenceID  string                `json:"correspondenceId,omitempty"`
	FailedStep        string                `json:"failedStep,omitempty"`
	FailedReason      string                `json:"failedReason,omitempty"`
	Version           int64                 `json:"version"`
	// More keeps the signee's fields this adapter does not map one by one.
	More string `json:"more,omitempty"`
}

func newSigneeItem(t signing.Task, s signing.Signee, createDigest string) signeeItem {
	it := signeeItem{
		PK:            instancePK(t.Key.InstanceGUID),
		SK:            signeeSK(t.Key.TaskID, s.Key),
		Type:          typeSignee,
		Org:           t.Instance.Org,
		App:           t.Instance.App,
		OwnerPartyID:  t.Instance.PartyID,
		InstanceGUID:  t.Key.InstanceGUID,
		TaskID:        t.Key.TaskID,
		TaskCreatedAt: fmtTime(t.CreatedAt),
		Deadline:      fmtTime(t.Deadline),
		CreateDigest:  createDigest,
		Attempt:       max(t.Attempt, 1),
	}
	it.set(s)
	return it
}

// set copies the signee's own fields into the item and sets or clears the
// index keys by whether the request is open.
func (it *signeeItem) set(s signing.Signee) {
	it.Key = string(s.Key)
	it.Kind = string(s.Kind)
	it.DisplayName = s.DisplayName
	it.MaskedID = s.MaskedID
	it.IdentityHash = s.IdentityHash
	it.OrgNumber = s.OrgNumber
	it.PartyID = s.PartyID
	it.PartyUUID = s.PartyUUID
	it.Communication = s.Communication
	it.AdditionalActions = s.AdditionalActions
	it.Status = string(s.Status)
	it.DelegatedAt = fmtTime(s.DelegatedAt)
	it.NotifiedAt = fmtTime(s.NotifiedAt)
	it.SignedAt = fmtTime(s.SignedAt)
	it.ReceiptSentAt = fmtTime(s.ReceiptSentAt)
	it.RevokedAt = fmtTime(s.RevokedAt)
	it.CorrespondenceID = s.CorrespondenceID
	it.FailedStep = s.FailedStep
	it.FailedReason = s.FailedReason
	it.Version = s.Version
	it.More = more(s, signeeFields)
	it.GSI1PK, it.GSI1SK = "", ""
	if OpenRequest(s) {
		key := signing.TaskKey{InstanceGUID: it.InstanceGUID, TaskID: it.TaskID}
		it.GSI1PK = signerPK(s.IdentityHash)
		it.GSI1SK = signerSK(parseTime(it.TaskCreatedAt), key, s.Key)
	}
}

func (it signeeItem) signee() signing.Signee {
	var s signing.Signee
	restore(it.More, &s)
	s.Key, s.Kind = signing.SigneeKey(it.Key), signing.SigneeKind(it.Kind)
	s.DisplayName, s.MaskedID, s.IdentityHash, s.OrgNumber = it.DisplayName, it.MaskedID, it.IdentityHash, it.OrgNumber
	s.PartyID, s.PartyUUID = it.PartyID, it.PartyUUID
	s.Communication, s.AdditionalActions = it.Communication, it.AdditionalActions
	s.Status = signing.SigneeStatus(it.Status)
	s.DelegatedAt, s.NotifiedAt, s.SignedAt = parseTime(it.DelegatedAt), parseTime(it.NotifiedAt), parseTime(it.SignedAt)
	s.ReceiptSentAt, s.RevokedAt = parseTime(it.ReceiptSentAt), parseTime(it.RevokedAt)
	s.CorrespondenceID, s.FailedStep, s.FailedReason = it.CorrespondenceID, it.FailedStep, it.FailedReason
	s.Version = it.Version
	return s
}

func (it signeeItem) request() signing.SigningRequest {
	return signing.SigningRequest{
		Instance:  signing.InstanceRef{Org: it.Org, App: it.App, PartyID: it.OwnerPartyID, InstanceGUID: it.InstanceGUID},
		TaskID:    it.TaskID,
		SigneeKey: signing.SigneeKey(it.Key),
		Kind:      signing.SigneeKind(it.Kind),
		Status:    signing.SigneeStatus(it.Status),
		OrgNumber: it.OrgNumber,
		Deadline:  parseTime(it.Deadline),
	}
}

// OpenRequest reports whether a signee holds an open request to sign: it
// was delegated and may still sign. Only such signees are in the BySigner
// index (and the task must still be collecting for PendingFor to list them).
func OpenRequest(s signing.Signee) bool {
	return !s.DelegatedAt.IsZero() && slices.Contains(signing.Predecessors(signing.SigneeSigned), s.Status)
}

// signatureItem is one signature; it is written once and never changed.
type signatureItem struct {
	PK           string                      `json:"PK"`
	SK           string                      `json:"SK"`
	Type         string                      `json:"type"`
	InstanceGUID string                      `json:"instanceGuid"`
	TaskID       string                      `json:"taskId"`
	SigneeKey    string                      `json:"signeeKey"`
	Signer       signing.Signer              `json:"signer"`
	OnBehalfOf   string                      `json:"onBehalfOf,omitempty"`
	SignedAt     string                      `json:"signedAt"`
	Digests      []signing.DataElementDigest `json:"digests"`
	RequestHash  string                      `json:"requestHash,omitempty"`
	Group        int                         `json:"group,omitempty"`
}

func newSignatureItem(s signing.Signature) signatureItem {
	return signatureItem{
		PK:           instancePK(s.Task.InstanceGUID),
		SK:           signatureSK(s.Task.TaskID, s.SigneeKey),
		Type:         typeSignature,
		InstanceGUID: s.Task.InstanceGUID,
		TaskID:       s.Task.TaskID,
		SigneeKey:    string(s.SigneeKey),
		Signer:       s.Signer,
		OnBehalfOf:   s.OnBehalfOf,
		SignedAt:     fmtTime(s.SignedAt),
		Digests:      s.Digests,
		RequestHash:  s.RequestHash,
		Group:        s.Group,
	}
}

func (it signatureItem) signature() signing.Signature {
	return signing.Signature{
		Task:        signing.TaskKey{InstanceGUID: it.InstanceGUID, TaskID: it.TaskID},
		SigneeKey:   signing.SigneeKey(it.SigneeKey),
		Signer:      it.Signer,
		OnBehalfOf:  it.OnBehalfOf,
		SignedAt:    parseTime(it.SignedAt),
		Digests:     it.Digests,
		RequestHash: it.RequestHash,
		Group:       it.Group,
	}
}

// receiptItem marks a signee whose receipt is due, from the signature until
// the receipt is sent, so TakePending reads only those. An owed receipt (a
// signature of an attempt that a restart replaced) also holds the attempt
// and a copy of the signature, which the restart deleted.
type receiptItem struct {
	PK        string         `json:"PK"`
	SK        string         `json:"SK"`
	Type      string         `json:"type"`
	SigneeKey string         `json:"signeeKey"`
	SignedAt  string         `json:"signedAt"`
	Attempt   int            `json:"attempt,omitempty"`
	Signature *signatureItem `json:"signature,omitempty"`
}

// auditItem is one entry of the append-only audit trail.
type auditItem struct {
	PK        string `json:"PK"`
	SK        string `json:"SK"`
	Type      string `json:"type"`
	TaskID    string `json:"taskId"`
	At        string `json:"at"`
	Actor     string `json:"actor"`
	Action    string `json:"action"`
	SigneeKey string `json:"signeeKey,omitempty"`
	Detail    string `json:"detail,omitempty"`
}

// newAuditItem builds an entry; the subject of a signee's entry is its key,
// of the task's entries "task"; event is what the subject reached.
func newAuditItem(k signing.TaskKey, e signing.AuditEntry, event string) auditItem {
	subject := auditTaskSubject
	if e.SigneeKey != "" {
		subject = string(e.SigneeKey)
	}
	return auditItem{
		PK:        instancePK(k.InstanceGUID),
		SK:        auditSK(k.TaskID, e.At, subject, event),
		Type:      typeAudit,
		TaskID:    k.TaskID,
		At:        fmtTime(e.At),
		Actor:     e.Actor,
		Action:    e.Action,
		SigneeKey: string(e.SigneeKey),
		Detail:    e.Detail,
	}
}

func (it auditItem) entry() signing.AuditEntry {
	return signing.AuditEntry{
		At:        parseTime(it.At),
		Actor:     it.Actor,
		Action:    it.Action,
		SigneeKey: signing.SigneeKey(it.SigneeKey),
		Detail:    it.Detail,
	}
}

// sortableTime is t in the fixed-width form of keys, "" for zero.
func sortableTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return keyTime(t)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// digestKeys returns the SHA-256 of the sorted signee keys.
func digestKeys(keys []signing.SigneeKey) string {
	sorted := make([]string, len(keys))
	for i, k := range keys {
		sorted[i] = string(k)
	}
	slices.Sort(sorted)
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	return hex.EncodeToString(sum[:])
}

// createDigest identifies one create input: config digest and signee set.
func createDigest(configDigest, signeesDigest string) string {
	sum := sha256.Sum256([]byte(configDigest + "\n" + signeesDigest))
	return hex.EncodeToString(sum[:])
}

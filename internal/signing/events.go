package signing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EventTypePrefix begins every event type: no.altinn.signing.task.started,
// no.altinn.signing.signee.signed, …
const EventTypePrefix = "no.altinn.signing."

// CloudEvent is one change of a task or a signee as a CloudEvents 1.0
// event (structured JSON). Its ID is derived from the audit entry the
// change wrote in the same write, so it is the same however often the
// event is read or delivered: consumers drop duplicates by it. Data holds
// keys, the masked identity and an organisation number; never a national
// ID, a token or a reason's text.
type CloudEvent struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            EventData `json:"data"`
}

// EventData is what an event says.
type EventData struct {
	Instance InstanceRef `json:"instance"`
	TaskID   string      `json:"taskId"`
	// SigneeKey, Kind, MaskedID and OrgNumber name the signee of a signee
	// event (the masked identity, an organisation's number).
	SigneeKey SigneeKey  `json:"signeeKey,omitempty"`
	Kind      SigneeKind `json:"kind,omitempty"`
	MaskedID  string     `json:"maskedId,omitempty"`
	OrgNumber string     `json:"orgNumber,omitempty"`
	// Step names the step that failed, for signee.failed.
	Step string `json:"step,omitempty"`
}

// eventTypes maps audit actions to event types (without EventTypePrefix);
// actions not listed make no event.
var eventTypes = map[string]string{
	"task.created":                        "task.started",
	"task.restarted":                      "task.restarted",
	"task.deadline-extended":              "task.deadline-extended",
	"task." + string(TaskCompleted):       "task.completed",
	"task." + string(TaskRejected):        "task.rejected",
	"task." + string(TaskExpired):         "task.expired",
	"task." + string(TaskFailed):          "task.failed",
	"signee." + string(SigneeDelegated):   "signee.delegated",
	"signee." + string(SigneeNotified):    "signee.told",
	"signee." + string(SigneeFailed):      "signee.failed",
	"signee." + string(SigneeRevoked):     "signee.released",
	"signee." + string(SigneeReceiptSent): "signee.receipt-sent",
	"signee.reminded":                     "signee.reminded",
	"signee.invitation-resent":            "signee.invitation-resent",
	"signee.replaced":                     "signee.replaced",
	"signature.recorded":                  "signee.signed",
}

// cancelReason is the close reason of the owner's cancel (Service.Cancel).
const cancelReason = "cancelled by the owner"

// EventTypes lists every event type, for documentation and schemas.
func EventTypes() []string {
	seen := map[string]bool{"task.cancelled": true}
	out := []string{EventTypePrefix + "task.cancelled"}
	for _, t := range eventTypes {
		if !seen[t] {
			seen[t] = true
			out = append(out, EventTypePrefix+t)
		}
	}
	slices.Sort(out)
	return out
}

// Events returns a page of the task's events, oldest first, to its
// instance owner: one per change the audit trail records (AuditTrail's
// paging: next continues). The same change is the same event (ID) on
// every read.
func (s *Service) Events(ctx context.Context, in ReadInput, page Page) ([]CloudEvent, string, error) {
	task, all, entries, next, err := s.auditPage(ctx, in, page, "read the events")
	if err != nil {
		return nil, "", err
	}
	signees := make(map[SigneeKey]Signee, len(all))
	for _, sg := range all {
		signees[sg.Key] = sg
	}
	out := make([]CloudEvent, 0, len(entries))
	for _, e := range entries {
		if ev, ok := TaskEvent(task, e, signees[e.SigneeKey]); ok {
			out = append(out, ev)
		}
	}
	return out, next, nil
}

// TaskEvent is the event of audit entry e of task (sg is e's signee, if
// any); ok is false for an entry that makes no event. A task closed by the
// owner's cancel (Service.Cancel's close reason) is task.cancelled.
func TaskEvent(task Task, e AuditEntry, sg Signee) (CloudEvent, bool) {
	typ, ok := eventTypes[e.Action]
	if !ok {
		return CloudEvent{}, false
	}
	if typ == "task.rejected" && strings.HasPrefix(e.Detail, cancelReason) {
		typ = "task.cancelled"
	}
	in := task.Instance
	data := EventData{Instance: in, TaskID: task.Key.TaskID, SigneeKey: e.SigneeKey}
	if e.SigneeKey != "" {
		data.Kind, data.MaskedID, data.OrgNumber = sg.Kind, sg.MaskedID, sg.OrgNumber
	}
	if typ == "signee.failed" {
		data.Step, _, _ = strings.Cut(e.Detail, ":")
	}
	at := e.At.UTC()
	sum := sha256.Sum256([]byte(strings.Join([]string{in.InstanceGUID, task.Key.TaskID, at.Format(time.RFC3339Nano), e.Action, string(e.SigneeKey)}, "\x00")))
	return CloudEvent{
		SpecVersion:     "1.0",
		ID:              hex.EncodeToString(sum[:16]),
		Source:          fmt.Sprintf("urn:altinn:signing:%s:%s", in.Org, in.App),
		Type:            EventTypePrefix + typ,
		Subject:         strconv.FormatInt(in.PartyID, 10) + "/" + in.InstanceGUID + "/" + task.Key.TaskID,
		Time:            at,
		DataContentType: "application/json",
		Data:            data,
	}, true
}

package dynamo

import (
	"strings"

	"github.com/signingflow/signing/internal/signing"
)

// StreamTypeAttr and StreamTypeAudit are what the publisher's event source
// filter matches in a stream record's NewImage: items of type "audit".
const (
	StreamTypeAttr  = AttrType
	StreamTypeAudit = typeAudit
)

// AuditFromImage reads an audit entry from a stream record's new image
// (attribute name → string value; every attribute of an audit item is a
// string). ok is false for an item that is not an audit entry.
func AuditFromImage(image map[string]string) (signing.TaskKey, signing.AuditEntry, bool) {
	if image[AttrType] != typeAudit {
		return signing.TaskKey{}, signing.AuditEntry{}, false
	}
	guid, ok := strings.CutPrefix(image[AttrPK], prefixInstance)
	it := auditItem{
		TaskID: image["taskId"], At: image["at"], Actor: image["actor"], Action: image["action"],
		SigneeKey: image["signeeKey"], Detail: image["detail"],
	}
	if !ok || guid == "" || it.TaskID == "" || it.Action == "" || it.At == "" {
		return signing.TaskKey{}, signing.AuditEntry{}, false
	}
	return signing.TaskKey{InstanceGUID: guid, TaskID: it.TaskID}, it.entry(), true
}

// AuditImage is the stream image of the audit item the store writes for
// entry e of task k (the inverse of AuditFromImage; its sort key ends in
// the action's last word, where the store's names the subject's state): the
// fault matrix and the handler tests make stream records of an in-memory
// store's trail.
func AuditImage(k signing.TaskKey, e signing.AuditEntry) map[string]string {
	event := e.Action[strings.LastIndexByte(e.Action, '.')+1:]
	it := newAuditItem(k, e, event)
	image := map[string]string{
		AttrPK: it.PK, AttrSK: it.SK, AttrType: it.Type, "taskId": it.TaskID, "at": it.At,
		"actor": it.Actor, "action": it.Action,
	}
	if it.SigneeKey != "" {
		image["signeeKey"] = it.SigneeKey
	}
	if it.Detail != "" {
		image["detail"] = it.Detail
	}
	return image
}

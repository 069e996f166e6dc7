package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/signingflow/signing/internal/platform/wire"
)

// sign plays POST storage/api/v1/instances/{partyId}/{guid}/sign
// (Altinn/altinn-storage at d9364e40: src/Storage/Controllers/SignController.cs,
// src/Storage/Services/SigningService.cs, src/Storage/Authorization/StorageAccessHandler.cs),
// in Storage's order:
//
//  1. the user's token is checked (401 without a valid one);
//  2. the decision point must permit "sign" on the current task, else 403
//     (an unknown instance is decided unenriched: 403, inferred): the
//     instance owner, a party delegated "sign" on the task, or a key-role
//     holder of an organisation delegated it (SigningRoles stand in for
//     altinn_keyrole_access);
//  3. no signee userId and no systemUserId → 400;
//  4. no userid claim → 401;
//  5. the signature type undeclared in the app's metadata, or bound to
//     another task → 405 (src/Storage/Services/ApplicationService.cs);
//  6. every element must be in the instance (404); each is hashed, SHA-256
//     as lowercase hex (src/Storage/Services/DataService.cs);
//  7. a locked application/json element "{type}.json" generated from the
//     task holds the SignDocument; earlier documents of the type with the
//     same signeeInfo are deleted; 201 with the JSON string
//     "SignDocument is created" and no data element.
func (e *Emulator) sign(c *call) reply {
	u, err := e.userOf(c.r.Header.Get("Authorization"))
	if err != nil {
		return problemReply(http.StatusUnauthorized, wire.CodeUnauthenticated, err.Error(), nil)
	}
	var req wire.SignRequest
	if rp, ok := decodeJSON(c, &req); !ok {
		return rp
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.st.instances[strings.ToLower(c.r.PathValue("instanceGuid"))]
	if !ok || in.CurrentTask == "" || !e.maySign(u, in) {
		return problemReply(http.StatusForbidden, wire.CodeForbidden, "the user may not sign the current task of this instance", nil)
	}
	if req.Signee.UserID == "" && req.Signee.SystemUserID == "" {
		return problemReply(http.StatusBadRequest, wire.CodeValidation, "The 'UserId' or 'SystemUserId' parameter must be defined for signee.", nil)
	}
	if u.userID <= 0 {
		return problemReply(http.StatusUnauthorized, wire.CodeUnauthenticated, "the token names no user", nil)
	}
	if taskID, declared := e.dataTypeTask(in, req.SignatureDocumentDataType); !declared || taskID != "" && taskID != in.CurrentTask {
		return problemReply(http.StatusMethodNotAllowed, wire.CodeMethodNotAllowed, "the signature data type is not declared for the current task", nil)
	}
	doc := wire.SignDocument{InstanceGUID: in.InstanceGUID, SignedTime: e.now().UTC(), SigneeInfo: req.Signee,
		DataElementSignatures: []wire.SignedElementDigest{}}
	for _, s := range req.DataElementSignatures {
		el := e.st.elements[strings.ToLower(s.DataElementID)]
		if el == nil || el.instanceID != in.id() {
			return problemReply(http.StatusNotFound, wire.CodeDataElementNotFound, "a data element to sign is not in the instance", nil)
		}
		sum := sha256.Sum256(el.bytes)
		doc.DataElementSignatures = append(doc.DataElementSignatures, wire.SignedElementDigest{
			DataElementID: el.meta.ID, SHA256Hash: hex.EncodeToString(sum[:]), Signed: s.Signed})
	}
	now := e.now()
	doc.ID = e.newID()
	body, _ := json.Marshal(doc)
	el := &element{
		instanceID: in.id(), bytes: body, source: "sign",
		meta: wire.DataElement{
			ID: doc.ID, InstanceGUID: in.InstanceGUID, DataType: req.SignatureDocumentDataType,
			Filename: req.SignatureDocumentDataType + ".json", ContentType: "application/json",
			Size: int64(len(body)), Locked: true, Tags: []string{}, Created: now, LastChanged: now,
			References: []wire.Reference{{Value: in.CurrentTask, Relation: wire.RelationGeneratedFrom, ValueType: wire.ValueTypeTask}},
		},
	}
	// Earlier documents of the type with the same signee are replaced.
	in.data = slices.DeleteFunc(in.data, func(old *element) bool {
		if old.meta.DataType != req.SignatureDocumentDataType || old.source != "sign" {
			return false
		}
		var prev wire.SignDocument
		if json.Unmarshal(old.bytes, &prev) != nil || prev.SigneeInfo != req.Signee {
			return false
		}
		delete(e.st.elements, old.meta.ID)
		return true
	})
	in.data = append(in.data, el)
	in.LastChanged = now
	e.st.elements[el.meta.ID] = el
	return jsonReply(http.StatusCreated, "SignDocument is created")
}

// maySign decides "sign" on the instance's current task for u; the caller
// holds e.mu.
func (e *Emulator) maySign(u user, in *instance) bool {
	if u.partyID > 0 && u.partyID == in.PartyID {
		return true
	}
	for _, d := range e.st.delegations {
		if d.InstanceGUID != in.InstanceGUID || d.Action != "sign" || d.TaskID != in.CurrentTask {
			continue
		}
		p, ok := e.st.partiesByUUID[d.To]
		switch {
		case !ok:
		case p.person != nil && p.person.PartyID == u.partyID:
			return true
		case p.org != nil && e.holdsKeyRole(strconv.FormatInt(u.userID, 10), p.org.OrgNumber):
			return true
		}
	}
	return false
}

// dataTypeTask reports whether the app declares dataType and the task it is
// bound to; the caller holds e.mu.
func (e *Emulator) dataTypeTask(in *instance, dataType string) (taskID string, declared bool) {
	taskID, declared = e.st.dataTypes[in.Org+"/"+in.App][strings.ToLower(dataType)]
	return taskID, declared
}

// dataTypesOf reads an application metadata's data types: lower-cased ID →
// the task each is bound to ("" for none). Unreadable metadata declares none.
func dataTypesOf(metadata []byte) map[string]string {
	var meta struct {
		DataTypes []struct {
			ID     string `json:"id"`
			TaskID string `json:"taskId"`
		} `json:"dataTypes"`
	}
	out := map[string]string{}
	if json.Unmarshal(metadata, &meta) != nil {
		return out
	}
	for _, dt := range meta.DataTypes {
		out[strings.ToLower(dt.ID)] = dt.TaskID
	}
	return out
}

package emulator

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/platform/wire"
)

var actionPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.:-]{0,99}$`)

// DelegationRecord is one right in force: action on task of an instance,
// delegated from the owner to a party.
type DelegationRecord struct {
	ResourceID   string    `json:"resourceId"`
	InstanceID   string    `json:"instanceId"`
	InstanceGUID string    `json:"instanceGuid"`
	Org          string    `json:"org"`
	App          string    `json:"app"`
	TaskID       string    `json:"taskId"`
	Action       string    `json:"action"`
	From         string    `json:"fromPartyUuid"`
	To           string    `json:"toPartyUuid"`
	DelegatedAt  time.Time `json:"delegatedAt"`
}

func (d DelegationRecord) same(o DelegationRecord) bool {
	return d.InstanceGUID == o.InstanceGUID && d.TaskID == o.TaskID && d.Action == o.Action && d.From == o.From && d.To == o.To
}

func (e *Emulator) delegate(c *call) reply { return e.delegation(c, true) }

func (e *Emulator) revoke(c *call) reply { return e.delegation(c, false) }

// delegation validates a delegate or revoke request fully, then applies it.
func (e *Emulator) delegation(c *call, grant bool) reply {
	var req wire.DelegationRequest
	if rp, ok := decodeJSON(c, &req); !ok {
		return rp
	}
	resourceID := c.r.PathValue("resourceId")
	guid := strings.ToLower(c.r.PathValue("instanceGuid"))
	fields := fieldErrors{}
	if !guidPattern.MatchString(guid) {
		fields.add("instanceId", "must be a GUID")
	}
	from, to := strings.ToLower(req.From.Value), strings.ToLower(req.To.Value)
	if req.From.Type != wire.TypePartyUUID || !guidPattern.MatchString(from) {
		fields.add("from", "must be {type: %s, value: <party UUID>}", wire.TypePartyUUID)
	}
	if req.To.Type != wire.TypePartyUUID || !guidPattern.MatchString(to) {
		fields.add("to", "must be {type: %s, value: <party UUID>}", wire.TypePartyUUID)
	}
	if len(req.Rights) == 0 {
		fields.add("rights", "must list at least one right")
	}
	for i, r := range req.Rights {
		field := fmt.Sprintf("rights[%d]", i)
		app, org, task := r.ResourceValue(wire.TypeApp), r.ResourceValue(wire.TypeOrg), r.ResourceValue(wire.TypeTask)
		if app == "" || org == "" || task == "" {
			fields.add(field+".resource", "must name %s, %s and %s", wire.TypeApp, wire.TypeOrg, wire.TypeTask)
		} else if "app_"+org+"_"+app != resourceID {
			fields.add(field+".resource", "does not match the resource in the URL")
		}
		if r.Action.Type != wire.TypeAction || !actionPattern.MatchString(r.Action.Value) {
			fields.add(field+".action", "must be {type: %s, value: <action>}", wire.TypeAction)
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if len(fields) > 0 {
		return invalid(fields)
	}
	in, ok := e.st.instances[guid]
	if !ok {
		return problemReply(http.StatusNotFound, wire.CodeInstanceNotFound, "no instance with this GUID", nil)
	}
	if "app_"+in.Org+"_"+in.App != resourceID {
		return invalid(fieldErrors{"resourceId": {"is not the instance's app"}})
	}
	if from != in.owner.uuid() {
		return invalid(fieldErrors{"from": {"must be the instance owner's party"}})
	}
	if _, ok := e.st.partiesByUUID[to]; !ok || to == from {
		return invalid(fieldErrors{"to": {"must be a known party other than the owner"}})
	}

	now := e.now()
	resp := wire.DelegationResponse{
		From: wire.Attribute{Type: wire.TypePartyUUID, Value: from}, To: wire.Attribute{Type: wire.TypePartyUUID, Value: to},
		ResourceID: resourceID, InstanceID: in.id(),
	}
	for _, r := range req.Rights {
		rec := DelegationRecord{
			ResourceID: resourceID, InstanceID: in.id(), InstanceGUID: guid, Org: in.Org, App: in.App,
			TaskID: r.ResourceValue(wire.TypeTask), Action: r.Action.Value, From: from, To: to, DelegatedAt: now,
		}
		i := indexOf(e.st.delegations, rec)
		out := r
		if grant {
			if i < 0 {
				e.st.delegations = append(e.st.delegations, rec)
			}
			out.Status = wire.RightDelegated
		} else {
			if i >= 0 {
				e.st.delegations = append(e.st.delegations[:i], e.st.delegations[i+1:]...)
			}
			out.Status = wire.RightRevoked
		}
		resp.Rights = append(resp.Rights, out)
	}
	return jsonReply(http.StatusOK, resp)
}

func indexOf(recs []DelegationRecord, rec DelegationRecord) int {
	for i, r := range recs {
		if r.same(rec) {
			return i
		}
	}
	return -1
}

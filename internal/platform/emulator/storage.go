package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/signingflow/signing/internal/platform/wire"
)

// findInstance resolves the storage path values; the caller holds e.mu.
func (e *Emulator) findInstance(r *http.Request) (*instance, reply, bool) {
	fields := fieldErrors{}
	if partyID, err := strconv.ParseInt(r.PathValue("partyId"), 10, 32); err != nil || partyID <= 0 {
		fields.add("instanceOwnerPartyId", "must be a positive integer")
	}
	guid := strings.ToLower(r.PathValue("instanceGuid"))
	if !guidPattern.MatchString(guid) {
		fields.add("instanceGuid", "must be a GUID")
	}
	if len(fields) > 0 {
		return nil, invalid(fields), false
	}
	// Storage looks the instance up by "{partyId}/{guid}" but does not compare
	// the route's party with the owner (Altinn/altinn-storage
	// src/Storage/Controllers/InstancesController.cs); the GUID decides.
	in, ok := e.st.instances[guid]
	if !ok {
		return nil, problemReply(http.StatusNotFound, wire.CodeInstanceNotFound, "no instance with this owner and GUID", nil), false
	}
	return in, reply{}, true
}

// wireInstance is the storage view of in; the caller holds e.mu.
func (in *instance) wire() wire.Instance {
	out := wire.Instance{
		ID:            in.id(),
		InstanceOwner: in.wireOwner(),
		AppID:         in.Org + "/" + in.App,
		Org:           in.Org,
		Created:       in.Created.UTC(),
		LastChanged:   in.LastChanged.UTC(),
		Data:          make([]wire.DataElement, 0, len(in.data)),
	}
	started := in.Created.UTC()
	// The fixture's process: a start event, a data task (flow 1), then the
	// current task (flow 2) or the end.
	out.Process = &wire.ProcessState{Started: &started, StartEvent: new("StartEvent_1")}
	if in.CurrentTask != "" {
		out.Process.CurrentTask = &wire.ProcessElement{
			Flow: new(2), Started: &started, ElementID: in.CurrentTask, Name: new(in.CurrentTask),
			AltinnTaskType: new(in.CurrentTaskType), FlowType: new("CompleteCurrentMoveToNext"),
		}
	} else {
		ended := in.LastChanged.UTC()
		out.Process.Ended = &ended
		out.Process.EndEvent = new("EndEvent_1")
	}
	for _, el := range in.data {
		out.Data = append(out.Data, el.meta)
	}
	return out
}

// wireOwner is Storage's instance owner (Altinn/altinn-storage
// src/Storage.Interface/Models/InstanceOwner.cs): the party ID as a string
// and the person or organisation number, never a party UUID.
func (in *instance) wireOwner() wire.InstanceOwner {
	o := wire.InstanceOwner{PartyID: strconv.FormatInt(in.PartyID, 10)}
	switch {
	case in.owner.person != nil:
		o.PersonNumber = wire.NullStr(in.owner.person.SSN)
	case in.owner.org != nil:
		o.OrganisationNumber = wire.NullStr(in.owner.org.OrgNumber)
	}
	return o
}

// listData answers GET …/dataelements: {dataElements: […]}
// (Altinn/altinn-storage src/Storage/Controllers/DataController.cs).
func (e *Emulator) listData(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, rp, ok := e.findInstance(c.r)
	if !ok {
		return rp
	}
	out := struct {
		DataElements []wire.DataElement `json:"dataElements"`
	}{DataElements: []wire.DataElement{}}
	for _, el := range in.data {
		out.DataElements = append(out.DataElements, el.meta)
	}
	return jsonReply(http.StatusOK, out)
}

func (e *Emulator) getInstance(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, rp, ok := e.findInstance(c.r)
	if !ok {
		return rp
	}
	return jsonReply(http.StatusOK, in.wire())
}

func (e *Emulator) readData(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, rp, ok := e.findInstance(c.r)
	if !ok {
		return rp
	}
	id := strings.ToLower(c.r.PathValue("dataGuid"))
	if !guidPattern.MatchString(id) {
		return invalid(fieldErrors{"dataGuid": {"must be a GUID"}})
	}
	el, ok := e.st.elements[id]
	if !ok || el.instanceID != in.id() {
		return problemReply(http.StatusNotFound, wire.CodeDataElementNotFound, "the instance has no data element with this ID", nil)
	}
	sum := sha256.Sum256(el.bytes)
	h := http.Header{
		"Content-Type":   {el.meta.ContentType},
		"Content-Length": {strconv.Itoa(len(el.bytes))},
		"Last-Modified":  {el.meta.LastChanged.UTC().Format(http.TimeFormat)},
		"Etag":           {`"` + hex.EncodeToString(sum[:16]) + `"`},
	}
	if el.meta.Filename != "" {
		if cd := mime.FormatMediaType("attachment", map[string]string{"filename": el.meta.Filename}); cd != "" {
			h.Set("Content-Disposition", cd)
		}
	}
	return reply{status: http.StatusOK, header: h, body: el.bytes}
}

// createRequest is what identifies a create-data request for idempotency.
type createRequest struct {
	DataType          string `json:"dataType"`
	GeneratedFromTask string `json:"generatedFromTask"`
	ContentType       string `json:"contentType"`
	Filename          string `json:"filename"`
	SHA256            string `json:"sha256"`
}

func (e *Emulator) createData(c *call) reply {
	q := c.r.URL.Query()
	fields := fieldErrors{}
	req := createRequest{DataType: q.Get("dataType"), GeneratedFromTask: q.Get("generatedFromTask")}
	if !typePattern.MatchString(req.DataType) {
		fields.add("dataType", "must be a data type name")
	}
	if req.GeneratedFromTask != "" && !typePattern.MatchString(req.GeneratedFromTask) {
		fields.add("generatedFromTask", "must be a task ID")
	}
	mt, params, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || !strings.Contains(mt, "/") {
		fields.add("Content-Type", "must be a media type")
	} else {
		req.ContentType = mime.FormatMediaType(mt, params)
	}
	if cd := c.r.Header.Get("Content-Disposition"); cd != "" {
		_, params, err := mime.ParseMediaType(cd)
		switch {
		case err != nil:
			fields.add("Content-Disposition", "must be a valid header")
		case strings.ContainsAny(params["filename"], "/\\\x00"):
			fields.add("Content-Disposition", "filename must not contain a path")
		default:
			req.Filename = params["filename"]
		}
	}
	if len(c.body) == 0 {
		// Storage refuses an empty body (Altinn/altinn-storage src/Storage/Controllers/DataController.cs).
		fields.add("body", "must not be empty")
	}
	// Storage takes no idempotency key: a repeated POST is a second element.
	sum := sha256.Sum256(c.body)
	req.SHA256 = hex.EncodeToString(sum[:])

	e.mu.Lock()
	defer e.mu.Unlock()
	in, rp, ok := e.findInstance(c.r)
	if !ok {
		return rp
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	if _, declared := e.dataTypeTask(in, req.DataType); !declared {
		return invalid(fieldErrors{"dataType": {"is not a data type of the application"}})
	}
	now := e.now()
	el := &element{
		instanceID: in.id(),
		bytes:      append([]byte(nil), c.body...),
		source:     "api",
		meta: wire.DataElement{
			ID: e.newID(), InstanceGUID: in.InstanceGUID, DataType: req.DataType, Filename: req.Filename,
			ContentType: req.ContentType, Size: int64(len(c.body)), Tags: []string{}, Created: now, LastChanged: now,
		},
	}
	if req.GeneratedFromTask != "" {
		el.meta.References = []wire.Reference{{Value: req.GeneratedFromTask, Relation: wire.RelationGeneratedFrom, ValueType: wire.ValueTypeTask}}
	}
	in.data = append(in.data, el)
	in.LastChanged = now
	e.st.elements[el.meta.ID] = el
	rp = jsonReply(http.StatusCreated, el.meta)
	rp.header.Set("Location", c.r.URL.Path+"/"+el.meta.ID)
	return rp
}

// findApplication resolves the application path values; the caller holds e.mu.
func (e *Emulator) findApplication(r *http.Request) (Application, reply, bool) {
	org, app := r.PathValue("org"), r.PathValue("app")
	if !namePattern.MatchString(org) || !namePattern.MatchString(app) {
		return Application{}, invalid(fieldErrors{"app": {"org and app must be lowercase names"}}), false
	}
	a, ok := e.st.applications[org+"/"+app]
	if !ok {
		return Application{}, problemReply(http.StatusNotFound, wire.CodeApplicationNotFound, "no such application", nil), false
	}
	return a, reply{}, true
}

// getApplication serves the app's applicationmetadata.json as it is.
func (e *Emulator) getApplication(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, rp, ok := e.findApplication(c.r)
	if !ok {
		return rp
	}
	return reply{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: a.MetadataBytes}
}

// getTexts serves the app's resource.{language}.json as it is.
func (e *Emulator) getTexts(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, rp, ok := e.findApplication(c.r)
	if !ok {
		return rp
	}
	lang := c.r.PathValue("language")
	if !languagePattern.MatchString(lang) {
		return invalid(fieldErrors{"language": {"must be a two- or three-letter language code"}})
	}
	b, ok := a.TextBytes[lang]
	if !ok {
		return problemReply(http.StatusNotFound, wire.CodeTextsNotFound, "the application has no texts in this language", nil)
	}
	return reply{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: b}
}

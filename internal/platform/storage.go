package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

// errStreamTimeout is the cause of a streamed read cancelled by StreamTimeout.
var errStreamTimeout = fmt.Errorf("platform: stream timed out: %w", context.DeadlineExceeded)

var (
	guidPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	})
	dataTypePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`) })
)

// StorageClient reads instances and data elements and creates app-owned data
// elements in storage.
type StorageClient struct {
	s *service
}

var _ signing.Storage = (*StorageClient)(nil)

// NewStorageClient returns a client for Config.StorageURL.
func NewStorageClient(c Config) (*StorageClient, error) {
	s, err := c.newService("storage", "StorageURL", c.StorageURL)
	if err != nil {
		return nil, err
	}
	return &StorageClient{s: s}, nil
}

// GetInstance returns the instance with its data elements.
func (c *StorageClient) GetInstance(ctx context.Context, ref signing.InstanceRef) (signing.Instance, error) {
	const op = "getInstance"
	if err := ref.Validate(); err != nil {
		return signing.Instance{}, c.s.invalidRequest(op, err)
	}
	var in wire.Instance
	err := c.s.doJSON(ctx, request{
		op: op, method: http.MethodGet,
		path: []string{"instances", strconv.FormatInt(ref.PartyID, 10), ref.InstanceGUID},
	}, &in)
	if err != nil {
		return signing.Instance{}, err
	}
	if in.InstanceOwner.PartyID != "" && in.InstanceOwner.PartyID != strconv.FormatInt(ref.PartyID, 10) {
		// Storage does not compare the route's party with the owner
		// (InstancesController.cs); a path naming another party finds nothing here.
		return signing.Instance{}, &PermanentError{Service: c.s.name, Operation: op, Status: http.StatusOK, Code: "OwnerMismatch",
			Detail: "the instance belongs to another party", Err: signing.ErrNotFound}
	}
	if in.AppID != "" && in.AppID != ref.AppID() {
		return signing.Instance{}, &PermanentError{Service: c.s.name, Operation: op, Status: http.StatusOK, Code: "AppMismatch",
			Detail: "the instance belongs to another app", Err: signing.ErrNotFound}
	}
	out := signing.Instance{
		Ref:            ref,
		OwnerOrgNumber: string(in.InstanceOwner.OrganisationNumber),
		Data:           make([]signing.DataElement, 0, len(in.Data)),
	}
	if pn := string(in.InstanceOwner.PersonNumber); pn != "" && out.OwnerOrgNumber == "" {
		// Storage is the authority on its owner: test environments' synthetic numbers count.
		id, err := ident.ParseNationalID(pn, ident.AllowSynthetic())
		if err != nil {
			return signing.Instance{}, c.s.invalidResponse(op, http.StatusOK, "the instance owner's person number is not a national ID")
		}
		out.OwnerPerson = id
	}
	if p := in.Process; p != nil {
		out.Process = &signing.Process{Started: p.Started, StartEvent: p.StartEvent, Ended: p.Ended, EndEvent: p.EndEvent}
		if t := p.CurrentTask; t != nil {
			out.Process.CurrentTask = &signing.ProcessTask{
				Flow: t.Flow, Started: t.Started, ElementID: t.ElementID, Name: t.Name,
				AltinnTaskType: t.AltinnTaskType, Ended: t.Ended, FlowType: t.FlowType,
			}
			if p.Ended == nil {
				out.CurrentTask = t.ElementID
				if t.AltinnTaskType != nil {
					out.CurrentTaskType = *t.AltinnTaskType
				}
			}
		}
	}
	for _, d := range in.Data {
		out.Data = append(out.Data, dataElement(d))
	}
	return out, nil
}

// dataElement converts a wire data element.
func dataElement(d wire.DataElement) signing.DataElement {
	tags := d.Tags
	if tags == nil {
		tags = []string{}
	}
	return signing.DataElement{
		ID:                strings.ToLower(d.ID),
		DataType:          d.DataType,
		ContentType:       d.ContentType,
		Filename:          d.Filename,
		Size:              d.Size,
		Tags:              tags,
		Created:           d.Created,
		LastChanged:       d.LastChanged,
		GeneratedFromTask: d.GeneratedFromTask(),
	}
}

// ReadData streams a data element's bytes. The returned DataElement carries
// what the response headers say: ID, ContentType, Filename (from
// Content-Disposition), Size (Content-Length, 0 if unknown) and LastChanged
// (Last-Modified, second precision); DataType and Created come with
// GetInstance. The call timeout covers the wait for the headers, the stream
// timeout the reading; the caller must close the reader.
func (c *StorageClient) ReadData(ctx context.Context, ref signing.InstanceRef, dataElementID string) (io.ReadCloser, signing.DataElement, error) {
	const op = "readData"
	if err := ref.Validate(); err != nil {
		return nil, signing.DataElement{}, c.s.invalidRequest(op, err)
	}
	if !guidPattern().MatchString(dataElementID) {
		return nil, signing.DataElement{}, c.s.invalidRequest(op, fieldErrorf("dataElementId", "must be a GUID"))
	}
	id := strings.ToLower(dataElementID)

	ctx, cancel := context.WithCancelCause(ctx)
	headerTimer := time.AfterFunc(c.s.timeout, func() { cancel(errCallTimeout) })
	resp, err := c.s.send(ctx, request{
		op: op, method: http.MethodGet, accept: "*/*",
		path: []string{"instances", strconv.FormatInt(ref.PartyID, 10), ref.InstanceGUID, "data", id},
	})
	headerTimer.Stop()
	if err != nil {
		cancel(nil)
		return nil, signing.DataElement{}, err
	}
	el := signing.DataElement{ID: id, ContentType: resp.Header.Get("Content-Type")}
	if resp.ContentLength > 0 {
		el.Size = resp.ContentLength
	}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		el.Filename = params["filename"]
	}
	if t, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		el.LastChanged = t.UTC()
	}
	st := &stream{s: c.s, op: op, ctx: ctx, body: resp.Body, cancel: cancel}
	st.timer = time.AfterFunc(c.s.streamTimeout, func() { cancel(errStreamTimeout) })
	return st, el, nil
}

// stream is a response body whose read errors are classified and whose
// Close releases the call's context.
type stream struct {
	s      *service
	op     string
	ctx    context.Context
	body   io.ReadCloser
	cancel context.CancelCauseFunc
	timer  *time.Timer
}

// Read reads from the body; a failure other than io.EOF is a *TransientError.
func (st *stream) Read(p []byte) (int, error) {
	n, err := st.body.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, st.s.transportError(st.ctx, st.op, err)
	}
	return n, err
}

// Close closes the body and releases the context.
func (st *stream) Close() error {
	st.timer.Stop()
	err := st.body.Close()
	st.cancel(context.Canceled)
	return err
}

// CreateData creates an app-owned data element. Storage takes no
// idempotency key (Altinn/altinn-storage src/Storage/Controllers/DataController.cs),
// so with el.IdempotencyKey set the client first lists the instance's data
// elements and returns an earlier one of the same type, generated from the
// same task, with the same filename: a retry after a lost answer (or a
// crash before the caller recorded it) finds the first element instead of
// writing a second. Callers give such elements a filename unique to what
// they are.
func (c *StorageClient) CreateData(ctx context.Context, ref signing.InstanceRef, el signing.NewDataElement) (signing.DataElement, error) {
	const op = "createData"
	var errs signing.FieldErrors
	if err := ref.Validate(); err != nil {
		return signing.DataElement{}, c.s.invalidRequest(op, err)
	}
	if !dataTypePattern().MatchString(el.DataType) {
		errs.Add("dataType", "must be 1-100 letters, digits, '_', '-' or '.'")
	}
	if mt, _, err := mime.ParseMediaType(el.ContentType); err != nil || !strings.Contains(mt, "/") {
		errs.Add("contentType", "must be a media type such as application/pdf")
	}
	if el.GeneratedFromTask != "" && !dataTypePattern().MatchString(el.GeneratedFromTask) {
		errs.Add("generatedFromTask", "must be a task ID")
	}
	if el.IdempotencyKey != "" {
		if err := checkIdempotencyKey(el.IdempotencyKey); err != nil {
			errs = append(errs, err.(*signing.FieldError))
		}
	}
	var disposition string
	if el.Filename != "" {
		if strings.ContainsAny(el.Filename, "/\\\x00") || len(el.Filename) > 255 {
			errs.Add("filename", "must be a file name without a path, at most 255 bytes")
		} else if disposition = mime.FormatMediaType("attachment", map[string]string{"filename": el.Filename}); disposition == "" {
			errs.Add("filename", "cannot be put in a Content-Disposition header")
		}
	}
	if err := errs.Err(); err != nil {
		return signing.DataElement{}, c.s.invalidRequest(op, err)
	}
	q := url.Values{"dataType": {el.DataType}}
	if el.GeneratedFromTask != "" {
		q.Set("generatedFromTask", el.GeneratedFromTask)
	}
	h := http.Header{}
	if disposition != "" {
		h.Set("Content-Disposition", disposition)
	}
	if el.IdempotencyKey != "" {
		if found, ok, err := c.findData(ctx, ref, el); err != nil || ok {
			return found, err
		}
	}
	body := el.Body
	if body == nil {
		body = []byte{}
	}
	var out wire.DataElement
	err := c.s.doJSON(ctx, request{
		op: op, method: http.MethodPost, query: q, header: h, body: body, contentType: el.ContentType,
		path: []string{"instances", strconv.FormatInt(ref.PartyID, 10), ref.InstanceGUID, "data"},
	}, &out)
	if err != nil {
		return signing.DataElement{}, err
	}
	if !guidPattern().MatchString(out.ID) {
		return signing.DataElement{}, c.s.invalidResponse(op, http.StatusCreated, "the created data element has no ID")
	}
	return dataElement(out), nil
}

// Sign has Storage sign data elements for the user whose token it is:
// POST instances/{partyId}/{guid}/sign with the user's own token, as app-lib
// does (Altinn/app-lib-dotnet src/Altinn.App.Core/Infrastructure/Clients/Storage/SignClient.cs).
// Storage checks the user's sign right on the current task, computes the
// digests, writes the signature document and answers 201 (Altinn/altinn-storage
// src/Storage/Controllers/SignController.cs, src/Storage/Services/SigningService.cs).
func (c *StorageClient) Sign(ctx context.Context, userToken string, ref signing.InstanceRef, in signing.StorageSign) error {
	const op = "sign"
	var errs signing.FieldErrors
	if err := ref.Validate(); err != nil {
		return c.s.invalidRequest(op, err)
	}
	if userToken == "" || strings.ContainsAny(userToken, "\r\n\t ") {
		errs.Add("userToken", "must be the caller's token")
	}
	if !dataTypePattern().MatchString(in.SignatureDataType) {
		errs.Add("signatureDataType", "must be a data type")
	}
	if in.TaskID != "" && !dataTypePattern().MatchString(in.TaskID) {
		errs.Add("taskId", "must be a task ID")
	}
	if in.UserID == "" {
		errs.Add("userId", "must be set")
	}
	if len(in.DataElementIDs) == 0 {
		errs.Add("dataElementIds", "must name at least one data element")
	}
	req := wire.SignRequest{
		SignatureDocumentDataType: in.SignatureDataType, GeneratedFromTask: in.TaskID,
		Signee: wire.Signee{UserID: wire.NullStr(in.UserID), PersonNumber: wire.NullStr(in.Person.Digits()), OrganisationNumber: wire.NullStr(in.OrgNumber)},
	}
	for i, id := range in.DataElementIDs {
		if !guidPattern().MatchString(id) {
			errs.Add("dataElementIds["+itoa(i)+"]", "must be a GUID")
		}
		req.DataElementSignatures = append(req.DataElementSignatures, wire.DataElementSignature{DataElementID: strings.ToLower(id), Signed: true})
	}
	if err := errs.Err(); err != nil {
		return c.s.invalidRequest(op, err)
	}
	body, err := marshal(req)
	if err != nil {
		return c.s.invalidRequest(op, err)
	}
	return c.s.doJSON(ctx, request{
		op: op, method: http.MethodPost, bearer: userToken,
		path: []string{"instances", strconv.FormatInt(ref.PartyID, 10), ref.InstanceGUID, "sign"},
		body: body, contentType: "application/json",
	}, nil)
}

// findData returns the instance's element of el's type, task and filename.
func (c *StorageClient) findData(ctx context.Context, ref signing.InstanceRef, el signing.NewDataElement) (signing.DataElement, bool, error) {
	var list struct {
		DataElements []wire.DataElement `json:"dataElements"`
	}
	err := c.s.doJSON(ctx, request{
		op: "listData", method: http.MethodGet,
		path: []string{"instances", strconv.FormatInt(ref.PartyID, 10), ref.InstanceGUID, "dataelements"},
	}, &list)
	if err != nil {
		return signing.DataElement{}, false, err
	}
	for _, d := range list.DataElements {
		if d.DataType == el.DataType && d.GeneratedFromTask() == el.GeneratedFromTask && d.Filename == el.Filename && guidPattern().MatchString(d.ID) {
			return dataElement(d), true, nil
		}
	}
	return signing.DataElement{}, false, nil
}

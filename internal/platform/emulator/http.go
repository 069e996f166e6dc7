package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/platform/emulator/idp"
	"github.com/signingflow/signing/internal/platform/wire"
)

// Operation names, used by fault injection and call counts. They match the
// clients' error Service + "." + Operation.
const (
	OpGetInstance          = "storage.getInstance"
	OpReadData             = "storage.readData"
	OpCreateData           = "storage.createData"
	OpSign                 = "storage.sign"
	OpListData             = "storage.listData"
	OpGetApplication       = "storage.getApplication"
	OpGetTexts             = "storage.getTexts"
	OpDelegate             = "access.delegate"
	OpRevoke               = "access.revoke"
	OpSend                 = "correspondence.send"
	OpFindCorrespondence   = "correspondence.find"
	OpInitializeAttachment = "correspondence.initializeAttachment"
	OpUploadAttachment     = "correspondence.uploadAttachment"
	OpGetAttachment        = "correspondence.getAttachment"
	OpLookupPerson         = "register.lookupPerson"
	OpLookupOrganisation   = "register.lookupOrganisation"
	OpGetParty             = "register.getParty"
	OpDecide               = "authorization.decide"
)

// Operations lists every operation name.
var Operations = []string{
	OpGetInstance, OpReadData, OpCreateData, OpSign, OpListData, OpGetApplication, OpGetTexts, OpDelegate, OpRevoke, OpSend,
	OpFindCorrespondence, OpInitializeAttachment, OpUploadAttachment, OpGetAttachment,
	OpLookupPerson, OpLookupOrganisation, OpGetParty, OpDecide,
}

// Body limits.
const (
	maxJSONBody = 1 << 20
	maxDataBody = 32 << 20
)

// reply is a complete HTTP answer, built under the lock and written after it.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (rp reply) write(w http.ResponseWriter) {
	for k, vs := range rp.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(rp.status)
	_, _ = w.Write(rp.body)
}

// jsonReply encodes v as the body.
func jsonReply(status int, v any) reply {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return problemReply(http.StatusInternalServerError, "Internal", "the emulator could not encode its answer", nil)
	}
	return reply{status: status, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: b.Bytes()}
}

// problemReply is an RFC 9457 problem. detail and fields never hold input values.
func problemReply(status int, code, detail string, fields map[string][]string) reply {
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	b, _ := json.Marshal(wire.Problem{
		Type:   "urn:signingflow:platform-emulator:" + code,
		Title:  title,
		Status: status,
		Detail: detail,
		Code:   code,
		Errors: fields,
	})
	return reply{status: status, header: http.Header{"Content-Type": {wire.ProblemContentType}}, body: append(b, '\n')}
}

// altinnProblem is an Altinn ProblemDetails 5.x body (Altinn/altinn-authorization-utils
// src/Altinn.Authorization.ProblemDetails/src/ProblemDetails/AltinnProblemDetails.cs,
// AltinnValidationProblemDetails.cs): type urn:altinn:error:{code}, the
// descriptor's title, code, statusDescription and, for a validation
// problem (code STD-00000), validationErrors.
func altinnProblem(status int, code, title string, verrs []wire.ValidationError) reply {
	b, _ := json.Marshal(wire.Problem{
		Type: "urn:altinn:error:" + code, Title: title, Status: status, Code: code,
		StatusDescription: http.StatusText(status), ValidationErrors: verrs,
	})
	return reply{status: status, header: http.Header{"Content-Type": {wire.ProblemContentType}}, body: append(b, '\n')}
}

// invalid is a 400 ValidationFailed problem listing field errors.
func invalid(fields map[string][]string) reply {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return problemReply(http.StatusBadRequest, wire.CodeValidation, "one or more fields are invalid: "+strings.Join(names, ", "), fields)
}

// fieldErrors collects validation errors by field.
type fieldErrors map[string][]string

func (f fieldErrors) add(field, format string, args ...any) {
	f[field] = append(f[field], fmt.Sprintf(format, args...))
}

// call is one API request with its body read.
type call struct {
	r    *http.Request
	op   string
	body []byte
	// platform are the claims of the verified PlatformAccessToken, on
	// endpoints with platformToken.
	platform idp.PlatformClaims
}

// endpoint is one API operation on one path and method.
type endpoint struct {
	op string
	// opOf picks the operation from the body when one path serves several.
	opOf    func(body []byte) string
	maxBody int64
	handle  func(c *call) reply
	// platformToken requires a PlatformAccessToken the emulator's IDP
	// verifies (platformAccess; Register also takes a scope instead:
	// authorize).
	platformToken bool
	// anonymous endpoints need no bearer token (a valid one still makes
	// the caller an authenticated user); the others need what authorize
	// says their service asks of it.
	anonymous bool
}

// route serves endpoints by method on one path pattern; other methods get 405.
func (e *Emulator) route(mux *http.ServeMux, pattern string, byMethod map[string]endpoint) {
	allow := make([]string, 0, len(byMethod))
	for m := range byMethod {
		allow = append(allow, m)
	}
	sort.Strings(allow)
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		ep, ok := byMethod[r.Method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			problemReply(http.StatusMethodNotAllowed, wire.CodeMethodNotAllowed, "use "+strings.Join(allow, " or "), nil).write(w)
			return
		}
		e.serve(w, r, ep)
	})
}

// serve runs one API call: read the body, count the call, apply a fault,
// check the token, then handle.
func (e *Emulator) serve(w http.ResponseWriter, r *http.Request, ep endpoint) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ep.maxBody))
	op := ep.op
	if ep.opOf != nil && err == nil {
		op = ep.opOf(body)
	}
	e.recordCall(op)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			problemReply(http.StatusRequestEntityTooLarge, wire.CodeTooLarge, fmt.Sprintf("the body exceeds %d bytes", ep.maxBody), nil).write(w)
			return
		}
		problemReply(http.StatusBadRequest, wire.CodeInvalidJSON, "the body could not be read", nil).write(w)
		return
	}
	if f := e.takeFault(op); f != nil {
		if f.LatencyMs > 0 && !sleepOrDone(r.Context(), time.Duration(f.LatencyMs)*time.Millisecond) {
			// The client gave up during the latency: nothing is processed.
			return
		}
		if f.Status != 0 {
			f.reply().write(w)
			return
		}
	}
	c := &call{r: r, op: op, body: body}
	if rp, ok := e.authorize(r, ep, c); !ok {
		rp.write(w)
		return
	}
	ep.handle(c).write(w)
}

// decodeJSON checks the media type and decodes c.body into v. Error
// details never quote the input.
func decodeJSON(c *call, v any) (reply, bool) {
	mt, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return problemReply(http.StatusUnsupportedMediaType, wire.CodeUnsupportedMedia, "the body must be application/json", nil), false
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	if err := dec.Decode(v); err != nil {
		return problemReply(http.StatusBadRequest, wire.CodeInvalidJSON, jsonProblem(err), nil), false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return problemReply(http.StatusBadRequest, wire.CodeInvalidJSON, "unexpected data after the JSON value", nil), false
	}
	return reply{}, true
}

// jsonProblem describes a JSON decoding error without quoting the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte offset %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q must be a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()))
		}
		return "the body must be a JSON object"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return err.Error()
	}
	return "malformed JSON"
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	}
	return "number"
}

// Handler serves every service under one base URL:
//
//	/storage/api/v1/…, /accessmanagement/api/v1/…, /correspondence/api/v1/…,
//	/register/api/v1/…, /authorization/api/v1/…, the IDP's Maskinporten and
//	/authentication/api/v1/… (identity) and /_emulator/….
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	const storage = "/storage/api/v1/instances/{partyId}/{instanceGuid}"
	e.route(mux, storage, map[string]endpoint{
		http.MethodGet: {op: OpGetInstance, maxBody: maxJSONBody, handle: e.getInstance},
	})
	e.route(mux, storage+"/dataelements", map[string]endpoint{
		http.MethodGet: {op: OpListData, maxBody: maxJSONBody, handle: e.listData},
	})
	e.route(mux, storage+"/sign", map[string]endpoint{
		// The user's own token, checked by the handler.
		http.MethodPost: {op: OpSign, maxBody: maxJSONBody, handle: e.sign, anonymous: true},
	})
	e.route(mux, storage+"/data", map[string]endpoint{
		http.MethodPost: {op: OpCreateData, maxBody: maxDataBody, handle: e.createData},
	})
	e.route(mux, storage+"/data/{dataGuid}", map[string]endpoint{
		http.MethodGet: {op: OpReadData, maxBody: maxJSONBody, handle: e.readData},
	})
	e.route(mux, "/storage/api/v1/applications/{org}/{app}", map[string]endpoint{
		// Anonymous upstream (Altinn/altinn-storage src/Storage/Controllers/ApplicationsController.cs).
		http.MethodGet: {op: OpGetApplication, maxBody: maxJSONBody, handle: e.getApplication, anonymous: true},
	})
	e.route(mux, "/storage/api/v1/applications/{org}/{app}/texts/{language}", map[string]endpoint{
		http.MethodGet: {op: OpGetTexts, maxBody: maxJSONBody, handle: e.getTexts},
	})
	e.route(mux, "/accessmanagement/api/v1/app/delegations/resource/{resourceId}/instance/{instanceGuid}", map[string]endpoint{
		// PlatformAccessToken alone, no bearer (access.go).
		http.MethodPost: {op: OpDelegate, maxBody: maxJSONBody, handle: e.delegate, platformToken: true, anonymous: true},
	})
	e.route(mux, "/accessmanagement/api/v1/app/delegationrevoke/resource/{resourceId}/instance/{instanceGuid}", map[string]endpoint{
		http.MethodPost: {op: OpRevoke, maxBody: maxJSONBody, handle: e.revoke, platformToken: true, anonymous: true},
	})
	e.route(mux, "/correspondence/api/v1/correspondence", map[string]endpoint{
		http.MethodPost: {op: OpSend, maxBody: maxJSONBody, handle: e.sendCorrespondence},
		http.MethodGet:  {op: OpFindCorrespondence, maxBody: maxJSONBody, handle: e.findCorrespondences},
	})
	e.route(mux, "/correspondence/api/v1/attachment", map[string]endpoint{
		http.MethodPost: {op: OpInitializeAttachment, maxBody: maxJSONBody, handle: e.initializeAttachment},
	})
	e.route(mux, "/correspondence/api/v1/attachment/{attachmentId}/upload", map[string]endpoint{
		http.MethodPost: {op: OpUploadAttachment, maxBody: maxDataBody, handle: e.uploadAttachment},
	})
	e.route(mux, "/correspondence/api/v1/attachment/{attachmentId}", map[string]endpoint{
		http.MethodGet: {op: OpGetAttachment, maxBody: maxJSONBody, handle: e.getAttachment},
	})
	e.route(mux, "/register/api/v1/parties/lookup", map[string]endpoint{
		http.MethodPost: {op: OpLookupPerson, opOf: lookupOp, maxBody: maxJSONBody, handle: e.lookupParty, platformToken: true},
	})
	e.route(mux, "/register/api/v1/parties/{partyId}", map[string]endpoint{
		http.MethodGet: {op: OpGetParty, maxBody: maxJSONBody, handle: e.getParty, platformToken: true},
	})
	e.route(mux, "/authorization/api/v1/decision", map[string]endpoint{
		http.MethodPost: {op: OpDecide, maxBody: maxJSONBody, handle: e.decide, anonymous: true},
	})
	e.inspection(mux)
	e.identity(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problemReply(http.StatusNotFound, wire.CodeNotFound, "no such endpoint", nil).write(w)
	})
	return e.logged(mux)
}

// logged logs one line per request: never a body, header value or query.
func (e *Emulator) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelWarn
		}
		e.opts.logger.LogAttrs(r.Context(), level, "platform emulator",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Flush lets streamed answers through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// sleepOrDone waits d unless ctx ends first; it reports whether d passed.
func sleepOrDone(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

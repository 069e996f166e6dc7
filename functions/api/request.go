package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/strictjson"
)

// MaxBodyBytes is the largest request body accepted (after base64 decoding).
const MaxBodyBytes = 16 << 10

// request is one API call after routing: the event, its route and what the
// handler has parsed from it so far.
type request struct {
	ev     *events.APIGatewayV2HTTPRequest
	route  *route
	params map[string]string
	query  url.Values
	caller signing.Caller
	// auth is what authentication established (authenticate).
	auth authn
	// instance and task are set for routes under an instance.
	instance signing.InstanceRef
	task     signing.TaskKey
	// current is the instance as Storage gave it, when the task was found
	// from its process (no taskId); nil otherwise.
	current *signing.Instance
	log     *slog.Logger
	// problemType and problemCause describe a failed request for its log line.
	problemType  string
	problemCause error
	// replayed is set when a retried sign request was answered with the
	// signature its first attempt recorded.
	replayed bool
}

// header returns the first value of a request header, matched case-insensitively.
func (r *request) header(name string) string {
	if v, ok := r.ev.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range r.ev.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// parseQuery reads the query string; a parameter given twice is refused.
func parseQuery(ev *events.APIGatewayV2HTTPRequest) (url.Values, error) {
	q := url.Values{}
	if ev.RawQueryString != "" {
		var err error
		if q, err = url.ParseQuery(ev.RawQueryString); err != nil {
			return nil, invalid("query", "is not a valid URL query string")
		}
	} else {
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
	}
	for k, vs := range q {
		if len(vs) > 1 && knownQuery[k] {
			return nil, invalid(k, "must be given at most once")
		}
	}
	return q, nil
}

// knownQuery are the query parameters the API reads; others are ignored.
var knownQuery = map[string]bool{"taskId": true, "language": true, "limit": true, "next": true}

var languagePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`) })

// checkLanguage accepts the reference's language parameter: a language tag such as "nb" or "en-GB".
func checkLanguage(q url.Values) error {
	if v := q.Get("language"); v != "" && !languagePattern().MatchString(v) {
		return invalid("language", "must be a language tag such as nb, nn or en")
	}
	return nil
}

// orgPattern is an Altinn org code (lower-case letters and digits).
var orgPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`) })

// callerFrom builds the caller from the claims of the token authenticate
// verified. Only the claims named in cfg are read.
func callerFrom(r *request, cfg Config) (signing.Caller, error) {
	claims := r.auth.claims
	if len(claims) == 0 {
		return signing.Caller{}, fail(ProblemUnauthenticated, "The request carries no verified token claims.")
	}
	var opts []ident.ParseOption
	if cfg.AllowSyntheticIDs {
		opts = append(opts, ident.AllowSynthetic())
	}
	var c signing.Caller
	for _, name := range cfg.NationalIDClaims {
		v := strings.TrimSpace(claims[name])
		if v == "" {
			continue
		}
		id, err := ident.ParseNationalID(v, opts...)
		if err != nil {
			return signing.Caller{}, fail(ProblemUnauthenticated, fmt.Sprintf("The token's %q claim is not an accepted national identity number.", name))
		}
		if !c.Person.IsZero() && !c.Person.Equal(id) {
			return signing.Caller{}, fail(ProblemUnauthenticated, "The token's national identity claims disagree.")
		}
		c.Person = id
	}
	if c.Person.IsZero() {
		// A service owner's token (no person, its org code): the app
		// reading its tasks' record; the service refuses it anything else.
		if org := claim(claims, cfg.OrgClaim); org != "" {
			if !orgPattern().MatchString(org) {
				return signing.Caller{}, fail(ProblemUnauthenticated, fmt.Sprintf("The token's %q claim is not an org code.", cfg.OrgClaim))
			}
			if !hasScope(claims, ScopeInstancesRead) && !hasScope(claims, ScopeInstancesWrite) {
				return signing.Caller{}, fail(ProblemForbidden, "The service owner's token has neither the scope "+ScopeInstancesRead+" nor "+ScopeInstancesWrite+"; exchange a Maskinporten token with one of them.")
			}
			return signing.Caller{Org: org, Token: r.auth.token}, nil
		}
		return signing.Caller{}, fail(ProblemUnauthenticated, "The token has no national identity number claim; only persons, and a service owner reading its tasks' record, may use this API.")
	}
	if v := claim(claims, cfg.UserIDClaim); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
			return signing.Caller{}, fail(ProblemUnauthenticated, fmt.Sprintf("The token's %q claim is not a user ID.", cfg.UserIDClaim))
		}
		c.UserID = v
	}
	if v := claim(claims, cfg.PartyIDClaim); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return signing.Caller{}, fail(ProblemUnauthenticated, fmt.Sprintf("The token's %q claim is not a party ID.", cfg.PartyIDClaim))
		}
		c.PartyID = n
	}
	if v := claim(claims, cfg.PartyUUIDClaim); v != "" {
		v = strings.ToLower(v)
		if !uuidPattern().MatchString(v) {
			return signing.Caller{}, fail(ProblemUnauthenticated, fmt.Sprintf("The token's %q claim is not a party UUID.", cfg.PartyUUIDClaim))
		}
		c.PartyUUID = v
	}
	if v := claim(claims, cfg.NameClaim); utf8.ValidString(v) && len(v) <= 300 {
		c.Name = v
	}
	// Storage's sign endpoint is called with the caller's own token, as the
	// reference does; it is the one authenticate verified.
	c.Token = r.auth.token
	return c, nil
}

// The service-owner scopes app-lib asks Maskinporten for when it acts as
// the service owner (Altinn/app-lib-dotnet src/Altinn.App.Core/Features/AuthenticationMethod.cs)
// and counts as instance scopes (src/Altinn.App.Core/Features/Auth/Scopes.cs
// HasAltinnInstanceScope). A service-owner token needs one of them to read
// its tasks' record, and the write scope to have events sent again.
const (
	ScopeInstancesRead  = "altinn:serviceowner/instances.read"
	ScopeInstancesWrite = "altinn:serviceowner/instances.write"
)

// hasScope reports whether the token's space-separated scopes hold scope:
// the "urn:altinn:scope" claim if it has one, else "scope", as app-lib
// reads them (Altinn/app-lib-dotnet
// src/Altinn.App.Api/Infrastructure/Middleware/ScopeAuthorizationMiddleware.cs;
// an exchanged token from localtest carries only urn:altinn:scope:
// test/Altinn.App.Core.Tests/Features/Auth/AuthenticatedTests.Can_Parse_Real_Tokens_type=ServiceOwner_AmaP.verified.txt).
func hasScope(claims map[string]string, scope string) bool {
	v, ok := claims["urn:altinn:scope"]
	if !ok {
		v = claims["scope"]
	}
	return slices.Contains(strings.Fields(v), scope)
}

// bearerToken returns the token of an Authorization: Bearer header (the
// scheme in any case, as Altinn's JwtCookieHandler reads it).
func bearerToken(ev *events.APIGatewayV2HTTPRequest) string {
	for k, v := range ev.Headers {
		if strings.EqualFold(k, "authorization") {
			if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
				return strings.TrimSpace(v[7:])
			}
		}
	}
	return ""
}

var uuidPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
})

// claim returns a claim's trimmed value, or "" when name is empty or the claim is absent.
func claim(claims map[string]string, name string) string {
	if name == "" {
		return ""
	}
	return strings.TrimSpace(claims[name])
}

// resolveInstance parses the instance path parameters and finds the task:
// the taskId query parameter, or else, as the reference does when the app
// frontend sends none, the current task of the instance's process in
// Storage (400 "Not a signing task" when that is not a signing task).
func (h *Handler) resolveInstance(ctx context.Context, r *request) error {
	ref, err := signing.ParseInstanceRef(r.params["org"], r.params["app"], r.params["instanceOwnerPartyId"], r.params["instanceGuid"])
	if err != nil {
		return err
	}
	r.instance = ref
	if taskID := r.query.Get("taskId"); taskID != "" {
		key := signing.TaskKey{InstanceGUID: ref.InstanceGUID, TaskID: taskID}
		if err := key.Validate(); err != nil {
			return err
		}
		r.task = key
		return nil
	}
	key, inst, err := h.svc.CurrentTask(ctx, ref)
	if err != nil {
		return err
	}
	r.task, r.current = key, &inst
	return nil
}

// decodeBody decodes a JSON object body into dst, which must be a pointer to
// a struct. It reports whether there was a body at all: an empty body leaves
// dst untouched. It refuses bodies over MaxBodyBytes (413), bodies that are
// not JSON (415), malformed JSON and unknown fields (400).
func decodeBody(r *request, dst any) (present bool, err error) {
	raw := []byte(r.ev.Body)
	if r.ev.IsBase64Encoded {
		if len(raw) > base64.StdEncoding.EncodedLen(MaxBodyBytes) {
			return false, tooLarge()
		}
		raw, err = base64.StdEncoding.DecodeString(r.ev.Body)
		if err != nil {
			return false, fail(ProblemMalformedJSON, "The request body is not valid base64.")
		}
	}
	if len(raw) > MaxBodyBytes {
		return false, tooLarge()
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return false, nil
	}
	if err := checkContentType(r.header("Content-Type")); err != nil {
		return false, err
	}
	if !utf8.Valid(raw) {
		return false, fail(ProblemMalformedJSON, "The request body is not UTF-8.")
	}
	if err := strictjson.Check(raw); err != nil {
		var se *strictjson.Error
		if errors.As(err, &se) && se.Path != "" {
			return false, invalid(se.Path, se.Message)
		}
		return false, fail(ProblemMalformedJSON, "The request body is not valid JSON: "+err.Error()+".")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return false, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return false, fail(ProblemMalformedJSON, "The request body has data after the JSON object.")
	}
	return true, nil
}

func tooLarge() error {
	return fail(ProblemPayloadTooLarge, fmt.Sprintf("The request body must be at most %d bytes.", MaxBodyBytes))
}

// checkContentType accepts application/json and application/*+json, in UTF-8.
func checkContentType(v string) error {
	refuse := fail(ProblemUnsupportedMediaType, "Send the body as application/json.")
	if v == "" {
		return refuse
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		return refuse
	}
	if mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return refuse
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return refuse
	}
	return nil
}

// jsonError turns a decoding error into a problem naming the field when it can.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return fail(ProblemMalformedJSON, "The request body must be a JSON object.")
		}
		return invalid(typeErr.Field, "must be "+jsonKind(typeErr.Type.Kind().String()))
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if name, uerr := strconv.Unquote(field); uerr == nil {
			return invalid(name, "is not a known field")
		}
		return invalid("body", "has an unknown field")
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fail(ProblemMalformedJSON, fmt.Sprintf("The request body is not valid JSON (at byte %d).", syntax.Offset))
	}
	return fail(ProblemMalformedJSON, "The request body is not valid JSON.")
}

// jsonKind names a Go kind as a JSON type.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	case "ptr":
		return "a string or null"
	}
	return "a number"
}

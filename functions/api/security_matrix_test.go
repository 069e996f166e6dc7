package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/altinntoken"
	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/proof"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// The security matrix (issue 7): every way in that must be refused, on every
// operation it applies to, each refused with the documented status and
// problem type and leaving nothing written: no signature, no change to the
// task (status, version, counters), no audit entry, no workflow callback
// and nothing at the platform (data, messages, rights, notifications).
//
// Each request goes the way API Gateway takes it: the route must exist
// (template.yaml routes exactly the handler's routes, TestTemplate_routesEqualHandlerRoutes),
// else 404; then the handler verifies the token itself (internal/altinntoken
// against the issuer's key set served over HTTP: signature by kid, iss, no
// aud, exp, nbf; a key rotated out of the set), from the Authorization
// header or Altinn's runtime cookie, and with the cookie checks the XSRF
// token and the origin of state-changing requests; it checks the login's
// authentication level against the app's minimum. The writes to routes the
// API does not have also go straight to the handler, which must refuse them
// too.
//
// Every log line of the run is scanned for national IDs. With
// PROOF_REPORT_DIR set, the matrix is written to security-matrix.txt there.

// The matrix's issuer, as template.yaml's JwtIssuer; its tokens name no
// audience, as Altinn's.
const jwtIssuer = "https://platform.signing.example/authentication/api/v1/openid/"

// The matrix's app settings: the founders policy's minimum authentication
// level, and the frontend's origin (the sample events' Origin).
const (
	matrixMinAuthLevel = 2
	frontendOrigin     = "https://ttd.apps.signing.example"
)

// jwtNow is the time of every token check.
var jwtNow = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)

// jwtKeys are the issuer's current key, a key nobody trusts, and the
// issuer's previous key, rotated out of its key set; made once.
var jwtKeys = sync.OnceValues(func() ([3]*rsa.PrivateKey, error) {
	var out [3]*rsa.PrivateKey
	for i := range out {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return out, err
		}
		out[i] = k
	}
	return out, nil
})

// strangerUUID is the stranger's party, a signee of the other instance.
const strangerUUID = "0b6c1f2e-3d4a-4b5c-8d6e-000000059999"

// persona is a person as their token describes them.
type persona struct{ id, uuid, partyID, userID, name string }

var personas = map[string]persona{
	"kari":     {kariID, signingtest.KariUUID, "50001", "1001", "Kari Nordmann"},
	"ola":      {olaID, signingtest.OlaUUID, "50002", "1002", "Ola Johan Testesen"},
	"stranger": {strangerID, strangerUUID, "59999", "1999", "Sam Stranger"},
}

// tokenKind is how the caller's token is made.
type tokenKind int

const (
	validToken tokenKind = iota
	noToken
	expiredToken
	notYetValidToken
	wrongIssuerToken
	wrongAudienceToken
	otherKeyToken
	tamperedToken   // a valid token whose pid was changed afterwards
	noPersonToken   // a valid token without a national ID, e.g. a client's own
	rotatedOutToken // signed by the issuer's previous key, dropped from its key set
	weakLoginToken  // a valid token from a login below the app's minimum level
)

// mint returns a token for who, or "" for none.
func mint(t *testing.T, who string, kind tokenKind) string {
	t.Helper()
	keys, err := jwtKeys()
	if err != nil {
		t.Fatal(err)
	}
	p := personas[who]
	partyID, _ := strconv.Atoi(p.partyID)
	claims := map[string]any{
		"pid": p.id, "urn:altinn:party:uuid": p.uuid, "urn:altinn:partyid": partyID, "urn:altinn:userid": p.userID,
		"urn:altinn:authlevel": 3, "name": p.name, "acr": "idporten-loa-substantial",
	}
	key, ttl := keys[0], time.Hour
	switch kind {
	case noToken:
		return ""
	case expiredToken:
		ttl = -time.Minute
	case notYetValidToken:
		claims["nbf"] = jwtNow.Add(time.Hour).Unix()
		ttl = 2 * time.Hour
	case wrongIssuerToken:
		claims["iss"] = "https://login.evil.example/"
	case wrongAudienceToken:
		claims["aud"] = "another-api"
	case otherKeyToken:
		key = keys[1]
	case rotatedOutToken:
		key = keys[2]
	case weakLoginToken:
		claims["urn:altinn:authlevel"] = 1
	case noPersonToken:
		for _, c := range []string{"pid", "urn:altinn:party:uuid", "urn:altinn:partyid", "urn:altinn:userid", "name"} {
			delete(claims, c)
		}
	}
	iss := &localjwt.Issuer{Key: key, Issuer: jwtIssuer, Now: func() time.Time { return jwtNow }}
	tok, err := iss.Token(claims, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if kind == tamperedToken {
		parts := strings.Split(tok, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		forged := kariID
		if p.id == kariID {
			forged = olaID
		}
		payload = []byte(strings.Replace(string(payload), p.id, forged, 1))
		parts[1] = base64.RawURLEncoding.EncodeToString(payload)
		tok = strings.Join(parts, ".")
	}
	return tok
}

// gatewayAnswer is what API Gateway answers itself: its status and message.
type gatewayAnswer struct {
	status  int
	message string
}

// secEnv is a ready founders task, a second instance whose only signee is
// the stranger, and the handler behind a model of API Gateway, verifying
// tokens against its own key set server, which has rotated from the
// previous key to the current one.
type secEnv struct {
	*env
	other signing.TaskKey
}

// rotatedVerifier returns a verifier of the matrix's issuer that has seen
// the rotation: its key set server published the previous key when the
// verifier started, then only the current one, and a token by the current
// key made the verifier fetch the set again.
func rotatedVerifier(t *testing.T) TokenVerifier {
	t.Helper()
	keys, err := jwtKeys()
	if err != nil {
		t.Fatal(err)
	}
	set := localjwt.NewServer(jwtIssuer, keys[2])
	srv := httptest.NewServer(set)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	v, err := altinntoken.New(ctx, altinntoken.Options{Issuer: jwtIssuer, JWKSURL: srv.URL + localjwt.JWKSPath, Now: func() time.Time { return jwtNow }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, mint(t, "ola", rotatedOutToken)); err != nil {
		t.Fatalf("the previous key before the rotation: %v", err)
	}
	set.SetKeys(keys[0])
	if _, err := v.Verify(ctx, mint(t, "ola", validToken)); err != nil {
		t.Fatalf("the current key after the rotation: %v", err)
	}
	return v
}

// otherInstance is an instance of the same app owned by someone else; its
// signing task asks the stranger to sign.
var otherInstance = signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50009, InstanceGUID: "2e4d6f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f"}

func newSecEnv(t *testing.T, sink *proof.Sink, config func(*signing.Config)) *secEnv {
	t.Helper()
	keys, err := jwtKeys()
	if err != nil {
		t.Fatal(err)
	}
	// Storage's sign endpoint checks the caller's own token: the issuer's key.
	h := signingtest.New(t, emulator.WithUserTokenKey(&keys[0].PublicKey, func() time.Time { return jwtNow }),
		emulator.WithUserTokenKey(emulator.DevUserKey(), nil))
	if config != nil {
		config(&h.Cfg)
	}
	h.Ready(t)
	cfg := testConfig()
	cfg.Issuer, cfg.Verifier = jwtIssuer, rotatedVerifier(t)
	cfg.MinAuthLevel, cfg.AllowedOrigins = matrixMinAuthLevel, []string{frontendOrigin}
	e := &secEnv{env: &env{h: h, handler: NewHandler(h.Svc, cfg, sink.Logger().With("case", t.Name()))}}
	e.other = signing.TaskKey{InstanceGUID: otherInstance.InstanceGUID, TaskID: "SigningTask"}
	ctx := context.Background()
	task, err := signing.NewTask(otherInstance, e.other.TaskID, h.Cfg, 1, time.Time{}, h.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	task.OwnerPartyUUID = "0b6c1f2e-3d4a-4b5c-8d6e-000000050009"
	hasher, err := ident.NewHasher([]byte(signingtest.HasherKey))
	if err != nil {
		t.Fatal(err)
	}
	id, err := ident.ParseNationalID(strangerID, ident.AllowSynthetic())
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewSigneeKey(signing.SigneePerson, hasher.Person(id))
	if err != nil {
		t.Fatal(err)
	}
	sg := signing.Signee{Key: key, Kind: signing.SigneePerson, DisplayName: "Sam Stranger", MaskedID: id.Masked(), IdentityHash: hasher.Person(id),
		PartyID: 59999, PartyUUID: strangerUUID, Status: signing.SigneeResolved}
	if err := h.Repo.CreateTask(ctx, task, []signing.Signee{sg}); err != nil {
		t.Fatal(err)
	}
	for _, to := range []signing.SigneeStatus{signing.SigneeDelegated, signing.SigneeNotified} {
		if _, err := h.Repo.UpdateSignee(ctx, e.other, key, signing.Transition{To: to, At: h.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// credential is how a request carries its token.
type credential int

const (
	// viaBearer: Authorization: Bearer.
	viaBearer credential = iota
	// viaCookie: Altinn's runtime cookie, with the session's XSRF token in
	// the XSRF-TOKEN cookie and the X-XSRF-TOKEN header, from the frontend's origin.
	viaCookie
	// viaCookieNoXSRF: the runtime cookie, no XSRF token at all.
	viaCookieNoXSRF
	// viaCookieXSRFMismatch: the header differs from the XSRF-TOKEN cookie.
	viaCookieXSRFMismatch
	// viaCookieXSRFOtherSession: header and cookie agree, but are another
	// session's token (another login of the same person).
	viaCookieXSRFOtherSession
	// viaCookieForeignOrigin: the cookie and a valid XSRF token, sent from an
	// origin the API does not allow.
	viaCookieForeignOrigin
)

// withCredential puts token into ev as c says.
func withCredential(t *testing.T, ev events.APIGatewayV2HTTPRequest, token string, c credential, who string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev.Headers = cloneMap(ev.Headers)
	delete(ev.Headers, "authorization")
	ev.Cookies = nil
	if token == "" {
		return ev
	}
	if c == viaBearer {
		ev.Headers["authorization"] = "Bearer " + token
		return ev
	}
	ev.Headers["origin"] = frontendOrigin
	ev.Cookies = []string{RuntimeCookie + "=" + token}
	xsrf := xsrfToken(token)
	switch c {
	case viaCookieNoXSRF:
		return ev
	case viaCookieXSRFMismatch:
		ev.Cookies = append(ev.Cookies, XSRFCookie+"="+xsrf)
		ev.Headers[strings.ToLower(XSRFHeader)] = xsrfToken(token + "x")
		return ev
	case viaCookieXSRFOtherSession:
		xsrf = xsrfToken(mint(t, who, validToken))
	case viaCookieForeignOrigin:
		ev.Headers["origin"] = "https://evil.example"
	}
	ev.Cookies = append(ev.Cookies, XSRFCookie+"="+xsrf)
	ev.Headers[strings.ToLower(XSRFHeader)] = xsrf
	return ev
}

// serve sends ev the way API Gateway does: a route must match (else its
// 404), then the handler verifies. It returns the handler's answer, or API
// Gateway's own.
func (e *secEnv) serve(t *testing.T, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, *gatewayAnswer) {
	t.Helper()
	method, path := requestLine(&ev)
	if rt, _, _ := e.handler.router.match(method, path); rt == nil {
		return events.APIGatewayV2HTTPResponse{}, &gatewayAnswer{http.StatusNotFound, "Not Found"}
	}
	return e.direct(t, ev), nil
}

// direct sends ev to the handler as it is.
func (e *secEnv) direct(t *testing.T, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := e.handler.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle() error = %v; the handler answers every failure itself", err)
	}
	if validMethod(ev.RequestContext.HTTP.Method) {
		checkResponse(t, ev, resp)
	}
	return resp
}

// written is everything a refused request must leave as it was.
type written struct {
	Founders    snapshot
	Other       signing.Task
	OtherSignee signing.SigneeStatus
	Messages    int
	Rights      int
	Orders      int
	// Calls counts the platform's writing operations, faulted ones included.
	Calls map[string]int
}

func (e *secEnv) written(t *testing.T) written {
	t.Helper()
	ctx := context.Background()
	other, err := e.h.Repo.GetTask(ctx, e.other)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := e.h.Repo.ListSignees(ctx, e.other, signing.Page{})
	if err != nil || len(list) != 1 {
		t.Fatalf("the other instance's signees = %v, %v", list, err)
	}
	w := written{
		Founders: e.snapshot(t), Other: other, OtherSignee: list[0].Status,
		Messages: len(e.h.Emu.Messages()), Rights: len(e.h.Emu.Delegations()), Orders: len(e.h.Emu.Notifications()),
		Calls: map[string]int{},
	}
	for _, op := range []string{"storage.createData", "storage.sign", "access.delegate", "access.revoke", "correspondence.send"} {
		w.Calls[op] = e.h.Emu.Calls(op)
	}
	return w
}

// apiOp is one API operation a threat is tried on.
type apiOp struct {
	name, method, suffix, body string
}

// The operations by column of the matrix.
var (
	signOps = []apiOp{
		{"actions", "POST", "/actions", `{"action":"sign"}`},
		{"process_next", "PUT", "/process/next", `{"action":"sign"}`},
	}
	signForCompanyOps = []apiOp{
		{"actions", "POST", "/actions", `{"action":"sign","onBehalfOf":"312847612"}`},
		{"process_next", "PUT", "/process/next", `{"action":"sign","actionOnBehalfOf":"312847612"}`},
	}
	rejectOps = []apiOp{
		{"actions", "POST", "/actions", `{"action":"reject"}`},
		{"process_next", "PUT", "/process/next", `{"action":"reject"}`},
	}
	completeOps = []apiOp{{"process_next", "PUT", "/process/next", ""}}
	readOps     = []apiOp{
		{"signing", "GET", "/signing", ""},
		{"data_elements", "GET", "/signing/data-elements", ""},
		{"organizations", "GET", "/signing/organizations", ""},
	}
	// writeOps try to write data elements (the app-owned signature and
	// signee-state types) through routes the API does not have.
	writeOps = []apiOp{
		{"post_data", "POST", "/data?dataType=signatures", `{"dataElementSignatures":[]}`},
		{"put_data_element", "PUT", "/data/00000000-0000-4000-8000-000000000001", `{"signeeStates":[]}`},
		{"delete_data_element", "DELETE", "/data/00000000-0000-4000-8000-000000000001", ""},
		{"post_signing", "POST", "/signing", `{"signeeStates":[]}`},
		{"put_signing", "PUT", "/signing", `{"signeeStates":[]}`},
		{"patch_signing", "PATCH", "/signing", `{"signeeStates":[]}`},
		{"post_data_elements", "POST", "/signing/data-elements", `{"dataType":"signatures"}`},
		{"put_organizations", "PUT", "/signing/organizations", `{}`},
		{"post_signatures", "POST", "/signing/signatures", `{"signeeKey":"p-0"}`},
		{"post_instance", "POST", "", `{}`},
		{"put_actions", "PUT", "/actions", `{"action":"sign"}`},
		{"post_process_next", "POST", "/process/next", `{"action":"sign"}`},
		{"delete_process_next", "DELETE", "/process/next", ""},
	}
	// requestsOps is the caller's own listing, outside any instance.
	requestsOps = []apiOp{{"signing_requests", "GET", "/signing-requests", ""}}
)

// The instance path prefixes.
const (
	foundersPath = "/ttd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"
	// otherPath is the other instance; otherGUIDPath, its GUID under the founders' owner.
	otherPath     = "/ttd/founders/instances/50009/2e4d6f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
	otherGUIDPath = "/ttd/founders/instances/50001/2e4d6f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
)

// securityRows are the matrix's rows in the order.
var securityRows = []string{
	rowNoToken, rowExpired, rowNotYet, rowIssuer, rowAudience, rowOtherKey, rowRotatedOut, rowTampered, rowNoPerson,
	rowCookieAudience, rowCookieNoXSRF, rowXSRFMismatch, rowXSRFOtherSession, rowForeignOrigin, rowWeakLogin,
	rowOtherInstance, rowAfterReject, rowAfterComplete, rowNoRole, rowSecondSign, rowSubmitter,
	rowTamperInstance, rowTamperParty, rowTamperApp, rowOversized, rowMalformed, rowAppOwned,
}

// securityEvent builds a request for o under prefix (ignored for /signing-requests).
func securityEvent(t *testing.T, prefix string, o apiOp) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev := loadEvent(t, "api-sign")
	path, query, _ := strings.Cut(o.suffix, "?")
	if o.name != "signing_requests" {
		path = prefix + path
	}
	if query == "" {
		query = "taskId=SigningTask"
	} else {
		query += "&taskId=SigningTask"
	}
	ev.RouteKey = o.method + " " + path
	ev.RequestContext.RouteKey = ev.RouteKey
	ev.RequestContext.HTTP.Method = o.method
	ev = withQuery(withPath(ev, path), query)
	ev.PathParameters = nil
	ev.Headers = cloneMap(ev.Headers)
	delete(ev.Headers, "authorization")
	delete(ev.Headers, "content-length")
	delete(ev.Headers, "content-type")
	ev.Body = o.body
	if o.body != "" {
		ev.Headers["content-type"] = "application/json"
	}
	ev.RequestContext.Authorizer = nil
	return ev
}

// secCase is one refused request.
type secCase struct {
	row, col, name string
	config         func(*signing.Config)
	setup          func(t *testing.T, e *secEnv)
	who            string
	token          tokenKind
	cred           credential
	// prefix is the instance path; change alters the request further.
	prefix string
	op     apiOp
	change func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest
	// direct sends the request straight to the handler too, with a valid token.
	direct bool
	// want is the handler's problem; wantGateway, API Gateway's own answer.
	want        ProblemType
	wantGateway *gatewayAnswer
}

// The matrix's rows, in the order.
const (
	rowNoToken          = "no token"
	rowExpired          = "expired token"
	rowNotYet           = "token not valid yet"
	rowIssuer           = "wrong issuer"
	rowAudience         = "wrong audience"
	rowOtherKey         = "signed by another key"
	rowRotatedOut       = "signed by a rotated-out key"
	rowCookieAudience   = "cookie for another audience"
	rowCookieNoXSRF     = "cookie without XSRF token"
	rowXSRFMismatch     = "cookie, XSRF header and cookie differ"
	rowXSRFOtherSession = "cookie, XSRF token of another session"
	rowForeignOrigin    = "cookie from a disallowed origin"
	rowWeakLogin        = "login below the app's authentication level"
	rowTampered         = "tampered token (pid changed)"
	rowNoPerson         = "token without a person"
	rowOtherInstance    = "signee of another instance"
	rowAfterReject      = "delegated signee after reject"
	rowAfterComplete    = "delegated signee after completion"
	rowNoRole           = "no role for the organisation"
	rowSecondSign       = "second signature, same person"
	rowSubmitter        = "submitter without the right"
	rowTamperInstance   = "tampered instance id"
	rowTamperParty      = "tampered party id"
	rowTamperApp        = "tampered org or app"
	rowOversized        = "oversized body"
	rowMalformed        = "malformed body"
	rowAppOwned         = "app-owned data types via the API"
)

const (
	colSign     = "sign"
	colReject   = "reject"
	colComplete = "complete"
	colRead     = "read"
	colWrite    = "write"
)

var noRoute = &gatewayAnswer{http.StatusNotFound, "Not Found"}

// setups used by several rows.
func rejectedByKari(t *testing.T, e *secEnv) {
	if _, err := e.h.Svc.Reject(context.Background(), signing.RejectInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
}

func allSigned(t *testing.T, e *secEnv) { e.signAll(t) }

func completedByKari(t *testing.T, e *secEnv) {
	e.signAll(t)
	if _, err := e.h.Svc.Complete(context.Background(), signing.CompleteInput{Task: signingtest.FoundersTask, Caller: signingtest.Kari(t)}); err != nil {
		t.Fatal(err)
	}
}

func signedBy(caller func(*testing.T) signing.Caller, org string) func(t *testing.T, e *secEnv) {
	return func(t *testing.T, e *secEnv) {
		if _, err := e.h.Svc.Sign(context.Background(), signing.SignInput{Task: signingtest.FoundersTask, Caller: caller(t), OnBehalfOf: org}); err != nil {
			t.Fatal(err)
		}
	}
}

// securityCases lists the matrix's cases.
func securityCases() []secCase {
	var cases []secCase
	add := func(c secCase) {
		if c.prefix == "" {
			c.prefix = foundersPath
		}
		if c.who == "" {
			c.who = "ola"
		}
		cases = append(cases, c)
	}
	each := func(row, col string, ops []apiOp, c secCase) {
		for _, o := range ops {
			c.row, c.col, c.op = row, col, o
			c.name = o.name
			add(c)
		}
	}
	// Tokens: the handler answers 401 before anything else, by bearer and
	// by cookie alike (a cookie for another audience is the audience row by
	// cookie); a login below the app's level is 403.
	for _, tk := range []struct {
		row  string
		kind tokenKind
		cred credential
		want ProblemType
	}{
		{rowNoToken, noToken, viaBearer, ProblemUnauthenticated}, {rowExpired, expiredToken, viaBearer, ProblemUnauthenticated},
		{rowNotYet, notYetValidToken, viaBearer, ProblemUnauthenticated}, {rowIssuer, wrongIssuerToken, viaBearer, ProblemUnauthenticated},
		{rowAudience, wrongAudienceToken, viaBearer, ProblemUnauthenticated}, {rowOtherKey, otherKeyToken, viaBearer, ProblemUnauthenticated},
		{rowRotatedOut, rotatedOutToken, viaBearer, ProblemUnauthenticated}, {rowTampered, tamperedToken, viaBearer, ProblemUnauthenticated},
		{rowCookieAudience, wrongAudienceToken, viaCookie, ProblemUnauthenticated}, {rowWeakLogin, weakLoginToken, viaBearer, ProblemAuthLevelTooLow},
	} {
		c := secCase{token: tk.kind, cred: tk.cred, want: tk.want}
		each(tk.row, colSign, signOps, c)
		each(tk.row, colReject, rejectOps, c)
		each(tk.row, colComplete, completeOps, secCase{token: tk.kind, cred: tk.cred, who: "kari", setup: allSigned, want: tk.want})
		each(tk.row, colRead, append(readOps, requestsOps...), c)
	}
	// The weak login by cookie, too.
	each(rowWeakLogin, colSign, signOps, secCase{token: weakLoginToken, cred: viaCookie, want: ProblemAuthLevelTooLow})
	// The runtime cookie without a valid XSRF token, or from another origin:
	// every state-changing operation is refused (400, 403).
	for _, ck := range []struct {
		row  string
		cred credential
		want ProblemType
	}{
		{rowCookieNoXSRF, viaCookieNoXSRF, ProblemXSRF}, {rowXSRFMismatch, viaCookieXSRFMismatch, ProblemXSRF},
		{rowXSRFOtherSession, viaCookieXSRFOtherSession, ProblemXSRF}, {rowForeignOrigin, viaCookieForeignOrigin, ProblemOriginNotAllowed},
	} {
		each(ck.row, colSign, signOps, secCase{cred: ck.cred, want: ck.want})
		each(ck.row, colSign, signForCompanyOps, secCase{cred: ck.cred, who: "kari", want: ck.want})
		each(ck.row, colReject, rejectOps, secCase{cred: ck.cred, who: "kari", want: ck.want})
		each(ck.row, colComplete, completeOps, secCase{cred: ck.cred, who: "kari", setup: allSigned, want: ck.want})
	}
	// A valid token that names no person: the handler answers 401.
	each(rowNoPerson, colSign, signOps, secCase{token: noPersonToken, want: ProblemUnauthenticated})
	each(rowNoPerson, colReject, rejectOps, secCase{token: noPersonToken, want: ProblemUnauthenticated})
	each(rowNoPerson, colComplete, completeOps, secCase{token: noPersonToken, setup: allSigned, want: ProblemUnauthenticated})
	each(rowNoPerson, colRead, append(readOps, requestsOps...), secCase{token: noPersonToken, want: ProblemUnauthenticated})
	// The stranger is a delegated signee of the other instance, not of this one.
	stranger := secCase{who: "stranger", want: ProblemForbidden}
	each(rowOtherInstance, colSign, signOps, stranger)
	each(rowOtherInstance, colReject, rejectOps, stranger)
	each(rowOtherInstance, colComplete, completeOps, secCase{who: "stranger", setup: allSigned, want: ProblemForbidden})
	each(rowOtherInstance, colRead, readOps, stranger)
	// Ola, a delegated signee of the founders' task, on the other instance
	// under its own owner: the path is right, the caller is not a signee.
	for _, col := range []struct {
		name string
		ops  []apiOp
	}{{colSign, signOps}, {colReject, rejectOps}, {colComplete, completeOps}, {colRead, readOps}} {
		for _, o := range col.ops {
			add(secCase{row: rowOtherInstance, col: col.name, name: "ola_on_the_other_instance_" + o.name, prefix: otherPath, op: o, want: ProblemForbidden})
		}
	}
	// Ola, delegated, after Kari rejected or completed.
	each(rowAfterReject, colSign, signOps, secCase{setup: rejectedByKari, want: ProblemTaskRejected})
	each(rowAfterReject, colReject, rejectOps, secCase{setup: rejectedByKari, want: ProblemTaskRejected})
	each(rowAfterReject, colComplete, completeOps, secCase{setup: rejectedByKari, want: ProblemForbidden})
	each(rowAfterComplete, colSign, signOps, secCase{setup: completedByKari, want: ProblemTaskClosed})
	each(rowAfterComplete, colReject, rejectOps, secCase{setup: completedByKari, want: ProblemTaskClosed})
	each(rowAfterComplete, colComplete, completeOps, secCase{setup: completedByKari, want: ProblemForbidden})
	// Ola holds no role in the company.
	each(rowNoRole, colSign, signForCompanyOps, secCase{want: ProblemForbidden})
	// Ola twice; Kari for the company twice.
	each(rowSecondSign, colSign, signOps, secCase{setup: signedBy(signingtest.Ola, ""), want: ProblemConflict})
	for _, o := range signForCompanyOps {
		add(secCase{row: rowSecondSign, col: colSign, name: o.name + "_for_the_company", op: o, who: "kari", setup: signedBy(signingtest.Kari, companyOrg), want: ProblemConflict})
	}
	// The owner, when submitterActions leave the action out.
	each(rowSubmitter, colReject, rejectOps, secCase{who: "kari", config: func(c *signing.Config) { c.SubmitterActions = []string{signing.SubmitterComplete} }, want: ProblemForbidden})
	each(rowSubmitter, colComplete, completeOps, secCase{who: "kari", setup: allSigned, config: func(c *signing.Config) { c.SubmitterActions = []string{signing.SubmitterReject} }, want: ProblemForbidden})
	// Paths changed to reach another task: not found, so nothing is revealed.
	for _, tp := range []struct {
		row, name, prefix string
	}{
		{rowTamperInstance, "other_instance_guid", otherGUIDPath},
		{rowTamperInstance, "unknown_instance_guid", "/ttd/founders/instances/50001/00000000-0000-4000-8000-000000000000"},
		{rowTamperParty, "party_of_the_signee", "/ttd/founders/instances/50002/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},
		{rowTamperParty, "party_of_the_other_owner", "/ttd/founders/instances/50009/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},
		{rowTamperApp, "other_app", "/ttd/other-app/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},
		{rowTamperApp, "other_org", "/skd/founders/instances/50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},
	} {
		for _, col := range []struct {
			name string
			ops  []apiOp
		}{{colSign, signOps}, {colReject, rejectOps}, {colComplete, completeOps}, {colRead, readOps}} {
			for _, o := range col.ops {
				add(secCase{row: tp.row, col: col.name, name: tp.name + "_" + o.name, prefix: tp.prefix, op: o, want: ProblemNotFound})
			}
		}
	}
	// Bodies.
	big := `{"action":"sign","buttonId":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	malformed := []struct {
		name   string
		body   string
		header string
		b64    bool
		want   ProblemType
	}{
		{name: "truncated_json", body: `{"action":"sign"`, want: ProblemMalformedJSON},
		{name: "array", body: `["sign"]`, want: ProblemMalformedJSON},
		{name: "data_after_the_object", body: `{"action":"sign"}{"action":"reject"}`, want: ProblemMalformedJSON},
		{name: "not_utf8", body: "{\"action\":\"sign\",\"buttonId\":\"\xff\xfe\"}", want: ProblemMalformedJSON},
		{name: "bad_base64", body: "e30=!!", b64: true, want: ProblemMalformedJSON},
		{name: "text_plain", body: `{"action":"sign"}`, header: "text/plain", want: ProblemUnsupportedMediaType},
		{name: "latin1_charset", body: `{"action":"sign"}`, header: "application/json; charset=iso-8859-1", want: ProblemUnsupportedMediaType},
		{name: "unknown_field", body: `{"action":"sign","signedBy":"someone"}`, want: ProblemInvalidRequest},
		{name: "action_not_a_string", body: `{"action":1}`, want: ProblemInvalidRequest},
		// Byte-level: encoding/json would keep the last of two names, and
		// replace bytes that are not UTF-8; both are refused before decoding.
		{name: "action_given_twice", body: `{"action":"reject","action":"sign"}`, want: ProblemInvalidRequest},
		{name: "member_given_twice_nested", body: `{"action":"sign","metadata":{"k":"1","k":"2"}}`, want: ProblemInvalidRequest},
		{name: "not_utf8_in_a_name", body: "{\"act\xffion\":\"sign\"}", want: ProblemMalformedJSON},
		{name: "utf8_bom", body: "\xef\xbb\xbf{\"action\":\"sign\"}", want: ProblemMalformedJSON},
		{name: "org_number_as_a_number", body: `{"action":"sign","onBehalfOf":312847612}`, want: ProblemInvalidRequest},
	}
	for _, col := range []struct {
		name string
		ops  []apiOp
		who  string
	}{{colSign, signOps, "ola"}, {colReject, rejectOps, "kari"}, {colComplete, completeOps, "kari"}} {
		for _, o := range col.ops {
			for _, size := range []struct {
				name string
				b64  bool
			}{{"plain", false}, {"base64", true}} {
				b64 := size.b64
				add(secCase{row: rowOversized, col: col.name, name: o.name + "_" + size.name, who: col.who, op: o, want: ProblemPayloadTooLarge,
					change: func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
						ev = withBody(ev, big)
						if b64 {
							ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(big)), true
						}
						return ev
					}})
			}
			for _, m := range malformed {
				add(secCase{row: rowMalformed, col: col.name, name: o.name + "_" + m.name, who: col.who, op: o, want: m.want,
					change: func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
						ev = withBody(ev, m.body)
						if m.header != "" {
							ev.Headers["content-type"] = m.header
						}
						ev.IsBase64Encoded = m.b64
						return ev
					}})
			}
		}
	}
	// App-owned data types (the sign documents, the signee states): no route
	// writes them. API Gateway has no such route (404); the handler, reached
	// anyway, answers 404 or 405. Nor does a sign or process/next body carry data.
	for _, who := range []string{"kari", "ola"} {
		for _, o := range writeOps {
			add(secCase{row: rowAppOwned, col: colWrite, name: who + "_" + o.name, who: who, op: o, wantGateway: noRoute, direct: true})
		}
	}
	add(secCase{row: rowAppOwned, col: colSign, name: "actions_with_data", op: apiOp{"actions", "POST", "/actions",
		`{"action":"sign","dataType":"signatures","data":{"signeeInfo":{"maskedPersonNumber":"158385*****"}}}`}, want: ProblemInvalidRequest})
	add(secCase{row: rowAppOwned, col: colSign, name: "process_next_with_data_elements", op: apiOp{"process_next", "PUT", "/process/next",
		`{"action":"sign","dataElements":[{"dataType":"signeeState"}]}`}, want: ProblemInvalidRequest})
	for name, tk := range map[string]tokenKind{"no_token": noToken, "expired_token": expiredToken} {
		for _, o := range writeOps[:3] {
			add(secCase{row: rowAppOwned, col: colWrite, name: name + "_" + o.name, token: tk, op: o, wantGateway: noRoute})
		}
	}
	// Straight to the handler without a token, a write route it lacks is
	// 404 or 405, as with one: the routes are public (api/openapi.yaml).
	for _, o := range writeOps[:3] {
		add(secCase{row: rowNoToken, col: colWrite, name: "handler_" + o.name, token: noToken, op: o, wantGateway: noRoute, direct: true})
	}
	return cases
}

// directStatus is the handler's answer to a write route it does not have:
// 405 when the path exists with another method, else 404.
func directStatus(e *secEnv, ev events.APIGatewayV2HTTPRequest) ProblemType {
	method, path := requestLine(&ev)
	if _, _, allowed := e.handler.router.match(method, path); len(allowed) > 0 {
		return ProblemMethodNotAllowed
	}
	return ProblemNotFound
}

// checkRefused checks one answer: status, problem type, problem body.
func checkRefused(t *testing.T, resp events.APIGatewayV2HTTPResponse, want ProblemType) {
	t.Helper()
	if resp.StatusCode != want.Status {
		t.Errorf("status = %d, want %d (%s); body %s", resp.StatusCode, want.Status, want.Slug, resp.Body)
	}
	var p Problem
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
		t.Fatalf("body %q is not a problem: %v", resp.Body, err)
	}
	if p.Type != want.URI() || p.Status != want.Status || resp.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("problem = %s %d (%s), want %s %d", p.Type, p.Status, resp.Headers["Content-Type"], want.URI(), want.Status)
	}
}

// TestSecurityMatrix tries every refused way in and prints how many were
// refused with the right answer and left nothing written.
func TestSecurityMatrix(t *testing.T) {
	t.Parallel()
	start := time.Now()
	var sink proof.Sink
	m := proof.NewMatrix("Security matrix: requests refused with the documented status and problem type, leaving nothing written (pass/total).\n"+
		"Rows: threats. Columns: the operations tried (sign and reject on POST …/actions and PUT …/process/next, complete on\n"+
		"PUT …/process/next, reads on GET …/signing[/data-elements|/organizations] and /signing-requests, writes on routes\n"+
		"the API does not have, through API Gateway and straight to the handler). Tokens by Authorization: Bearer unless the row\n"+
		"says cookie (Altinn's runtime cookie with the session's XSRF token from the frontend's origin, but for what the row changes).",
		colSign, colReject, colComplete, colRead, colWrite)
	for _, r := range securityRows {
		m.Row(r)
	}
	for _, ctl := range []struct {
		name string
		cred credential
	}{{"control_valid_token_signs", viaBearer}, {"control_valid_cookie_and_xsrf_signs", viaCookie}} {
		t.Run(ctl.name, func(t *testing.T) {
			t.Parallel()
			e := newSecEnv(t, &sink, nil)
			ev := withCredential(t, securityEvent(t, foundersPath, signOps[0]), mint(t, "ola", validToken), ctl.cred, "ola")
			resp, gw := e.serve(t, ev)
			if gw != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("a valid token: gateway %+v, status %d %s; want 200 from the handler", gw, resp.StatusCode, resp.Body)
			}
			if got := e.snapshot(t).Signatures; got != 1 {
				t.Errorf("signatures = %d, want 1", got)
			}
		})
	}
	t.Run("cases", func(t *testing.T) {
		for _, c := range securityCases() {
			t.Run(strings.NewReplacer(" ", "_", ",", "", "(", "", ")", "", "-", "_").Replace(c.row)+"_"+c.col+"_"+c.name, func(t *testing.T) {
				t.Parallel()
				defer func() { m.Add(c.row, c.col, !t.Failed()) }()
				e := newSecEnv(t, &sink, c.config)
				if c.setup != nil {
					c.setup(t, e)
				}
				ev := securityEvent(t, c.prefix, c.op)
				if c.change != nil {
					ev = c.change(ev)
				}
				before := e.written(t)
				resp, gw := e.serve(t, withCredential(t, ev, mint(t, c.who, c.token), c.cred, c.who))
				switch {
				case c.wantGateway != nil && gw == nil:
					t.Errorf("the handler answered %d %s, want API Gateway's %d %s", resp.StatusCode, resp.Body, c.wantGateway.status, c.wantGateway.message)
				case c.wantGateway != nil && *gw != *c.wantGateway:
					t.Errorf("API Gateway answered %+v, want %+v", *gw, *c.wantGateway)
				case c.wantGateway == nil && gw != nil:
					t.Errorf("API Gateway answered %+v, want the handler's %d %s", *gw, c.want.Status, c.want.Slug)
				case c.wantGateway == nil:
					checkRefused(t, resp, c.want)
				}
				if c.direct {
					checkRefused(t, e.direct(t, withCredential(t, ev, mint(t, c.who, c.token), c.cred, c.who)), directStatus(e, ev))
				}
				after := e.written(t)
				if b, a := fmt.Sprintf("%+v", before), fmt.Sprintf("%+v", after); b != a {
					t.Errorf("the request wrote something:\nbefore %s\nafter  %s", b, a)
				}
			})
		}
	})
	logs := sink.String()
	leaks := proof.Leaks(logs, proof.FixtureNationalIDs...)
	if len(leaks) > 0 {
		t.Errorf("the logs hold national IDs:\n%s", strings.Join(leaks, "\n"))
	}
	if sink.Lines() == 0 {
		t.Error("nothing was logged; the log scan proves nothing")
	}
	checkNoSecrets(t, "log", logs)
	pass, total := m.Totals()
	report := m.String() + fmt.Sprintf("\n%d/%d requests refused correctly in %s; %d log lines scanned, %d national IDs found.\n",
		pass, total, time.Since(start).Round(time.Millisecond), sink.Lines(), len(leaks))
	t.Log("\n" + report)
	if path := proof.WriteReport(t, "security-matrix.txt", report); path != "" {
		t.Logf("wrote %s", path)
	}
}

package emulator_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/emulator/idp"
	"github.com/signingflow/signing/internal/platform/wire"
)

// platformToken is a platform access token the emulator accepts (Config's).
func platformToken(t testing.TB) string {
	t.Helper()
	tok, err := emulator.DevPlatformTokens().Token(t.Context())
	if err != nil {
		t.Fatalf("DevPlatformTokens().Token() error = %v", err)
	}
	return tok
}

// signToken signs claims RS256 with key.
func signToken(t *testing.T, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// appClaims are the claims AccessTokenGenerator.cs gives a platform access
// token, changed by mod.
func appClaims(mod func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": emulator.DevPlatformOrg, "urn:altinn:app": emulator.DevPlatformApp, "aud": "platform.altinn.no",
		"nbf": now.Add(-5 * time.Second).Unix(), "iat": now.Unix(), "exp": now.Add(300 * time.Second).Unix()}
	if mod != nil {
		mod(c)
	}
	return c
}

func newKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestAccess_platformToken follows AccessTokenHandler.cs and ASP.NET's
// challenge and forbid (upstream-facts §3): a platform access token that
// does not verify is 401 with an empty body when no bearer user is
// authenticated (what app-lib sends access management) and 403 when one
// is; a verified token without urn:altinn:app is the controller's 403.
func TestAccess_platformToken(t *testing.T) {
	t.Parallel()
	valid := platformToken(t)
	foreign := signToken(t, newKey(t), appClaims(nil))
	noApp := signToken(t, emulator.DevPlatformKey(), appClaims(func(c jwt.MapClaims) { delete(c, "urn:altinn:app") }))
	expired := signToken(t, emulator.DevPlatformKey(), appClaims(func(c jwt.MapClaims) {
		c["exp"] = time.Now().Add(-11 * time.Second).Unix()
	}))
	otherIssuer := signToken(t, emulator.DevPlatformKey(), appClaims(func(c jwt.MapClaims) { c["iss"] = "acme" }))
	none, bearer := "", ownerBearer(t)

	tests := []struct {
		name       string
		path       string
		body       string
		auth       string
		tokens     []string // PlatformAccessToken header values
		wantStatus int
	}{
		{name: "valid_without_bearer", path: delegatePath, body: validDelegation, auth: none, tokens: []string{valid}, wantStatus: 200},
		{name: "valid_with_bearer", path: delegatePath, body: validDelegation, auth: bearer, tokens: []string{valid}, wantStatus: 200},
		{name: "absent_no_user_401", path: delegatePath, body: validDelegation, auth: none, wantStatus: 401},
		{name: "absent_user_403", path: delegatePath, body: validDelegation, auth: bearer, wantStatus: 403},
		{name: "repeated_no_user_401", path: delegatePath, body: validDelegation, auth: none, tokens: []string{valid, valid}, wantStatus: 401},
		{name: "repeated_user_403", path: revokePath, body: validDelegation, auth: bearer, tokens: []string{valid, valid}, wantStatus: 403},
		{name: "not_a_jwt", path: delegatePath, body: validDelegation, auth: none, tokens: []string{"app-token"}, wantStatus: 401},
		{name: "foreign_key", path: delegatePath, body: validDelegation, auth: none, tokens: []string{foreign}, wantStatus: 401},
		{name: "unknown_issuer", path: delegatePath, body: validDelegation, auth: none, tokens: []string{otherIssuer}, wantStatus: 401},
		{name: "expired_beyond_skew", path: revokePath, body: validDelegation, auth: none, tokens: []string{expired}, wantStatus: 401},
		{name: "no_app_claim_403", path: delegatePath, body: validDelegation, auth: none, tokens: []string{noApp}, wantStatus: 403},
		{name: "register_lookup_user_403", path: lookupPath, body: `{"orgNo":"312847612"}`, auth: bearer, wantStatus: 403},
		{name: "register_lookup_foreign_key_403", path: lookupPath, body: `{"orgNo":"312847612"}`, auth: bearer, tokens: []string{foreign}, wantStatus: 403},
		{name: "register_lookup_valid", path: lookupPath, body: `{"orgNo":"312847612"}`, auth: bearer, tokens: []string{valid}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, srv := start(t)
			before := snapshot(t, e)
			headers := []string{"Authorization", tt.auth, "PlatformAccessToken", ""}
			got := requestTokens(t, srv, tt.path, tt.body, tt.tokens, headers...)
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", got.status, tt.wantStatus, got.body)
			}
			if tt.wantStatus >= 400 {
				if len(got.body) != 0 {
					t.Errorf("body = %q, want empty (ASP.NET challenge/forbid)", got.body)
				}
				if after := snapshot(t, e); after != before {
					t.Errorf("a refused request changed the state")
				}
			}
		})
	}
}

// requestTokens posts JSON with the PlatformAccessToken header once per value.
func requestTokens(t *testing.T, srv *httptest.Server, path, body string, tokens []string, headers ...string) response {
	t.Helper()
	if len(tokens) == 0 {
		return request(t, srv, "POST", path, "application/json", body, headers...)
	}
	if len(tokens) == 1 {
		return request(t, srv, "POST", path, "application/json", body, append(headers, "PlatformAccessToken", tokens[0])...)
	}
	// A repeated header: straight to the handler, which sees every value.
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(t.Context(), "POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" && headers[i] != "PlatformAccessToken" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	for _, tok := range tokens {
		req.Header.Add("PlatformAccessToken", tok)
	}
	srv.Config.Handler.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// TestAccess_WithIDP: an emulator given an IDP trusts the issuers
// registered with it and no others; IDP() registers more.
func TestAccess_WithIDP(t *testing.T) {
	t.Parallel()
	p, err := idp.New(idp.Options{BaseURL: "http://idp.invalid", MaskinportenKey: emulator.DevPlatformKey(), AltinnKey: emulator.DevPlatformKey()})
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	p.RegisterPlatformIssuer("digdir", &key.PublicKey)
	e, srv := start(t, emulator.WithIDP(p))
	if e.IDP() != p {
		t.Fatal("IDP() is not the IDP given to WithIDP")
	}
	digdir := signToken(t, key, appClaims(func(c jwt.MapClaims) { c["iss"] = "digdir"; c["urn:altinn:app"] = "signing" }))

	if got := request(t, srv, "POST", delegatePath, "application/json", validDelegation, "Authorization", "", "PlatformAccessToken", digdir); got.status != 200 {
		t.Errorf("digdir's token: status = %d %s, want 200", got.status, got.body)
	}
	if got := e.Delegations(); len(got) != 1 || got[0].Performer != "app_digdir_signing" {
		t.Errorf("delegations = %+v, want one by app_digdir_signing", got)
	}
	if got := request(t, srv, "POST", delegatePath, "application/json", validDelegation, "Authorization", ""); got.status != 401 {
		t.Errorf("the dev token, not registered with this IDP: status = %d, want 401", got.status)
	}
	p.RegisterPlatformIssuer(emulator.DevPlatformOrg, &emulator.DevPlatformKey().PublicKey)
	if got := request(t, srv, "POST", delegatePath, "application/json", validDelegation, "Authorization", ""); got.status != 200 {
		t.Errorf("the dev token once registered: status = %d, want 200", got.status)
	}
}

// delegationBody builds a delegation request body.
func delegationBody(from, to wire.Attribute, rights ...wire.Right) string {
	if rights == nil {
		rights = []wire.Right{}
	}
	b, _ := json.Marshal(wire.DelegationRequest{From: from, To: to, Rights: rights})
	return string(b)
}

var (
	kari = wire.Attribute{Type: wire.TypePartyUUID, Value: kariUUID}
	ola  = wire.Attribute{Type: wire.TypePartyUUID, Value: olaUUID}
)

// TestAccess_refusals checks every refusal of the emulated access
// management (access.go cites the upstream source of each): status, body
// shape and code, and that nothing changed.
func TestAccess_refusals(t *testing.T) {
	t.Parallel()
	sign := wire.TaskRight("ttd", "founders", "SigningTask", "sign")
	unknownParty := wire.Attribute{Type: wire.TypePartyUUID, Value: "00000000-0000-4000-8000-000000000000"}
	otherApp := sign
	otherApp.Resource = []wire.Attribute{{Type: wire.TypeApp, Value: "other"}, {Type: wire.TypeOrg, Value: "ttd"}, {Type: wire.TypeTask, Value: "SigningTask"}}
	noOrg := sign
	noOrg.Resource = []wire.Attribute{{Type: wire.TypeApp, Value: "founders"}, {Type: wire.TypeTask, Value: "SigningTask"}}
	byResource := sign
	byResource.Resource = []wire.Attribute{{Type: "urn:altinn:resource", Value: "app_ttd_other"}}

	tests := []struct {
		name        string
		path        string
		contentType string
		body        string
		wantStatus  int
		// wantErrors are the keys of ASP.NET's "errors" map.
		wantErrors []string
		// wantValidation are "code path" of Altinn's validationErrors.
		wantValidation []string
	}{
		{name: "not_json_415", path: delegatePath, contentType: "text/plain", body: validDelegation, wantStatus: 415},
		{name: "json_suffix_415", path: delegatePath, contentType: "application/merge-patch+json", body: validDelegation, wantStatus: 415},
		{name: "malformed_json", path: delegatePath, contentType: "application/json", body: `{"from":`, wantStatus: 400, wantErrors: []string{"$", "appInstanceDelegationRequest"}},
		{name: "trailing_data", path: revokePath, contentType: "application/json", body: validDelegation + `{}`, wantStatus: 400, wantErrors: []string{"$", "appInstanceDelegationRequest"}},
		{name: "wrong_type", path: delegatePath, contentType: "application/json", body: `{"from":{},"to":{},"rights":"all"}`, wantStatus: 400, wantErrors: []string{"$.rights", "appInstanceDelegationRequest"}},
		{name: "missing_everything", path: delegatePath, contentType: "application/json", body: `{}`, wantStatus: 400, wantErrors: []string{"From", "Rights", "To"}},
		{name: "null_rights", path: revokePath, contentType: "application/json", body: `{"from":{"type":"urn:altinn:party:uuid","value":"` + kariUUID + `"},"to":{"type":"urn:altinn:party:uuid","value":"` + olaUUID + `"},"rights":null}`, wantStatus: 400, wantErrors: []string{"Rights"}},
		{name: "unknown_from_and_to", path: delegatePath, contentType: "application/json", body: delegationBody(unknownParty, wire.Attribute{Type: "urn:altinn:person:identifier-no", Value: olaSSN}, sign),
			wantStatus: 400, wantValidation: []string{"AM.VLD-00001 From", "AM.VLD-00001 To"}},
		{name: "party_id_urn", path: delegatePath, contentType: "application/json", body: delegationBody(kari, wire.Attribute{Type: "urn:altinn:party:id", Value: "50002"}, sign),
			wantStatus: 400, wantValidation: []string{"AM.VLD-00001 To"}},
		{name: "unknown_org_number", path: delegatePath, contentType: "application/json", body: delegationBody(kari, wire.Attribute{Type: wire.TypeOrganizationNumber, Value: "974760673"}, sign),
			wantStatus: 400, wantValidation: []string{"AM.VLD-00001 To"}},
		{name: "right_on_other_app", path: delegatePath, contentType: "application/json", body: delegationBody(kari, ola, sign, otherApp),
			wantStatus: 400, wantValidation: []string{"AM.VLD-00002 Rights[1]/Resource"}},
		{name: "right_without_org", path: revokePath, contentType: "application/json", body: delegationBody(kari, ola, noOrg),
			wantStatus: 400, wantValidation: []string{"AM.VLD-00002 Rights[0]/Resource"}},
		{name: "right_on_other_resource", path: delegatePath, contentType: "application/json", body: delegationBody(kari, ola, byResource),
			wantStatus: 400, wantValidation: []string{"AM.VLD-00002 Rights[0]/Resource"}},
		{name: "unknown_app_in_route", path: strings.Replace(delegatePath, "app_ttd_founders", "app_ttd_other", 1), contentType: "application/json", body: delegationBody(kari, ola, otherApp),
			wantStatus: 400, wantValidation: []string{"AM.VLD-00002 appInstanceDelegationRequest.Resource"}},
		{name: "route_not_an_app", path: strings.Replace(delegatePath, "app_ttd_founders", "ttd-founders", 1), contentType: "application/json", body: validDelegation,
			wantStatus: 400, wantValidation: []string{"AM.VLD-00002 appInstanceDelegationRequest.Resource"}},
		{name: "no_rights", path: delegatePath, contentType: "application/json", body: delegationBody(kari, ola),
			wantStatus: 400, wantValidation: []string{"AM.VLD-00002 appInstanceDelegationRequest.Resource"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, srv := start(t)
			before := snapshot(t, e)

			got := request(t, srv, "POST", tt.path, tt.contentType, tt.body, "Authorization", "")
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", got.status, tt.wantStatus, got.body)
			}
			p := got.problem(t)
			var keys []string
			for k := range p.Errors {
				keys = append(keys, k)
			}
			if !sameSet(keys, tt.wantErrors) {
				t.Errorf("errors = %v, want keys %v", p.Errors, tt.wantErrors)
			}
			var ves []string
			for _, v := range p.ValidationErrors {
				ves = append(ves, v.Code+" "+strings.Join(v.Paths, ","))
			}
			if !sameSet(ves, tt.wantValidation) {
				t.Errorf("validationErrors = %v, want %v", ves, tt.wantValidation)
			}
			if len(tt.wantValidation) > 0 && (p.Code != wire.CodeStdValidation || p.Title != "Bad Request" || p.Detail != "One or more validation errors occurred.") {
				t.Errorf("problem = %+v, want code STD-00000, title Bad Request", p)
			}
			if len(tt.wantErrors) > 0 && (p.Code != "" || p.Title != "One or more validation errors occurred.") {
				t.Errorf("problem = %+v, want ASP.NET's ValidationProblemDetails", p)
			}
			if strings.Contains(string(got.body), olaSSN) {
				t.Errorf("body %s echoes a national ID", got.body)
			}
			if after := snapshot(t, e); after != before {
				t.Errorf("state changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		if seen[x] == 0 {
			return false
		}
		seen[x]--
	}
	return true
}

// TestAccess_invalidPartyBody pins the exact body of AM.VLD-00001 (the
// shape of AccessMgmt.Tests' …/00000000-0000-0000-0000-000000000006/response.json).
func TestAccess_invalidPartyBody(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	body := delegationBody(wire.Attribute{Type: wire.TypePartyUUID, Value: "00000000-0000-4000-8000-000000000000"}, ola,
		wire.TaskRight("ttd", "founders", "SigningTask", "sign"))

	got := request(t, srv, "POST", delegatePath, "application/json", body, "Authorization", "")
	want := `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"Bad Request","status":400,` +
		`"detail":"One or more validation errors occurred.","code":"STD-00000",` +
		`"validationErrors":[{"code":"AM.VLD-00001","detail":"Invalid party URN.","paths":["From"]}]}` + "\n"
	if got.status != 400 || string(got.body) != want || got.header.Get("Content-Type") != wire.ProblemContentType {
		t.Errorf("answer = %d %s %s, want 400 %s %s", got.status, got.header.Get("Content-Type"), got.body, wire.ProblemContentType, want)
	}
}

// TestAccess_policy: the app's policy decides (AM.VLD-00003 without one,
// AM.VLD-00004 when it lets the app delegate nothing).
func TestAccess_policy(t *testing.T) {
	t.Parallel()
	const noDelegation = `<?xml version="1.0" encoding="utf-8"?>
<xacml:Policy xmlns:xacml="urn:oasis:names:tc:xacml:3.0:core:schema:wd-17" PolicyId="p" Version="1.0" RuleCombiningAlgId="urn:oasis:names:tc:xacml:3.0:rule-combining-algorithm:deny-overrides">
  <xacml:Target />
  <xacml:Rule RuleId="r1" Effect="Permit"><xacml:Target /></xacml:Rule>
</xacml:Policy>`
	tests := []struct {
		name   string
		policy []byte
		want   string
	}{
		{name: "no_policy", policy: nil, want: wire.CodeAMMissingPolicy},
		{name: "nothing_delegable", policy: []byte(noDelegation), want: wire.CodeAMNoDelegableRights},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := emulator.Founders()
			f.Applications[0].PolicyBytes = tt.policy
			e := emulator.New(f)
			srv := httptest.NewServer(e.Handler())
			t.Cleanup(srv.Close)

			got := request(t, srv, "POST", delegatePath, "application/json", validDelegation, "Authorization", "")
			p := got.problem(t)
			if got.status != 400 || len(p.ValidationErrors) != 1 || p.ValidationErrors[0].Code != tt.want {
				t.Errorf("answer = %d %s, want 400 %s", got.status, got.body, tt.want)
			}
			if len(e.Delegations()) != 0 {
				t.Errorf("delegations = %+v, want none", e.Delegations())
			}
		})
	}
}

// TestEmulator_SetPolicy: a new policy decides the next delegation; a
// malformed one is refused; Reset restores the fixture's.
func TestEmulator_SetPolicy(t *testing.T) {
	t.Parallel()
	e, srv := start(t)
	task2 := delegationBody(kari, ola, wire.TaskRight("ttd", "founders", "SigningTask2", "sign"))
	if got := request(t, srv, "POST", delegatePath, "application/json", task2, "Authorization", ""); got.status != 206 {
		t.Fatalf("SigningTask2 before SetPolicy = %d, want 206", got.status)
	}
	policy := strings.ReplaceAll(string(emulator.Founders().Applications[0].PolicyBytes), ">SigningTask<", ">SigningTask2<")
	if err := e.SetPolicy("ttd", "founders", []byte("<x")); err == nil {
		t.Error("SetPolicy(malformed) error = nil")
	}
	if err := e.SetPolicy("ttd", "founders", []byte(policy)); err != nil {
		t.Fatal(err)
	}
	if got := request(t, srv, "POST", delegatePath, "application/json", task2, "Authorization", ""); got.status != 200 {
		t.Errorf("SigningTask2 after SetPolicy = %d %s, want 200", got.status, got.body)
	}
	e.Reset()
	if got := request(t, srv, "POST", delegatePath, "application/json", task2, "Authorization", ""); got.status != 206 {
		t.Errorf("SigningTask2 after Reset = %d, want 206", got.status)
	}
}

// TestAccess_notDelegable: a right the policy does not let the app delegate
// comes back NotDelegated with 206, the others are delegated; revoking it
// is NotRevoked.
func TestAccess_notDelegable(t *testing.T) {
	t.Parallel()
	e, srv := start(t)
	body := delegationBody(kari, ola,
		wire.TaskRight("ttd", "founders", "SigningTask", "read"),
		wire.TaskRight("ttd", "founders", "SigningTask", "write"),
		wire.TaskRight("ttd", "founders", "Task_1", "sign"),
		wire.TaskRight("ttd", "founders", "SigningTask", "reject"))

	for _, tt := range []struct {
		path       string
		ok, failed string
	}{{delegatePath, wire.RightDelegated, wire.RightNotDelegated}, {revokePath, wire.RightRevoked, wire.RightNotRevoked}} {
		got := request(t, srv, "POST", tt.path, "application/json", body, "Authorization", "")
		var resp wire.DelegationResponse
		if got.status != 206 || json.Unmarshal(got.body, &resp) != nil || len(resp.Rights) != 4 {
			t.Fatalf("%s = %d %s, want 206 with four rights", tt.path, got.status, got.body)
		}
		var statuses []string
		for _, r := range resp.Rights {
			statuses = append(statuses, r.Status)
		}
		if want := []string{tt.ok, tt.failed, tt.failed, tt.ok}; strings.Join(statuses, ",") != strings.Join(want, ",") {
			t.Errorf("%s statuses = %v, want %v", tt.path, statuses, want)
		}
		if tt.path == delegatePath {
			var got []string
			for _, d := range e.Delegations() {
				got = append(got, d.TaskID+"/"+d.Action)
			}
			if strings.Join(got, ",") != "SigningTask/read,SigningTask/reject" {
				t.Errorf("delegations = %v, want read and reject on SigningTask", got)
			}
		}
	}
	if got := e.Delegations(); len(got) != 0 {
		t.Errorf("delegations after revoke = %+v, want none", got)
	}
}

// TestAccess_idempotent: re-delegation adds nothing and is Delegated,
// revoking what is not in force is Revoked (PolicyAdministrationPoint.cs);
// the answer echoes the bare instance GUID, the record keys it by the from
// party's ID; from may be an organisation number.
func TestAccess_idempotent(t *testing.T) {
	t.Parallel()
	e, srv := start(t)

	for range 2 {
		got := request(t, srv, "POST", delegatePath, "application/json", validDelegation, "Authorization", "")
		var resp wire.DelegationResponse
		if got.status != 200 || json.Unmarshal(got.body, &resp) != nil || resp.Rights[0].Status != wire.RightDelegated ||
			resp.InstanceID != instanceGUID || resp.ResourceID != "app_ttd_founders" || resp.From.Value != kariUUID || resp.To.Value != olaUUID {
			t.Fatalf("delegate = %d %s", got.status, got.body)
		}
	}
	recs := e.Delegations()
	if len(recs) != 1 || recs[0].Action != "sign" || recs[0].To != olaUUID || recs[0].InstanceID != "50001/"+instanceGUID ||
		recs[0].Performer != "app_ttd_founders" {
		t.Errorf("delegations = %+v, want one sign right for Ola on 50001/%s", recs, instanceGUID)
	}
	for range 2 {
		got := request(t, srv, "POST", revokePath, "application/json", validDelegation, "Authorization", "")
		var resp wire.DelegationResponse
		if got.status != 200 || json.Unmarshal(got.body, &resp) != nil || resp.Rights[0].Status != wire.RightRevoked {
			t.Fatalf("revoke = %d %s", got.status, got.body)
		}
	}
	if got := e.Delegations(); len(got) != 0 {
		t.Errorf("delegations = %+v, want none", got)
	}
	holding := delegationBody(wire.Attribute{Type: wire.TypeOrganizationNumber, Value: "312847612"}, ola, wire.TaskRight("ttd", "founders", "SigningTask", "read"))
	if got := request(t, srv, "POST", delegatePath, "application/json", holding, "Authorization", ""); got.status != 200 {
		t.Fatalf("delegate from an organisation number = %d %s", got.status, got.body)
	}
	if recs := e.Delegations(); len(recs) != 1 || recs[0].From != "0b6c1f2e-3d4a-4b5c-8d6e-000000050003" || recs[0].InstanceID != "50003/"+instanceGUID {
		t.Errorf("delegations = %+v, want one from the holding company's party", recs)
	}
}

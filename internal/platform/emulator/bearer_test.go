package emulator_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/emulator/idp"
	"github.com/signingflow/signing/internal/platformauth"
	"github.com/signingflow/signing/internal/signing"
)

// ownerBearer is an Authorization value the emulator accepts for every
// route: Config's service-owner token.
func ownerBearer(t testing.TB) string {
	t.Helper()
	tok, err := emulator.DevServiceOwnerTokens().Token(t.Context())
	if err != nil {
		t.Fatalf("DevServiceOwnerTokens().Token() error = %v", err)
	}
	return "Bearer " + tok
}

// TestAuthorize_bearer follows each service's policy (bearer.go cites
// them): a bearer that does not verify is ASP.NET's empty 401, a verified
// one that lacks what the service asks is 403 (401 for Register's party
// of a caller that is no organisation), and a platform access token
// stands in where the service takes one.
func TestAuthorize_bearer(t *testing.T) {
	t.Parallel()
	// issuer signs Altinn tokens with the key of the emulators' IDP (key).
	key := newKey(t)
	issuer, err := idp.New(idp.Options{BaseURL: "http://idp.invalid", MaskinportenKey: key, AltinnKey: key})
	if err != nil {
		t.Fatal(err)
	}
	past, err := idp.New(idp.Options{BaseURL: "http://idp.invalid", MaskinportenKey: key, AltinnKey: key,
		Now: func() time.Time { return time.Now().Add(-31 * time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	token := func(p *idp.IDP, org string, scopes ...string) string {
		tok, err := p.AltinnToken(org, emulator.DevServiceOwnerOrgNumber, scopes...)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	var (
		owner        = token(issuer, "ttd", emulator.DevServiceOwnerScopes...)
		noOrg        = token(issuer, "", emulator.DevServiceOwnerScopes...)
		noScope      = token(issuer, "ttd")
		corrOnly     = token(issuer, "ttd", emulator.ScopeCorrespondenceWrite)
		readOnly     = token(issuer, "ttd", emulator.ScopeInstancesRead)
		registerOnly = token(issuer, "", emulator.ScopeRegisterAdmin)
		expired      = token(past, "ttd", emulator.DevServiceOwnerScopes...)
		foreign      = ownerBearer(t) // the dev IDP's key, not key
		notJWT       = "Bearer emulator-dev-token"
	)
	pat := platformToken(t)
	const partyPath = "/register/api/v1/parties/50002"
	const textsPath = "/storage/api/v1/applications/ttd/founders/texts/nb"
	const appPath = "/storage/api/v1/applications/ttd/founders"
	const org = `{"orgNo":"312847612"}`

	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		auth        string
		pat         string
		wantStatus  int
	}{
		{name: "storage_owner", method: "GET", path: instancePath, auth: owner, wantStatus: 200},
		{name: "storage_no_bearer_401", method: "GET", path: instancePath, wantStatus: 401},
		{name: "storage_not_a_jwt_401", method: "GET", path: instancePath, auth: notJWT, wantStatus: 401},
		{name: "storage_foreign_key_401", method: "GET", path: instancePath, auth: foreign, wantStatus: 401},
		{name: "storage_expired_401", method: "GET", path: instancePath, auth: expired, wantStatus: 401},
		{name: "storage_basic_scheme_401", method: "GET", path: instancePath, auth: "Basic " + strings.TrimPrefix(owner, "Bearer "), wantStatus: 401},
		{name: "storage_no_org_403", method: "GET", path: instancePath, auth: noOrg, wantStatus: 403},
		{name: "storage_create_no_org_403", method: "POST", path: instancePath + "/data?dataType=x", contentType: "application/pdf", body: "%PDF", auth: noOrg, wantStatus: 403},
		{name: "storage_no_scope_needed", method: "GET", path: instancePath, auth: noScope, wantStatus: 200},
		{name: "texts_any_altinn_token", method: "GET", path: textsPath, auth: noOrg, wantStatus: 200},
		{name: "texts_no_bearer_401", method: "GET", path: textsPath, wantStatus: 401},
		{name: "application_anonymous", method: "GET", path: appPath, wantStatus: 200},
		{name: "correspondence_scope", method: "POST", path: sendPath, contentType: "application/json", body: validCorrespondence, auth: corrOnly, wantStatus: 200},
		{name: "correspondence_no_scope_403", method: "POST", path: sendPath, contentType: "application/json", body: validCorrespondence, auth: noScope, wantStatus: 403},
		{name: "correspondence_no_bearer_401", method: "POST", path: sendPath, contentType: "application/json", body: validCorrespondence, wantStatus: 401},
		{name: "correspondence_attachment_no_scope_403", method: "POST", path: "/correspondence/api/v1/attachment", contentType: "application/json", body: `{}`, auth: readOnly, wantStatus: 403},
		{name: "correspondence_pat_is_not_enough_401", method: "POST", path: sendPath, contentType: "application/json", body: validCorrespondence, pat: pat, wantStatus: 401},
		{name: "lookup_platform_token_alone", method: "POST", path: lookupPath, contentType: "application/json", body: org, pat: pat, wantStatus: 200},
		{name: "lookup_admin_scope_alone", method: "POST", path: lookupPath, contentType: "application/json", body: org, auth: registerOnly, wantStatus: 200},
		{name: "lookup_owner_without_platform_token_403", method: "POST", path: lookupPath, contentType: "application/json", body: org, auth: owner, wantStatus: 403},
		{name: "lookup_nothing_401", method: "POST", path: lookupPath, contentType: "application/json", body: org, wantStatus: 401},
		{name: "party_owner", method: "GET", path: partyPath, auth: owner, pat: pat, wantStatus: 200},
		{name: "party_no_bearer_401", method: "GET", path: partyPath, pat: pat, wantStatus: 401},
		{name: "party_not_an_org_401", method: "GET", path: partyPath, auth: noOrg, pat: pat, wantStatus: 401},
		{name: "party_no_platform_token_403", method: "GET", path: partyPath, auth: owner, wantStatus: 403},
		{name: "decision_anonymous", method: "POST", path: decisionPath, contentType: "application/json", body: validDecision, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := idp.New(idp.Options{BaseURL: "http://idp.invalid", MaskinportenKey: key, AltinnKey: key})
			if err != nil {
				t.Fatal(err)
			}
			p.RegisterPlatformIssuer(emulator.DevPlatformOrg, &emulator.DevPlatformKey().PublicKey)
			e, srv := start(t, emulator.WithIDP(p))
			before := snapshot(t, e)
			got := request(t, srv, tt.method, tt.path, tt.contentType, tt.body, "Authorization", tt.auth, "PlatformAccessToken", tt.pat)
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", got.status, tt.wantStatus, got.body)
			}
			if tt.wantStatus == 401 || tt.wantStatus == 403 {
				if len(got.body) != 0 {
					t.Errorf("body = %q, want none (ASP.NET's challenge and forbid)", got.body)
				}
				if after := snapshot(t, e); after != before {
					t.Error("a refused request changed the state")
				}
			}
		})
	}
}

// TestConfig_tokens: Config's token sources are accepted by an emulator
// built without WithIDP, and its bearer carries the service owner's scopes.
func TestConfig_tokens(t *testing.T) {
	t.Parallel()
	e := emulator.New(emulator.Founders())
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	clients, err := platform.NewClients(emulator.Config(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients.Storage.GetInstance(t.Context(), signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001, InstanceGUID: instanceGUID}); err != nil {
		t.Errorf("GetInstance() error = %v", err)
	}
	if _, err := clients.Register.GetParty(t.Context(), 50002); err != nil {
		t.Errorf("GetParty() error = %v", err)
	}
	tok, err := emulator.DevServiceOwnerTokens().Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	claims, err := e.IDP().VerifyAltinnToken(tok)
	if err != nil {
		t.Fatalf("VerifyAltinnToken() error = %v", err)
	}
	if claims.Org != emulator.DevServiceOwnerOrg || !claims.HasScope(emulator.ScopeCorrespondenceWrite) || !claims.HasScope(emulator.ScopeInstancesWrite) {
		t.Errorf("claims = %+v, want org %s with the service owner's scopes", claims, emulator.DevServiceOwnerOrg)
	}
	if again, _ := emulator.DevServiceOwnerTokens().Token(t.Context()); again != tok {
		t.Error("Token() issued a new token while the last one is fresh")
	}
}

// TestIdentity_maskinporten runs the deployed code path against the
// emulator's own identity routes: platformauth.Maskinporten signs a grant
// for a registered client, posts it to /token, exchanges the Maskinporten
// token at /authentication/api/v1/exchange/maskinporten, and the Altinn
// token it gets reads an instance and sends a correspondence.
func TestIdentity_maskinporten(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	p, err := idp.New(idp.Options{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	p.RegisterPlatformIssuer(emulator.DevPlatformOrg, &emulator.DevPlatformKey().PublicKey)
	e := emulator.New(emulator.Founders(), emulator.WithIDP(p))
	srv.Config.Handler = e.Handler()
	srv.Start()
	t.Cleanup(srv.Close)

	signer, err := platformauth.NewPEMSigner(newKey(t), "")
	if err != nil {
		t.Fatal(err)
	}
	scopes := []string{emulator.ScopeInstancesRead, emulator.ScopeInstancesWrite, emulator.ScopeCorrespondenceWrite, emulator.ScopeServiceOwner}
	p.RegisterClient("signing-client", signer.Public(), signer.KeyID(), scopes)
	p.SetClientOrg("signing-client", "ttd", emulator.DevServiceOwnerOrgNumber)
	mp, err := platformauth.NewMaskinporten(platformauth.MaskinportenConfig{
		ClientID: "signing-client", Issuer: p.Issuer(), TokenURL: base + "/token",
		AuthenticationURL: platform.AuthenticationURL(base), Scopes: scopes, Signer: signer,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := emulator.Config(base)
	cfg.Tokens = mp
	clients, err := platform.NewClients(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients.Storage.GetInstance(t.Context(), signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001, InstanceGUID: instanceGUID}); err != nil {
		t.Errorf("GetInstance() error = %v", err)
	}
	got := request(t, srv, "POST", sendPath, "application/json", validCorrespondence, "Authorization", "Bearer "+mustToken(t, mp))
	if got.status != 200 {
		t.Errorf("send with the exchanged token: status %d (body %s)", got.status, got.body)
	}
	// Config's dev tokens are not from this IDP: refused.
	if got := request(t, srv, "GET", instancePath, "", ""); got.status != 401 {
		t.Errorf("GET instance with a dev token: status %d, want 401", got.status)
	}
}

func mustToken(t *testing.T, src platform.TokenSource) string {
	t.Helper()
	tok, err := src.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

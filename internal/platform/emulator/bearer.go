package emulator

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator/idp"
)

// The service owner's bearer token. The platform APIs take an Altinn JWT
// (Bearer, or Altinn's runtime cookie) whose signature and lifetime they
// check with no clock skew, not its issuer or audience
// (Altinn/altinn-storage src/Storage/Program.cs, Altinn/altinn-register
// src/apps/Altinn.Register/src/Altinn.Register/RegisterHost.cs). A service
// owner gets one by exchanging a Maskinporten token at Altinn
// authentication (GET …/exchange/maskinporten; Altinn/app-lib-dotnet
// src/Altinn.App.Core/Features/Maskinporten/MaskinportenClient.cs). The emulator verifies it with its IDP
// (idp.IDP.VerifyAltinnToken: tokens the IDP's exchange issued), then asks
// of it what each service's policy asks (authorize).

// Scopes the emulator checks, as the services name them.
const (
	// ScopeCorrespondenceWrite lets an Altinn token send correspondences
	// and attachments (policy Sender: Altinn/altinn-correspondence
	// src/Altinn.Correspondence.API/Auth/DependencyInjection.cs,
	// src/Altinn.Correspondence.Common/Constants/AuthorizationConstants.cs).
	ScopeCorrespondenceWrite = "altinn:correspondence.write"
	// ScopeServiceOwner is the second scope Correspondence asks of a raw
	// Maskinporten token (same files); the emulator takes no raw
	// Maskinporten token, so it never checks it.
	ScopeServiceOwner = "altinn:serviceowner"
	// ScopeInstancesRead and ScopeInstancesWrite are the service-owner
	// scopes app-lib asks for (Altinn/app-lib-dotnet
	// src/Altinn.App.Core/Features/AuthenticationMethod.cs). Storage checks
	// no scope on instance routes (the PDP sees it as urn:scope; upstream
	// facts §5): neither does the emulator.
	ScopeInstancesRead  = "altinn:serviceowner/instances.read"
	ScopeInstancesWrite = "altinn:serviceowner/instances.write"
	// ScopeRegisterAdmin stands in for the platform access token at
	// Register (Altinn/altinn-register
	// src/apps/Altinn.Register/src/Altinn.Register/Authorization/InternalScopeOrAccessTokenRequirement.cs).
	ScopeRegisterAdmin = "altinn:register/partylookup.admin"
)

// The service owner of Config's bearer tokens: Testdepartementet, whose org
// number app-lib uses for ttd outside production (Altinn/app-lib-dotnet
// src/Altinn.App.Core/Features/Maskinporten/MaskinportenClient.cs).
const (
	DevServiceOwnerOrg       = "ttd"
	DevServiceOwnerOrgNumber = "991825827"
)

// DevServiceOwnerScopes are the scopes of Config's bearer tokens: the
// service owner's (app-lib's, with altinn:serviceowner), not Register's
// admin scope.
var DevServiceOwnerScopes = []string{
	ScopeInstancesRead, ScopeInstancesWrite, ScopeCorrespondenceWrite, ScopeServiceOwner,
}

// devOwnerIDP issues Config's bearer tokens with the key that every
// emulator built without WithIDP verifies Altinn tokens with (devIDP).
var devOwnerIDP = sync.OnceValue(func() *idp.IDP {
	p, err := idp.New(idp.Options{BaseURL: devIDPBaseURL, MaskinportenKey: devKey(1), AltinnKey: devKey(1)})
	if err != nil {
		panic("emulator: " + err.Error())
	}
	return p
})

// devOwnerTokens is the process's DevServiceOwnerTokens.
var devOwnerTokens = sync.OnceValue(func() *ownerTokens { return &ownerTokens{} })

// DevServiceOwnerTokens returns the token source of Config's bearer: Altinn
// tokens for DevServiceOwnerOrg with DevServiceOwnerScopes, as the
// exchange issues them (idp.IDP.AltinnToken), each reused until 30 s
// before it expires. An emulator built without WithIDP accepts them;
// one built with another IDP does not, and its clients get their tokens
// from that IDP (through Maskinporten, as the deployed functions do).
// They are issued directly, not through Maskinporten, so in-process tests
// need no key registration.
func DevServiceOwnerTokens() platform.TokenSource { return devOwnerTokens() }

// ownerTokens caches one token.
type ownerTokens struct {
	mu    sync.Mutex
	token string
	until time.Time
}

// Token returns a token valid for at least 30 s.
func (o *ownerTokens) Token(context.Context) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.token != "" && time.Now().Before(o.until) {
		return o.token, nil
	}
	tok, err := devOwnerIDP().AltinnToken(DevServiceOwnerOrg, DevServiceOwnerOrgNumber, DevServiceOwnerScopes...)
	if err != nil {
		return "", err
	}
	o.token, o.until = tok, time.Now().Add(idp.DefaultAltinnTokenLifetime-30*time.Second)
	return tok, nil
}

// bearerToken is the request's Bearer token, or "".
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// authorize checks the caller's tokens before a route's handler runs: the
// Authorization bearer (an Altinn token the IDP verifies) and, where the
// route has platformToken, the PlatformAccessToken header (platformAccess,
// whose claims it puts in c). What each service asks:
//
//   - anonymous routes: nothing of the bearer. Storage's sign endpoint
//     checks the user's own token in its handler, the decision point has
//     no [Authorize] (Altinn/altinn-authorization-tmp
//     src/apps/Altinn.Authorization/src/Altinn.Authorization/Controllers/DecisionController.cs),
//     GET applications/{org}/{app} is anonymous (Altinn/altinn-storage
//     src/Storage/Controllers/ApplicationsController.cs); access management asks only the PlatformAccessToken
//     (access.go).
//   - Register (InternalOrPlatformAccess: a PlatformAccessToken or the
//     ScopeRegisterAdmin scope; RG R/Authorization/InternalScopeOrAccessTokenRequirement.cs,
//     R/Controllers/PartiesController.cs, upstream facts §1b, §1c):
//     parties/lookup needs nothing more, not even a bearer; GET
//     parties/{partyId} also needs an authenticated caller, and a caller
//     that is no organisation (no urn:altinn:org) may read only itself,
//     which no service owner is: 401 (GetV1PartyById).
//   - Correspondence: an Altinn token with ScopeCorrespondenceWrite
//     (policy Sender; upstream facts §4c). Upstream tells Altinn tokens
//     from Maskinporten ones by an iss containing "altinn"; the double
//     knows its tokens by their key instead, as its iss is its own URL.
//   - Storage: an authenticated caller; on instance routes an org token
//     (urn:altinn:org), the subject of the app policy's [ORG] rule
//     through the PDP (upstream facts §5; the PDP itself is not emulated,
//     so the org is not compared with the app's: policy-dependent).
//
// A request that fails gets ASP.NET's answer to a failed policy, an empty
// body: 401 (challenge) when no valid bearer came, 403 (forbid) when one
// did (inferred from ASP.NET, as in platformAccess).
func (e *Emulator) authorize(r *http.Request, ep endpoint, c *call) (reply, bool) {
	claims, err := e.opts.idp.VerifyAltinnToken(bearerToken(r))
	user := err == nil
	path := r.URL.Path
	refuse := func() (reply, bool) {
		if user {
			return reply{status: http.StatusForbidden}, false
		}
		return reply{status: http.StatusUnauthorized}, false
	}
	switch {
	case ep.anonymous && ep.platformToken:
		var rp reply
		var ok bool
		c.platform, rp, ok = e.platformAccess(r, user)
		return rp, ok
	case ep.anonymous:
		return reply{}, true
	case strings.HasPrefix(path, "/register/"):
		if !user || !claims.HasScope(ScopeRegisterAdmin) {
			var rp reply
			var ok bool
			if c.platform, rp, ok = e.platformAccess(r, user); !ok {
				return rp, false
			}
		}
		if path == "/register/api/v1/parties/lookup" {
			return reply{}, true
		}
		if !user || claims.Org == "" {
			return reply{status: http.StatusUnauthorized}, false
		}
		return reply{}, true
	case !user:
		return refuse()
	case strings.HasPrefix(path, "/correspondence/"):
		if !claims.HasScope(ScopeCorrespondenceWrite) {
			return refuse()
		}
	case strings.HasPrefix(path, "/storage/api/v1/instances/"):
		if claims.Org == "" {
			return refuse()
		}
	}
	return reply{}, true
}

// identity serves the IDP's routes on the emulator's host (package idp):
// Maskinporten's well-known document, key set and token endpoint, and
// Altinn authentication's exchange, so one URL serves the platform and
// its identity services as it does for a developer's stack. A grant must
// name the IDP's issuer (idp.IDP.Issuer) as its aud: the emulator's own
// URL when the IDP was built for it (WithIDP; the local stack does so).
// The IDP of an emulator built without WithIDP has a placeholder URL and
// accepts no grant.
func (e *Emulator) identity(mux *http.ServeMux) {
	h := e.opts.idp.Handler()
	for _, pattern := range []string{
		"GET /.well-known/oauth-authorization-server", "GET /jwk", "POST /token",
		"GET /authentication/api/v1/exchange/maskinporten",
	} {
		mux.Handle(pattern, h)
	}
}

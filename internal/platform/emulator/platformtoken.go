package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator/idp"
	"github.com/signingflow/signing/internal/platformauth"
)

// The platform access token of the emulator's own clients (Config): an
// RS256 JWT with iss DevPlatformOrg and urn:altinn:app DevPlatformApp,
// signed with DevPlatformKey, which an emulator built without WithIDP
// trusts for DevPlatformOrg. The key lives in this process only: another
// process (the functions of the local stack) signs with its own key, which
// the stack registers with the emulator's IDP.
const (
	DevPlatformOrg = "ttd"
	DevPlatformApp = "founders"
)

var (
	devKeys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
		var keys [2]*rsa.PrivateKey
		for i := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				return keys, err
			}
			keys[i] = k
		}
		return keys, nil
	})
	devTokens = sync.OnceValue(func() platform.TokenSource {
		signer, err := platformauth.NewPEMSigner(DevPlatformKey(), "")
		if err == nil {
			var pat *platformauth.PlatformAccessToken
			if pat, err = platformauth.NewPlatformAccessToken(platformauth.PlatformAccessTokenConfig{
				Org: DevPlatformOrg, App: DevPlatformApp, Signer: signer,
			}); err == nil {
				return pat
			}
		}
		panic("emulator: dev platform access token: " + err.Error())
	})
)

// DevPlatformKey returns the RSA key of the dev platform access tokens,
// generated once per process.
func DevPlatformKey() *rsa.PrivateKey { return devKey(0) }

// devKey returns one of the process's generated keys: 0 signs the dev
// platform access tokens, 1 the tokens of the built-in IDP (the Altinn
// tokens of DevServiceOwnerTokens).
func devKey(i int) *rsa.PrivateKey {
	keys, err := devKeys()
	if err != nil {
		panic("emulator: generate a key: " + err.Error())
	}
	return keys[i]
}

// DevPlatformTokens returns the token source of the dev platform access
// tokens (Config's PlatformTokens): one per process, each token reused
// until 5 s before it expires.
func DevPlatformTokens() platform.TokenSource { return devTokens() }

// WithIDP makes the emulator verify tokens with p: the PlatformAccessToken
// header of the register and access management routes
// (idp.IDP.VerifyPlatformAccessToken: only tokens of the issuers
// registered with p.RegisterPlatformIssuer pass) and the service owner's
// bearer (idp.IDP.VerifyAltinnToken: only Altinn tokens p issued pass), and
// serve p's Maskinporten and exchange routes (identity). Without it the
// emulator builds its own IDP that trusts DevPlatformKey for
// DevPlatformOrg and DevServiceOwnerTokens; more issuers can be
// registered with it through IDP.
func WithIDP(p *idp.IDP) Option { return func(o *options) { o.idp = p } }

// IDP returns the identity double that issues and verifies the tokens the
// emulator accepts.
func (e *Emulator) IDP() *idp.IDP { return e.opts.idp }

// devIDPBaseURL is the placeholder URL of the IDP of an emulator built
// without WithIDP; its Maskinporten has no client, and Config's bearer
// tokens come from DevServiceOwnerTokens instead.
const devIDPBaseURL = "http://platform-emulator.invalid"

// devIDP is the IDP of an emulator built without WithIDP, on the
// emulator's clock: it trusts DevPlatformKey for DevPlatformOrg and
// verifies DevServiceOwnerTokens.
func devIDP(now func() time.Time) *idp.IDP {
	p, err := idp.New(idp.Options{
		BaseURL: devIDPBaseURL, Now: now,
		MaskinportenKey: devKey(1), AltinnKey: devKey(1),
	})
	if err != nil {
		panic("emulator: " + err.Error())
	}
	p.RegisterPlatformIssuer(DevPlatformOrg, &DevPlatformKey().PublicKey)
	return p
}

// platformAccess checks the PlatformAccessToken header as Altinn's policy
// PlatformAccess does (AccessTokenRequirement, no issuer list:
// Altinn/altinn-authorization-tmp
// src/apps/Altinn.AccessManagement/src/Altinn.AccessManagement/AccessManagementHost.cs;
// Altinn/altinn-register
// src/apps/Altinn.Register/src/Altinn.Register/Authorization/InternalScopeOrAccessTokenRequirement.cs):
// the header absent, repeated, unreadable, from an unknown issuer, badly
// signed or expired beyond 10 s fails the requirement
// (Altinn/altinn-accesstoken src/Altinn.Common.AccessToken/AccessTokenHandler.cs).
// ASP.NET then answers with an empty body: 401 (challenge) when no user is
// authenticated, as app-lib calls access management with no bearer token,
// and 403 (forbid) when one is (upstream-facts §3, inferred from ASP.NET).
func (e *Emulator) platformAccess(r *http.Request, user bool) (idp.PlatformClaims, reply, bool) {
	claims, err := e.opts.idp.VerifyPlatformAccessToken(r.Header.Values("PlatformAccessToken"))
	if err == nil {
		return claims, reply{}, true
	}
	if user {
		return idp.PlatformClaims{}, reply{status: http.StatusForbidden}, false
	}
	return idp.PlatformClaims{}, reply{status: http.StatusUnauthorized}, false
}

package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/altinntoken"
)

// Authentication happens here, in the function, before routing: a request
// without a valid token is 401 before anything else is read.
//
// Why not at API Gateway: a browser running Altinn's app frontend sends no
// Authorization header, only Altinn's runtime cookie (Altinn/app-lib-dotnet
// at 1363997d,
// src/Altinn.App.Api/Extensions/ServiceCollectionExtensions.cs
// AddAuthenticationScheme: JwtCookie reading AltinnStudioRuntime). An HTTP
// API's JWT authorizer reads one identity source and cannot read a cookie;
// a Lambda authorizer with result caching cannot key on "the cookie or the
// header" (an identity source that is missing is a 401 without invoking
// it), and one without caching costs an extra invocation on every call. The
// XSRF check needs the cookie and the header anyway. So the routes are open
// at the gateway and this function verifies the token itself
// (internal/altinntoken: the issuer's JWKS, cached in the warm Lambda).

// TokenVerifier checks a user's token; *altinntoken.Verifier is one. Its
// errors wrap altinntoken.ErrInvalid (401) or altinntoken.ErrUnavailable (503).
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (jwt.MapClaims, error)
}

var _ TokenVerifier = (*altinntoken.Verifier)(nil)

// Cookie and header names.
const (
	// RuntimeCookie carries the user's Altinn token in a browser
	// (Altinn/app-lib-dotnet src/Altinn.App.Core/Constants/General.cs
	// RuntimeCookieName).
	RuntimeCookie = "AltinnStudioRuntime"
	// XSRFCookie is the JavaScript-readable cookie the frontend's axios
	// copies into XSRFHeader on every request (Altinn/app-lib-dotnet
	// src/Altinn.App.Api/Controllers/HomeController.cs sets it).
	XSRFCookie = "XSRF-TOKEN"
	// XSRFHeader carries the XSRF token (app-lib ServiceCollectionExtensions.cs
	// AddAntiforgery: HeaderName).
	XSRFHeader = "X-XSRF-TOKEN"
)

// authLevelClaim is Altinn's authentication level claim
// (Altinn/altinn-authentication src/jwtcookie/Authentication/Constants/AltinnCoreClaimTypes.cs).
const authLevelClaim = "urn:altinn:authlevel"

// authn is what authentication established about a request.
type authn struct {
	// claims are the verified token's claims as text.
	claims map[string]string
	// token is the verified token, passed on to Storage's sign endpoint.
	token string
	// cookie is the runtime cookie's value, if the request carries one:
	// the session the XSRF token is bound to.
	cookie string
}

// authenticate verifies the request's token (Authorization: Bearer first,
// then the runtime cookie, in the order of Altinn's JwtCookieHandler:
// Altinn/altinn-authentication at ad4f6f36,
// src/jwtcookie/Authentication/JwtCookie/JwtCookieHandler.cs), checks the
// authentication level and, when the runtime cookie is present on a
// state-changing request, the origin and the XSRF token. It refuses with
// 401 (no valid token), 503 (the issuer's keys cannot be fetched), 403 (a
// weaker login than the app requires, or a disallowed origin) or 400 (no
// valid XSRF token).
func (h *Handler) authenticate(ctx context.Context, r *request, method string) error {
	a := authn{token: bearerToken(r.ev), cookie: cookieValue(r.ev, RuntimeCookie)}
	if a.token == "" {
		a.token = a.cookie
	}
	if a.token == "" {
		return fail(ProblemUnauthenticated, "The request carries no token: send it in the Authorization header (bearer scheme) or Altinn's "+RuntimeCookie+" cookie.")
	}
	if h.cfg.Verifier == nil {
		return fmt.Errorf("api: no token verifier configured")
	}
	claims, err := h.cfg.Verifier.Verify(ctx, a.token)
	if errors.Is(err, altinntoken.ErrUnavailable) {
		p := newProblem(ProblemUnavailable, "The token issuer's keys cannot be fetched now; try again later.")
		p.retryAfter, p.cause = defaultRetryAfter, err
		return problemError{p}
	}
	if err != nil {
		p := newProblem(ProblemUnauthenticated, "The token is not valid: log in again.")
		p.cause = err
		return problemError{p}
	}
	a.claims = make(map[string]string, len(claims))
	for name := range claims {
		a.claims[name] = altinntoken.ClaimText(claims, name)
	}
	// A missing or unreadable level is 0, as app-lib and the PEP read it
	// (app-lib src/Altinn.App.Core/Extensions/ClaimsPrincipalExtensions.cs
	// GetAuthenticationLevel ?? 0; Altinn/altinn-authorization-tmp
	// src/pkgs/Altinn.Authorization.PEP/src/Altinn.Authorization.PEP/Helpers/DecisionHelper.cs
	// Convert.ToInt32).
	level, _ := strconv.Atoi(a.claims[authLevelClaim])
	if level < h.cfg.MinAuthLevel {
		return fail(ProblemAuthLevelTooLow, fmt.Sprintf("This app requires authentication level %d; this login has level %d. Log in again with a stronger method.", h.cfg.MinAuthLevel, level))
	}
	if a.cookie != "" && !safeMethod(method) {
		if origin := r.header("Origin"); origin != "" && !slices.Contains(h.cfg.AllowedOrigins, origin) {
			return fail(ProblemOriginNotAllowed, "Requests with the "+RuntimeCookie+" cookie are accepted from the configured origins only.")
		}
		if !validXSRF(r.ev, r.header(XSRFHeader), a.cookie) {
			return fail(ProblemXSRF, "A request that changes state with the "+RuntimeCookie+" cookie must carry the "+XSRFHeader+" header equal to the "+XSRFCookie+" cookie of this session; read any GET answer of this API to get it.")
		}
	}
	r.auth = a
	return nil
}

// safeMethod reports the methods that need no XSRF token, as app-lib's
// filter exempts them (Altinn/app-lib-dotnet
// src/Altinn.App.Api/Infrastructure/Filters/ValidateAntiforgeryTokenIfAuthCookieAuthorizationFilter.cs
// ShouldValidate: GET, HEAD, TRACE, OPTIONS).
func safeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodTrace, http.MethodOptions:
		return true
	}
	return false
}

// xsrfToken is the XSRF token of a session: a SHA-256 derivation of its
// runtime cookie. A token planted by another site or a sibling subdomain
// (cookie tossing) does not match, and the token tells nothing of the
// cookie it came from.
func xsrfToken(runtimeCookie string) string {
	sum := sha256.Sum256([]byte("signing-api XSRF v1\x00" + runtimeCookie))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validXSRF is the double-submit check: the header equals an XSRF-TOKEN
// cookie of the request, and both are the session's token.
func validXSRF(ev *events.APIGatewayV2HTTPRequest, header, runtimeCookie string) bool {
	if header == "" {
		return false
	}
	want := xsrfToken(runtimeCookie)
	if subtle.ConstantTimeCompare([]byte(header), []byte(want)) != 1 {
		return false
	}
	for _, v := range cookieValues(ev, XSRFCookie) {
		if subtle.ConstantTimeCompare([]byte(v), []byte(header)) == 1 {
			return true
		}
	}
	return false
}

// issueXSRF adds the session's XSRF-TOKEN cookie to a successful GET answer
// to a caller with the runtime cookie, unless the request already carries
// it: readable by JavaScript (not HttpOnly) so axios finds it, as app-lib's
// HomeController sets it; Secure, SameSite=Strict, Path=/.
func issueXSRF(r *request, method string, resp *events.APIGatewayV2HTTPResponse) {
	if r.auth.cookie == "" || !safeMethod(method) || resp.StatusCode >= 300 {
		return
	}
	want := xsrfToken(r.auth.cookie)
	if slices.Contains(cookieValues(r.ev, XSRFCookie), want) {
		return
	}
	c := http.Cookie{Name: XSRFCookie, Value: want, Path: "/", Secure: true, SameSite: http.SameSiteStrictMode}
	resp.Cookies = append(resp.Cookies, c.String())
}

// cookieValue returns the first value of the named cookie.
func cookieValue(ev *events.APIGatewayV2HTTPRequest, name string) string {
	if vs := cookieValues(ev, name); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// cookieValues returns every value of the named cookie. API Gateway's
// payload 2.0 passes cookies in ev.Cookies, one "name=value" each, and not
// among the headers; an event without them (a hand-made one) is read from
// its Cookie header.
func cookieValues(ev *events.APIGatewayV2HTTPRequest, name string) []string {
	raw := ev.Cookies
	if len(raw) == 0 {
		for k, v := range ev.Headers {
			if strings.EqualFold(k, "cookie") {
				raw = append(raw, strings.Split(v, ";")...)
			}
		}
	}
	var out []string
	for _, c := range raw {
		k, v, ok := strings.Cut(strings.TrimSpace(c), "=")
		if ok && k == name && v != "" {
			out = append(out, strings.Trim(v, `"`))
		}
	}
	return out
}

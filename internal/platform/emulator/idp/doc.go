// Package idp is a strict test double of the two identity services the
// signing service meets: Maskinporten (a JWT-bearer grant for an access
// token) and Altinn authentication (that token exchanged for an Altinn
// token). It also verifies, as the platform does, the tokens the rest of
// the emulator receives: Altinn tokens it issued (VerifyAltinnToken) and
// apps' platform access tokens (VerifyPlatformAccessToken).
//
// Facts come from the upstream sources each route and refusal names:
//
//   - DG  docs.digdir.no docs/Maskinporten/maskinporten_protocol_jwtgrant
//     (the grant), …/maskinporten_protocol_token (the /token endpoint) and
//     …/maskinporten_feilsoking (error texts such as MP-110);
//   - AL  Altinn/app-lib-dotnet
//     src/Altinn.App.Core/Features/Maskinporten/MaskinportenClient.cs (the
//     client: well-known issuer, grant, exchange);
//   - AT  Altinn/altinn-accesstoken src/Altinn.Common.AccessToken/AccessTokenHandler.cs
//     (the platform access token receiver) and
//     src/Altinn.Common.AccessTokenClient/Services/AccessTokenGenerator.cs
//     (its issuer);
//   - RFC 6749 §5.1 and §5.2 (token answers and error codes), RFC 7523
//     (JWT-bearer grants), RFC 7638 (key thumbprints, used as kid).
//
// # Routes
//
// One handler serves, below Options.BaseURL (scheme and host only):
//
//	GET  /.well-known/oauth-authorization-server  {issuer, token_endpoint, jwks_uri} [AL]
//	GET  /jwk                                     the key set of Maskinporten tokens [DG]
//	POST /token                                   grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=… [DG]
//	GET  /authentication/api/v1/exchange/maskinporten[?test=true]   Bearer <Maskinporten token> → text/plain Altinn JWT [AL]
//
// The Maskinporten issuer is BaseURL + "/"; Altinn tokens have iss
// BaseURL + "/authentication/api/v1/openid/".
//
// # What /token refuses (400, {"error","error_description"})
//
// A grant_type other than the JWT bearer one (unsupported_grant_type) or
// no assertion (invalid_request) [RFC 6749 §5.2]; and with invalid_grant
// [DG jwtgrant]: an alg other than RS256, RS384, RS512; no kid (an x5c
// business certificate is not supported by this double and is refused
// too); an unknown client (iss) or a kid not registered for it; a bad
// signature; aud other than the issuer, or more than one aud value
// (MP-110); iat more than 10 s from the clock; exp − iat over 120 s; an
// expired grant; a reused jti (jti itself is optional, "recommended");
// any claim but aud, iss, iat, exp, jti, scope and resource ("Invalid
// assertion"); no scope. A scope not granted to the client is refused with
// invalid_scope [RFC 6749 §5.2; Maskinporten's exact code is not
// documented]. Accepted grants are answered {access_token, token_type
// "Bearer", expires_in, scope} [DG token] with a JWT signed by the double
// carrying iss, client_id, consumer (the client's organisation number,
// authority iso6523-actorid-upis), scope, iat, exp, jti and, for a
// resource, aud [DG token, the access token's claims].
//
// # The exchange
//
// A Maskinporten token from this double, checked for signature, issuer and
// lifetime (no skew), is exchanged for an Altinn JWT with claims
// urn:altinn:org (the org code registered with SetClientOrg; "ttd" with
// ?test=true), urn:altinn:orgNumber, scope, iss, iat and exp
// (iat + Options.AltinnTokenLifetime, default 30 min). These claims are
// not read from altinn-authentication: they are the org claims the
// platform APIs read [ST src/Storage/Helpers/ClaimsPrincipalExtensions.cs]. Anything else is 401; a test value that is not a boolean
// is 400 (inferred: ASP.NET model binding).
//
// # Verifiers
//
// VerifyAltinnToken checks signature and lifetime with zero skew and no
// iss/aud check, as platform APIs do [ST src/Storage/Program.cs].
// VerifyPlatformAccessToken does what AT AccessTokenHandler.cs does: exactly
// one header value, the key looked up by iss (RegisterPlatformIssuer),
// exp required, lifetime with 10 s clock skew, iss and aud not otherwise
// validated.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package idp

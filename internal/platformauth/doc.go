// Package platformauth supplies the two tokens the signing service presents
// to the Altinn platform: an Altinn token obtained through Maskinporten
// (Maskinporten) and the app's platform access token (PlatformAccessToken).
// Both have a Token(ctx) method, so they serve as the platform clients'
// token sources, and both sign their JWTs through a Signer: KMSSigner keeps
// the RSA private key in AWS KMS (kms:Sign on a SHA-256 digest), PEMSigner
// uses a local key file for a developer running against a real environment.
//
// # Maskinporten and the Altinn exchange
//
// The JWT-bearer grant follows docs.digdir.no (Maskinporten, "JWT grant",
// docs/Maskinporten/maskinporten_protocol_jwtgrant, and "/token endpoint",
// docs/Maskinporten/maskinporten_protocol_token): header alg RS256 with the
// kid of a key registered for the client; claims aud (the Maskinporten
// issuer, one value), iss (the client ID), iat, exp (at most iat+120 s; we
// use +110 s), jti (unique, single use) and scope (space-separated) and no
// other claim, since Maskinporten answers 400 to unknown claims. It is POSTed
// as a form (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer,
// assertion=…) and answered with {access_token, token_type, expires_in,
// scope}. The Maskinporten token is exchanged at
// GET {authentication}/exchange/maskinporten with it as Bearer; the answer's
// body is the Altinn JWT as plain text, cached until its exp less 30 s
// (Altinn/app-lib-dotnet
// src/Altinn.App.Core/Features/Maskinporten/MaskinportenClient.cs, which
// builds the same grant with exp = iat + 2 min and caches with the same
// margin).
//
// # Platform access token
//
// The PlatformAccessToken header carries an RS256 JWT signed with the app's
// key: iss = the org code, urn:altinn:app = the app name, aud =
// "platform.altinn.no", nbf = now − 5 s, exp = now + 300 s, reused until 5 s
// before it expires (Altinn/altinn-accesstoken
// src/Altinn.Common.AccessTokenClient/Services/AccessTokenGenerator.cs and
// its AccessTokenSettings defaults). The receiver
// (src/Altinn.Common.AccessToken/AccessTokenHandler.cs) finds the key by iss.
//
// # Refreshes and errors
//
// A token is fetched at most once at a time; concurrent callers wait for
// the same refresh, and a caller giving up does not cancel it for the
// others (a refresh is bounded by its own Timeout). Failures a retry may
// cure (timeouts, connection errors, HTTP 408, 425, 429, 5xx, KMS
// throttling) are *TransientError, which matches signing.ErrTransient;
// others are *PermanentError carrying the server's error and
// error_description. No error text contains a token or a grant.
package platformauth

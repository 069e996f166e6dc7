// Package platform holds the HTTP clients for the platform services the
// signing flow calls: storage, access management, correspondence, register
// and authorization. Each client implements a port of package signing
// (StorageClient → signing.Storage, AccessClient → signing.AccessManagement,
// CorrespondenceClient → signing.Correspondence, RegisterClient →
// signing.Register, AuthorizationClient → signing.Authorization). Email and
// SMS ride on a correspondence's notification block, as the reference sends
// them; the standalone notifications API is not used. Package
// platform/emulator serves the same APIs in memory for tests and the local
// stack. docs/platform.md lists every contract with its upstream source.
//
// # Endpoints
//
// Each service has one configurable base URL (Config); the clients append
// these paths (the JSON bodies are in package platform/wire):
//
//	storage         GET  {StorageURL}/instances/{partyId}/{instanceGuid}
//	                GET  {StorageURL}/instances/{partyId}/{instanceGuid}/data/{dataGuid}
//	                GET  {StorageURL}/instances/{partyId}/{instanceGuid}/dataelements   (an earlier element?)
//	                POST {StorageURL}/instances/{partyId}/{instanceGuid}/data?dataType=…&generatedFromTask=…
//	                     (body = the bytes; Content-Type; Content-Disposition filename)
//	                POST {StorageURL}/instances/{partyId}/{instanceGuid}/sign       (the signee's own token)
//	                GET  {StorageURL}/applications/{org}/{app}               (metadata: title)
//	                GET  {StorageURL}/applications/{org}/{app}/texts/{lang}  (text resources)
//	access          POST {AccessURL}/app/delegations/resource/{resourceId}/instance/{instanceGuid}
//	                POST {AccessURL}/app/delegationrevoke/resource/{resourceId}/instance/{instanceGuid}
//	                     (PlatformAccessToken header only: no bearer token, no subscription key)
//	correspondence  GET  {CorrespondenceURL}/correspondence/api/v1/correspondence?resourceId&role=Sender&idempotentKey
//	                POST {CorrespondenceURL}/correspondence/api/v1/attachment, …/attachment/{id}/upload, GET …/attachment/{id}
//	                POST {CorrespondenceURL}/correspondence/api/v1/correspondence  (idempotentKey in the body)
//	register        POST {RegisterURL}/register/api/v1/parties/lookup   {ssn} or {orgNo} (PlatformAccessToken)
//	                GET  {RegisterURL}/register/api/v1/parties/{partyId}  (PlatformAccessToken)
//	authorization   POST {AuthorizationURL}/authorization/api/v1/decision (XACML JSON; no bearer token)
//
// In Altinn terms StorageURL is ".../storage/api/v1", AccessURL is
// ".../accessmanagement/api/v1" and the others are the platform host.
//
// # Every call
//
// Every request carries "Authorization: Bearer <token>" from Config.Tokens
// (except the decision point and access management, which the reference
// calls without one), Ocp-Apim-Subscription-Key when Config.SubscriptionKey
// is set (except access management: app-lib's AccessManagementClient.cs
// sends none), a User-Agent, and runs under Config.Timeout (default 10s).
// Register and access management calls add the PlatformAccessToken header
// from Config.PlatformTokens. The clients do not
// retry: a Step Functions Retry does the backoff. Callers outside Step
// Functions may use Retry or RetryPolicy.Do.
//
// # Errors
//
// Every failure is a *TransientError (timeouts, connection errors, 408, 425,
// 429 and 5xx: a retry may cure it; errors.Is(err, signing.ErrTransient)) or
// a *PermanentError (every other failure: 404 → signing.ErrNotFound, 409 and
// 412 → signing.ErrConflict, 400, 413, 415 and 422 → signing.ErrInvalid, 401
// and 403 → signing.ErrForbidden, plus signing.ErrUnauthenticated for 401).
// RFC 9457 problem bodies fill Code and Detail; other error bodies are kept
// truncated to 512 bytes. Error texts never contain a request body, a token or
// an 11-digit number (a national ID), even if a server echoes one.
package platform

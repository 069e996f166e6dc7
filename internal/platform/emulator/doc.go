// Package emulator serves the platform APIs that package platform calls
// (storage, access management, correspondence, register, authorization) from
// memory, for Go tests (New(f).Handler() with httptest) and for the local
// stack (Start on a loopback address). It records what it was asked to do,
// so tests and the demo can inspect delegations in force, messages sent
// (with their attachments' bytes) and the email/SMS the platform would
// order from them, and it can
// inject faults and latency.
//
// # Routes
//
// One base URL serves every service; Config(baseURL) returns the matching
// platform.Config.
//
//	GET  /storage/api/v1/instances/{partyId}/{instanceGuid}
//	GET  /storage/api/v1/instances/{partyId}/{instanceGuid}/data/{dataGuid}
//	POST /storage/api/v1/instances/{partyId}/{instanceGuid}/data?dataType=…&generatedFromTask=…
//	GET  /storage/api/v1/applications/{org}/{app}
//	GET  /storage/api/v1/applications/{org}/{app}/texts/{language}
//	POST /accessmanagement/api/v1/app/delegations/resource/{resourceId}/instance/{instanceGuid}       (PlatformAccessToken only)
//	POST /accessmanagement/api/v1/app/delegationrevoke/resource/{resourceId}/instance/{instanceGuid}  (PlatformAccessToken only)
//	POST /correspondence/api/v1/correspondence
//	POST /register/api/v1/parties/lookup        {ssn} xor {orgNo} → Party (PlatformAccessToken)
//	GET  /register/api/v1/parties/{partyId}     Party, with ssn for a person (PlatformAccessToken)
//	POST /authorization/api/v1/decision         XACML JSON, key roles only (no token)
//	GET  /.well-known/oauth-authorization-server, GET /jwk, POST /token   the IDP's Maskinporten
//	GET  /authentication/api/v1/exchange/maskinporten                    the IDP's exchange (Altinn token)
//
// Tokens are verified for real by the emulator's IDP (WithIDP, IDP; package
// idp). The service owner's "Authorization: Bearer <token>" must be an
// Altinn token the IDP issued (its exchange, or DevServiceOwnerTokens for
// an emulator built without WithIDP), within its lifetime with no clock
// skew, carrying what each service asks (bearer.go authorize, citing each
// rule): Storage an org token, Correspondence the scope
// altinn:correspondence.write, Register a platform access token (or its
// admin scope) and for GET
// parties/{partyId} an org token. Access management needs only the
// PlatformAccessToken header; the decision point and GET applications
// need no token; Storage's sign endpoint takes the user's own token
// (sign.go). The PlatformAccessToken header must be exactly one RS256 JWT
// signed by the key registered for its iss with the IDP (by default
// DevPlatformKey for DevPlatformOrg, which Config's DevPlatformTokens use),
// within its lifetime give or take 10 s, on the emulator's clock. A token
// that fails gets ASP.NET's empty 401, or 403 when a valid bearer came
// (bearer.go, access.go, platformtoken.go).
// Errors are RFC 9457 problems (application/problem+json) in each service's
// upstream shape where the contract examples pin it (Register's REG-/STD-
// codes with validationErrors, Correspondence's CORR- codes with errorCode,
// access management's AM.VLD codes), else with an emulator "code" (see
// wire.Code*) and an "errors" map by field; problems never echo a national
// ID. A request that fails validation changes nothing.
//
// Idempotency is the platform's: no write dedupes by an Idempotency-Key
// header. A correspondence's idempotentKey is refused on reuse (409
// CORR-01034) and found by GET correspondence; Storage's sign replaces the
// signee's earlier document; a repeated data POST is a second element.
// Delegating a right in force and revoking one not in force are 200 no-ops.
// Access management answers as it does upstream (access.go cites each
// rule): ASP.NET validation problems, Altinn validation problems with
// AM.VLD codes, and 206 with NotDelegated for an action the app's policy
// (Application.Policy) does not let it delegate.
//
// Register answers parties as Register does, with the national ID of a
// person (the caller compares last names); an unknown party is 404
// PartyNotFound. Storage's instance owner has the person or organisation
// number and no party UUID, and the route's party ID is not compared with
// the owner (as Storage does not). AddPerson registers a person while the
// emulator runs (the local stack's pages add them), checked by the
// fixture's rules; Reset drops them.
//
// # Inspection and faults
//
// These need no token (the Go methods of the same names need no HTTP):
//
//	GET    /_emulator/delegations    rights in force (Delegations)
//	GET    /_emulator/messages       correspondences sent, attachments with bytes (Messages)
//	GET    /_emulator/notifications  email/SMS orders placed from correspondences (Notifications)
//	GET    /_emulator/data           data elements; ?bytes=true adds the bytes (Data)
//	GET    /_emulator/calls          calls per operation (Calls)
//	GET    /_emulator/faults         pending faults (Faults)
//	POST   /_emulator/faults         {"operation":"correspondence.send","status":503,"count":2,"latencyMs":0} (InjectFault)
//	DELETE /_emulator/faults         clear faults (ClearFaults)
//	POST   /_emulator/reset          back to the fixture (Reset)
//
// Fault operations are the Op* constants (e.g. "storage.createData",
// "register.lookupPerson") or "*". A fault answers Status (with a problem
// body, or Body/ContentType) instead of handling the call, after LatencyMs;
// with Status 0 it only delays. Count 0 means until cleared.
//
// # Fixture
//
// A fixture (Fixture, LoadFixture, the bundled Founders) is JSON:
//
//	{
//	  "persons": [{"userId", "partyId", "partyUuid", "ssn", "firstName", "middleName", "lastName", "email", "mobile"}],
//	  "organisations": [{"partyId", "partyUuid", "orgNumber", "name", "unitType", "email", "mobile"}],
//	  "roles": [{"personSsn", "orgNumber", "roles": ["DAGL"]}],
//	  "instances": [{"org", "app", "instanceOwnerPartyId", "instanceGuid",
//	                 "currentTask", "currentTaskType", "created", "lastChanged",
//	                 "data": [{"id", "dataType", "contentType", "filename", "generatedFromTask", "created", "lastChanged",
//	                           "text" | "base64" | "file"}]}],
//	  "applications": [{"org", "app", "metadata": "file", "policy": "file", "texts": {"nb": "file", …}}]
//	}
//
// "file", "metadata", "policy" and the texts' files are relative to the fixture file;
// an application's policy is its policy.xml (what access management lets
// the app delegate); its metadata is its applicationmetadata.json and its texts
// its resource.{language}.json files, served as they are. National IDs in a fixture are
// synthetic test numbers; the emulator keeps them as given (it plays the
// register) and never logs them; like Register and Storage it returns them
// in parties and instance owners, never in a problem. Roles in SigningRoles
// stand in for Altinn's key-role policy (altinn_keyrole_access).
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package emulator

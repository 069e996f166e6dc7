package idp

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Grant limits [DG jwtgrant].
const (
	maxIATSkew      = 10 * time.Second
	maxGrantSeconds = 120
)

// grantAlgs are the algorithms Maskinporten accepts [DG jwtgrant].
var grantAlgs = []string{"RS256", "RS384", "RS512"}

// grantClaims are the only claims a grant may carry [DG jwtgrant: "Adding
// claims not present in the following documentation will result in a
// response of 400 Bad request ... Invalid assertion"].
var grantClaims = []string{"aud", "exp", "iat", "iss", "jti", "resource", "scope"}

// OAuth error codes [RFC 6749 §5.2].
const (
	codeInvalidRequest       = "invalid_request"
	codeInvalidGrant         = "invalid_grant"
	codeInvalidScope         = "invalid_scope"
	codeUnsupportedGrantType = "unsupported_grant_type"
)

// refusal is a 400 answer of the token endpoint.
type refusal struct {
	code        string
	description string
}

func (r *refusal) Error() string { return r.code + ": " + r.description }

// invalid is an invalid_grant refusal; Maskinporten's descriptions start
// with "Invalid assertion." [DG feilsoking MP-100, MP-110].
func invalid(reason string) *refusal {
	return &refusal{code: codeInvalidGrant, description: "Invalid assertion. " + reason}
}

// grant is a verified grant.
type grant struct {
	clientID string
	kid      string
	jti      string
	scopes   []string
	resource []string
	exp      time.Time
}

// parseGrant verifies an assertion as Maskinporten's /token does, except
// for jti reuse (which needs the store) and returns it or the refusal.
func (p *IDP) parseGrant(assertion string, now time.Time) (grant, *refusal) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return grant{}, invalid("Not a signed JWT (JWS compact serialisation).")
	}
	var header map[string]json.RawMessage
	if err := decodeSegment(parts[0], &header); err != nil {
		return grant{}, invalid("Malformed JWT header.")
	}
	// Header [DG jwtgrant]: alg RS256/RS384/RS512; kid or x5c.
	alg, _ := stringValue(header["alg"])
	if !slices.Contains(grantAlgs, alg) {
		return grant{}, invalid("alg must be RS256, RS384 or RS512.")
	}
	kid, _ := stringValue(header["kid"])
	if kid == "" {
		if _, ok := header["x5c"]; ok {
			return grant{}, invalid("x5c (business certificate) grants are not supported by this double; register a key and send its kid.")
		}
		return grant{}, invalid("The header has neither kid nor x5c.")
	}
	var claims map[string]json.RawMessage
	if err := decodeSegment(parts[1], &claims); err != nil {
		return grant{}, invalid("Malformed JWT claims.")
	}
	// iss is the client ID; kid names a key registered for it [DG jwtgrant].
	clientID, ok := stringValue(claims["iss"])
	if !ok || clientID == "" {
		return grant{}, invalid("Missing or invalid claim iss.")
	}
	pub, granted, err := p.lookupKey(clientID, kid)
	if errors.Is(err, errUnknownClient) {
		return grant{}, invalid("Client authentication failed. Unknown client.")
	} else if err != nil {
		return grant{}, invalid("Client authentication failed. The kid is not registered for the client.")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || jwt.GetSigningMethod(alg).Verify(parts[0]+"."+parts[1], sig, pub) != nil {
		return grant{}, invalid("Client authentication failed. Bad signature.")
	}
	// Unknown claims → 400 "Invalid assertion" [DG jwtgrant].
	for name := range claims {
		if !slices.Contains(grantClaims, name) {
			return grant{}, invalid("Unknown claim in the JWT.")
		}
	}
	// aud = the issuer, a single value; the token URL is no longer valid
	// [DG token; DG feilsoking MP-110].
	if aud, ok := singleString(claims["aud"]); !ok || aud != p.Issuer() {
		return grant{}, invalid("Client authentication failed. Invalid JWT claim aud.")
	}
	// iat within 10 s of the clock, exp − iat ≤ 120 s [DG jwtgrant].
	iat, okIAT := numericDate(claims["iat"])
	exp, okExp := numericDate(claims["exp"])
	switch {
	case !okIAT:
		return grant{}, invalid("Missing or invalid claim iat.")
	case !okExp:
		return grant{}, invalid("Missing or invalid claim exp.")
	case iat.Sub(now).Abs() > maxIATSkew:
		return grant{}, invalid("iat is more than 10 seconds from the server's clock.")
	case exp.Sub(iat) > maxGrantSeconds*time.Second:
		return grant{}, invalid("exp - iat exceeds 120 seconds.")
	case !now.Before(exp):
		return grant{}, invalid("The JWT has expired.")
	}
	// jti "recommended", single use (checked by useJTI); resource
	// optional [DG jwtgrant].
	g := grant{clientID: clientID, kid: kid, exp: exp}
	if raw, ok := claims["jti"]; ok {
		if g.jti, ok = stringValue(raw); !ok || g.jti == "" {
			return grant{}, invalid("Invalid claim jti.")
		}
	}
	if raw, ok := claims["resource"]; ok {
		if g.resource, ok = stringOrStrings(raw); !ok {
			return grant{}, invalid("Invalid claim resource.")
		}
	}
	// scope required; every scope pre-registered for the client [DG jwtgrant];
	// the code is RFC 6749 §5.2's (Maskinporten's is not documented).
	scope, _ := stringValue(claims["scope"])
	g.scopes = strings.Fields(scope)
	if len(g.scopes) == 0 {
		return grant{}, invalid("Missing or invalid claim scope.")
	}
	for _, s := range g.scopes {
		if !slices.Contains(granted, s) {
			return grant{}, &refusal{code: codeInvalidScope, description: "Invalid scope. A requested scope is not granted to the client."}
		}
	}
	return g, nil
}

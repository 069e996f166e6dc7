package platformauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// grantLifetime is exp − iat of a grant; Maskinporten allows at most 120 s.
const grantLifetime = 110 * time.Second

// grantTypeJWTBearer is the RFC 7523 grant type.
const grantTypeJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// grant builds and signs the JWT-bearer grant: exactly aud, iss, iat, exp,
// jti and scope.
func (m *Maskinporten) grant(ctx context.Context) (string, error) {
	jti, err := newUUID()
	if err != nil {
		return "", &PermanentError{Op: opMaskinporten, Code: "NoRandom", Err: err}
	}
	now := m.now().Truncate(time.Second)
	claims := jwt.MapClaims{
		"aud":   m.cfg.Issuer,
		"iss":   m.cfg.ClientID,
		"iat":   now.Unix(),
		"exp":   now.Add(grantLifetime).Unix(),
		"jti":   jti,
		"scope": strings.Join(m.cfg.Scopes, " "),
	}
	g, err := signJWT(ctx, m.cfg.Signer, claims)
	if err != nil {
		return "", callError(opMaskinporten, err)
	}
	return g, nil
}

// tokenResponse is Maskinporten's answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// maskinportenToken POSTs a fresh grant to the token endpoint.
func (m *Maskinporten) maskinportenToken(ctx context.Context) (string, error) {
	tok, err := m.maskinportenTokenOnce(ctx)
	var pe *PermanentError
	if !errors.As(err, &pe) || pe.Code != "invalid_grant" {
		return tok, err
	}
	// Maskinporten accepts a grant only while its iat is within 10 s of its
	// clock (docs.digdir.no maskinporten_protocol_jwtgrant): signing and
	// sending it may take that long (a KMS or network slow moment). A
	// refused grant is made afresh and sent once more, whatever the
	// refusal's wording; refused again for its time claims, it is a
	// transient failure the step's retries come back to, not a
	// configuration error.
	tok, err = m.maskinportenTokenOnce(ctx)
	if staleGrant(err) {
		var pe *PermanentError
		errors.As(err, &pe)
		return "", &TransientError{Op: opMaskinporten, Status: pe.Status, Code: pe.Code, Description: pe.Description}
	}
	return tok, err
}

// staleGrant reports whether Maskinporten refused a grant for its time
// claims (invalid_grant naming iat, exp or the clock), which a fresh grant
// cures unless the clocks really differ.
func staleGrant(err error) bool {
	var pe *PermanentError
	if !errors.As(err, &pe) || pe.Code != "invalid_grant" {
		return false
	}
	d := strings.ToLower(pe.Description)
	return strings.Contains(d, "iat") || strings.Contains(d, "exp") || strings.Contains(d, "clock")
}

// maskinportenTokenOnce makes one grant and sends it.
func (m *Maskinporten) maskinportenTokenOnce(ctx context.Context) (string, error) {
	assertion, err := m.grant(ctx)
	if err != nil {
		return "", err
	}
	form := url.Values{"grant_type": {grantTypeJWTBearer}, "assertion": {assertion}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", &PermanentError{Op: opMaskinporten, Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	body, err := do(m.http, opMaskinporten, req, assertion)
	if err != nil {
		return "", err
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", &PermanentError{Op: opMaskinporten, Status: http.StatusOK, Code: "BadResponse", Description: "answer is not a token response"}
	}
	if tr.AccessToken == "" || strings.ContainsAny(tr.AccessToken, " \t\r\n") {
		return "", &PermanentError{Op: opMaskinporten, Status: http.StatusOK, Code: "BadResponse", Description: "no usable access_token"}
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "Bearer") {
		return "", &PermanentError{Op: opMaskinporten, Status: http.StatusOK, Code: "BadResponse",
			Description: "token_type " + scrub(tr.TokenType, tr.AccessToken) + ", want Bearer"}
	}
	return tr.AccessToken, nil
}

package platformauth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// exchange trades a Maskinporten token for an Altinn token and returns it
// with its exp.
func (m *Maskinporten) exchange(ctx context.Context, maskinporten string) (string, time.Time, error) {
	u := strings.TrimRight(m.cfg.AuthenticationURL, "/") + "/exchange/maskinporten"
	if m.cfg.Test {
		u += "?test=true"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", time.Time{}, &PermanentError{Op: opExchange, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+maskinporten)
	if m.cfg.SubscriptionKey != "" {
		req.Header.Set("Ocp-Apim-Subscription-Key", m.cfg.SubscriptionKey)
	}
	body, err := do(m.http, opExchange, req, maskinporten)
	if err != nil {
		return "", time.Time{}, err
	}
	tok := strings.Trim(strings.TrimSpace(string(body)), `"`)
	exp, err := expiry(tok)
	if err != nil {
		return "", time.Time{}, &PermanentError{Op: opExchange, Status: http.StatusOK, Code: "BadResponse",
			Description: "answer is not a JWT with exp: " + scrub(err.Error(), tok, maskinporten)}
	}
	return tok, exp, nil
}

// expiry reads a JWT's exp without verifying it: the token is for the
// platform to verify; the client only needs to know when to replace it.
func expiry(tok string) (time.Time, error) {
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &claims); err != nil {
		return time.Time{}, err
	}
	if claims.ExpiresAt == nil {
		return time.Time{}, jwt.ErrTokenRequiredClaimMissing
	}
	return claims.ExpiresAt.Time, nil
}

package idp

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// grantTypeJWTBearer is the grant type [RFC 7523 §2.1; DG token].
const grantTypeJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// maxForm bounds a token request body.
const maxForm = 64 << 10

// serveToken is Maskinporten's POST /token [DG token].
func (p *IDP) serveToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		refuse(w, &refusal{code: codeInvalidRequest, description: "The request body is not a form."})
		return
	}
	if r.PostForm.Get("grant_type") != grantTypeJWTBearer {
		refuse(w, &refusal{code: codeUnsupportedGrantType, description: "grant_type must be " + grantTypeJWTBearer + "."})
		return
	}
	assertion := r.PostForm.Get("assertion")
	if assertion == "" {
		refuse(w, &refusal{code: codeInvalidRequest, description: "Missing assertion."})
		return
	}
	now := p.now()
	g, ref := p.parseGrant(assertion, now)
	if ref != nil {
		refuse(w, ref)
		return
	}
	if !p.useJTI(g, now) {
		refuse(w, invalid("The jti has been used before; a JWT cannot be reused."))
		return
	}
	tok, err := p.accessToken(g, now)
	if err != nil {
		http.Error(w, "signing failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // RFC 6749 §5.1
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int64(p.accessLifetime / time.Second),
		"scope":        strings.Join(g.scopes, " "),
	})
}

// useJTI records a grant's jti until the grant expires and reports
// whether it was new [DG jwtgrant: "A JWT cannot be reused"]. A grant
// without jti is accepted (jti is only "recommended").
func (p *IDP) useJTI(g grant, now time.Time) bool {
	if g.jti == "" {
		return true
	}
	key := g.clientID + "\x00" + g.jti
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, exp := range p.usedJTI {
		if !now.Before(exp) {
			delete(p.usedJTI, k)
		}
	}
	if _, used := p.usedJTI[key]; used {
		return false
	}
	p.usedJTI[key] = g.exp
	return true
}

// accessToken signs a Maskinporten access token for g [DG token].
func (p *IDP) accessToken(g grant, now time.Time) (string, error) {
	now = now.Truncate(time.Second)
	claims := jwt.MapClaims{
		"iss":       p.Issuer(),
		"client_id": g.clientID,
		"scope":     strings.Join(g.scopes, " "),
		"iat":       now.Unix(),
		"exp":       now.Add(p.accessLifetime).Unix(),
		"jti":       randomID(),
	}
	p.mu.Lock()
	orgNumber := p.clients[g.clientID].orgNumber
	p.mu.Unlock()
	if orgNumber != "" {
		claims["consumer"] = map[string]string{"authority": "iso6523-actorid-upis", "ID": "0192:" + orgNumber}
	}
	if len(g.resource) > 0 {
		claims["aud"] = g.resource
	}
	return p.sign(claims, false)
}

// sign signs claims with the Maskinporten key, or the Altinn key.
func (p *IDP) sign(claims jwt.MapClaims, altinn bool) (string, error) {
	key, kid := p.mpKey, p.mpKid
	if altinn {
		key, kid = p.altinnKey, p.altinnKid
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	return tok.SignedString(key)
}

// refuse writes a 400 OAuth error [RFC 6749 §5.2; DG feilsoking].
func refuse(w http.ResponseWriter, r *refusal) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": r.code, "error_description": r.description})
}

// randomID returns 16 random bytes in hex.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

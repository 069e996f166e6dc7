package idp

import (
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
)

// serveWellKnown answers Maskinporten's authorization server metadata;
// app-lib reads "issuer" from it for the grant's aud [AL MaskinportenClient.cs;
// docs.digdir.no maskinporten_protocol_jwtgrant].
func (p *IDP) serveWellKnown(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{
		"issuer":         p.Issuer(),
		"token_endpoint": p.TokenURL(),
		"jwks_uri":       p.base + "/jwk",
	})
}

// serveJWKS answers the key set that verifies Maskinporten tokens [DG token].
func (p *IDP) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	pub := &p.mpKey.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": p.mpKid,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// writeJSON writes v as the JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

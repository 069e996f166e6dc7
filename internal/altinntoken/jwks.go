package altinntoken

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// maxJWKS bounds a key set response.
const maxJWKS = 1 << 20

// withJWKSTransport returns a copy of c whose responses are key sets with
// the RSA parameters in base64url. Altinn Authentication writes n and e
// with Convert.ToBase64String (Altinn/altinn-authentication at ad4f6f36,
// src/Authentication/Controllers/OpenIdController.cs GetJsonWebKeySetAsync):
// standard base64 with padding, which RFC 7517 §6.3.1 does not allow and
// jwkset's parser refuses. The same numbers in base64url are what the
// issuer meant; nothing else in the set is changed, and x5c (standard
// base64 by RFC 7517 §4.7) is left as it is.
func withJWKSTransport(c *http.Client) *http.Client {
	cp := *c
	base := cp.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = jwksTransport{base: base}
	return &cp
}

type jwksTransport struct{ base http.RoundTripper }

func (t jwksTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKS+1))
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(body) <= maxJWKS {
		body = NormalizeJWKS(body)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// NormalizeJWKS rewrites each key's "n" and "e" that are standard base64
// (they hold '+', '/' or '=') to base64url without padding. Anything it
// cannot read is returned unchanged, for the parser to refuse.
func NormalizeJWKS(body []byte) []byte {
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if json.Unmarshal(body, &set) != nil || set.Keys == nil {
		return body
	}
	changed := false
	for _, k := range set.Keys {
		for _, name := range []string{"n", "e"} {
			s, ok := k[name].(string)
			if !ok || !strings.ContainsAny(s, "+/=") {
				continue
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
			}
			if err != nil {
				continue
			}
			k[name] = base64.RawURLEncoding.EncodeToString(b)
			changed = true
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(set)
	if err != nil {
		return body
	}
	return out
}

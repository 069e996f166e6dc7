package emulator

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Users' tokens. The platform APIs read the user's JWT from the Bearer
// header (or Altinn's runtime cookie) and check its signature and lifetime
// with no clock skew, not its issuer or audience (Altinn/altinn-storage
// src/Storage/Program.cs); the claims name the user
// (src/Storage/Helpers/ClaimsPrincipalExtensions.cs). The emulator verifies
// them with one RSA public key: the local stack's issuer key
// (WithUserTokenKey) or, by default, the bundled development key whose
// tokens DevUserToken mints. That key is a published test key: never trust
// it anywhere else.

// Claims of Altinn's user tokens.
const (
	ClaimUserID    = "urn:altinn:userid"
	ClaimPartyID   = "urn:altinn:partyid"
	ClaimPartyUUID = "urn:altinn:party:uuid"
	ClaimAuthLevel = "urn:altinn:authlevel"
	ClaimPID       = "pid"
)

// WithUserTokenKey makes the emulator accept users' tokens signed with the
// private half of pub (RS256), their lifetime checked against now (nil: the
// emulator's clock), for an issuer whose clock a test fixes.
// Each use adds a key; without any, the development key is the one.
func WithUserTokenKey(pub *rsa.PublicKey, now func() time.Time) Option {
	return func(o *options) { o.userKeys = append(o.userKeys, userKey{pub: pub, now: now}) }
}

// userKey is one accepted signer of users' tokens.
type userKey struct {
	pub *rsa.PublicKey
	now func() time.Time
}

// DevUserKey returns the public half of the development key.
func DevUserKey() *rsa.PublicKey {
	k, err := devUser()
	if err != nil {
		panic("emulator: bundled development key: " + err.Error())
	}
	return &k.PublicKey
}

var devUser = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	b, err := bundled.ReadFile("fixtures/dev-user-token-key.pem")
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("emulator: the development user key is not PEM")
	}
	return x509.ParsePKCS1PrivateKey(block.Bytes)
})

// DevUserToken signs a user token with the bundled development key, valid
// for an hour: for tests and the local stack's default.
func DevUserToken(claims map[string]any) (string, error) {
	key, err := devUser()
	if err != nil {
		return "", err
	}
	mc := jwt.MapClaims{}
	for k, v := range claims {
		mc[k] = v
	}
	now := time.Now()
	mc["iat"], mc["exp"] = now.Unix(), now.Add(time.Hour).Unix()
	return jwt.NewWithClaims(jwt.SigningMethodRS256, mc).SignedString(key)
}

// PersonToken mints a development token with the claims of Altinn's user
// tokens for a fixture person, typed as Altinn writes them: the user ID a
// string, the party ID and authentication level numbers
// (Altinn/altinn-authentication src/Authentication/Controllers/AuthenticationController.cs).
func PersonToken(p Person) (string, error) {
	return DevUserToken(map[string]any{
		ClaimUserID: strconv.FormatInt(p.UserID, 10), ClaimPartyID: p.PartyID,
		ClaimPartyUUID: p.PartyUUID, ClaimAuthLevel: 3, ClaimPID: p.SSN,
	})
}

// user is the caller a user token names.
type user struct {
	userID  int64
	partyID int64
	pid     string
}

// userOf verifies the bearer token as a user's token.
func (e *Emulator) userOf(header string) (user, error) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		return user{}, errors.New("a bearer token is required")
	}
	keys := e.opts.userKeys
	if len(keys) == 0 {
		keys = []userKey{{pub: DevUserKey()}}
	}
	var claims jwt.MapClaims
	for _, k := range keys {
		now := e.now
		if k.now != nil {
			now = k.now
		}
		c := jwt.MapClaims{}
		if _, err := jwt.ParseWithClaims(raw, c, func(*jwt.Token) (any, error) { return k.pub, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(now)); err == nil {
			claims = c
			break
		}
	}
	if claims == nil {
		return user{}, fmt.Errorf("the token is not a valid user token")
	}
	u := user{pid: claimText(claims[ClaimPID])}
	u.userID, _ = strconv.ParseInt(claimText(claims[ClaimUserID]), 10, 64)
	u.partyID, _ = strconv.ParseInt(claimText(claims[ClaimPartyID]), 10, 64)
	return u, nil
}

// claimText is a claim's value as text.
func claimText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return ""
}

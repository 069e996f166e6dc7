package pages

import (
	"encoding/json"
	mathrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/devstack/synthid"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform/emulator"
)

// RuntimeCookie is the cookie Altinn's app frontend carries the user's
// token in (app-lib-dotnet src/Altinn.App.Core/Constants/General.cs
// RuntimeCookieName), which the HTTP API reads.
const RuntimeCookie = "AltinnStudioRuntime"

// sessionTTL is how long a persona's login lasts.
const sessionTTL = 8 * time.Hour

// persona is a person of the register (the fixture's, or one added on the
// page) as the pages show them: never the national ID.
type persona struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	PartyID   int64  `json:"partyId"`
	PartyUUID string `json:"partyUuid"`
	// ActsFor are the organisations the person holds a signing role in,
	// whose inbox they read too.
	ActsFor []actsFor `json:"actsFor"`
}

type actsFor struct {
	OrgNumber string   `json:"orgNumber"`
	Name      string   `json:"name"`
	PartyUUID string   `json:"partyUuid"`
	Roles     []string `json:"roles"`
}

// personaOf is p as a persona; its ID is the party UUID.
func (s *Server) personaOf(p emulator.Person) persona {
	out := persona{ID: p.PartyUUID, Name: p.Name(), PartyID: p.PartyID, PartyUUID: p.PartyUUID, ActsFor: []actsFor{}}
	for _, role := range s.cfg.Fixture.Roles {
		if role.PersonSSN != p.SSN || !slices.ContainsFunc(role.Roles, func(r string) bool { return slices.Contains(emulator.SigningRoles, r) }) {
			continue
		}
		for _, o := range s.cfg.Fixture.Organisations {
			if o.OrgNumber == role.OrgNumber {
				out.ActsFor = append(out.ActsFor, actsFor{OrgNumber: o.OrgNumber, Name: o.Name, PartyUUID: o.PartyUUID, Roles: slices.Clone(role.Roles)})
			}
		}
	}
	return out
}

// person finds the register's person with party UUID id.
func (s *Server) person(id string) (emulator.Person, bool) {
	for _, p := range s.cfg.Emulator.Persons() {
		if p.PartyUUID == id {
			return p, true
		}
	}
	return emulator.Person{}, false
}

// token issues p's token with the claims of Altinn's user tokens.
func (s *Server) token(p emulator.Person, ttl time.Duration) (string, error) {
	claims := scenario.AltinnUserClaims(p.UserID, p.PartyID, p.PartyUUID, p.SSN)
	claims["name"] = p.Name()
	return s.cfg.Issuer.Token(claims, ttl)
}

// login logs a persona in: the local issuer's token for them, set as the
// runtime cookie, as Altinn Authentication sets it after an ID-porten login.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Persona string `json:"persona"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		problem(w, http.StatusBadRequest, "send {\"persona\": \"<party UUID>\"}")
		return
	}
	p, ok := s.person(body.Persona)
	if !ok {
		problem(w, http.StatusNotFound, "no such persona")
		return
	}
	tok, err := s.token(p, sessionTTL)
	if err != nil {
		problem(w, http.StatusInternalServerError, "the local issuer could not sign a token")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: RuntimeCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(sessionTTL / time.Second)})
	writeJSON(w, http.StatusOK, s.personaOf(p))
}

// logout removes the runtime cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: RuntimeCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

// me answers who is logged in: the persona, or 401.
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p, ok := s.session(r)
	if !ok {
		problem(w, http.StatusUnauthorized, "log in as a persona")
		return
	}
	writeJSON(w, http.StatusOK, s.personaOf(p))
}

// session returns the persona whose valid token the runtime cookie holds.
func (s *Server) session(r *http.Request) (emulator.Person, bool) {
	c, err := r.Cookie(RuntimeCookie)
	if err != nil || c.Value == "" {
		return emulator.Person{}, false
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(strings.Trim(c.Value, `"`), claims, func(*jwt.Token) (any, error) {
		return s.cfg.Issuer.Key.Public(), nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(s.cfg.Issuer.Issuer), jwt.WithExpirationRequired())
	if err != nil {
		return emulator.Person{}, false
	}
	id, _ := claims["urn:altinn:party:uuid"].(string)
	return s.person(id)
}

// addPersona adds a person to the emulator's register, as a newcomer to
// the population register: a synthetic national ID (month + 80, which
// only test environments accept) is made up for them and never shown.
// They can log in at once; they become a signee when an app's signee
// provider or the owner's replacement names them. Body: {"firstName",
// "lastName", "email"?, "mobile"?}; a missing or too long name is 400
// naming the field.
func (s *Server) addPersona(w http.ResponseWriter, r *http.Request) {
	var body struct {
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
		Email     string `json:"email"`
		Mobile    string `json:"mobile"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		problem(w, http.StatusBadRequest, `send {"firstName": "…", "lastName": "…"}`)
		return
	}
	for _, f := range []struct{ name, v string }{{"firstName", body.FirstName}, {"lastName", body.LastName}} {
		if v := strings.TrimSpace(f.v); v == "" || len(v) > 100 || !utf8.ValidString(v) {
			problem(w, http.StatusBadRequest, f.name+" must be 1 to 100 characters")
			return
		}
	}
	if len(body.Email) > 254 || len(body.Mobile) > 20 {
		problem(w, http.StatusBadRequest, "email must be at most 254 characters and mobile at most 20")
		return
	}
	taken := map[string]bool{}
	for _, q := range s.cfg.Emulator.Persons() {
		taken[q.SSN] = true
	}
	p := emulator.Person{FirstName: body.FirstName, LastName: body.LastName, Email: strings.TrimSpace(body.Email), Mobile: strings.TrimSpace(body.Mobile)}
	// A birth date in 1940–1999 and an individual number below 500, which
	// fit every year of them; another while it is someone's.
	for p.SSN == "" || taken[p.SSN] {
		birth := time.Date(1940+mathrand.IntN(60), time.Month(1+mathrand.IntN(12)), 1+mathrand.IntN(28), 0, 0, 0, 0, time.UTC)
		p.SSN = synthid.NationalID(ident.KindSynthetic, birth, mathrand.IntN(400))
	}
	added, err := s.cfg.Emulator.AddPerson(p)
	if err != nil {
		problem(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "emulator: "))
		return
	}
	writeJSON(w, http.StatusCreated, s.personaOf(added))
}

package emulator

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// AddPerson puts p in the register of the running emulator, as a person
// registered after the fixture was written: Register finds them by
// national ID or party, Authentication by user ID, and they may be named a
// signee or log in. A zero PartyID or UserID and an empty PartyUUID are
// given the next free ones. p is checked by the fixture's rules
// (Fixture.Validate) against everyone in the register, and refused with
// the error naming the field; nothing is added then. Reset drops the
// persons added. It returns p as added.
func (e *Emulator) AddPerson(p Person) (Person, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p.FirstName, p.MiddleName, p.LastName = strings.TrimSpace(p.FirstName), strings.TrimSpace(p.MiddleName), strings.TrimSpace(p.LastName)
	if len(p.FirstName) > 100 || len(p.MiddleName) > 100 || len(p.LastName) > 100 {
		return Person{}, fmt.Errorf("emulator: person: firstName, middleName and lastName must be at most 100 bytes")
	}
	var maxParty, maxUser int64
	for id := range e.st.partiesByID {
		maxParty = max(maxParty, id)
	}
	for id := range e.st.personsByUserID {
		maxUser = max(maxUser, id)
	}
	if p.PartyID == 0 {
		p.PartyID = maxParty + 1
	}
	if p.UserID == 0 {
		p.UserID = maxUser + 1
	}
	if p.PartyUUID == "" {
		p.PartyUUID = e.newID()
	}
	// The fixture's rules over the register as it is, with p last (the
	// register is valid, so whatever is wrong is p's).
	f := Fixture{Persons: e.personsLocked(), Organisations: e.organisationsLocked()}
	f.Persons = append(f.Persons, p)
	if err := f.Validate(); err != nil {
		return Person{}, fmt.Errorf("emulator: %s", strings.ReplaceAll(err.Error(), fmt.Sprintf("persons[%d]", len(f.Persons)-1), "person"))
	}
	added := p
	e.st.personsBySSN[p.SSN] = &added
	e.st.personsByUserID[p.UserID] = &added
	e.st.partiesByUUID[p.PartyUUID] = party{person: &added}
	e.st.partiesByID[p.PartyID] = party{person: &added}
	return p, nil
}

// Persons returns the register's persons, the fixture's and those added
// since (AddPerson), by party ID.
func (e *Emulator) Persons() []Person {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.personsLocked()
}

func (e *Emulator) personsLocked() []Person {
	return byPartyID(e.st.personsBySSN, func(p Person) int64 { return p.PartyID })
}

func (e *Emulator) organisationsLocked() []Organisation {
	return byPartyID(e.st.orgsByNumber, func(o Organisation) int64 { return o.PartyID })
}

// byPartyID returns copies of m's values ordered by party ID.
func byPartyID[T any](m map[string]*T, partyID func(T) int64) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(partyID(a), partyID(b)) })
	return out
}

package emulator

import (
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
	out := make([]Person, 0, len(e.st.personsBySSN))
	for _, p := range e.st.personsBySSN {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Person) int { return int(a.PartyID - b.PartyID) })
	return out
}

func (e *Emulator) organisationsLocked() []Organisation {
	out := make([]Organisation, 0, len(e.st.orgsByNumber))
	for _, o := range e.st.orgsByNumber {
		out = append(out, *o)
	}
	slices.SortFunc(out, func(a, b Organisation) int { return int(a.PartyID - b.PartyID) })
	return out
}

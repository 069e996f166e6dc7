package emulator

import (
	"strings"
	"testing"
)

// A person added to the running register is found as the fixture's are,
// is given free party and user IDs, is refused with the field named when
// the fixture's rules refuse them (nothing added then), and is gone after
// Reset.
func TestEmulator_AddPerson(t *testing.T) {
	t.Parallel()
	e := New(Founders())
	before := len(e.Persons())
	const ssn = "01877612364" // synthetic (month + 80)
	p, err := e.AddPerson(Person{SSN: ssn, FirstName: " Per ", LastName: "Hansen"})
	if err != nil {
		t.Fatal(err)
	}
	if p.PartyID <= 0 || p.UserID <= 0 || p.PartyUUID == "" || p.FirstName != "Per" {
		t.Fatalf("added %+v: want IDs given and names trimmed", p)
	}
	all := e.Persons()
	if len(all) != before+1 || all[len(all)-1] != p {
		t.Fatalf("Persons() = %d, last %+v; want %d ending with the one added", len(all), all[len(all)-1], before+1)
	}
	e.mu.Lock()
	found, byUser, byParty := e.st.personsBySSN[ssn], e.st.personsByUserID[p.UserID], e.st.partiesByUUID[p.PartyUUID]
	e.mu.Unlock()
	if found == nil || byUser == nil || byParty.person == nil {
		t.Fatal("the person is not in the register's indexes")
	}
	for _, tt := range []struct {
		name string
		p    Person
		want string
	}{
		{"same national ID", Person{SSN: ssn, FirstName: "A", LastName: "B"}, "person.ssn: used by an earlier person"},
		{"bad national ID", Person{SSN: "12345678901", FirstName: "A", LastName: "B"}, "person.ssn"},
		{"no last name", Person{SSN: "02877612484", FirstName: "A", LastName: " "}, "person: firstName and lastName must be set"},
		{"party ID taken", Person{SSN: "02877612484", FirstName: "A", LastName: "B", PartyID: p.PartyID}, "person.partyId"},
		{"name too long", Person{SSN: "02877612484", FirstName: "A", LastName: strings.Repeat("x", 101)}, "lastName"},
	} {
		if _, err := e.AddPerson(tt.p); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	if n := len(e.Persons()); n != before+1 {
		t.Errorf("%d persons after the refusals, want %d", n, before+1)
	}
	e.Reset()
	if n := len(e.Persons()); n != before {
		t.Errorf("%d persons after Reset, want the fixture's %d", n, before)
	}
}

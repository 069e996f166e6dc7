package bench

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/devstack/synthid"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform/emulator"
)

// World is the synthetic register and storage the benchmarks run on: the
// founders fixture's app (metadata, texts, the document to sign) with
// generated persons and one instance per task, each listing its signees in
// its form data.
type World struct {
	Fixture emulator.Fixture
	// Tasks lists, per instance, the persons who must sign it; Signees[i][0]
	// owns instance i and so may complete it.
	Tasks []WorldTask
}

// WorldTask is one instance with its signees.
type WorldTask struct {
	Instance emulator.Instance
	Signees  []scenario.Party
}

// WorldSpec says how many tasks of how many signees to generate.
type WorldSpec struct {
	// Groups are (tasks, signees per task) pairs.
	Groups []Group
}

// Group is Count tasks of Signees signees each.
type Group struct {
	Name    string
	Count   int
	Signees int
}

// NewWorld generates the fixture: distinct synthetic persons (valid
// synthetic national IDs, month + 80), never a real number. The form data
// of each instance is JSON in the shape the founders signee provider reads
// (stifterPerson rows with foedselsnummer, names, email, mobile).
func NewWorld(spec WorldSpec) (*World, map[string][]int, error) {
	base := emulator.Founders()
	if len(base.Instances) == 0 {
		return nil, nil, fmt.Errorf("bench: the founders fixture has no instance")
	}
	tmpl := base.Instances[0]
	var pdf emulator.DataElement
	for _, d := range tmpl.Data {
		if d.DataType == "ref-data-as-pdf" {
			pdf = d
		}
	}
	if pdf.Bytes == nil {
		return nil, nil, fmt.Errorf("bench: the founders instance has no document to sign")
	}
	w := &World{Fixture: emulator.Fixture{Applications: base.Applications}}
	groups := map[string][]int{}
	person := 0
	for _, g := range spec.Groups {
		for t := 0; t < g.Count; t++ {
			idx := len(w.Tasks)
			var parties []scenario.Party
			var rows []map[string]string
			for s := 0; s < g.Signees; s++ {
				p := newPerson(person)
				person++
				w.Fixture.Persons = append(w.Fixture.Persons, p)
				parties = append(parties, scenario.Party{Name: p.Name(), SSN: p.SSN, PartyID: p.PartyID, PartyUUID: p.PartyUUID, UserID: p.UserID})
				rows = append(rows, map[string]string{
					"fornavn": p.FirstName, "etternavn": p.LastName, "foedselsnummer": p.SSN,
					"epost": p.Email, "mobiltelefon": p.Mobile,
				})
			}
			model, err := json.Marshal(map[string]any{"selskapsnavn": fmt.Sprintf("Benk %d AS", idx), "stifterPerson": rows})
			if err != nil {
				return nil, nil, err
			}
			in := emulator.Instance{
				Org: tmpl.Org, App: tmpl.App, PartyID: parties[0].PartyID, InstanceGUID: guid(0xb0000000, idx, 0),
				CurrentTask: "SigningTask", Created: tmpl.Created, LastChanged: tmpl.LastChanged,
				Data: []emulator.DataElement{
					{ID: guid(0xd0000000, idx, 1), DataType: "model", ContentType: "application/json", Created: tmpl.Created, LastChanged: tmpl.LastChanged, Bytes: model},
					{ID: guid(0xd0000000, idx, 2), DataType: pdf.DataType, ContentType: pdf.ContentType, Filename: pdf.Filename,
						GeneratedFromTask: pdf.GeneratedFromTask, Created: pdf.Created, LastChanged: pdf.LastChanged, Bytes: pdf.Bytes},
				},
			}
			w.Fixture.Instances = append(w.Fixture.Instances, in)
			w.Tasks = append(w.Tasks, WorldTask{Instance: in, Signees: parties})
			groups[g.Name] = append(groups[g.Name], idx)
		}
	}
	return w, groups, nil
}

// newPerson returns the i-th synthetic person: born on day i after
// 1940-01-01, a synthetic number (month + 80), so it is never a real one.
func newPerson(i int) emulator.Person {
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%21900)
	ssn := synthid.NationalID(ident.KindSynthetic, birth, 100+i/21900)
	return emulator.Person{
		UserID:    int64(900000 + i),
		PartyID:   int64(700000 + i),
		PartyUUID: fmt.Sprintf("7e57b0a5-0000-4000-8000-%012d", i),
		SSN:       ssn,
		FirstName: "Benk",
		LastName:  fmt.Sprintf("Person%05d", i),
		Email:     fmt.Sprintf("person%05d@example.invalid", i),
		Mobile:    fmt.Sprintf("+47%08d", 90000000+i),
	}
}

// guid returns a GUID unique per (prefix, index, part).
func guid(prefix uint32, index, part int) string {
	return fmt.Sprintf("%08x-%04x-4000-8000-%012x", prefix|uint32(part), index>>16&0xffff, index&0xffffffffffff)
}

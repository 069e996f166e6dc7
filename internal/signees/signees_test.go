package signees

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/synthid"
	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/signing"
)

var (
	kariID  = synthid.NationalID(ident.KindBirthNumber, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 123)
	olaID   = synthid.NationalID(ident.KindDNumber, time.Date(1985, 6, 15, 0, 0, 0, 0, time.UTC), 456)
	testID  = synthid.NationalID(ident.KindSynthetic, time.Date(1970, 3, 3, 0, 0, 0, 0, time.UTC), 222)
	orgA    = synthid.OrgNumber(31000000)
	orgB    = synthid.OrgNumber(31000100)
	badCtrl = kariID[:10] + string('0'+(kariID[10]-'0'+1)%10)
)

// fakeData serves one form data element.
type fakeData struct {
	dataType, contentType, body string
}

func (f fakeData) Instance() signing.Instance { return signing.Instance{} }

func (f fakeData) ReadData(_ context.Context, dataType string) ([]byte, string, error) {
	if dataType != f.dataType {
		return nil, "", fmt.Errorf("data type %q: %w", dataType, signing.ErrNotFound)
	}
	return []byte(f.body), f.contentType, nil
}

func foundersJSON() string {
	return `{"selskapsnavn":"Nytt AS","stifterPerson":[
	  {"fornavn":"Kari","mellomnavn":"","etternavn":"Nordmann","foedselsnummer":"` + kariID[:6] + " " + kariID[6:] + `","epost":"kari@example.com","mobiltelefon":"+47 99999901"},
	  {"fornavn":"Ola","mellomnavn":"Mellom","etternavn":"Hansen","foedselsnummer":"` + olaID + `","epost":"","mobiltelefon":"+4799999902"}],
	 "stifterVirksomhet":[{"navn":"Eiendom AS","organisasjonsnummer":"` + orgA + `","epost":"post@example.no","mobiltelefon":""}]}`
}

func foundersXML() string {
	return `<?xml version="1.0"?><Skjemadata><Selskapsnavn>Nytt AS</Selskapsnavn>
	<StifterPerson><Fornavn>Kari</Fornavn><Mellomnavn/><Etternavn>Nordmann</Etternavn><Foedselsnummer>` + kariID[:6] + " " + kariID[6:] + `</Foedselsnummer><Epost>kari@example.com</Epost><Mobiltelefon>+47 99999901</Mobiltelefon></StifterPerson>
	<StifterPerson><Fornavn>Ola</Fornavn><Mellomnavn>Mellom</Mellomnavn><Etternavn>Hansen</Etternavn><Foedselsnummer>` + olaID + `</Foedselsnummer><Epost></Epost><Mobiltelefon>+4799999902</Mobiltelefon></StifterPerson>
	<StifterVirksomhet><Navn>Eiendom AS</Navn><Organisasjonsnummer>` + orgA + `</Organisasjonsnummer><Epost>post@example.no</Epost><Mobiltelefon/></StifterVirksomhet>
	</Skjemadata>`
}

func TestFounders_GetSignees(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data fakeData
	}{
		{name: "json", data: fakeData{dataType: "model", contentType: "application/json", body: foundersJSON()}},
		{name: "xml", data: fakeData{dataType: "model", contentType: "application/xml", body: foundersXML()}},
		{name: "xml_sniffed", data: fakeData{dataType: "model", contentType: "application/octet-stream", body: foundersXML()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Founders().GetSignees(context.Background(), tt.data)
			if err != nil {
				t.Fatalf("GetSignees() error = %v", err)
			}
			if len(got) != 3 {
				t.Fatalf("GetSignees() returned %d signees, want 3: %+v", len(got), got)
			}
			kari, ola, org := got[0], got[1], got[2]
			if kari.Kind != signing.SigneePerson || kari.LastName != "Nordmann" || kari.FullName != "Kari Nordmann" {
				t.Errorf("kari = %+v", kari)
			}
			if ola.FullName != "Ola Mellom Hansen" || ola.Communication.Email != "" || ola.Communication.Mobile != "+4799999902" {
				t.Errorf("ola = %+v", ola)
			}
			if org.Kind != signing.SigneeOrganisation || org.OrgNumber != orgA || org.Name != "Eiendom AS" || org.Communication.Email != "post@example.no" {
				t.Errorf("org = %+v", org)
			}
			if got := kari.Communication; got.EmailSubjectKey != "signing.email_subject" || got.SMSBodyKey != "signing.notification_content" || len(got.TextArgs) != 1 || got.TextArgs[0] != "Kari" {
				t.Errorf("kari communication = %+v", got)
			}
			cands, err := Validate(got, Options{})
			if err != nil {
				t.Fatalf("Validate() error = %v", err)
			}
			if cands[0].Person.Digits() != kariID || cands[0].Communication.Mobile != "+4799999901" || cands[2].Org.String() != orgA {
				t.Errorf("candidates = %+v", cands)
			}
		})
	}
}

func TestFounders_BadFormData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    fakeData
		wantErr error
	}{
		{name: "missing_element", data: fakeData{dataType: "other"}, wantErr: signing.ErrNotFound},
		{name: "malformed_json", data: fakeData{dataType: "model", contentType: "application/json", body: `{"stifterPerson":[`}, wantErr: signing.ErrInvalid},
		{name: "json_array_root", data: fakeData{dataType: "model", contentType: "application/json", body: `[1,2]`}, wantErr: signing.ErrInvalid},
		{name: "malformed_xml", data: fakeData{dataType: "model", contentType: "text/xml", body: `<Skjemadata><StifterPerson>`}, wantErr: signing.ErrInvalid},
		{name: "not_json_or_xml", data: fakeData{dataType: "model", contentType: "text/plain", body: `hello`}, wantErr: signing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Founders().GetSignees(context.Background(), tt.data)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("GetSignees() error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestFounders_noCompanies: a form without companies holds null, an empty
// list or an empty element where the companies go; that is no signee, not an
// organisation with an empty number.
func TestFounders_noCompanies(t *testing.T) {
	t.Parallel()
	kari := `{"fornavn":"Kari","etternavn":"Nordmann","foedselsnummer":"` + kariID + `"}`
	tests := []struct {
		name, contentType, body string
	}{
		{name: "json_null", contentType: "application/json", body: `{"stifterPerson":[` + kari + `],"stifterVirksomhet":null}`},
		{name: "json_empty_list", contentType: "application/json", body: `{"stifterPerson":[` + kari + `],"stifterVirksomhet":[]}`},
		{name: "json_null_in_list", contentType: "application/json", body: `{"stifterPerson":[` + kari + `,null],"stifterVirksomhet":[null]}`},
		{name: "json_object_not_list", contentType: "application/json", body: `{"stifterPerson":` + kari + `}`},
		{name: "xml_empty_element", contentType: "application/xml", body: `<Skjemadata><StifterPerson><Fornavn>Kari</Fornavn><Etternavn>Nordmann</Etternavn><Foedselsnummer>` + kariID + `</Foedselsnummer></StifterPerson><StifterVirksomhet/></Skjemadata>`},
		{name: "xml_blank_element", contentType: "application/xml", body: `<Skjemadata><StifterPerson><Fornavn>Kari</Fornavn><Etternavn>Nordmann</Etternavn><Foedselsnummer>` + kariID + `</Foedselsnummer></StifterPerson><StifterVirksomhet>  </StifterVirksomhet></Skjemadata>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Founders().GetSignees(context.Background(), fakeData{dataType: "model", contentType: tt.contentType, body: tt.body})
			if err != nil {
				t.Fatalf("GetSignees() error = %v", err)
			}
			if len(got) != 1 || got[0].Kind != signing.SigneePerson || got[0].LastName != "Nordmann" {
				t.Fatalf("GetSignees() = %+v, want Kari alone", got)
			}
			if _, err := Validate(got, Options{}); err != nil {
				t.Errorf("Validate() error = %v", err)
			}
		})
	}
}

// TestFounders_rowNotObject: a value where a signee's object belongs is an
// error naming the path, not a signee with empty fields.
func TestFounders_rowNotObject(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"stifterVirksomhet":"Eiendom AS"}`, `{"stifterVirksomhet":[12]}`, `{"stifterPerson":[["nested"]]}`} {
		_, err := Founders().GetSignees(context.Background(), fakeData{dataType: "model", contentType: "application/json", body: body})
		var fe *signing.FieldError
		if !errors.As(err, &fe) || !errors.Is(err, signing.ErrInvalid) || !strings.HasPrefix(fe.Field, "formData.stifter") {
			t.Errorf("GetSignees(%s) error = %v, want a field error naming the path", body, err)
		}
	}
}

func person(id, last string) Provided {
	return Provided{Kind: signing.SigneePerson, NationalID: id, LastName: last, FullName: "A " + last}
}

func org(nr string) Provided {
	return Provided{Kind: signing.SigneeOrganisation, OrgNumber: nr, Name: "Org " + nr}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         []Provided
		opts       Options
		wantFields []string
		wantCount  int
	}{
		{name: "valid_mix", in: []Provided{person(kariID, "Nordmann"), org(orgA), person(olaID, "Hansen")}, wantCount: 3},
		{name: "empty_refused", in: nil, wantFields: []string{"signees"}},
		{name: "empty_allowed", in: nil, opts: Options{AllowEmpty: true}, wantCount: 0},
		{name: "over_max", in: []Provided{org(orgA), org(orgB)}, opts: Options{Max: 1}, wantFields: []string{"signees"}},
		{name: "bad_control_digit", in: []Provided{person(badCtrl, "Nordmann")}, wantFields: []string{"signees[0].nationalId"}},
		{name: "missing_last_name", in: []Provided{person(kariID, " ")}, wantFields: []string{"signees[0].lastName"}},
		{name: "synthetic_refused", in: []Provided{person(testID, "Test")}, wantFields: []string{"signees[0].nationalId"}},
		{name: "synthetic_allowed", in: []Provided{person(testID, "Test")}, opts: Options{AllowSynthetic: true}, wantCount: 1},
		{name: "bad_org", in: []Provided{org("123456789")}, wantFields: []string{"signees[0].orgNumber"}},
		{name: "duplicate_person", in: []Provided{person(kariID, "Nordmann"), org(orgA), person(kariID[:6]+" "+kariID[6:], "Nordmann")}, wantFields: []string{"signees[2]"}},
		{name: "duplicate_org", in: []Provided{org(orgA), org(orgA)}, wantFields: []string{"signees[1]"}},
		{name: "unknown_kind", in: []Provided{{Kind: "robot"}}, wantFields: []string{"signees[0].kind"}},
		{name: "bad_email_and_mobile", in: []Provided{{Kind: signing.SigneeOrganisation, OrgNumber: orgA, Communication: signing.Communication{Email: "nope", Mobile: "12"}}}, wantFields: []string{"signees[0].communication.email", "signees[0].communication.mobile"}},
		{name: "bad_action", in: []Provided{{Kind: signing.SigneeOrganisation, OrgNumber: orgA, AdditionalActions: []string{"Reject!"}}}, wantFields: []string{"signees[0].additionalActions[0]"}},
		{name: "groups", in: []Provided{{Kind: signing.SigneeOrganisation, OrgNumber: orgA, Group: 1}, {Kind: signing.SigneeOrganisation, OrgNumber: orgB, Group: signing.MaxGroups}}, wantCount: 2},
		{name: "group_out_of_range", in: []Provided{{Kind: signing.SigneeOrganisation, OrgNumber: orgA, Group: signing.MaxGroups + 1}, {Kind: signing.SigneeOrganisation, OrgNumber: orgB, Group: -1}}, wantFields: []string{"signees[0].group", "signees[1].group"}},
		{name: "all_errors_at_once", in: []Provided{person("1", ""), org("x")}, wantFields: []string{"signees[0].nationalId", "signees[0].lastName", "signees[1].orgNumber"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Validate(tt.in, tt.opts)
			if len(tt.wantFields) == 0 {
				if err != nil {
					t.Fatalf("Validate() error = %v", err)
				}
				if len(got) != tt.wantCount {
					t.Errorf("Validate() returned %d candidates, want %d", len(got), tt.wantCount)
				}
				return
			}
			if !errors.Is(err, signing.ErrInvalid) || got != nil {
				t.Fatalf("Validate() = %v, %v; want nil and ErrInvalid", got, err)
			}
			var fes signing.FieldErrors
			if !errors.As(err, &fes) {
				t.Fatalf("error %T is not FieldErrors", err)
			}
			var gotFields []string
			for _, fe := range fes {
				gotFields = append(gotFields, fe.Field)
			}
			if strings.Join(gotFields, ",") != strings.Join(tt.wantFields, ",") {
				t.Errorf("fields = %v, want %v (error: %v)", gotFields, tt.wantFields, err)
			}
		})
	}
}

func TestValidate_ErrorsNeverEchoNationalIDs(t *testing.T) {
	t.Parallel()
	_, err := Validate([]Provided{person(badCtrl, "Nordmann"), person(kariID, "Nordmann"), person(kariID, "Nordmann")}, Options{})
	if err == nil {
		t.Fatal("Validate() accepted a bad control digit")
	}
	for _, id := range []string{badCtrl, kariID} {
		if strings.Contains(err.Error(), id) {
			t.Errorf("error %q contains a national ID", err)
		}
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry(Founders())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("founders"); err != nil {
		t.Errorf("Get(founders) error = %v", err)
	}
	_, err = r.Get("Founders")
	if !errors.Is(err, ErrUnknownProvider) || !strings.Contains(err.Error(), `"founders"`) {
		t.Errorf("Get(Founders) error = %v, want ErrUnknownProvider listing the known IDs", err)
	}
	if _, err := NewRegistry(Founders(), Founders()); err == nil {
		t.Error("NewRegistry accepted two providers with one ID")
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	r, _ := NewRegistry(Founders())
	data := fakeData{dataType: "model", contentType: "application/json", body: foundersJSON()}
	cfg := signing.Config{SigneeProviderID: "founders", SigneeStatesDataTypeID: "signeeState"}

	got, err := Resolve(context.Background(), r, cfg, data, Options{})
	if err != nil || len(got) != 3 {
		t.Fatalf("Resolve() = %d, %v", len(got), err)
	}

	cfg.MaxSignees = 2
	if _, err := Resolve(context.Background(), r, cfg, data, Options{}); !errors.Is(err, signing.ErrInvalid) {
		t.Errorf("Resolve() over the configured max: err = %v, want ErrInvalid", err)
	}

	cfg.SigneeProviderID = "nobody"
	_, err = Resolve(context.Background(), r, cfg, data, Options{})
	var fe *signing.FieldError
	if !errors.As(err, &fe) || fe.Field != "signeeProviderId" || !errors.Is(err, ErrUnknownProvider) {
		t.Errorf("Resolve() with unknown provider: err = %v", err)
	}
}

func TestParseSpecs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		wantField string
	}{
		{name: "valid", in: `{"providers":[{"id":"p","dataType":"model","persons":[{"path":"a","nationalId":"b","lastName":"c"}]}]}`},
		{name: "unknown_field", in: `{"providers":[{"id":"p","dataTyp":"model"}]}`, wantField: "providers"},
		{name: "no_sources", in: `{"providers":[{"id":"p","dataType":"model"}]}`, wantField: "providers[0].persons"},
		{name: "no_last_name", in: `{"providers":[{"id":"p","dataType":"m","persons":[{"path":"a","nationalId":"b"}]}]}`, wantField: "providers[0].persons[0].lastName"},
		{name: "no_org_number", in: `{"providers":[{"id":"p","dataType":"m","organisations":[{"path":"a"}]}]}`, wantField: "providers[0].organisations[0].orgNumber"},
		{name: "duplicate_id", in: `{"providers":[{"id":"p","dataType":"m","organisations":[{"path":"a","orgNumber":"b"}]},{"id":"p","dataType":"m","organisations":[{"path":"a","orgNumber":"b"}]}]}`, wantField: "providers[1].id"},
		{name: "group", in: `{"providers":[{"id":"p","dataType":"m","organisations":[{"path":"a","orgNumber":"b","group":1}],"persons":[{"path":"a","nationalId":"b","lastName":"c","group":2}]}]}`},
		{name: "person_group_out_of_range", in: `{"providers":[{"id":"p","dataType":"m","persons":[{"path":"a","nationalId":"b","lastName":"c","group":21}]}]}`, wantField: "providers[0].persons[0].group"},
		{name: "organisation_group_out_of_range", in: `{"providers":[{"id":"p","dataType":"m","organisations":[{"path":"a","orgNumber":"b","group":-1}]}]}`, wantField: "providers[0].organisations[0].group"},
		{name: "bad_choice", in: `{"providers":[{"id":"p","dataType":"m","organisations":[{"path":"a","orgNumber":"b"}],"communication":{"choice":"Fax"}}]}`, wantField: "providers[0].communication.choice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSpecs([]byte(tt.in))
			if tt.wantField == "" {
				if err != nil || len(got) != 1 {
					t.Fatalf("ParseSpecs() = %v, %v", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantField+":") {
				t.Errorf("ParseSpecs() error = %v, want one naming %s", err, tt.wantField)
			}
		})
	}
}

func TestConfigured_NestedPaths(t *testing.T) {
	t.Parallel()
	spec := Spec{
		ID: "nested", DataType: "model",
		Persons: []PersonSource{{Path: "parties.people", NationalID: "id.value", LastName: "name.last", FirstName: "name.first"}},
	}
	p, err := NewConfigured(spec)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"parties":{"people":[{"id":{"value":"` + kariID + `"},"name":{"first":"Kari","last":"Nordmann"}},{"id":{"value":"` + olaID + `"},"name":{"first":"Ola","last":"Hansen"}}]}}`
	got, err := p.GetSignees(context.Background(), fakeData{dataType: "model", contentType: "application/json; charset=utf-8", body: body})
	if err != nil || len(got) != 2 || got[1].NationalID != olaID || got[0].FullName != "Kari Nordmann" {
		t.Errorf("GetSignees() = %+v, %v", got, err)
	}
}

func FuzzParseFormData(f *testing.F) {
	f.Add([]byte(foundersJSON()), "application/json")
	f.Add([]byte(foundersXML()), "application/xml")
	f.Add([]byte(`<a><b>1</b><b>2</b><b><c/></b></a>`), "")
	f.Add([]byte(`{"a":[{"b":null},true,1.5e3]}`), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		doc, err := parseFormData(body, contentType)
		if err != nil {
			return
		}
		if doc == nil {
			t.Fatal("nil document without an error")
		}
		_ = lookup(doc, "stifterPerson.foedselsnummer")
		_ = text(doc, "a.b")
	})
}

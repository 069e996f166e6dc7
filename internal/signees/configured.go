package signees

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/signingflow/signing/internal/signing"
)

// SpecsPath is where an app declares its configured providers, relative to the app root.
const SpecsPath = "App/config/signing/signee-providers.json"

// Spec declares a provider by paths into the form data, so a simple app
// needs no code. Paths are dotted and case-insensitive and work for JSON and
// XML form data alike.
type Spec struct {
	// ID is the signeeProviderId that selects this provider.
	ID string `json:"id"`
	// DataType is the form data type to read, e.g. "model".
	DataType      string         `json:"dataType"`
	Persons       []PersonSource `json:"persons,omitempty"`
	Organisations []OrgSource    `json:"organisations,omitempty"`
	// Communication holds the text keys, channel choice and reminder for every
	// signee; addresses and text arguments come from the form data.
	Communication signing.Communication `json:"communication"`
	// AdditionalActions are delegated to every signee beyond read and sign.
	AdditionalActions []string `json:"additionalActions,omitempty"`
}

// PersonSource says where persons are in the form data.
type PersonSource struct {
	// Path leads to the list (or object) of persons.
	Path string `json:"path"`
	// The fields below are paths relative to one person.
	NationalID string `json:"nationalId"`
	FirstName  string `json:"firstName,omitempty"`
	MiddleName string `json:"middleName,omitempty"`
	LastName   string `json:"lastName"`
	Email      string `json:"email,omitempty"`
	Mobile     string `json:"mobile,omitempty"`
	// TextArgs are fields whose values fill {0}, {1}… in the notification texts.
	TextArgs []string `json:"textArgs,omitempty"`
	// Group is the signing group of every person this source names (1 to
	// signing.MaxGroups; absent: group 1): groups sign in ascending order.
	Group int `json:"group,omitempty"`
}

// OrgSource says where organisations are in the form data.
type OrgSource struct {
	Path      string   `json:"path"`
	OrgNumber string   `json:"orgNumber"`
	Name      string   `json:"name,omitempty"`
	Email     string   `json:"email,omitempty"`
	Mobile    string   `json:"mobile,omitempty"`
	TextArgs  []string `json:"textArgs,omitempty"`
	// Group is the signing group of every organisation this source names,
	// as PersonSource.Group.
	Group int `json:"group,omitempty"`
}

// ParseSpecs reads the providers file `{"providers":[Spec…]}` and checks each
// spec; errors name the field, e.g. "providers[1].persons[0].lastName".
func ParseSpecs(data []byte) ([]Spec, error) {
	var file struct {
		Providers []Spec `json:"providers"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, &signing.FieldError{Field: "providers", Message: "not a valid providers file: " + err.Error()}
	}
	var errs signing.FieldErrors
	ids := map[string]int{}
	for i, s := range file.Providers {
		prefix := fmt.Sprintf("providers[%d]", i)
		for _, fe := range s.check() {
			errs = append(errs, &signing.FieldError{Field: prefix + "." + fe.Field, Message: fe.Message})
		}
		if first, dup := ids[s.ID]; dup && s.ID != "" {
			errs.Add(prefix+".id", "%q is also the ID of providers[%d]", s.ID, first)
		}
		ids[s.ID] = i
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return file.Providers, nil
}

// checkGroup refuses a group number outside 1 to signing.MaxGroups (0 is
// "none": group 1).
func checkGroup(errs *signing.FieldErrors, field string, g int) {
	if g < 0 || g > signing.MaxGroups {
		errs.Add(field, "must be between 1 and %d (or absent: group 1)", signing.MaxGroups)
	}
}

// check reports every problem of the spec, fields relative to the spec.
func (s Spec) check() signing.FieldErrors {
	var errs signing.FieldErrors
	if strings.TrimSpace(s.ID) == "" {
		errs.Add("id", "must be set")
	}
	if strings.TrimSpace(s.DataType) == "" {
		errs.Add("dataType", "must name the form data type to read")
	}
	if len(s.Persons) == 0 && len(s.Organisations) == 0 {
		errs.Add("persons", "at least one person or organisation source is needed")
	}
	for i, p := range s.Persons {
		f := fmt.Sprintf("persons[%d].", i)
		if p.Path == "" {
			errs.Add(f+"path", "must be set")
		}
		if p.NationalID == "" {
			errs.Add(f+"nationalId", "must be set")
		}
		if p.LastName == "" {
			errs.Add(f+"lastName", "must be set: persons are looked up by national ID and last name")
		}
		checkGroup(&errs, f+"group", p.Group)
	}
	for i, o := range s.Organisations {
		f := fmt.Sprintf("organisations[%d].", i)
		if o.Path == "" {
			errs.Add(f+"path", "must be set")
		}
		if o.OrgNumber == "" {
			errs.Add(f+"orgNumber", "must be set")
		}
		checkGroup(&errs, f+"group", o.Group)
	}
	if !s.Communication.Choice.Valid() {
		errs.Add("communication.choice", "unknown notification choice %q", s.Communication.Choice)
	}
	return errs
}

// TextKeys returns every text resource key the spec refers to.
func (s Spec) TextKeys() []string {
	c := s.Communication
	var keys []string
	for _, k := range []string{c.InboxTitleKey, c.InboxSummaryKey, c.InboxBodyKey, c.EmailSubjectKey, c.EmailBodyKey, c.SMSBodyKey} {
		if k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// Configured is a provider that follows a Spec.
type Configured struct {
	spec Spec
}

var _ Provider = (*Configured)(nil)

// NewConfigured checks spec and returns its provider.
func NewConfigured(spec Spec) (*Configured, error) {
	if err := spec.check().Err(); err != nil {
		return nil, fmt.Errorf("signees: provider %q: %w", spec.ID, err)
	}
	return &Configured{spec: spec}, nil
}

// ID implements Provider.
func (c *Configured) ID() string { return c.spec.ID }

// Spec returns the provider's declaration.
func (c *Configured) Spec() Spec { return c.spec }

// GetSignees implements Provider: it reads the form data and collects the
// persons, then the organisations, in document order.
func (c *Configured) GetSignees(ctx context.Context, data InstanceData) ([]Provided, error) {
	body, contentType, err := data.ReadData(ctx, c.spec.DataType)
	if err != nil {
		return nil, fmt.Errorf("read form data %q: %w", c.spec.DataType, err)
	}
	doc, err := parseFormData(body, contentType)
	if err != nil {
		return nil, &signing.FieldError{Field: "formData", Message: err.Error()}
	}
	var out []Provided
	for _, src := range c.spec.Persons {
		rows, err := objects(doc, src.Path)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			name := strings.Join(strings.Fields(strings.Join([]string{text(row, src.FirstName), text(row, src.MiddleName), text(row, src.LastName)}, " ")), " ")
			out = append(out, Provided{
				Kind:              signing.SigneePerson,
				NationalID:        text(row, src.NationalID),
				LastName:          text(row, src.LastName),
				FullName:          name,
				Communication:     c.communication(row, src.Email, src.Mobile, src.TextArgs),
				AdditionalActions: c.spec.AdditionalActions,
				Group:             src.Group,
			})
		}
	}
	for _, src := range c.spec.Organisations {
		rows, err := objects(doc, src.Path)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			out = append(out, Provided{
				Kind:              signing.SigneeOrganisation,
				OrgNumber:         text(row, src.OrgNumber),
				Name:              text(row, src.Name),
				Communication:     c.communication(row, src.Email, src.Mobile, src.TextArgs),
				AdditionalActions: c.spec.AdditionalActions,
				Group:             src.Group,
			})
		}
	}
	return out, nil
}

func (c *Configured) communication(row any, email, mobile string, args []string) signing.Communication {
	comm := c.spec.Communication
	comm.Email, comm.Mobile = text(row, email), text(row, mobile)
	comm.TextArgs = nil
	for _, a := range args {
		comm.TextArgs = append(comm.TextArgs, text(row, a))
	}
	return comm
}

// Founders returns the provider of the founding-documents example: persons
// under stifterPerson and companies under stifterVirksomhet in the "model"
// form data, told with the seed's text keys.
func Founders() *Configured {
	p, err := NewConfigured(Spec{
		ID:       "founders",
		DataType: "model",
		Persons: []PersonSource{{
			Path: "stifterPerson", NationalID: "foedselsnummer",
			FirstName: "fornavn", MiddleName: "mellomnavn", LastName: "etternavn",
			Email: "epost", Mobile: "mobiltelefon", TextArgs: []string{"fornavn"},
		}},
		Organisations: []OrgSource{{
			Path: "stifterVirksomhet", OrgNumber: "organisasjonsnummer", Name: "navn",
			Email: "epost", Mobile: "mobiltelefon", TextArgs: []string{"navn"},
		}},
		Communication: signing.Communication{
			EmailSubjectKey: "signing.email_subject",
			EmailBodyKey:    "signing.notification_content",
			SMSBodyKey:      "signing.notification_content",
		},
	})
	if err != nil {
		panic(err) // the spec above is a constant
	}
	return p
}

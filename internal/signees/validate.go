package signees

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/signing"
)

// DefaultMax is the most signees one task accepts unless configured lower.
// It is the limit the workflow is proven at (docs/workflow.md, "Limits").
const DefaultMax = 1000

// Options tune Validate.
type Options struct {
	// AllowEmpty accepts an empty list instead of failing.
	AllowEmpty bool
	// Max is the most signees accepted; 0 means DefaultMax.
	Max int
	// AllowSynthetic accepts synthetic test national IDs (test environments only).
	AllowSynthetic bool
}

var (
	emailPattern  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`) })
	mobilePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+?[0-9]{8,15}$`) })
	actionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`) })
)

// Validate checks a provider's output and returns the candidates in order.
// Every problem is reported at once, each naming its field, e.g.
// "signees[2].nationalId: control digit does not match".
func Validate(provided []Provided, opts Options) ([]signing.Candidate, error) {
	max := opts.Max
	if max <= 0 {
		max = DefaultMax
	}
	var errs signing.FieldErrors
	if len(provided) == 0 && !opts.AllowEmpty {
		errs.Add("signees", "the signee provider returned no signees; name at least one, or allow an empty list in the task configuration")
	}
	if len(provided) > max {
		errs.Add("signees", "%d signees is more than the limit of %d", len(provided), max)
		return nil, errs
	}
	var parseOpts []ident.ParseOption
	if opts.AllowSynthetic {
		parseOpts = append(parseOpts, ident.AllowSynthetic())
	}
	out := make([]signing.Candidate, 0, len(provided))
	seen := make(map[string]int, len(provided))
	for i, p := range provided {
		field := func(name string) string { return fmt.Sprintf("signees[%d].%s", i, name) }
		c := signing.Candidate{Kind: p.Kind, Communication: p.Communication, AdditionalActions: cleanActions(p.AdditionalActions), Group: p.Group}
		if p.Group < 0 || p.Group > signing.MaxGroups {
			errs.Add(field("group"), "must be between 1 and %d (or absent: group 1)", signing.MaxGroups)
		}
		var identity string
		switch p.Kind {
		case signing.SigneePerson:
			id, err := ident.ParseNationalID(p.NationalID, parseOpts...)
			if err != nil {
				errs = append(errs, &signing.FieldError{Field: field("nationalId"), Err: err})
			} else {
				c.Person, identity = id, "person:"+id.Digits()
			}
			c.LastName = strings.TrimSpace(p.LastName)
			if c.LastName == "" {
				errs.Add(field("lastName"), "must be set for a person")
			}
			c.Name = strings.Join(strings.Fields(p.FullName), " ")
		case signing.SigneeOrganisation:
			org, err := ident.ParseOrgNumber(p.OrgNumber)
			if err != nil {
				errs = append(errs, &signing.FieldError{Field: field("orgNumber"), Err: err})
			} else {
				c.Org, identity = org, "org:"+org.String()
			}
			c.Name = strings.Join(strings.Fields(p.Name), " ")
		default:
			errs.Add(field("kind"), "must be %q or %q", signing.SigneePerson, signing.SigneeOrganisation)
		}
		checkCommunication(&errs, field, &c.Communication)
		for j, a := range c.AdditionalActions {
			if !actionPattern().MatchString(a) {
				errs.Add(field(fmt.Sprintf("additionalActions[%d]", j)), "must be a lowercase action name")
			}
		}
		if identity != "" {
			if first, dup := seen[identity]; dup {
				errs.Add(fmt.Sprintf("signees[%d]", i), "names the same %s as signees[%d]; each signee may be named once", p.Kind, first)
			} else {
				seen[identity] = i
			}
		}
		out = append(out, c)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func checkCommunication(errs *signing.FieldErrors, field func(string) string, c *signing.Communication) {
	c.Email = strings.TrimSpace(c.Email)
	c.Mobile = strings.ReplaceAll(strings.TrimSpace(c.Mobile), " ", "")
	if c.Email != "" && !emailPattern().MatchString(c.Email) {
		errs.Add(field("communication.email"), "is not an email address")
	}
	if c.Mobile != "" && !mobilePattern().MatchString(c.Mobile) {
		errs.Add(field("communication.mobile"), "must be 8 to 15 digits, optionally starting with +")
	}
	if !c.Choice.Valid() {
		errs.Add(field("communication.choice"), "unknown notification choice %q", c.Choice)
	}
}

package signing

import (
	"context"

	"github.com/signingflow/signing/internal/ident"
)

// Candidate is a signee as a provider named it, checked but not yet looked
// up in the register.
type Candidate struct {
	Kind SigneeKind
	// Person and LastName are set for persons.
	Person   ident.NationalID
	LastName string
	// Org is set for organisations.
	Org ident.OrgNumber
	// Name is the display name the provider gave; the register's name wins.
	Name              string
	Communication     Communication
	AdditionalActions []string
	// Group is the signing group (1 to MaxGroups; 0 is group 1): see Signee.Group.
	Group int
}

// SigneeSource names the signees of an instance's signing task, checked.
type SigneeSource interface {
	Candidates(ctx context.Context, cfg Config, inst Instance) ([]Candidate, error)
}

package signees

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/signingflow/signing/internal/signing"
)

// InstanceData gives a provider read access to the instance at task start.
type InstanceData interface {
	// Instance returns the instance with its data elements.
	Instance() signing.Instance
	// ReadData returns the bytes and content type of the first data element
	// of dataType, or an error wrapping signing.ErrNotFound.
	ReadData(ctx context.Context, dataType string) (body []byte, contentType string, err error)
}

// Provider names the signees of an instance.
type Provider interface {
	// ID is the value of `signeeProviderId` that selects this provider.
	ID() string
	// GetSignees returns the signees as the form filler named them, unvalidated.
	GetSignees(ctx context.Context, data InstanceData) ([]Provided, error)
}

// Provided is one signee as a provider names it: raw strings, not yet checked.
type Provided struct {
	Kind signing.SigneeKind `json:"kind"`
	// NationalID and LastName identify a person; FullName is for display.
	NationalID string `json:"nationalId,omitempty"`
	LastName   string `json:"lastName,omitempty"`
	FullName   string `json:"fullName,omitempty"`
	// OrgNumber identifies an organisation; Name is for display.
	OrgNumber         string                `json:"orgNumber,omitempty"`
	Name              string                `json:"name,omitempty"`
	Communication     signing.Communication `json:"communication"`
	AdditionalActions []string              `json:"additionalActions,omitempty"`
	// Group is the signing group, 1 to signing.MaxGroups: groups sign in
	// ascending order, each once every earlier one has signed. Signees
	// without a group (0) are in group 1.
	Group int `json:"group,omitempty"`
}

// ErrUnknownProvider is wrapped by Registry.Get for an ID no provider has.
var ErrUnknownProvider = errors.New("unknown signee provider")

// Registry holds the providers an app offers, by ID.
type Registry struct {
	byID map[string]Provider
}

// NewRegistry builds a registry; two providers with the same ID, or an empty
// ID, are an error.
func NewRegistry(providers ...Provider) (*Registry, error) {
	r := &Registry{byID: make(map[string]Provider, len(providers))}
	for _, p := range providers {
		id := p.ID()
		if strings.TrimSpace(id) == "" {
			return nil, fmt.Errorf("signees: provider %T has an empty ID", p)
		}
		if _, dup := r.byID[id]; dup {
			return nil, fmt.Errorf("signees: two providers have the ID %q; exactly one may", id)
		}
		r.byID[id] = p
	}
	return r, nil
}

// Get returns the provider with id (exact, case-sensitive match).
func (r *Registry) Get(id string) (Provider, error) {
	if p, ok := r.byID[id]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("%w %q: signeeProviderId must be one of %s", ErrUnknownProvider, id, quoteAll(r.IDs()))
}

// IDs returns the registered IDs in order.
func (r *Registry) IDs() []string {
	ids := make([]string, 0, len(r.byID))
	for id := range r.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func quoteAll(ss []string) string {
	if len(ss) == 0 {
		return "(none registered)"
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// Resolve calls the provider cfg selects and validates its output.
func Resolve(ctx context.Context, r *Registry, cfg signing.Config, data InstanceData, opts Options) ([]signing.Candidate, error) {
	if !cfg.RuntimeDelegated() {
		return nil, signing.Invalid("signeeProviderId", "runtime delegation needs both signeeProviderId and signeeStatesDataTypeId")
	}
	p, err := r.Get(cfg.SigneeProviderID)
	if err != nil {
		return nil, &signing.FieldError{Field: "signeeProviderId", Err: err}
	}
	provided, err := p.GetSignees(ctx, data)
	if err != nil {
		return nil, fmt.Errorf("signees: provider %q: %w", p.ID(), err)
	}
	opts.AllowEmpty = opts.AllowEmpty || cfg.AllowNoSignees
	if cfg.MaxSignees > 0 && (opts.Max == 0 || cfg.MaxSignees < opts.Max) {
		opts.Max = cfg.MaxSignees
	}
	return Validate(provided, opts)
}

// cleanActions trims the additional actions and drops empties and duplicates.
func cleanActions(actions []string) []string {
	var out []string
	for _, a := range actions {
		a = strings.TrimSpace(a)
		if a != "" && a != "read" && a != "sign" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// BuiltIn returns the providers that ship with the product.
func BuiltIn() []Provider {
	return []Provider{Founders()}
}

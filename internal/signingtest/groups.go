package signingtest

import (
	"testing"

	"github.com/signingflow/signing/internal/signees"
)

// InOrderProvider is the ID of InOrder's provider.
const InOrderProvider = "founders-in-order"

// InOrder gives the harness the founders' provider with the company in
// signing group 1 and the founders (Kari, Ola) in group 2: the founders
// sign after the company's approver. Call it before Start or Ready.
func InOrder(t *testing.T, h *Harness) {
	t.Helper()
	spec := signees.Founders().Spec()
	spec.ID = InOrderProvider
	for i := range spec.Organisations {
		spec.Organisations[i].Group = 1
	}
	for i := range spec.Persons {
		spec.Persons[i].Group = 2
	}
	p, err := signees.NewConfigured(spec)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := signees.NewRegistry(p)
	if err != nil {
		t.Fatal(err)
	}
	h.Svc.Signees.(*signees.Source).Registry = reg
	h.Cfg.SigneeProviderID = spec.ID
}

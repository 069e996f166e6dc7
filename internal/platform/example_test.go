package platform_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
)

// Example runs the clients against the emulator in-process, as tests do.
func Example() {
	emu := emulator.New(emulator.Founders())
	srv := httptest.NewServer(emu.Handler())
	defer srv.Close()
	clients, err := platform.NewClients(emulator.Config(srv.URL))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	org, _ := ident.ParseOrgNumber("312847612")
	party, err := clients.Register.LookupOrganisation(ctx, org)
	fmt.Println(party.Name, party.Email, err)

	id, _ := ident.ParseNationalID("15838523428", ident.AllowSynthetic())
	person, err := clients.Register.LookupPerson(ctx, id)
	fmt.Println(person.Name, signing.LastNameMatches(person.LastName, "Hansen"), err)

	_ = emu.InjectFault(emulator.Fault{Operation: emulator.OpLookupOrganisation, Status: 503, Count: 1})
	_, err = clients.Register.LookupOrganisation(ctx, org)
	var te *platform.TransientError
	fmt.Println(errors.As(err, &te), errors.Is(err, signing.ErrTransient))
	// Output:
	// Eksempel Holding AS post@eksempel-holding.example.no <nil>
	// Kari Nordmann false <nil>
	// true true
}

package signing_test

import "github.com/signingflow/signing/internal/signingtest"

// Short names for the shared harness and the founders fixture.
type harness = signingtest.Harness

var (
	newHarness       = signingtest.New
	caller           = signingtest.Caller
	kari             = signingtest.Kari
	ola              = signingtest.Ola
	foundersInstance = signingtest.FoundersInstance
	foundersTask     = signingtest.FoundersTask
	kariUUID         = signingtest.KariUUID
	olaUUID          = signingtest.OlaUUID
	companyUUID      = signingtest.CompanyUUID
)

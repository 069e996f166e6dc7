// Package layout keeps the line between what is deployed and what serves
// development. Its test lists what the Lambdas under functions/ link (go list
// -deps) and fails, naming the import chain, when one links the testing
// package, a YAML parser, the local stack (internal/devstack), the benchmark
// (internal/bench), the proofs (internal/proof), a lab package kept beside
// the code it serves (the platform emulator, samtemplate, asl,
// frontendcontract, memrepo) or a test helper (a package whose name ends in
// "test"); and when the signing command links the testing package or a test
// helper (net/http/httptest included).
//
// The package has no code of its own; it serves development and is never
// deployed.
package layout

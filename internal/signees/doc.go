// Package signees turns an instance's form data into the list of parties who
// must sign. An app chooses a provider by `signeeProviderId`; the registry
// finds it, and Validate checks what it returned (identities parsed,
// last names present, duplicates reported, empty and oversize lists refused)
// before anything is delegated.
//
// Two providers are built in: Founders, the provider of the founding-documents
// example (form data in JSON or XML), and Configured, which follows paths
// declared in the app's configuration so simple apps need no code.
package signees

// Package appconfig loads the configuration of an Altinn-style app folder
// (process BPMN, application metadata, text resources, layout sets and the
// XACML policy) and checks the signing tasks it declares.
//
// Load reads the folder; only a folder that cannot be read at all is an
// error (*LoadError). Malformed or inconsistent files become findings,
// returned by App.Check together with the results of the signing checks.
package appconfig

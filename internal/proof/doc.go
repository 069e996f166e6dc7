// Package proof holds what the proof tests share: a matrix of pass counts
// printed as text (Matrix), the optional report directory (WriteReport,
// PROOF_REPORT_DIR) and a log sink that is scanned for national IDs (Sink,
// Leaks).
//
// The proofs themselves live in sub-packages and in the functions' own test
// files:
//
//	internal/proof/faults                 the fault matrix: every side-effect boundary of
//	                                      every step × transient, timeout, crash, throttling
//	functions/api/security_matrix_test.go the security matrix of the HTTP API
//
// Neither writes into the repository unless PROOF_REPORT_DIR is set; then
// each writes its matrix there (a relative directory is taken from the
// module root), e.g. PROOF_REPORT_DIR=bench writes bench/fault-matrix.txt.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package proof

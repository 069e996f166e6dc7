// Package signing is the domain of runtime-delegated signing: the signing
// task and its configuration, the signees and the legal transitions of their
// state, signatures with the digests of the signed data, and the ports the
// domain needs from the outside world (repository, workflow, platform,
// clock).
//
// The package imports nothing from AWS or HTTP; adapters in internal/dynamo,
// internal/workflow and internal/platform implement the ports.
//
// # Use cases
//
// Service implements every step and the API's operations over all the
// ports. Each function runs one use case (usecases.go), which holds only
// the ports its steps reach and runs them on a Service built from those:
//
//	Resolution    Start                      Resolve Signees
//	Delegating    Delegate                   Delegate Signee
//	Notification  Notify                     Notify Signee
//	Collection    Collect                    Collect Signatures
//	Receipts      SendReceipt                Send Receipt
//	Closing       Finish, Abandon            Handle Reject
//	Finalization  Finalize                   Finalize Task
//	API           Sign, Reject, Complete, State, DocumentsToSign,
//	              Organisations, PendingRequests, CurrentTask,
//	              ReadInstance, MissingSignatures    the HTTP API
//
// TestUseCases_ports reads this package's source and checks that each use
// case holds exactly the ports the Service methods it calls reach, so a use
// case never runs with a port missing and a function never wires one it
// does not use (internal/lambdaconf wires them; functions/README.md has
// the table of what each port reads and calls).
package signing

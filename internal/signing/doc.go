// Package signing is the domain of runtime-delegated signing: the signing
// task and its configuration, the signees and the legal transitions of their
// state, signatures with the digests of the signed data, and the ports the
// domain needs from the outside world (repository, workflow, platform,
// clock).
//
// The package imports nothing from AWS or HTTP; adapters in internal/dynamo,
// internal/workflow and internal/platform implement the ports.
package signing

// Command resolve-signees is the Resolve Signees step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/lambdaconf/awssecrets"
	"github.com/signingflow/signing/internal/lambdaconf/awssfn"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.Run("resolve-signees", lambdaconf.Linked{Secrets: awssecrets.Reader, StepFunctions: awssfn.New}, func(w *lambdaconf.Wiring) any {
		return NewHandler(signing.Resolution{
			Repo: w.Repo(), Signees: w.Signees(), Storage: w.Storage(), Access: w.Access(), Register: w.Register(),
			Executions: w.Executions(), Identities: w.Identities(), Clock: w.Clock(),
			// Settings: only LookupConcurrency is read here; its default suits.
		}).Handle
	})
}

// Command collect-signatures is the Collect Signatures step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.Run("collect-signatures", lambdaconf.Linked{}, func(w *lambdaconf.Wiring) any {
		return NewHandler(signing.Collection{Repo: w.Repo(), Clock: w.Clock()}).Handle
	})
}

// Command finalize is the Finalize Task step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.Run("finalize", func(w *lambdaconf.Wiring) any {
		return NewHandler(signing.Finalization{
			Repo: w.Repo(), Storage: w.Storage(), Access: w.Access(), Apps: w.Apps(), PDF: w.PDF(), Clock: w.Clock(), Settings: w.Settings(),
		}).Handle
	})
}

// Command send-receipt is the Send Receipt step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.Run("send-receipt", lambdaconf.Linked{}, func(w *lambdaconf.Wiring) any {
		return NewHandler(signing.Receipts{
			Repo: w.Repo(), Storage: w.Storage(), Correspondence: w.Correspondence(), Register: w.Register(), Apps: w.Apps(),
			Clock: w.Clock(), Settings: w.Settings(),
		}).Handle
	})
}

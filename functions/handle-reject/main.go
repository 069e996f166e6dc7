// Command handle-reject is the Handle Reject and Handle Expiry step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.Run("handle-reject", lambdaconf.Linked{}, func(w *lambdaconf.Wiring) any {
		return NewHandler(signing.Closing{
			Repo: w.Repo(), Storage: w.Storage(), Access: w.Access(), Correspondence: w.Correspondence(), Register: w.Register(),
			Apps: w.Apps(), Clock: w.Clock(), Settings: w.Settings(),
		}).Handle
	})
}

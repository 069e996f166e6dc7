// Command notify-signee is the Notify Signee step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.Run("notify-signee", lambdaconf.Linked{}, func(w *lambdaconf.Wiring) any {
		return NewHandler(signing.Notification{
			Repo: w.Repo(), Correspondence: w.Correspondence(), Register: w.Register(), Apps: w.Apps(), Clock: w.Clock(), Settings: w.Settings(),
		}).Handle
	})
}

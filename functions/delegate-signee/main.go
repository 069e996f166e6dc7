// Command delegate-signee is the Delegate Signee step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.Run("delegate-signee", lambdaconf.Linked{}, func(w *lambdaconf.Wiring) any {
		return NewHandler(signing.Delegating{Repo: w.Repo(), Access: w.Access(), Clock: w.Clock()}).Handle
	})
}

// Command finalize is the Finalize Task step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingpdf"
)

func main() {
	lambdaconf.Run("finalize", lambdaconf.Linked{}, func(w *lambdaconf.Wiring) any {
		settings := w.DocumentSettings()
		return NewHandler(signing.Finalization{
			Repo: w.Repo(), Storage: w.Storage(), Access: w.Access(), Apps: w.Apps(), Clock: w.Clock(), Settings: settings,
			// The renderer is built here, in the one function that makes the
			// PDF, in the language of its messages.
			PDF: signingpdf.Renderer{Language: settings.Language},
		}).Handle
	})
}

// Command deliver-webhooks is the Deliver Webhooks Lambda on the webhook
// delivery queue; handler.go documents its input, output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/lambdaconf/awsqueue"
	"github.com/signingflow/signing/internal/lambdaconf/awssecrets"
)

func main() {
	lambdaconf.Run("deliver-webhooks", lambdaconf.Linked{Queues: awsqueue.New, Secrets: awssecrets.Reader}, func(w *lambdaconf.Wiring) any {
		return NewHandler(w.Webhooks()).Handle
	})
}

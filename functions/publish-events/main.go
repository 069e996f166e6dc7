// Command publish-events is the Publish Events Lambda on the table's
// stream; handler.go documents its input, output and errors.
package main

import (
	"github.com/signingflow/signing/internal/events"
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/lambdaconf/awsevents"
	"github.com/signingflow/signing/internal/lambdaconf/awsqueue"
)

func main() {
	lambdaconf.Run("publish-events", lambdaconf.Linked{Events: awsevents.New, Queues: awsqueue.New}, func(w *lambdaconf.Wiring) any {
		return NewHandler(&events.Publisher{Tasks: w.Repo(), Bus: w.EventBus(), DeadLetters: w.EventDeadLetters()}).Handle
	})
}

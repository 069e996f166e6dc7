// Command notify-signee is the Notify Signee step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.RunService("notify-signee", func(svc *signing.Service) any { return NewHandler(svc).Handle })
}

// Command delegate-signee is the Delegate Signee step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.RunService("delegate-signee", func(svc *signing.Service) any { return NewHandler(svc).Handle })
}

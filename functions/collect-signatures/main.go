// Command collect-signatures is the Collect Signatures step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.RunService("collect-signatures", func(svc *signing.Service) any { return NewHandler(svc).Handle })
}

// Command finalize is the Finalize Task step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.RunService("finalize", func(svc *signing.Service) any { return NewHandler(svc).Handle })
}

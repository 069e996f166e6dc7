// Command resolve-signees is the Resolve Signees step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.RunService("resolve-signees", func(svc *signing.Service) any { return NewHandler(svc).Handle })
}

// Command handle-reject is the Handle Reject and Handle Expiry step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.RunService("handle-reject", func(svc *signing.Service) any { return NewHandler(svc).Handle })
}

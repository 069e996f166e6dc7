// Command send-receipt is the Send Receipt step Lambda; handler.go documents its input,
// output and errors.
package main

import (
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	lambdaconf.RunService("send-receipt", func(svc *signing.Service) any { return NewHandler(svc).Handle })
}

// Command api is the signing HTTP API Lambda behind API Gateway (HTTP API,
// payload format 2.0, JWT authorizer); handler.go documents its routes and
// api/openapi.yaml its contract.
package main

import (
	"log/slog"
	"os"

	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	slog.SetDefault(lambdaconf.NewLogger(os.Stdout))
	apiCfg, err := LoadConfig(os.LookupEnv)
	if err != nil {
		lambdaconf.Exit("api: configuration", err)
	}
	lambdaconf.RunService("api", func(svc *signing.Service) any {
		return NewHandler(svc, apiCfg, slog.Default()).Handle
	})
}

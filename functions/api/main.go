// Command api is the signing HTTP API Lambda behind API Gateway (HTTP API,
// payload format 2.0). It verifies the caller's Altinn token itself, from
// the Authorization header or Altinn's runtime cookie (auth.go); handler.go
// documents its routes and api/openapi.yaml its contract.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/signingflow/signing/internal/altinntoken"
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	slog.SetDefault(lambdaconf.NewLogger(os.Stdout))
	apiCfg, err := LoadConfig(os.LookupEnv)
	if err != nil {
		lambdaconf.Exit("api: configuration", err)
	}
	// One verifier per container: the key set is fetched at init and kept
	// while the Lambda stays warm.
	apiCfg.Verifier, err = altinntoken.New(context.Background(), altinntoken.Options{
		Issuer: apiCfg.Issuer, JWKSURL: apiCfg.JWKSURL, Audience: apiCfg.Audience,
	})
	if err != nil {
		lambdaconf.Exit("api: token verifier", err)
	}
	lambdaconf.Run("api", func(w *lambdaconf.Wiring) any {
		svc := signing.API{
			Repo: w.Repo(), Storage: w.Storage(), Authorization: w.Authorization(), Workflow: w.Workflow(),
			Identities: w.Identities(), Clock: w.Clock(),
		}
		return NewHandler(svc, apiCfg, slog.Default()).Handle
	})
}

// Command api is the signing HTTP API Lambda behind API Gateway (HTTP API,
// payload format 2.0). It verifies the caller's Altinn token itself, from
// the Authorization header or Altinn's runtime cookie (auth.go); handler.go
// documents its routes and api/openapi.yaml its contract.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/signingflow/signing/internal/altinntoken"
	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/lambdaconf/awsevents"
	"github.com/signingflow/signing/internal/lambdaconf/awssecrets"
	"github.com/signingflow/signing/internal/lambdaconf/awssfn"
	"github.com/signingflow/signing/internal/signing"
)

func main() {
	slog.SetDefault(lambdaconf.NewLogger(os.Stdout))
	apiCfg, err := LoadConfig(os.LookupEnv)
	if err != nil {
		lambdaconf.Exit("api: configuration", err)
	}
	lambdaconf.Run("api", lambdaconf.Linked{Secrets: awssecrets.Reader, StepFunctions: awssfn.New, Events: awsevents.New}, func(w *lambdaconf.Wiring) any {
		svc := signing.API{
			Repo: w.Repo(), Storage: w.Storage(), Authorization: w.Authorization(), Workflow: w.Workflow(),
			Identities: w.Identities(), Clock: w.Clock(),
			Correspondence: w.Correspondence(), Register: w.Register(), Apps: w.Apps(), Settings: w.Settings(),
		}
		// One verifier per container: the key set is fetched at init, while
		// the hash key secret is read (Wiring.Identities), and kept while
		// the Lambda stays warm.
		cfg := apiCfg
		v, err := altinntoken.New(context.Background(), altinntoken.Options{
			Issuer: cfg.Issuer, JWKSURL: cfg.JWKSURL, Audience: cfg.Audience,
		})
		if err != nil {
			w.Fail(fmt.Errorf("api: token verifier: %w", err))
			return nil
		}
		cfg.Verifier = v
		cfg.Bus = w.EventBus()
		return NewHandler(svc, cfg, slog.Default()).Handle
	})
}

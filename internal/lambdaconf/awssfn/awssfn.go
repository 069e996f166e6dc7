// Package awssfn builds the Step Functions adapter (package workflow) for
// the functions that resume, fail or stop executions. It is a package of
// its own so that a function that does none of these does not link the
// Step Functions client, whose package init every cold start pays
// (lambdaconf.Linked).
package awssfn

import (
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/signingflow/signing/internal/lambdaconf/awsenv"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/workflow"
)

// New is the Step Functions adapter with a client built from e
// (lambdaconf.Linked.StepFunctions).
func New(e awsenv.Env) interface {
	signing.Workflow
	signing.ExecutionStopper
} {
	c := sfn.NewFromConfig(e.Config, func(o *sfn.Options) { o.BaseEndpoint = e.BaseEndpoint(sfn.ServiceID) })
	return workflow.New(c, "")
}

package lambdaconf_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/signingtest"
)

// notLinked are packages no Lambda may link: the SDK's config package and
// the credential sources it brings, which were most of a cold start
// (package awsenv's doc has the figures).
var notLinked = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/signin",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
}

func TestFunctions_doNotLinkTheSDKConfig(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go list")
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./functions/...")
	cmd.Dir = signingtest.ModuleRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		deps[p] = true
	}
	for _, p := range notLinked {
		if deps[p] {
			t.Errorf("a function links %s", p)
		}
	}
}

package lambdaconf_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/samtemplate"
	"github.com/signingflow/signing/internal/signingtest"
)

// TestTemplate_maskinporten checks template.yaml against what the code
// needs: the scope parameter defaults to ServiceScopes, which every
// function that has a Maskinporten client asks for, and kms:Sign on the Maskinporten key goes to exactly
// the functions whose code sends the service owner's bearer. Delegate
// Signee calls only access management (the platform access token alone)
// and Collect Signatures no platform API; every other function reads
// Storage or writes to Correspondence (the comments on their statements
// say which).
func TestTemplate_maskinporten(t *testing.T) {
	t.Parallel()
	tpl, err := samtemplate.Load(filepath.Join(signingtest.ModuleRoot(t), samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := tpl.Parameters["MaskinportenScopes"].(map[string]any)
	if got, want := fmt.Sprint(m["Default"]), strings.Join(lambdaconf.ServiceScopes, " "); got != want {
		t.Errorf("parameter MaskinportenScopes: Default = %q, want %q", got, want)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fns {
		if _, ok := f.Environment[lambdaconf.EnvMaskinportenScopes]; !ok {
			continue // no Maskinporten client (TestTemplate_functions checks which need one)
		}
		want := "${MaskinportenScopes}"
		if got := strings.Join(samtemplate.Texts(f.Environment[lambdaconf.EnvMaskinportenScopes]), " "); got != want {
			t.Errorf("%s: %s = %q, want %q", f.LogicalID, lambdaconf.EnvMaskinportenScopes, got, want)
		}
	}
	stmts, _, err := tpl.Policies()
	if err != nil {
		t.Fatal(err)
	}
	var signers []string
	for _, s := range stmts {
		if s.Effect == "Allow" && slices.Contains(s.Actions, "kms:Sign") && slices.Contains(s.Resources, "${MaskinportenKmsKeyArn}") {
			if len(s.Resources) != 1 {
				t.Errorf("%s: kms:Sign on %v, want the Maskinporten key alone", s, s.Resources)
			}
			signers = append(signers, s.LogicalID)
		}
	}
	sort.Strings(signers)
	want := []string{"ApiFunction", "FinalizeFunction", "HandleRejectFunction",
		"NotifySigneeFunction", "ResolveSigneesFunction", "SendReceiptFunction"}
	if !slices.Equal(signers, want) {
		t.Errorf("kms:Sign on MaskinportenKmsKeyArn for %v, want %v", signers, want)
	}
}

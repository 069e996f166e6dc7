package layout

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is this module's path.
const module = "github.com/signingflow/signing"

// pkg is the part of go list's JSON the check reads.
type pkg struct {
	ImportPath string
	Name       string
	Standard   bool
	DepOnly    bool
	Imports    []string
}

// labTrees are the folders of the laboratory, and the lab packages kept
// beside the code they serve: no Lambda links a package in them.
var labTrees = []string{
	module + "/internal/devstack",
	module + "/internal/bench",
	module + "/internal/proof",
	module + "/internal/platform/emulator",
	module + "/internal/samtemplate",
	module + "/internal/asl",
	module + "/internal/frontendcontract",
	module + "/internal/signing/memrepo",
	module + "/internal/lambdaconf/wholeservice",
}

// optional are packages only some functions use, each with the package a
// function's main.go must import itself to link it. An SDK service
// package's init (its endpoint rules and shape schemas) runs at every cold
// start of every binary that links it, used or not, so a function links
// one only by naming its adapter in main.go (lambdaconf.Linked), and the
// PDF renderer only by importing it.
var optional = map[string]string{
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager": module + "/internal/lambdaconf/awssecrets",
	"github.com/aws/aws-sdk-go-v2/service/sfn":            module + "/internal/lambdaconf/awssfn",
	"github.com/aws/aws-sdk-go-v2/service/eventbridge":    module + "/internal/lambdaconf/awsevents",
	"github.com/aws/aws-sdk-go-v2/service/sqs":            module + "/internal/lambdaconf/awsqueue",
	"codeberg.org/go-pdf/fpdf":                            module + "/internal/signingpdf",
}

// sdkConfig are the SDK's config package and the credential sources it
// brings, which were most of a cold start: the Lambdas read their AWS
// configuration from Lambda's environment (internal/lambdaconf/awsenv).
var sdkConfig = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/signin",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
}

// lambdaRule says why a Lambda must not link p, or "" when it may.
func lambdaRule(p pkg) string {
	switch {
	case p.ImportPath == "testing" || strings.HasPrefix(p.ImportPath, "testing/"):
		return "the testing package"
	case strings.Contains(strings.ToLower(p.ImportPath), "yaml"):
		return "a YAML parser (the template is read by the local stack and the tests only)"
	case slices.Contains(sdkConfig, p.ImportPath):
		return "the SDK's config package or a credential source it brings (a cold start's cost; lambdaconf/awsenv reads Lambda's environment)"
	}
	for _, tree := range labTrees {
		if p.ImportPath == tree || strings.HasPrefix(p.ImportPath, tree+"/") {
			return "the laboratory (" + strings.TrimPrefix(tree, module+"/") + ")"
		}
	}
	if testHelper(p) {
		return "a test helper package"
	}
	return ""
}

// commandRule says why the signing command must not link p, or "" when it
// may. The command runs the local stack and the benchmark, so only the
// testing package and test helpers (this module's and the standard
// library's, such as net/http/httptest) are kept out.
func commandRule(p pkg) string {
	switch {
	case p.ImportPath == "testing" || strings.HasPrefix(p.ImportPath, "testing/"):
		return "the testing package"
	case testHelper(p):
		return "a test helper package"
	}
	return ""
}

// testHelper reports whether p is a test helper: its name ends in "test".
// The standard library's internal packages (internal/synctest,
// internal/testlog) are linked by every program and are not counted.
func testHelper(p pkg) bool {
	if p.Standard && (strings.HasPrefix(p.ImportPath, "internal/") || strings.Contains(p.ImportPath, "/internal/")) {
		return false
	}
	return strings.HasSuffix(p.Name, "test")
}

// deployed is how make build (and sam-build) builds a function:
// provided.al2023 on arm64 without the RPC mode of aws-lambda-go.
var deployed = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=-tags=lambda.norpc"}

func TestLambdasLinkNoLaboratory(t *testing.T) {
	t.Parallel()
	t.Run("deployed", func(t *testing.T) {
		t.Parallel()
		checkLinks(t, "./functions/...", deployed, lambdaRule)
	})
	t.Run("host", func(t *testing.T) {
		t.Parallel()
		checkLinks(t, "./functions/...", nil, lambdaRule)
	})
}

// TestLambdasLinkOnlyWhatTheyUse checks that a function links the
// optional packages only when its own main.go asks for them (optional).
func TestLambdasLinkOnlyWhatTheyUse(t *testing.T) {
	t.Parallel()
	pkgs := list(t, "./functions/...", deployed)
	for _, root := range pkgs {
		if root.DepOnly {
			continue
		}
		chains := reachable(root.ImportPath, pkgs)
		for p, via := range optional {
			if chain, ok := chains[p]; ok && !slices.Contains(root.Imports, via) {
				t.Errorf("%s links %s without importing %s in its main package:\n\t%s", short(root.ImportPath), short(p), short(via), strings.Join(mapShort(chain), "\n\t→ "))
			}
		}
	}
}

func TestCommandLinksNoTestHelper(t *testing.T) {
	t.Parallel()
	checkLinks(t, "./cmd/signing", nil, commandRule)
}

// checkLinks fails for every package a main package of pattern links that
// rule refuses, with the import chain that brings it in; env is added to
// go list's environment.
func checkLinks(t *testing.T, pattern string, env []string, rule func(pkg) string) {
	t.Helper()
	pkgs := list(t, pattern, env)
	roots := 0
	for _, root := range pkgs {
		if root.DepOnly {
			continue
		}
		roots++
		chains := reachable(root.ImportPath, pkgs)
		for _, path := range slices.Sorted(maps.Keys(chains)) {
			if why := rule(pkgs[path]); why != "" {
				t.Errorf("%s links %s, %s:\n\t%s", short(root.ImportPath), short(path), why, strings.Join(mapShort(chains[path]), "\n\t→ "))
			}
		}
	}
	if roots == 0 {
		t.Fatalf("go list %s found no packages", pattern)
	}
}

// reachable returns every package root links, each with the shortest import
// chain from root to it.
func reachable(root string, pkgs map[string]pkg) map[string][]string {
	chains := map[string][]string{root: {root}}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range pkgs[p].Imports {
			if _, seen := chains[imp]; seen {
				continue
			}
			chains[imp] = append(slices.Clone(chains[p]), imp)
			queue = append(queue, imp)
		}
	}
	return chains
}

// list runs go list -deps -json on pattern in the module root, with env
// added to the environment.
func list(t *testing.T, pattern string, env []string) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Name,Standard,DepOnly,Imports", pattern)
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pattern, err, stderr.String())
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list %s: %v", pattern, err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

func short(path string) string { return strings.TrimPrefix(path, module+"/") }

func mapShort(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = short(p)
	}
	return out
}

// TestRules checks the rules refuse what they should, so a passing
// TestLambdasLinkNoLaboratory means something.
func TestRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p                pkg
		lambda, commands bool // refused
	}{
		{pkg{ImportPath: "testing", Name: "testing", Standard: true}, true, true},
		{pkg{ImportPath: "testing/fstest", Name: "fstest", Standard: true}, true, true},
		{pkg{ImportPath: "net/http/httptest", Name: "httptest", Standard: true}, true, true},
		{pkg{ImportPath: "internal/synctest", Name: "synctest", Standard: true}, false, false},
		{pkg{ImportPath: "internal/testlog", Name: "testlog", Standard: true}, false, false},
		{pkg{ImportPath: "gopkg.in/yaml.v3", Name: "yaml"}, true, false},
		{pkg{ImportPath: "sigs.k8s.io/yaml", Name: "yaml"}, true, false},
		{pkg{ImportPath: module + "/internal/devstack", Name: "devstack"}, true, false},
		{pkg{ImportPath: module + "/internal/devstack/dynamolocal", Name: "dynamolocal"}, true, false},
		{pkg{ImportPath: module + "/internal/bench", Name: "bench"}, true, false},
		{pkg{ImportPath: module + "/internal/proof/faults", Name: "faults"}, true, false},
		{pkg{ImportPath: module + "/internal/dynamo/dynamotest", Name: "dynamotest"}, true, true},
		{pkg{ImportPath: module + "/internal/signingtest", Name: "signingtest"}, true, true},
		{pkg{ImportPath: module + "/internal/platform/emulator/idp", Name: "idp"}, true, false},
		{pkg{ImportPath: module + "/internal/samtemplate", Name: "samtemplate"}, true, false},
		{pkg{ImportPath: module + "/internal/devstackx", Name: "devstackx"}, false, false},
		{pkg{ImportPath: module + "/internal/platform", Name: "platform"}, false, false},
		{pkg{ImportPath: module + "/internal/dynamo", Name: "dynamo"}, false, false},
		{pkg{ImportPath: "net/http", Name: "http", Standard: true}, false, false},
		{pkg{ImportPath: "github.com/aws/aws-sdk-go-v2/config", Name: "config"}, true, false},
		{pkg{ImportPath: "github.com/aws/aws-sdk-go-v2/service/sts", Name: "sts"}, true, false},
		{pkg{ImportPath: "github.com/aws/aws-sdk-go-v2/service/dynamodb", Name: "dynamodb"}, false, false},
	}
	for _, tt := range tests {
		if got := lambdaRule(tt.p) != ""; got != tt.lambda {
			t.Errorf("lambdaRule(%s) refuses = %v, want %v", tt.p.ImportPath, got, tt.lambda)
		}
		if got := commandRule(tt.p) != ""; got != tt.commands {
			t.Errorf("commandRule(%s) refuses = %v, want %v", tt.p.ImportPath, got, tt.commands)
		}
	}
}

// TestReachable checks the chain named in a failure is the shortest one.
func TestReachable(t *testing.T) {
	t.Parallel()
	pkgs := map[string]pkg{
		"main": {ImportPath: "main", Imports: []string{"a", "b"}},
		"a":    {ImportPath: "a", Imports: []string{"c"}},
		"b":    {ImportPath: "b", Imports: []string{"testing"}},
		"c":    {ImportPath: "c", Imports: []string{"b"}},
	}
	got := reachable("main", pkgs)
	if want := []string{"main", "b", "testing"}; !slices.Equal(got["testing"], want) {
		t.Errorf("chain to testing = %v, want %v", got["testing"], want)
	}
	if len(got) != 5 {
		t.Errorf("reachable = %v, want 5 packages", got)
	}
}

package docrefs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moduleRoot is the folder of the go.mod above this package.
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

// TestDocuments_codeNamesResolve fails on every code name, path, make
// target or link a document of this repository cites that does not resolve.
// A rename elsewhere lands here: fix the document (or the name).
func TestDocuments_codeNamesResolve(t *testing.T) {
	root := moduleRoot(t)
	findings, err := check(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
}

// TestCheck_fixture runs the check on a small module of its own: the names
// in its README resolve or are not ours, and every made-up name in
// docs/bad.md is reported.
func TestCheck_fixture(t *testing.T) {
	findings, err := check(filepath.Join("testdata", "fixture"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range findings {
		got = append(got, f.String())
	}
	want := []string{
		"docs/bad.md:3: `shop.Nothing` names Nothing, which package shop does not declare",
		"docs/bad.md:3: `shop.Cart.Remove` names Remove, which shop.Cart does not have",
		"docs/bad.md:3: `Cart.Checkout` names Checkout, which no type Cart of this module has",
		"docs/bad.md:3: `TestCart_Remove` is no test, fuzz target, benchmark or example of this module",
		"docs/bad.md:4: `internal/nowhere` does not exist",
		"docs/bad.md:4: `cmd/shop` does not exist",
		"docs/bad.md:4: `make deploy` is no target of the Makefile",
		"docs/bad.md:4: `gone.md` does not exist",
		"docs/bad.md:4: `topic.md#no-such-section` has no heading #no-such-section in docs/topic.md",
		"docs/bad.md:5: `#nope` has no heading #nope in docs/bad.md",
		"docs/bad.md:8: `make bench` is no target of the Makefile",
		"docs/bad.md:9: `functions/nowhere` does not exist",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestREADME_layoutMarksWhatIsDeployed holds the README's layout table to
// the module: every package is in a row, and a row says "deployed" exactly
// for the packages the Lambdas link (go list -deps ./functions/...).
func TestREADME_layoutMarksWhatIsDeployed(t *testing.T) {
	problems, err := checkLayout(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestCheckLayout_fixture: a linked package marked development, a deployed
// one nothing links and one in no row are each reported.
func TestCheckLayout_fixture(t *testing.T) {
	got, err := checkLayout(filepath.Join("testdata", "layout"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`README.md:11: internal/extra is marked deployed but no Lambda links it`,
		`README.md:10: internal/lib is linked into a Lambda but its row says "development"`,
		`README.md: internal/orphan is in no row of the layout table`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

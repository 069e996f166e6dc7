package lambdaconf_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/samtemplate"
	"github.com/signingflow/signing/internal/signingtest"
)

// loaders returns the lambdaconf loaders a function's main.go calls, and
// every string literal of the folder's Go files (the names it may read).
func loaders(t *testing.T, dir string) (calls []string, literals map[string]bool) {
	t.Helper()
	literals = map[string]bool{}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && filepath.Base(file) == "main.go" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "lambdaconf" {
						switch name := sel.Sel.Name; {
						case name == "RunService":
							calls = append(calls, "Load") // RunService reads its configuration with Load
						case strings.HasPrefix(name, "Load"):
							calls = append(calls, name)
						}
					}
				}
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, err := strconv.Unquote(n.Value); err == nil {
						literals[s] = true
					}
				}
			}
			return true
		})
	}
	return calls, literals
}

// TestTemplate_functions checks that every function folder has a function
// in template.yaml (CodeUri) and at least one sample event, and that each
// function's environment is exactly what its loader requires: every
// required variable (one of each alternative), nothing the function does
// not read.
func TestTemplate_functions(t *testing.T) {
	t.Parallel()
	root := signingtest.ModuleRoot(t)
	tpl, err := samtemplate.Load(filepath.Join(root, samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	byFolder := map[string]samtemplate.Function{}
	for _, f := range fns {
		byFolder[strings.TrimSuffix(f.CodeUri, "/")] = f
	}
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, e := range entries {
		if e.IsDir() {
			folders = append(folders, "functions/"+e.Name())
		}
	}
	for folder := range byFolder {
		if !slices.Contains(folders, folder) {
			t.Errorf("template.yaml: CodeUri %s/ is not a function folder", folder)
		}
	}
	events, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, folder := range folders {
		t.Run(filepath.Base(folder), func(t *testing.T) {
			t.Parallel()
			f, ok := byFolder[folder]
			if !ok {
				t.Fatalf("template.yaml has no function with CodeUri: %s/", folder)
			}
			if f.BuildMethod != "go1.x" {
				t.Errorf("%s: Metadata.BuildMethod = %q, want go1.x", f.LogicalID, f.BuildMethod)
			}
			name := filepath.Base(folder)
			if !slices.ContainsFunc(events, func(e string) bool {
				b := filepath.Base(e)
				return strings.HasPrefix(b, name+"-") || (name == "api" && strings.HasPrefix(b, "api-"))
			}) {
				t.Errorf("events/ has no %s-<case>.json", name)
			}
			calls, literals := loaders(t, filepath.Join(root, folder))
			if len(calls) == 0 {
				t.Fatalf("%s/main.go calls no lambdaconf loader", folder)
			}
			known := map[string]bool{}
			for _, loader := range calls {
				vars, ok := lambdaconf.Vars(loader)
				if !ok {
					t.Fatalf("%s/main.go calls lambdaconf.%s, which has no variable list", folder, loader)
				}
				groups := map[string]bool{}
				for _, v := range vars {
					known[v.Name] = true
					_, set := f.Environment[v.Name]
					switch {
					case v.Required && v.OneOf == "" && !set:
						t.Errorf("%s: environment lacks %s, which lambdaconf.%s requires", f.LogicalID, v.Name, loader)
					case v.OneOf != "":
						if set && groups[v.OneOf] {
							t.Errorf("%s: environment sets two alternatives of %s", f.LogicalID, v.Name)
						}
						groups[v.OneOf] = groups[v.OneOf] || set
					}
				}
				for _, v := range vars {
					if v.OneOf != "" && !groups[v.OneOf] {
						t.Errorf("%s: environment sets none of the alternatives of %s", f.LogicalID, v.Name)
						groups[v.OneOf] = true
					}
				}
			}
			for _, name := range f.EnvironmentNames() {
				if !known[name] && !literals[name] {
					t.Errorf("%s: environment sets %s, which the function does not read", f.LogicalID, name)
				}
			}
		})
	}
}

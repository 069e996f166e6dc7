// Package wiringscan reads which lambdaconf.Wiring ports a function wires,
// from its folder's Go source, for the tests and tools that check a
// function's environment and IAM grants against them
// (lambdaconf.CheckEnv, lambdaconf.Ports). It is not linked by the
// functions.
package wiringscan

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Links returns the fields of the lambdaconf.Linked literals in the
// folder's non-test Go files (the adapters its main.go links), sorted.
func Links(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var links []string
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if sel, ok := lit.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Linked" {
				return true
			}
			for _, el := range lit.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						links = append(links, id.Name)
					}
				}
			}
			return true
		})
	}
	sort.Strings(links)
	return links, nil
}

// notPorts are the Wiring methods that build no port.
var notPorts = map[string]bool{"Fail": true, "Err": true}

// Ports returns the Wiring methods the folder's main package calls on the
// *lambdaconf.Wiring its lambdaconf.Run callback takes, sorted, and every
// string literal of its non-test Go files (the names its own configuration
// may read, as the API's does).
func Ports(dir string) (ports []string, literals map[string]bool, err error) {
	literals = map[string]bool{}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			return nil, nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				for _, field := range n.Type.Params.List {
					star, ok := field.Type.(*ast.StarExpr)
					if !ok {
						continue
					}
					sel, ok := star.X.(*ast.SelectorExpr)
					if !ok || sel.Sel.Name != "Wiring" {
						continue
					}
					for _, name := range field.Names {
						ast.Inspect(n.Body, func(m ast.Node) bool {
							if call, ok := m.(*ast.CallExpr); ok {
								if s, ok := call.Fun.(*ast.SelectorExpr); ok {
									if id, ok := s.X.(*ast.Ident); ok && id.Name == name.Name && !seen[s.Sel.Name] && !notPorts[s.Sel.Name] {
										seen[s.Sel.Name] = true
										ports = append(ports, s.Sel.Name)
									}
								}
							}
							return true
						})
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
	sort.Strings(ports)
	return ports, literals, nil
}

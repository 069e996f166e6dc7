package signing

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// useCases are the use case types, by name.
var useCases = map[string]reflect.Type{
	"Resolution": reflect.TypeFor[Resolution](), "Delegating": reflect.TypeFor[Delegating](),
	"Notification": reflect.TypeFor[Notification](), "Collection": reflect.TypeFor[Collection](),
	"Receipts": reflect.TypeFor[Receipts](), "Closing": reflect.TypeFor[Closing](),
	"Finalization": reflect.TypeFor[Finalization](), "API": reflect.TypeFor[API](),
}

// TestUseCases_ports reads this package's source: for every Service
// method it finds the Service fields the method reaches (itself and
// through the Service methods it calls), and checks that each use case
// reaches, through the Service methods it forwards to, exactly the ports
// it holds: none outside (which its Service would lack: a nil port) and
// none unused (which its function would wire for nothing).
func TestUseCases_ports(t *testing.T) {
	t.Parallel()
	fieldNames := map[string]bool{}
	st := reflect.TypeFor[Service]()
	for i := range st.NumField() {
		fieldNames[st.Field(i).Name] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	uses := map[string]map[string]bool{}  // Service method → fields it reads
	calls := map[string]map[string]bool{} // Service method → Service methods it calls
	forwards := map[string]map[string]bool{}
	copied := map[string]map[string]bool{} // use case → the ports its service() passes on
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List[0].Names) == 0 {
				continue
			}
			recv := fd.Recv.List[0].Names[0].Name
			switch typ := fd.Recv.List[0].Type.(type) {
			case *ast.StarExpr:
				if id, ok := typ.X.(*ast.Ident); !ok || id.Name != "Service" {
					continue
				}
				m := fd.Name.Name
				uses[m], calls[m] = map[string]bool{}, map[string]bool{}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.SelectorExpr:
						if id, ok := n.X.(*ast.Ident); ok && id.Name == recv {
							if fieldNames[n.Sel.Name] {
								uses[m][n.Sel.Name] = true
							} else {
								calls[m][n.Sel.Name] = true
							}
						}
					case *ast.CallExpr:
						for _, a := range n.Args {
							if id, ok := a.(*ast.Ident); ok && id.Name == recv {
								t.Errorf("%s: Service.%s passes its receiver on; the port check cannot follow it", file, m)
							}
						}
					}
					return true
				})
			case *ast.Ident:
				if _, ok := useCases[typ.Name]; !ok {
					continue
				}
				if fd.Name.Name == "service" {
					// The Service it builds must get every port it holds.
					keys := map[string]bool{}
					ast.Inspect(fd.Body, func(n ast.Node) bool {
						if kv, ok := n.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok {
								if v, ok := kv.Value.(*ast.SelectorExpr); ok && v.Sel.Name == k.Name {
									keys[k.Name] = true
								}
							}
						}
						return true
					})
					copied[typ.Name] = keys
					continue
				}
				if forwards[typ.Name] == nil {
					forwards[typ.Name] = map[string]bool{}
				}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					// u.service().Method
					if sel, ok := n.(*ast.SelectorExpr); ok {
						if call, ok := sel.X.(*ast.CallExpr); ok {
							if inner, ok := call.Fun.(*ast.SelectorExpr); ok && inner.Sel.Name == "service" {
								if id, ok := inner.X.(*ast.Ident); ok && id.Name == recv {
									forwards[typ.Name][sel.Sel.Name] = true
								}
							}
						}
					}
					return true
				})
			}
		}
	}
	reach := func(m string) map[string]bool {
		got, seen := map[string]bool{}, map[string]bool{}
		var walk func(string)
		walk = func(x string) {
			if seen[x] {
				return
			}
			seen[x] = true
			for f := range uses[x] {
				got[f] = true
			}
			for c := range calls[x] {
				walk(c)
			}
		}
		walk(m)
		return got
	}
	for name, typ := range useCases {
		if len(forwards[name]) == 0 {
			t.Errorf("%s forwards to no Service method", name)
			continue
		}
		reached := map[string]bool{}
		for m := range forwards[name] {
			if _, ok := uses[m]; !ok {
				t.Errorf("%s calls Service.%s, which is not a method of Service", name, m)
			}
			for f := range reach(m) {
				reached[f] = true
			}
		}
		var held []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			held = append(held, f.Name)
			if !copied[name][f.Name] {
				t.Errorf("%s.service() does not pass on %s", name, f.Name)
			}
			if st, ok := st.FieldByName(f.Name); !ok || st.Type != f.Type {
				t.Errorf("%s.%s is not a Service field of the same type", name, f.Name)
			}
		}
		var want []string
		for f := range reached {
			want = append(want, f)
		}
		sort.Strings(held)
		sort.Strings(want)
		if !slices.Equal(held, want) {
			t.Errorf("%s holds %v; its Service methods reach %v", name, held, want)
		}
	}
}

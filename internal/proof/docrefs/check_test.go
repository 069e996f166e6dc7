package docrefs

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// pathPrefixes are the folders of this repository a cited path may start
// with; any other path (an upstream repository's, a placeholder) is not
// checked.
var pathPrefixes = []string{
	"internal/", "functions/", "cmd/", "statemachine/", "events/", "schema/",
	"docs/", "api/", "bench/", "examples/",
}

// fileExtensions end a dotted name that is a file, not a Go name
// (`signing.asl.json`, `OpenIdController.cs`).
var fileExtensions = map[string]bool{
	"go": true, "md": true, "json": true, "yaml": true, "yml": true, "py": true,
	"xml": true, "pem": true, "png": true, "toml": true, "txt": true, "mod": true,
	"sum": true, "sh": true, "cs": true, "ts": true, "tsx": true, "js": true,
	"html": true, "csv": true, "pdf": true, "bpmn": true, "zip": true, "jar": true,
}

// extraDocs are Markdown files under a testdata folder that are ours.
var extraDocs = []string{"internal/platform/testdata/contracts/README.md"}

// typeInfo is what a declared type offers after a dot.
type typeInfo struct {
	members  map[string]bool
	embedded []string // type names, "pkg.Name" when qualified
}

// pkgInfo is one Go package of the module (its test files included).
type pkgInfo struct {
	dir   string
	names map[string]bool // every package-level name
	types map[string]*typeInfo
	tests map[string]bool // Test, Fuzz, Benchmark and Example functions
}

// index is what the documents are checked against.
type index struct {
	root    string
	pkgs    map[string][]*pkgInfo // by package name, and by folder name for package main
	imports map[string][]string   // folder (relative, slash-separated) → the module's folders its non-test files import
	types   map[string]bool       // every declared type name
	targets map[string]bool       // the Makefile's targets
}

// finding is one name that does not resolve.
type finding struct {
	file string // relative to the root, slash-separated
	line int
	name string
	why  string
}

func (f finding) String() string {
	return fmt.Sprintf("%s:%d: `%s` %s", f.file, f.line, f.name, f.why)
}

// skipDir reports whether a folder holds nothing of ours to index or check.
func skipDir(name string) bool {
	return name == "node_modules" || name == "testdata" || name == "vendor" || name == "bin" ||
		(strings.HasPrefix(name, ".") && name != ".")
}

// buildIndex parses every Go file under root and reads root/Makefile.
func buildIndex(root string) (*index, error) {
	ix := &index{root: root, pkgs: map[string][]*pkgInfo{}, imports: map[string][]string{}, types: map[string]bool{}, targets: map[string]bool{}}
	module := ""
	if gomod, err := os.ReadFile(filepath.Join(root, "go.mod")); err == nil {
		if m := moduleLine.FindStringSubmatch(string(gomod)); m != nil {
			module = m[1]
		}
	}
	byDir := map[string]map[string]*pkgInfo{} // dir → package name → info
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(f.Name.Name, "_test")
		dir := filepath.Dir(path)
		if byDir[dir] == nil {
			byDir[dir] = map[string]*pkgInfo{}
		}
		p := byDir[dir][name]
		if p == nil {
			p = &pkgInfo{dir: dir, names: map[string]bool{}, types: map[string]*typeInfo{}, tests: map[string]bool{}}
			byDir[dir][name] = p
			ix.pkgs[name] = append(ix.pkgs[name], p)
			if name == "main" {
				base := filepath.Base(dir)
				ix.pkgs[base] = append(ix.pkgs[base], p)
			}
		}
		addFile(p, f, strings.HasSuffix(path, "_test.go"))
		if rel, err := filepath.Rel(root, dir); err == nil && !strings.HasSuffix(path, "_test.go") {
			rel = filepath.ToSlash(rel)
			if _, ok := ix.imports[rel]; !ok {
				ix.imports[rel] = nil
			}
			for _, imp := range f.Imports {
				if path := strings.Trim(imp.Path.Value, `"`); module != "" && strings.HasPrefix(path, module+"/") {
					ix.imports[rel] = append(ix.imports[rel], strings.TrimPrefix(path, module+"/"))
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, ps := range ix.pkgs {
		for _, p := range ps {
			for t := range p.types {
				ix.types[t] = true
			}
		}
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, m := range makeTargetLine.FindAllStringSubmatch(string(mk), -1) {
		for _, t := range strings.Fields(m[1]) {
			ix.targets[t] = true
		}
	}
	return ix, nil
}

// moduleLine is go.mod's module directive.
var moduleLine = regexp.MustCompile(`(?m)^module\s+(\S+)`)

// makeTargetLine is a rule's head: "target other: prerequisites", not "VAR := value".
var makeTargetLine = regexp.MustCompile(`(?m)^([A-Za-z][\w./-]*(?:[ \t]+[A-Za-z][\w./-]*)*)[ \t]*:(?:[^=]|$)`)

func typeOf(p *pkgInfo, name string) *typeInfo {
	t := p.types[name]
	if t == nil {
		t = &typeInfo{members: map[string]bool{}}
		p.types[name] = t
	}
	return t
}

// addFile records a file's package-level names, types, members and tests.
func addFile(p *pkgInfo, f *ast.File, isTest bool) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				p.names[d.Name.Name] = true
				if isTest && testName.MatchString(d.Name.Name) {
					p.tests[d.Name.Name] = true
				}
				continue
			}
			if len(d.Recv.List) == 1 {
				if recv := baseTypeName(d.Recv.List[0].Type); recv != "" {
					typeOf(p, recv).members[d.Name.Name] = true
				}
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.ValueSpec:
					for _, n := range s.Names {
						p.names[n.Name] = true
					}
				case *ast.TypeSpec:
					p.names[s.Name.Name] = true
					addMembers(typeOf(p, s.Name.Name), s.Type)
				}
			}
		}
	}
}

// addMembers records the fields and interface methods of a type literal.
func addMembers(t *typeInfo, expr ast.Expr) {
	var fields *ast.FieldList
	switch e := expr.(type) {
	case *ast.StructType:
		fields = e.Fields
	case *ast.InterfaceType:
		fields = e.Methods
	default:
		return
	}
	for _, field := range fields.List {
		if len(field.Names) == 0 { // embedded
			if n := embeddedName(field.Type); n != "" {
				t.embedded = append(t.embedded, n)
				t.members[n[strings.LastIndex(n, ".")+1:]] = true
			}
			continue
		}
		for _, n := range field.Names {
			t.members[n.Name] = true
		}
	}
}

// baseTypeName is the name of a receiver's type: T, *T, T[P], *T[P].
func baseTypeName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return baseTypeName(x.X)
	case *ast.IndexExpr:
		return baseTypeName(x.X)
	case *ast.IndexListExpr:
		return baseTypeName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// embeddedName is an embedded field's type as "Name" or "pkg.Name".
func embeddedName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return embeddedName(x.X)
	case *ast.IndexExpr:
		return embeddedName(x.X)
	case *ast.IndexListExpr:
		return embeddedName(x.X)
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			return id.Name + "." + x.Sel.Name
		}
	}
	return ""
}

// hasMember reports whether type name of p has member, promoted members
// included.
func (ix *index) hasMember(p *pkgInfo, name, member string, seen map[*typeInfo]bool) bool {
	t := p.types[name]
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	if t.members[member] {
		return true
	}
	for _, e := range t.embedded {
		if pkg, typ, ok := strings.Cut(e, "."); ok {
			for _, q := range ix.pkgs[pkg] {
				if ix.hasMember(q, typ, member, seen) {
					return true
				}
			}
			continue
		}
		if ix.hasMember(p, e, member, seen) {
			return true
		}
	}
	return false
}

// anyTypeHas reports whether some type of that name in the given packages
// has member.
func (ix *index) anyTypeHas(pkgs []*pkgInfo, typ, member string) bool {
	for _, p := range pkgs {
		if ix.hasMember(p, typ, member, map[*typeInfo]bool{}) {
			return true
		}
	}
	return false
}

func (ix *index) allPkgs() []*pkgInfo {
	var all []*pkgInfo
	seen := map[*pkgInfo]bool{}
	for _, ps := range ix.pkgs {
		for _, p := range ps {
			if !seen[p] {
				seen[p] = true
				all = append(all, p)
			}
		}
	}
	return all
}

var (
	testName    = regexp.MustCompile(`^(Test|Fuzz|Benchmark|Example)([A-Z_]\w*)?$`)
	dottedChain = regexp.MustCompile(`[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+`)
	wordToken   = regexp.MustCompile(`[A-Za-z_]\w*`)
	makeCommand = regexp.MustCompile(`(?:^|[\s;&|(])make((?:[ \t]+[A-Z_][A-Z0-9_]*=\S*)*)((?:[ \t]+[a-z][\w-]*)+)`)
	mdLink      = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
)

// checkGoName checks one dotted chain of inline code; it returns the reason
// it does not resolve, or "" when it resolves or is not ours.
func (ix *index) checkGoName(chain string) string {
	parts := strings.Split(chain, ".")
	if fileExtensions[strings.ToLower(parts[len(parts)-1])] {
		return "" // a file name
	}
	first := parts[0]
	if unicode.IsUpper(rune(first[0])) {
		// Type.Member: only for a type of ours.
		if !ix.types[first] {
			return ""
		}
		if !ix.anyTypeHas(ix.allPkgs(), first, parts[1]) {
			return fmt.Sprintf("names %s, which no type %s of this module has", parts[1], first)
		}
		return ""
	}
	pkgs := ix.pkgs[first]
	if len(pkgs) == 0 {
		return "" // not a package of ours
	}
	name := parts[1]
	if unicode.IsLower(rune(name[0])) && strings.Contains(name, "_") {
		return "" // a text key or a JSON member (signing.correspondence_cta_title), not a Go name
	}
	var holders []*pkgInfo
	for _, p := range pkgs {
		if p.names[name] {
			holders = append(holders, p)
		}
	}
	if len(holders) == 0 {
		return fmt.Sprintf("names %s, which package %s does not declare", name, first)
	}
	if len(parts) < 3 {
		return ""
	}
	isType := false
	for _, p := range holders {
		if p.types[name] != nil {
			isType = true
		}
	}
	if !isType {
		return "" // a member of a variable's value: not resolved without types
	}
	if !ix.anyTypeHas(holders, name, parts[2]) {
		return fmt.Sprintf("names %s, which %s.%s does not have", parts[2], first, name)
	}
	return ""
}

// checkTest checks a test function's name.
func (ix *index) checkTest(name string) string {
	for _, p := range ix.allPkgs() {
		if p.tests[name] {
			return ""
		}
	}
	return "is no test, fuzz target, benchmark or example of this module"
}

// pathToken cuts a path of ours out of a token; dir is the document's
// folder relative to the root. It returns the path relative to the root.
func pathToken(tok, dir string) (string, bool) {
	tok = strings.Trim(tok, "\"'`,;:()[]")
	if strings.ContainsAny(tok, "<>{}*…$|?=[]#") || strings.Contains(tok, "...") {
		return "", false // a placeholder, pattern or anchor
	}
	switch {
	case strings.HasPrefix(tok, "../"):
		return filepath.ToSlash(filepath.Join(dir, tok)), true
	case strings.HasPrefix(tok, "./"):
		tok = tok[2:]
	}
	for _, pre := range pathPrefixes {
		if strings.HasPrefix(tok, pre) {
			return tok, true
		}
	}
	return "", false
}

// checkPath reports whether a path exists under the root.
func (ix *index) checkPath(rel string) string {
	if _, err := os.Stat(filepath.Join(ix.root, filepath.FromSlash(rel))); err != nil {
		return "does not exist"
	}
	return ""
}

// checkMake checks the targets of a make command line.
func (ix *index) checkMake(text string, report func(name, why string)) {
	for _, m := range makeCommand.FindAllStringSubmatch(text, -1) {
		for _, t := range strings.Fields(m[2]) {
			if !ix.targets[t] {
				report("make "+t, "is no target of the Makefile")
			}
		}
	}
}

// span is inline code or a fenced block, with the line it starts on.
type span struct {
	text   string
	line   int
	fenced bool
}

// splitMarkdown returns a document's inline code, fenced blocks and prose
// (for links), each with its line.
func splitMarkdown(doc string) (codes []span, prose []span) {
	lines := strings.Split(doc, "\n")
	var fence string
	var block []string
	blockLine := 0
	var para []string
	paraLine := 0
	flush := func() {
		if len(para) > 0 {
			text := strings.Join(para, "\n")
			prose = append(prose, span{text: text, line: paraLine})
			codes = append(codes, inlineCode(text, paraLine)...)
			para = nil
		}
	}
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "" {
				codes = append(codes, span{text: strings.Join(block, "\n"), line: blockLine, fenced: true})
				fence, block = "", nil
				continue
			}
			block = append(block, l)
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			flush()
			fence = trimmed[:3]
			blockLine = i + 2
			continue
		}
		if trimmed == "" {
			flush()
			continue
		}
		if len(para) == 0 {
			paraLine = i + 1
		}
		para = append(para, l)
	}
	flush()
	return codes, prose
}

// inlineCode finds the code spans of a paragraph (a run of backticks closed
// by a run of the same length), with the line each starts on.
func inlineCode(text string, line int) []span {
	var out []span
	for i := 0; i < len(text); {
		if text[i] != '`' {
			i++
			continue
		}
		n := 0
		for i+n < len(text) && text[i+n] == '`' {
			n++
		}
		open := text[i : i+n]
		end := -1
		for j := i + n; j < len(text); {
			k := strings.Index(text[j:], open)
			if k < 0 {
				break
			}
			k += j
			m := 0
			for k+m < len(text) && text[k+m] == '`' {
				m++
			}
			if m == n {
				end = k
				break
			}
			j = k + m
		}
		if end < 0 {
			i += n
			continue
		}
		body := strings.ReplaceAll(text[i+n:end], "\n", " ")
		out = append(out, span{text: strings.TrimSpace(body), line: line + strings.Count(text[:i], "\n")})
		i = end + n
	}
	return out
}

// headingAnchors are a Markdown file's heading anchors as GitHub makes them.
func headingAnchors(doc string) map[string]bool {
	anchors := map[string]bool{}
	count := map[string]int{}
	fence := ""
	for _, l := range strings.Split(doc, "\n") {
		trimmed := strings.TrimSpace(l)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			continue
		}
		if !strings.HasPrefix(l, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(l, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		slug := b.String()
		if n := count[slug]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			anchors[slug] = true
		}
		count[slug]++
	}
	return anchors
}

// checkLink checks a relative link of a document in dir and its anchor.
func (ix *index) checkLink(target, dir, self string) string {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return ""
	}
	path, anchor, _ := strings.Cut(target, "#")
	rel := self
	if path != "" {
		rel = filepath.ToSlash(filepath.Join(dir, path))
		if why := ix.checkPath(rel); why != "" {
			return why
		}
	}
	if anchor == "" || !strings.HasSuffix(rel, ".md") {
		return ""
	}
	doc, err := os.ReadFile(filepath.Join(ix.root, filepath.FromSlash(rel)))
	if err != nil {
		return "cannot be read: " + err.Error()
	}
	if !headingAnchors(string(doc))[anchor] {
		return "has no heading #" + anchor + " in " + rel
	}
	return ""
}

// checkDoc checks one document; rel is its path relative to the root.
func (ix *index) checkDoc(rel string) ([]finding, error) {
	data, err := os.ReadFile(filepath.Join(ix.root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	dir := filepath.ToSlash(filepath.Dir(rel))
	var out []finding
	seen := map[string]bool{}
	add := func(line int, name, why string) {
		if why == "" {
			return
		}
		key := fmt.Sprintf("%d %s", line, name)
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, finding{file: rel, line: line, name: name, why: why})
	}
	codes, prose := splitMarkdown(string(data))
	for _, c := range codes {
		if c.fenced {
			for i, l := range strings.Split(c.text, "\n") {
				for _, tok := range strings.Fields(l) {
					if p, ok := pathToken(tok, dir); ok {
						add(c.line+i, p, ix.checkPath(p))
					}
				}
				ix.checkMake(l, func(name, why string) { add(c.line+i, name, why) })
			}
			continue
		}
		for _, tok := range strings.Fields(c.text) {
			if p, ok := pathToken(tok, dir); ok {
				add(c.line, p, ix.checkPath(p))
			}
		}
		ix.checkMake(c.text, func(name, why string) { add(c.line, name, why) })
		for _, loc := range dottedChain.FindAllStringIndex(c.text, -1) {
			if loc[0] > 0 && strings.ContainsRune("./$#-@:\\", rune(c.text[loc[0]-1])) {
				continue // part of a path, a JSON path, a URL or an ARN
			}
			if loc[1] < len(c.text) && strings.ContainsRune("/:@-", rune(c.text[loc[1]])) {
				continue // a host name or a path
			}
			chain := c.text[loc[0]:loc[1]]
			add(c.line, chain, ix.checkGoName(chain))
		}
		for _, loc := range wordToken.FindAllStringIndex(c.text, -1) {
			w := c.text[loc[0]:loc[1]]
			if !testName.MatchString(w) || w == "Test" || w == "Example" {
				continue
			}
			if loc[0] > 0 && strings.ContainsRune("./$#-", rune(c.text[loc[0]-1])) {
				continue
			}
			add(c.line, w, ix.checkTest(w))
		}
	}
	for _, p := range prose {
		for _, m := range mdLink.FindAllStringSubmatchIndex(p.text, -1) {
			target := p.text[m[2]:m[3]]
			line := p.line + strings.Count(p.text[:m[0]], "\n")
			add(line, target, ix.checkLink(target, dir, rel))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].line < out[j].line })
	return out, nil
}

// documents lists the Markdown files of ours under root, relative to it.
func documents(root string) ([]string, error) {
	var docs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".md") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			docs = append(docs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range extraDocs {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(e))); err == nil {
			docs = append(docs, e)
		}
	}
	sort.Strings(docs)
	return docs, nil
}

// check checks every document under root.
func check(root string) ([]finding, error) {
	ix, err := buildIndex(root)
	if err != nil {
		return nil, err
	}
	docs, err := documents(root)
	if err != nil {
		return nil, err
	}
	var all []finding
	for _, d := range docs {
		fs, err := ix.checkDoc(d)
		if err != nil {
			return nil, err
		}
		all = append(all, fs...)
	}
	return all, nil
}

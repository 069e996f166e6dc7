package docrefs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// layoutRow is one row of the README's layout table: its folders and kind.
type layoutRow struct {
	paths []string
	kind  string
	line  int
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// readLayout reads the table under the README's "## Layout" heading.
func readLayout(readme string) []layoutRow {
	var rows []layoutRow
	in := false
	for i, l := range strings.Split(readme, "\n") {
		switch {
		case strings.HasPrefix(l, "## "):
			in = strings.TrimSpace(l[3:]) == "Layout"
		case in && strings.HasPrefix(l, "| `"):
			cells := strings.Split(l, " | ")
			if len(cells) < 3 {
				continue
			}
			row := layoutRow{kind: strings.TrimSpace(cells[1]), line: i + 1}
			for _, m := range codeSpan.FindAllStringSubmatch(cells[0], -1) {
				row.paths = append(row.paths, strings.TrimSuffix(m[1], "/"))
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// linked is the set of the module's folders the Lambdas (functions/*) link.
func (ix *index) linked() map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(dir string) {
		if seen[dir] {
			return
		}
		seen[dir] = true
		for _, imp := range ix.imports[dir] {
			visit(imp)
		}
	}
	for dir := range ix.imports {
		if strings.HasPrefix(dir, "functions/") {
			visit(dir)
		}
	}
	return seen
}

// checkLayout checks the README's layout table against the module: every
// Go package falls under a row (the longest path that holds it), a package
// a Lambda links is in a "deployed" row, and a "deployed" Go package is one
// a Lambda links.
func checkLayout(root string) ([]string, error) {
	ix, err := buildIndex(root)
	if err != nil {
		return nil, err
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		return nil, err
	}
	rows := readLayout(string(readme))
	if len(rows) == 0 {
		return []string{"README.md has no layout table under \"## Layout\""}, nil
	}
	linked := ix.linked()
	var dirs []string
	for _, ps := range ix.pkgs {
		for _, p := range ps {
			rel, err := filepath.Rel(root, p.dir)
			if err != nil {
				return nil, err
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
	}
	sort.Strings(dirs)
	var problems []string
	done := map[string]bool{}
	for _, dir := range dirs {
		if done[dir] {
			continue
		}
		done[dir] = true
		var best *layoutRow
		bestLen := -1
		for i := range rows {
			for _, p := range rows[i].paths {
				if (dir == p || strings.HasPrefix(dir, p+"/")) && len(p) > bestLen {
					best, bestLen = &rows[i], len(p)
				}
			}
		}
		switch {
		case best == nil:
			problems = append(problems, fmt.Sprintf("README.md: %s is in no row of the layout table", dir))
		case linked[dir] && best.kind != "deployed":
			problems = append(problems, fmt.Sprintf("README.md:%d: %s is linked into a Lambda but its row says %q", best.line, dir, best.kind))
		case !linked[dir] && best.kind == "deployed" && ix.hasCode(dir):
			problems = append(problems, fmt.Sprintf("README.md:%d: %s is marked deployed but no Lambda links it", best.line, dir))
		}
	}
	return problems, nil
}

// hasCode reports whether a folder holds non-test Go files.
func (ix *index) hasCode(dir string) bool {
	_, ok := ix.imports[dir]
	return ok
}

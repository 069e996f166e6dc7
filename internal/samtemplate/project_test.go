package samtemplate_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/samtemplate"
)

// readmeFile matches a sample event's file name in events/README.md.
var readmeFile = regexp.MustCompile("`([a-z0-9-]+\\.json)`")

// projectProblems maps the function folders under root/functions to the
// functions of root/template.yaml and to the sample events in root/events,
// both ways, and returns what does not match:
//
//   - every folder has a function whose CodeUri is the folder, and every
//     function's CodeUri is a folder;
//   - every folder has at least one events/<folder>-<case>.json, and every
//     events/*.json starts with the name of a folder and "-" (no orphans);
//   - events/README.md names exactly the files in events/.
func projectProblems(t *testing.T, root string) []string {
	t.Helper()
	var problems []string
	tpl, err := samtemplate.Load(filepath.Join(root, samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, e := range entries {
		if e.IsDir() {
			folders = append(folders, e.Name())
		}
	}
	codeURIs := map[string]string{} // folder → logical ID
	for _, f := range fns {
		folder, ok := strings.CutPrefix(strings.TrimSuffix(f.CodeUri, "/"), "functions/")
		if !ok || !slices.Contains(folders, folder) {
			problems = append(problems, "template.yaml: "+f.LogicalID+": CodeUri "+f.CodeUri+" is not a folder under functions/")
			continue
		}
		codeURIs[folder] = f.LogicalID
	}
	files, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, f := range files {
		events = append(events, filepath.Base(f))
	}
	for _, folder := range folders {
		if _, ok := codeURIs[folder]; !ok {
			problems = append(problems, "functions/"+folder+": template.yaml has no function with CodeUri: functions/"+folder+"/")
		}
		if !slices.ContainsFunc(events, func(e string) bool { return strings.HasPrefix(e, folder+"-") }) {
			problems = append(problems, "functions/"+folder+": events/ has no "+folder+"-<case>.json")
		}
	}
	for _, e := range events {
		if !slices.ContainsFunc(folders, func(folder string) bool { return strings.HasPrefix(e, folder+"-") }) {
			problems = append(problems, "events/"+e+": its name starts with no function folder (functions/<folder>/ → events/<folder>-<case>.json)")
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "events", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range readmeFile.FindAllStringSubmatch(string(readme), -1) {
		listed = append(listed, m[1])
	}
	for _, e := range events {
		if !slices.Contains(listed, e) {
			problems = append(problems, "events/README.md does not list "+e)
		}
	}
	for _, e := range listed {
		if !slices.Contains(events, e) {
			problems = append(problems, "events/README.md lists "+e+", which is not in events/")
		}
	}
	return problems
}

// TestProject_functionsEvents checks the project itself: function folders,
// template.yaml's functions and events/ match both ways.
func TestProject_functionsEvents(t *testing.T) {
	t.Parallel()
	path, err := samtemplate.FindFile("")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range projectProblems(t, filepath.Dir(path)) {
		t.Error(p)
	}
}

// TestProject_functionsEvents_problems checks that projectProblems reports
// each kind of mismatch, on a small project in a temporary folder.
func TestProject_functionsEvents_problems(t *testing.T) {
	t.Parallel()
	const tpl = `
Resources:
  AlphaFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: functions/alpha/}
  BetaFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: functions/beta/}
  GoneFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: functions/gone/}
`
	tests := []struct {
		name   string
		events []string
		// readme lists these files; nil means the files of events.
		readme  []string
		folders []string
		want    []string
	}{
		{name: "matching", folders: []string{"alpha", "beta", "gone"}, events: []string{"alpha-one.json", "beta-one.json", "gone-x.json"}},
		{name: "orphan_event", folders: []string{"alpha", "beta", "gone"}, events: []string{"alpha-one.json", "beta-one.json", "gone-x.json", "gamma-one.json", "alphaone.json"},
			want: []string{"events/gamma-one.json: its name starts with no function folder", "events/alphaone.json: its name starts with no function folder"}},
		{name: "folder_without_event", folders: []string{"alpha", "beta", "gone"}, events: []string{"alpha-one.json", "gone-x.json"},
			want: []string{"functions/beta: events/ has no beta-<case>.json"}},
		{name: "folder_without_function", folders: []string{"alpha", "beta", "gone", "delta"}, events: []string{"alpha-one.json", "beta-one.json", "gone-x.json", "delta-one.json"},
			want: []string{"functions/delta: template.yaml has no function"}},
		{name: "function_without_folder", folders: []string{"alpha", "beta"}, events: []string{"alpha-one.json", "beta-one.json"},
			want: []string{"template.yaml: GoneFunction: CodeUri functions/gone/ is not a folder"}},
		{name: "readme_out_of_date", folders: []string{"alpha", "beta", "gone"}, events: []string{"alpha-one.json", "beta-one.json", "gone-x.json"},
			readme: []string{"alpha-one.json", "beta-one.json", "beta-two.json"},
			want:   []string{"events/README.md does not list gone-x.json", "events/README.md lists beta-two.json, which is not in events/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			write := func(name, content string) {
				t.Helper()
				path := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write(samtemplate.FileName, tpl)
			write("functions/README.md", "# functions\n")
			for _, f := range tt.folders {
				write("functions/"+f+"/main.go", "package main\n")
			}
			readme := tt.readme
			if readme == nil {
				readme = tt.events
			}
			text := "# events\n\n"
			for _, e := range tt.events {
				write("events/"+e, "{}\n")
			}
			for _, e := range readme {
				text += "- `" + e + "`\n"
			}
			write("events/README.md", text)
			got := projectProblems(t, root)
			if len(got) != len(tt.want) {
				t.Errorf("problems = %q, want %d: %q", got, len(tt.want), tt.want)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, w) }) {
					t.Errorf("problems = %q, want one starting %q", got, w)
				}
			}
		})
	}
}

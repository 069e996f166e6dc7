package lambdaconf_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/lambdaconf"
	"github.com/signingflow/signing/internal/lambdaconf/wiringscan"
	"github.com/signingflow/signing/internal/samtemplate"
	"github.com/signingflow/signing/internal/signingtest"
)

// grants are the AWS actions a function's policy statements allow, named
// as lambdaconf.Port names them: "dynamodb" for any table action, "kms:Sign
// VAR" for kms:Sign on the key the function's VAR names.
func grants(f samtemplate.Function, stmts []samtemplate.Statement) []string {
	byValue := map[string]string{}
	for name, v := range f.Environment {
		for _, text := range samtemplate.Texts(v) {
			byValue[text] = name
		}
	}
	set := map[string]bool{}
	for _, s := range stmts {
		if s.LogicalID != f.LogicalID || s.Effect != "Allow" {
			continue
		}
		for _, a := range s.Actions {
			switch {
			case strings.HasPrefix(a, "dynamodb:"):
				set[lambdaconf.ActionDynamoDB] = true
			case a == "kms:Sign":
				for _, r := range s.Resources {
					set["kms:Sign "+byValue[r]] = true
				}
			default:
				set[a] = true
			}
		}
	}
	var out []string
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// TestTemplate_functions checks that every function folder has a function
// in template.yaml (CodeUri) and at least one sample event, and, from the
// Wiring methods its main.go calls (lambdaconf.Ports), that its environment
// is exactly what its wiring reads (every required variable, one of each
// alternative, nothing it does not read) and that its IAM policies grant
// exactly the AWS actions the wired ports call.
func TestTemplate_functions(t *testing.T) {
	t.Parallel()
	root := signingtest.ModuleRoot(t)
	tpl, err := samtemplate.Load(filepath.Join(root, samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	fns := withGlobals(t, tpl)
	stmts, _, err := tpl.Policies()
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
			ports, literals, err := wiringscan.Ports(filepath.Join(root, folder))
			if err != nil {
				t.Fatal(err)
			}
			if len(ports) == 0 {
				t.Fatalf("%s/main.go wires no port (lambdaconf.Run)", folder)
			}
			known := map[string]bool{}
			groups := map[string]bool{}
			var want []string
			for _, p := range ports {
				port, ok := lambdaconf.Ports[p]
				if !ok {
					t.Fatalf("%s/main.go calls Wiring.%s, which lambdaconf.Ports does not describe", folder, p)
				}
				for _, v := range port.Vars {
					if known[v.Name] {
						continue
					}
					known[v.Name] = true
					_, set := f.Environment[v.Name]
					switch {
					case v.Required && v.OneOf == "" && !set:
						t.Errorf("%s: environment lacks %s, which Wiring.%s requires", f.LogicalID, v.Name, p)
					case v.OneOf != "":
						if set && groups[v.OneOf] {
							t.Errorf("%s: environment sets two alternatives of %s", f.LogicalID, v.Name)
						}
						groups[v.OneOf] = groups[v.OneOf] || set
					}
				}
				for _, a := range port.Actions {
					// A key or secret the environment names as a file or a
					// value (local use) needs no grant.
					if v, ok := strings.CutPrefix(a, "kms:Sign "); ok {
						if _, set := f.Environment[v]; !set {
							continue
						}
					}
					if a == lambdaconf.ActionGetSecretValue {
						_, hash := f.Environment[lambdaconf.EnvHashKeySecretARN]
						_, hooks := f.Environment[lambdaconf.EnvWebhookSecretsARN]
						if !hash && !hooks {
							continue
						}
					}
					if !slices.Contains(want, a) {
						want = append(want, a)
					}
				}
			}
			for _, p := range ports {
				for _, v := range lambdaconf.Ports[p].Vars {
					if v.OneOf != "" && !groups[v.OneOf] {
						t.Errorf("%s: environment sets none of the alternatives of %s", f.LogicalID, v.Name)
						groups[v.OneOf] = true
					}
				}
			}
			// The adapters it links are exactly those its ports need: one
			// it does not need would cost every cold start its SDK
			// package's init (lambdaconf.Linked).
			var wantLinks []string
			for _, p := range ports {
				for _, l := range lambdaconf.Ports[p].Links {
					if !slices.Contains(wantLinks, l) {
						wantLinks = append(wantLinks, l)
					}
				}
			}
			sort.Strings(wantLinks)
			if links, err := wiringscan.Links(filepath.Join(root, folder)); err != nil {
				t.Fatal(err)
			} else if !slices.Equal(links, wantLinks) {
				t.Errorf("%s/main.go links %v (lambdaconf.Linked); the ports it wires (%v) need %v", folder, links, ports, wantLinks)
			}
			sort.Strings(want)
			if got := grants(f, stmts); !slices.Equal(got, want) {
				t.Errorf("%s: its policies grant %v; the ports it wires (%v) call %v", f.LogicalID, got, ports, want)
			}
			for _, name := range f.EnvironmentNames() {
				if !known[name] && !literals[name] {
					t.Errorf("%s: environment sets %s, which the function does not read", f.LogicalID, name)
				}
			}
		})
	}
}

// withGlobals returns the template's functions with the Globals section's
// environment merged under each one's own, as SAM merges it.
func withGlobals(t *testing.T, tpl *samtemplate.Template) []samtemplate.Function {
	t.Helper()
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	globals := globalEnv(tpl)
	for i, f := range fns {
		env := map[string]any{}
		for k, v := range globals {
			env[k] = v
		}
		for k, v := range f.Environment {
			env[k] = v
		}
		fns[i].Environment = env
	}
	return fns
}

// globalEnv is the Globals section's Function.Environment.Variables.
func globalEnv(tpl *samtemplate.Template) map[string]any {
	fn, _ := tpl.Globals["Function"].(map[string]any)
	env, _ := fn["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	return vars
}

// TestTemplate_globalEnvironment checks that a variable every function
// sets, to the same value, is set once in Globals instead (and
// TestTemplate_functions that every function reads what Globals sets).
func TestTemplate_globalEnvironment(t *testing.T) {
	t.Parallel()
	tpl, err := samtemplate.Load(filepath.Join(signingtest.ModuleRoot(t), samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) == 0 {
		t.Fatal("no functions")
	}
	for name, v := range fns[0].Environment {
		text := strings.Join(samtemplate.Texts(v), " ")
		every := true
		for _, f := range fns[1:] {
			if w, ok := f.Environment[name]; !ok || strings.Join(samtemplate.Texts(w), " ") != text {
				every = false
				break
			}
		}
		if every {
			t.Errorf("every function sets %s to %s: set it in Globals", name, text)
		}
	}
}

// TestCheckEnv checks CheckEnv on each function's template environment
// (every variable present) and on an empty one (every required one named).
func TestCheckEnv(t *testing.T) {
	t.Parallel()
	root := signingtest.ModuleRoot(t)
	tpl, err := samtemplate.Load(filepath.Join(root, samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range withGlobals(t, tpl) {
		ports, _, err := wiringscan.Ports(filepath.Join(root, f.CodeUri))
		if err != nil {
			t.Fatal(err)
		}
		if err := lambdaconf.CheckEnv(ports, func(k string) (string, bool) {
			if _, ok := f.Environment[k]; ok {
				return "set", true
			}
			return "", false
		}); err != nil {
			t.Errorf("%s: %v", f.LogicalID, err)
		}
		// An empty environment lacks the first required variable of each port.
		err = lambdaconf.CheckEnv(ports, func(string) (string, bool) { return "", false })
		for _, p := range ports {
			for _, v := range lambdaconf.Ports[p].Vars {
				if v.Required && v.OneOf == "" && (err == nil || !strings.Contains(err.Error(), v.Name)) {
					t.Errorf("%s: CheckEnv(empty) = %v, want %s named", f.LogicalID, err, v.Name)
				}
			}
		}
	}
	if err := lambdaconf.CheckEnv([]string{"Nope"}, func(string) (string, bool) { return "", false }); err == nil {
		t.Error("CheckEnv(unknown port) = nil")
	}
}

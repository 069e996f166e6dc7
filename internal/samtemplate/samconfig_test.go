package samtemplate_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/samtemplate"
)

// overridesBlock is one parameter_overrides array of samconfig.toml.
var overridesBlock = regexp.MustCompile(`(?ms)^\[([a-z0-9_-]+)\.deploy\.parameters\].*?^parameter_overrides = \[(.*?)^\]`)

// override is one "Name=value" string of such an array.
var override = regexp.MustCompile(`"([A-Za-z0-9]+)=([^"]*)"`)

// TestSamconfig_parameters: every config environment of samconfig.toml
// gives only parameters template.yaml has, every parameter without a
// default, and values their AllowedPattern and AllowedValues accept, so a
// parameter renamed or added in the template cannot leave `sam deploy`
// behind.
func TestSamconfig_parameters(t *testing.T) {
	t.Parallel()
	path, err := samtemplate.FindFile("")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(path), "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := overridesBlock.FindAllStringSubmatch(string(b), -1)
	if len(blocks) == 0 {
		t.Fatal("samconfig.toml has no parameter_overrides")
	}
	for _, block := range blocks {
		env, values := block[1], map[string]string{}
		for _, m := range override.FindAllStringSubmatch(block[2], -1) {
			values[m[1]] = m[2]
		}
		for name, v := range values {
			p, ok := tpl.Parameters[name].(map[string]any)
			if !ok {
				t.Errorf("[%s] %s is not a parameter of template.yaml", env, name)
				continue
			}
			if pattern, _ := p["AllowedPattern"].(string); pattern != "" && !regexp.MustCompile("^(?:"+pattern+")$").MatchString(v) {
				t.Errorf("[%s] %s=%q does not match its AllowedPattern %s", env, name, v, pattern)
			}
			if allowed, ok := p["AllowedValues"].([]any); ok {
				found := false
				for _, a := range allowed {
					found = found || strings.EqualFold(strings.TrimSpace(toString(a)), v)
				}
				if !found {
					t.Errorf("[%s] %s=%q is not one of its AllowedValues", env, name, v)
				}
			}
		}
		for name, p := range tpl.Parameters {
			if m, _ := p.(map[string]any); m["Default"] == nil {
				if _, ok := values[name]; !ok {
					t.Errorf("[%s] gives no value for %s, which has no default", env, name)
				}
			}
		}
	}
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

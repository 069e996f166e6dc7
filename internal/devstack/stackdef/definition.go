package stackdef

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// Render returns the state machine's definition with every
// ${Placeholder} replaced by its DefinitionSubstitutions value, as SAM does
// at deploy time; overrides win over the template's values (the local
// stack shortens timeouts this way). A placeholder without a value is an
// error, and so is a result that is not JSON.
func (sm StateMachine) Render(overrides map[string]string) (string, error) {
	def := sm.Definition
	if sm.DefinitionFile != "" {
		b, err := os.ReadFile(sm.DefinitionFile)
		if err != nil {
			return "", fmt.Errorf("stackdef: %s: %w", sm.LogicalID, err)
		}
		def = string(b)
	}
	subs := map[string]string{}
	for k, v := range sm.Substitutions {
		subs[k] = v
	}
	for k, v := range overrides {
		if _, ok := subs[k]; !ok {
			return "", fmt.Errorf("stackdef: %s: override %s is not one of its DefinitionSubstitutions", sm.LogicalID, k)
		}
		subs[k] = v
	}
	missing := map[string]bool{}
	out := placeholder.ReplaceAllStringFunc(def, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := subs[name]; ok {
			return v
		}
		missing[name] = true
		return m
	})
	if len(missing) > 0 {
		var names []string
		for n := range missing {
			names = append(names, n)
		}
		sort.Strings(names)
		return "", fmt.Errorf("stackdef: %s: no DefinitionSubstitutions for %s", sm.LogicalID, strings.Join(names, ", "))
	}
	if !json.Valid([]byte(out)) {
		return "", fmt.Errorf("stackdef: %s: the definition is not JSON after substitution", sm.LogicalID)
	}
	return out, nil
}

package appconfig

import (
	"errors"
	"fmt"
	"slices"

	"github.com/signingflow/signing/internal/signees"
	"github.com/signingflow/signing/internal/signing"
)

// loadProviders reads the app's configured signee providers, if it declares any.
func (a *App) loadProviders(out *findings) {
	var missing bool
	data, ok := a.readOptional(signees.SpecsPath, &missing, out)
	if !ok {
		return
	}
	specs, err := signees.ParseSpecs(data)
	if err != nil {
		var fes signing.FieldErrors
		var fe *signing.FieldError
		switch {
		case errors.As(err, &fes):
			for _, e := range fes {
				out.errorf(signees.SpecsPath, 0, e.Field, "%s", e.Message)
			}
		case errors.As(err, &fe):
			out.errorf(signees.SpecsPath, 0, fe.Field, "%s", fe.Message)
		default:
			out.errorf(signees.SpecsPath, 0, "", "%v", err)
		}
		return
	}
	a.Providers = specs
}

// providers checks that each runtime-delegated task names a known provider,
// and that each configured provider, and each built-in one a task selects,
// reads a declared data type and uses text keys the app defines.
func (c *checker) providers() {
	builtIn := map[string]signees.Provider{}
	for _, p := range signees.BuiltIn() {
		builtIn[p.ID()] = p
	}
	configured := map[string]bool{}
	for _, s := range c.a.Providers {
		configured[s.ID] = true
	}
	type source struct {
		path, field string
		spec        signees.Spec
	}
	var used []source
	for i, s := range c.a.Providers {
		used = append(used, source{path: signees.SpecsPath, field: fmt.Sprintf("providers[%d]", i), spec: s})
	}
	for _, t := range c.a.SigningTasks {
		id := t.Config.SigneeProviderID
		if id == "" || configured[id] {
			continue
		}
		p, ok := builtIn[id]
		if !ok {
			c.out.warnf(processPath, t.line("signeeProviderId"), t.ID+".signeeProviderId",
				"no built-in or configured signee provider has the ID %q; declare it in %s or make sure the deployed functions register it", id, signees.SpecsPath)
			continue
		}
		if cp, ok := p.(*signees.Configured); ok {
			used = append(used, source{path: processPath, field: t.ID + ".signeeProviderId", spec: cp.Spec()})
		}
	}
	langs := c.a.Languages()
	for _, u := range used {
		if c.a.metadataOK {
			if _, ok := c.a.Metadata.DataType(u.spec.DataType); !ok {
				c.out.errorf(u.path, 0, u.field, "signee provider %q reads data type %q, which is not defined in %s",
					u.spec.ID, u.spec.DataType, metadataPath)
			}
		}
		for _, key := range u.spec.TextKeys() {
			var missingIn []string
			for _, lang := range langs {
				if !c.a.HasText(lang, key) {
					missingIn = append(missingIn, lang)
				}
			}
			switch {
			case len(langs) > 0 && len(missingIn) == len(langs):
				c.out.errorf(u.path, 0, u.field, "signee provider %q uses text key %q, which no text resource file defines", u.spec.ID, key)
			case len(missingIn) > 0:
				slices.Sort(missingIn)
				c.out.warnf(u.path, 0, u.field, "signee provider %q uses text key %q, which is missing for %v; those languages get the default text",
					u.spec.ID, key, missingIn)
			}
		}
	}
}

package appconfig

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/signingflow/signing/internal/signing"
)

// correspondenceTextPrefixes are the text ids that override the built-in
// call-to-action and receipt correspondence texts.
var correspondenceTextPrefixes = []string{"signing.correspondence_cta_", "signing.correspondence_receipt_"}

// environmentBuckets are the hosting environments correspondence resources are resolved for.
var environmentBuckets = []string{"development", "staging", "production"}

// Check validates the app's signing configuration and returns every finding,
// including those from loading, sorted by file, line and field.
func (a *App) Check() []Finding {
	out := findings(slices.Clone(a.loadFindings))
	c := &checker{a: a, out: &out}
	if a.processOK && len(a.SigningTasks) == 0 {
		out.warnf(processPath, 0, "", "no task has altinn:taskType signing; there is no signing configuration to check")
	}
	for _, t := range a.SigningTasks {
		c.signingTask(t)
	}
	c.acrossTasks()
	c.dataTypeTasks()
	c.layoutSets()
	c.texts()
	c.providers()
	return sortFindings(out)
}

// checker holds the state of one Check run.
type checker struct {
	a   *App
	out *findings
}

// signingTask runs every check of one signing task.
func (c *checker) signingTask(t SigningTask) {
	cfg := t.Config
	field := func(name string) string { return t.ID + "." + name }

	if !t.HasAction("sign") {
		c.out.errorf(processPath, t.line("actions"), field("actions"),
			"signing task %q has no altinn:action sign; nobody can sign it", t.ID)
	}
	c.layoutSet(t)
	if _, ok := t.Lines["signatureConfig"]; !ok {
		c.out.errorf(processPath, t.Line, field("signatureConfig"),
			"signing task %q has no altinn:signatureConfig; it needs at least dataTypesToSign and signatureDataType", t.ID)
		return
	}
	if cfg.SignatureDataType == "" {
		c.out.errorf(processPath, t.line("signatureDataType"), field("signatureDataType"),
			"signatureDataType is not set; the task fails to start without it")
	}
	if len(cfg.DataTypesToSign) == 0 {
		c.out.errorf(processPath, t.line("dataTypesToSign"), field("dataTypesToSign"),
			"dataTypesToSign is empty; there is nothing to sign")
	}
	c.providerAndStates(t)

	if c.a.metadataOK {
		for i, id := range cfg.DataTypesToSign {
			c.lookup(t, fmt.Sprintf("dataTypesToSign[%d]", i), id)
		}
		for i, id := range cfg.UniqueFromSignaturesInDataTypes {
			c.lookup(t, fmt.Sprintf("uniqueFromSignaturesInDataTypes[%d]", i), id)
		}
		if dt, ok := c.lookup(t, "signatureDataType", cfg.SignatureDataType); ok {
			c.appOwnedJSON(t, "signature", dt)
		}
		if dt, ok := c.lookup(t, "signeeStatesDataTypeId", cfg.SigneeStatesDataTypeID); ok && dt.ID != cfg.SignatureDataType {
			c.appOwnedJSON(t, "signee-state", dt)
			if dt.MaxCount != 1 {
				c.out.warnf(metadataPath, dt.FieldLine("maxCount"), "dataTypes["+dt.ID+"].maxCount",
					"signee-state data type of task %q should have maxCount 1, not %d", t.ID, dt.MaxCount)
			}
		}
		if dt, ok := c.lookup(t, "signingPdfDataType", cfg.SigningPDFDataType); ok {
			if len(dt.AllowedContentTypes) > 0 && !slices.ContainsFunc(dt.AllowedContentTypes, isContentType("application/pdf")) {
				c.out.errorf(metadataPath, dt.FieldLine("allowedContentTypes"), "dataTypes["+dt.ID+"].allowedContentTypes",
					"signing PDF data type of task %q must allow \"application/pdf\", not %s", t.ID, jsonList(dt.AllowedContentTypes))
			}
		}
	}
	c.distinctRoles(t)
	c.correspondence(t)
	c.grants(t)
}

// providerAndStates enforces that signeeProviderId and signeeStatesDataTypeId go together.
func (c *checker) providerAndStates(t SigningTask) {
	provider, states := t.Config.SigneeProviderID != "", t.Config.SigneeStatesDataTypeID != ""
	switch {
	case provider && !states:
		c.out.errorf(processPath, t.line("signeeProviderId"), t.ID+".signeeProviderId",
			"signeeProviderId and signeeStatesDataTypeId must be set together or both omitted; signeeStatesDataTypeId is missing")
	case states && !provider:
		c.out.errorf(processPath, t.line("signeeStatesDataTypeId"), t.ID+".signeeStatesDataTypeId",
			"signeeProviderId and signeeStatesDataTypeId must be set together or both omitted; signeeProviderId is missing")
	}
}

// lookup finds the data type a signatureConfig field refers to, reporting
// a missing one with the closest existing id.
func (c *checker) lookup(t SigningTask, name, id string) (DataType, bool) {
	if id == "" {
		return DataType{}, false
	}
	dt, ok := c.a.Metadata.DataType(id)
	if !ok {
		c.out.errorf(processPath, t.line(name), t.ID+"."+name, "data type %q is not defined in %s%s",
			id, metadataPath, didYouMean(id, c.a.Metadata.dataTypeIDs()))
	}
	return dt, ok
}

// appOwnedJSON checks a signature or signee-state data type.
func (c *checker) appOwnedJSON(t SigningTask, role string, dt DataType) {
	field := "dataTypes[" + dt.ID + "]."
	if len(dt.AllowedContributors) != 1 || strings.TrimSpace(dt.AllowedContributors[0]) != "app:owned" {
		c.out.errorf(metadataPath, dt.FieldLine("allowedContributors"), field+"allowedContributors",
			"%s data type of task %q must have allowedContributors [\"app:owned\"] so only the app can write it, not %s",
			role, t.ID, jsonList(dt.AllowedContributors))
	}
	if len(dt.AllowedContentTypes) != 1 || !isContentType("application/json")(dt.AllowedContentTypes[0]) {
		c.out.errorf(metadataPath, dt.FieldLine("allowedContentTypes"), field+"allowedContentTypes",
			"%s data type of task %q must have allowedContentTypes [\"application/json\"], not %s",
			role, t.ID, jsonList(dt.AllowedContentTypes))
	}
	if dt.ActionRequiredToRead == "" {
		c.out.warnf(metadataPath, dt.Line, field+"actionRequiredToRead",
			"%s data type of task %q has no actionRequiredToRead; it holds signees' personal data that anyone who can read the instance can then read",
			role, t.ID)
	}
	if dt.TaskID != t.ID {
		got := "not set"
		if dt.TaskID != "" {
			got = fmt.Sprintf("%q", dt.TaskID)
		}
		c.out.warnf(metadataPath, dt.FieldLine("taskId"), field+"taskId",
			"%s data type should belong to signing task %q; taskId is %s", role, t.ID, got)
	}
}

// distinctRoles reports a data type used for two incompatible purposes in one task.
func (c *checker) distinctRoles(t SigningTask) {
	cfg := t.Config
	roles := []struct{ name, id string }{
		{"signatureDataType", cfg.SignatureDataType},
		{"signeeStatesDataTypeId", cfg.SigneeStatesDataTypeID},
		{"signingPdfDataType", cfg.SigningPDFDataType},
	}
	for i, r := range roles {
		if r.id == "" {
			continue
		}
		for _, earlier := range roles[:i] {
			if earlier.id == r.id {
				c.out.errorf(processPath, t.line(r.name), t.ID+"."+r.name,
					"%s and %s both use data type %q; each needs its own data type", earlier.name, r.name, r.id)
			}
		}
		if j := slices.Index(cfg.DataTypesToSign, r.id); j >= 0 {
			name := fmt.Sprintf("dataTypesToSign[%d]", j)
			c.out.errorf(processPath, t.line(name), t.ID+"."+name,
				"data type %q is both signed and used as %s", r.id, r.name)
		}
	}
}

// correspondence checks the correspondence resources of a task.
func (c *checker) correspondence(t SigningTask) {
	cfg := t.Config
	if cfg.RuntimeDelegated() && len(cfg.CorrespondenceResources) == 0 {
		c.out.errorf(processPath, t.line("signatureConfig"), t.ID+".correspondenceResource",
			"runtime-delegated signing needs a correspondenceResource to send the call-to-action message to signees")
	}
	lastFor := map[string]int{} // bucket ("" for global) → line of the latest entry
	for i, r := range cfg.CorrespondenceResources {
		name := fmt.Sprintf("correspondenceResource[%d]", i)
		bucket := ""
		if r.Env != "" {
			bucket = signing.EnvironmentBucket(r.Env)
			if bucket == "unknown" {
				c.out.warnf(processPath, t.line(name), t.ID+"."+name,
					"env %q is not a known environment, so this resource is never used; use e.g. development, tt02 (staging) or production", r.Env)
				continue
			}
		}
		if prev, dup := lastFor[bucket]; dup {
			what := "without env"
			if bucket != "" {
				what = "for " + bucket
			}
			c.out.warnf(processPath, t.line(name), t.ID+"."+name,
				"a second correspondenceResource %s (the earlier one is at line %d); the last one wins", what, prev)
		}
		lastFor[bucket] = t.line(name)
	}
	if _, global := lastFor[""]; cfg.RuntimeDelegated() && len(cfg.CorrespondenceResources) > 0 && !global {
		var missing []string
		for _, b := range environmentBuckets {
			if _, ok := lastFor[b]; !ok {
				missing = append(missing, b)
			}
		}
		if len(missing) > 0 {
			c.out.warnf(processPath, t.line("correspondenceResource"), t.ID+".correspondenceResource",
				"no correspondenceResource applies in %s, so call-to-action messages fail there; add one without env as a fallback",
				strings.Join(missing, ", "))
		}
	}
}

// layoutSet checks that a layout set shows the signing task.
func (c *checker) layoutSet(t SigningTask) {
	switch {
	case c.a.layoutSetsMissing:
		c.out.errorf(layoutSetsPath, 0, "sets", "file is missing; signing task %q needs a layout set that lists it", t.ID)
		return
	case !c.a.layoutSetsOK:
		return
	}
	i := slices.IndexFunc(c.a.LayoutSets, func(s LayoutSet) bool { return slices.Contains(s.Tasks, t.ID) })
	if i < 0 {
		c.out.errorf(layoutSetsPath, 0, "sets", "no layout set lists signing task %q; add it to the tasks of a set", t.ID)
		return
	}
	s := c.a.LayoutSets[i]
	if s.ID == "" {
		return
	}
	rel := path.Join("App/ui", s.ID)
	if info, err := os.Stat(filepath.Join(c.a.Dir, filepath.FromSlash(rel))); err != nil || !info.IsDir() {
		c.out.warnf(layoutSetsPath, s.Line, "sets["+s.ID+"]", "layout set %q for signing task %q has no folder %s", s.ID, t.ID, rel)
	}
}

// acrossTasks checks references between signing tasks.
func (c *checker) acrossTasks() {
	signatureTypes := map[string]string{} // signatureDataType → first task
	statesTypes := map[string]string{}    // signeeStatesDataTypeId → first task
	for _, t := range c.a.SigningTasks {
		if id := t.Config.SignatureDataType; id != "" {
			if other, dup := signatureTypes[id]; dup {
				c.out.warnf(processPath, t.line("signatureDataType"), t.ID+".signatureDataType",
					"signature data type %q is also used by task %q; signatures of the two tasks get mixed", id, other)
			} else {
				signatureTypes[id] = t.ID
			}
		}
		if id := t.Config.SigneeStatesDataTypeID; id != "" {
			if other, dup := statesTypes[id]; dup {
				c.out.warnf(processPath, t.line("signeeStatesDataTypeId"), t.ID+".signeeStatesDataTypeId",
					"signee-state data type %q is also used by task %q; each task needs its own", id, other)
			} else {
				statesTypes[id] = t.ID
			}
		}
	}
	for _, t := range c.a.SigningTasks {
		for i, id := range t.Config.UniqueFromSignaturesInDataTypes {
			name := fmt.Sprintf("uniqueFromSignaturesInDataTypes[%d]", i)
			switch {
			case id == t.Config.SignatureDataType:
				c.out.warnf(processPath, t.line(name), t.ID+"."+name,
					"data type %q is this task's own signature data type", id)
			case signatureTypes[id] == "":
				if _, exists := c.a.Metadata.DataType(id); exists || !c.a.metadataOK {
					c.out.warnf(processPath, t.line(name), t.ID+"."+name,
						"data type %q is not the signatureDataType of any signing task", id)
				}
			}
		}
	}
}

// dataTypeTasks reports data types bound to tasks the process does not have.
func (c *checker) dataTypeTasks() {
	if !c.a.processOK || !c.a.metadataOK {
		return
	}
	ids := c.taskIDs()
	for _, dt := range c.a.Metadata.DataTypes {
		if dt.TaskID != "" && !slices.Contains(ids, dt.TaskID) {
			c.out.warnf(metadataPath, dt.FieldLine("taskId"), "dataTypes["+dt.ID+"].taskId",
				"task %q is not in %s%s", dt.TaskID, processPath, didYouMean(dt.TaskID, ids))
		}
	}
}

// layoutSets checks layout-sets.json against the process and the metadata.
func (c *checker) layoutSets() {
	if !c.a.layoutSetsOK {
		return
	}
	ids := c.taskIDs()
	shownBy := map[string]string{}
	for _, s := range c.a.LayoutSets {
		field := "sets[" + s.ID + "]"
		for _, task := range s.Tasks {
			if c.a.processOK && !slices.Contains(ids, task) {
				c.out.warnf(layoutSetsPath, s.Line, field+".tasks",
					"task %q is not in %s%s", task, processPath, didYouMean(task, ids))
			}
			if other, dup := shownBy[task]; dup {
				c.out.warnf(layoutSetsPath, s.Line, field+".tasks", "task %q is also listed by layout set %q", task, other)
			} else {
				shownBy[task] = s.ID
			}
		}
		if s.DataType != "" && c.a.metadataOK {
			if _, ok := c.a.Metadata.DataType(s.DataType); !ok {
				c.out.warnf(layoutSetsPath, s.Line, field+".dataType", "data type %q is not defined in %s%s",
					s.DataType, metadataPath, didYouMean(s.DataType, c.a.Metadata.dataTypeIDs()))
			}
		}
	}
}

// texts checks that correspondence override texts exist in every language.
func (c *checker) texts() {
	if len(c.a.textFiles) == 0 {
		c.out.warnf(textsDir, 0, "", "no resource.<lang>.json files; messages to signees use the built-in texts only")
		return
	}
	definedIn := map[string][]string{} // override text id → languages defining it
	for _, tf := range c.a.textFiles {
		for id := range tf.texts {
			if slices.ContainsFunc(correspondenceTextPrefixes, func(p string) bool { return strings.HasPrefix(id, p) }) {
				definedIn[id] = append(definedIn[id], tf.lang)
			}
		}
	}
	for id, langs := range definedIn {
		slices.Sort(langs)
		for _, tf := range c.a.textFiles {
			if tf.ok && !slices.Contains(langs, tf.lang) {
				c.out.warnf(tf.path, 0, "resources["+id+"]",
					"text %q is defined for %s but not for %s, which gets the built-in text instead",
					id, strings.Join(langs, ", "), tf.lang)
			}
		}
	}
}

// taskIDs returns the ids of all BPMN tasks.
func (c *checker) taskIDs() []string {
	ids := make([]string, 0, len(c.a.Tasks))
	for _, t := range c.a.Tasks {
		ids = append(ids, t.ID)
	}
	return ids
}

// isContentType returns a predicate matching a MIME type, ignoring case and parameters.
func isContentType(want string) func(string) bool {
	return func(got string) bool {
		got, _, _ = strings.Cut(got, ";")
		return strings.EqualFold(strings.TrimSpace(got), want)
	}
}

// jsonList formats a string list as JSON for messages.
func jsonList(list []string) string {
	if len(list) == 0 {
		return "[] (not set)"
	}
	b, _ := json.Marshal(list)
	return string(b)
}

package appconfig

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/signingflow/signing/internal/reminder"
	"github.com/signingflow/signing/internal/signing"
)

const (
	// AltinnNamespace is the XML namespace of Altinn's BPMN extension elements.
	AltinnNamespace = "http://altinn.no/process"
	// BPMNNamespace is the XML namespace of BPMN 2.0 model elements.
	BPMNNamespace = "http://www.omg.org/spec/BPMN/20100524/MODEL"
)

// bpmnTaskElements are the BPMN element names treated as process tasks.
var bpmnTaskElements = map[string]bool{
	"task": true, "userTask": true, "serviceTask": true, "manualTask": true,
	"scriptTask": true, "sendTask": true, "receiveTask": true, "businessRuleTask": true,
}

// Task is one task of the BPMN process.
type Task struct {
	// ID is the task id attribute.
	ID string
	// Name is the task name attribute.
	Name string
	// Type is the altinn:taskType value, e.g. "data" or "signing".
	Type string
	// Actions are the altinn:action values in order.
	Actions []string
	// Line is the line of the task element in process.bpmn.
	Line int
}

// SigningTask is a task whose altinn:taskType is "signing", with its parsed signatureConfig.
type SigningTask struct {
	// ID is the task id attribute.
	ID string
	// Name is the task name attribute.
	Name string
	// Actions are the altinn:action values in order.
	Actions []string
	// Config is the parsed altinn:signatureConfig.
	Config signing.Config
	// Line is the line of the task element in process.bpmn.
	Line int
	// Lines maps signatureConfig element names (and "name[i]" for list
	// entries, plus "signatureConfig" and "actions") to their lines; an
	// element that was present in the file always has an entry.
	Lines map[string]int
}

// HasAction reports whether the task declares the action.
func (t SigningTask) HasAction(action string) bool { return slices.Contains(t.Actions, action) }

// line returns the line of a signatureConfig field, falling back to the
// signatureConfig element and then the task.
func (t SigningTask) line(field string) int {
	for _, k := range []string{field, "signatureConfig"} {
		if l, ok := t.Lines[k]; ok && l > 0 {
			return l
		}
	}
	return t.Line
}

// signatureConfigElements are the known children of altinn:signatureConfig.
var signatureConfigElements = []string{
	"dataTypesToSign", "signatureDataType", "uniqueFromSignaturesInDataTypes",
	"signeeProviderId", "signeeStatesDataTypeId", "signingPdfDataType",
	"correspondenceResource", "runDefaultValidator",
	// Extensions of this product (see signing.Config).
	"completeAutomatically", "keepReadAccess", "allowNoSignees", "maxSignees", "submitterActions",
	"reminder", "smsWindow", "quietDeadlineExtension", "resendInterval", "requireRejectReason", "requiredSignatures",
}

// parseBPMN reads the tasks of process.bpmn. ok is false when the document
// is not well-formed XML; problems are added to fs.
func parseBPMN(data []byte, fs *findings) (tasks []Task, signingTasks []SigningTask, ok bool) {
	root, xe := parseXML(data)
	if xe != nil {
		fs.errorf(processPath, xe.line, "", "malformed XML: %s", xe.msg)
		return nil, nil, false
	}
	if !root.is(BPMNNamespace, "definitions") {
		fs.errorf(processPath, root.line, "", "root element is <%s> in namespace %q; want bpmn:definitions in %q",
			root.name.Local, root.name.Space, BPMNNamespace)
	}
	warnedPrefix := false
	root.walk(func(n *xmlNode) {
		for _, a := range n.attrs {
			if a.Name.Space == "xmlns" && a.Name.Local == "altinn" && strings.TrimSpace(a.Value) != AltinnNamespace {
				fs.warnf(processPath, n.line, "xmlns:altinn", "prefix altinn is bound to %q; Altinn reads extension elements only from %q",
					a.Value, AltinnNamespace)
			}
		}
		if n.name.Space == "altinn" && !warnedPrefix {
			warnedPrefix = true
			fs.errorf(processPath, n.line, "xmlns:altinn", "prefix altinn is used but not declared; add xmlns:altinn=%q to bpmn:definitions", AltinnNamespace)
		}
		if n.name.Space == BPMNNamespace && bpmnTaskElements[n.name.Local] {
			t, st, isSigning := parseTask(n, fs)
			tasks = append(tasks, t)
			if isSigning {
				signingTasks = append(signingTasks, st)
			}
		}
	})
	seen := map[string]int{}
	for _, t := range tasks {
		switch {
		case t.ID == "":
			fs.errorf(processPath, t.Line, "task", "task has no id attribute")
		case seen[t.ID] > 0:
			fs.errorf(processPath, t.Line, t.ID, "task id %q is used twice (first at line %d)", t.ID, seen[t.ID])
		default:
			seen[t.ID] = max(t.Line, 1)
		}
	}
	return tasks, signingTasks, true
}

// parseTask reads one BPMN task element and, for signing tasks, its signatureConfig.
func parseTask(n *xmlNode, fs *findings) (Task, SigningTask, bool) {
	id, _ := n.attr("id")
	name, _ := n.attr("name")
	t := Task{ID: strings.TrimSpace(id), Name: strings.TrimSpace(name), Line: n.line}
	st := SigningTask{ID: t.ID, Name: t.Name, Line: n.line, Lines: map[string]int{}}
	prefix := t.ID
	if prefix == "" {
		prefix = "task@" + strconv.Itoa(n.line)
	}
	var ext, sigConfig *xmlNode
	for _, c := range n.children {
		if !c.is(BPMNNamespace, "extensionElements") {
			continue
		}
		for _, e := range c.children {
			switch {
			case e.is(AltinnNamespace, "taskExtension") && ext == nil:
				ext = e
			case e.name.Local == "taskExtension" && e.name.Space != AltinnNamespace:
				fs.warnf(processPath, e.line, prefix+".taskExtension",
					"taskExtension in namespace %q is ignored; Altinn reads it only from %q", e.name.Space, AltinnNamespace)
			}
		}
	}
	if ext == nil {
		return t, st, false
	}
	for _, e := range ext.children {
		if e.name.Space != AltinnNamespace {
			continue
		}
		switch e.name.Local {
		case "taskType":
			t.Type = strings.TrimSpace(e.text)
		case "actions":
			st.Lines["actions"] = e.line
			for _, a := range e.children {
				if a.is(AltinnNamespace, "action") {
					if v := strings.TrimSpace(a.text); v != "" {
						t.Actions = append(t.Actions, v)
					}
				}
			}
		case "signatureConfig":
			if sigConfig == nil {
				sigConfig = e
			}
		}
	}
	if t.Type != "signing" {
		return t, st, false
	}
	st.Actions = t.Actions
	if sigConfig != nil {
		st.Lines["signatureConfig"] = sigConfig.line
		st.Config = parseSignatureConfig(sigConfig, prefix, st.Lines, fs)
	}
	return t, st, true
}

// parseSignatureConfig reads the children of altinn:signatureConfig, recording
// each element's line in lines (keyed by element name, "name[i]" for list entries).
func parseSignatureConfig(sc *xmlNode, prefix string, lines map[string]int, fs *findings) signing.Config {
	var cfg signing.Config
	counts := map[string]int{}
	for _, c := range sc.children {
		local := c.name.Local
		field := prefix + "." + local
		if c.name.Space != AltinnNamespace {
			fs.warnf(processPath, c.line, field, "unknown element <%s> (namespace %q) in signatureConfig is ignored", local, c.name.Space)
			continue
		}
		if !slices.Contains(signatureConfigElements, local) {
			fs.warnf(processPath, c.line, field, "unknown element altinn:%s in signatureConfig is ignored%s",
				local, didYouMean(local, signatureConfigElements))
			continue
		}
		counts[local]++
		if counts[local] == 2 && local != "correspondenceResource" && local != "reminder" && local != "requiredSignatures" {
			fs.warnf(processPath, c.line, field, "altinn:%s appears more than once; the last one is used", local)
		}
		if _, ok := lines[local]; !ok || local != "correspondenceResource" {
			lines[local] = c.line
		}
		value := strings.TrimSpace(c.text)
		switch local {
		case "dataTypesToSign":
			cfg.DataTypesToSign = parseDataTypeList(c, field, lines, fs)
		case "uniqueFromSignaturesInDataTypes":
			cfg.UniqueFromSignaturesInDataTypes = parseDataTypeList(c, field, lines, fs)
		case "signatureDataType":
			cfg.SignatureDataType = requireValue(c, field, value, fs)
		case "signeeProviderId":
			cfg.SigneeProviderID = requireValue(c, field, value, fs)
		case "signeeStatesDataTypeId":
			cfg.SigneeStatesDataTypeID = requireValue(c, field, value, fs)
		case "signingPdfDataType":
			cfg.SigningPDFDataType = requireValue(c, field, value, fs)
		case "correspondenceResource":
			i := len(cfg.CorrespondenceResources)
			lines[local+"["+strconv.Itoa(i)+"]"] = c.line
			env, _ := c.attr("env")
			r := signing.CorrespondenceResource{Env: strings.TrimSpace(env), Value: value}
			if r.Value == "" {
				fs.errorf(processPath, c.line, fmt.Sprintf("%s[%d]", field, i), "correspondenceResource is empty")
				continue
			}
			cfg.CorrespondenceResources = append(cfg.CorrespondenceResources, r)
		case "runDefaultValidator":
			cfg.RunDefaultValidator = parseBool(c, field, value, fs)
		case "completeAutomatically":
			cfg.CompleteAutomatically = parseBool(c, field, value, fs)
		case "keepReadAccess":
			cfg.KeepReadAccess = parseBool(c, field, value, fs)
		case "allowNoSignees":
			cfg.AllowNoSignees = parseBool(c, field, value, fs)
		case "maxSignees":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 {
				fs.errorf(processPath, c.line, field, "maxSignees must be a whole number of 0 or more, not %q", value)
				continue
			}
			cfg.MaxSignees = n
		case "reminder":
			i := len(cfg.Reminders)
			if _, err := reminder.ParseOffset(value); err != nil {
				fs.errorf(processPath, c.line, fmt.Sprintf("%s[%d]", field, i), "%s", strings.TrimPrefix(err.Error(), "reminder: invalid: "))
				continue
			}
			if slices.Contains(cfg.Reminders, value) {
				fs.warnf(processPath, c.line, fmt.Sprintf("%s[%d]", field, i), "reminder %s is given twice; it is sent once", value)
				continue
			}
			if i == reminder.MaxOffsets {
				fs.errorf(processPath, c.line, fmt.Sprintf("%s[%d]", field, i), "at most %d reminders", reminder.MaxOffsets)
				continue
			}
			cfg.Reminders = append(cfg.Reminders, value)
		case "smsWindow":
			if _, err := reminder.ParseWindow(value); err != nil || value == "" {
				fs.errorf(processPath, c.line, field, "smsWindow must be HH:MM-HH:MM in Europe/Oslo time, e.g. 08:00-21:00, not %q", value)
				continue
			}
			cfg.SMSWindow = value
		case "resendInterval":
			if o, err := reminder.ParseOffset(value); err != nil || o.BeforeDeadline {
				fs.errorf(processPath, c.line, field, "resendInterval must be a positive ISO 8601 duration such as PT1H, not %q", value)
				continue
			}
			cfg.ResendInterval = value
		case "quietDeadlineExtension":
			cfg.QuietDeadlineExtension = parseBool(c, field, value, fs)
		case "requireRejectReason":
			cfg.RequireRejectReason = parseBool(c, field, value, fs)
		case "requiredSignatures":
			// <altinn:requiredSignatures group="2">2</altinn:requiredSignatures>:
			// any 2 of signing group 2; group defaults to 1 (every signee of a
			// task without groups).
			i := len(cfg.RequiredSignatures)
			f := fmt.Sprintf("%s[%d]", field, i)
			r := signing.GroupRequirement{Group: 1}
			if g, ok := c.attr("group"); ok {
				n, err := strconv.Atoi(strings.TrimSpace(g))
				if err != nil {
					fs.errorf(processPath, c.line, f+".group", "group must be a whole number, not %q", g)
					continue
				}
				r.Group = n
			}
			n, err := strconv.Atoi(value)
			if err != nil {
				fs.errorf(processPath, c.line, f+".required", "requiredSignatures must be a whole number of signatures, not %q", value)
				continue
			}
			r.Required = n
			cfg.RequiredSignatures = append(cfg.RequiredSignatures, r)
			if err := cfg.CheckRequiredSignatures(); err != nil {
				for _, fe := range err.(signing.FieldErrors) {
					if strings.HasPrefix(fe.Field, fmt.Sprintf("requiredSignatures[%d]", i)) {
						fs.errorf(processPath, c.line, prefix+"."+fe.Field, "%s", fe.Message)
					}
				}
			}
		case "submitterActions":
			for _, a := range strings.Fields(strings.ReplaceAll(value, ",", " ")) {
				if a != signing.SubmitterComplete && a != signing.SubmitterReject {
					fs.errorf(processPath, c.line, field, "submitterActions may list %q and %q, not %q", signing.SubmitterComplete, signing.SubmitterReject, a)
					continue
				}
				if !slices.Contains(cfg.SubmitterActions, a) {
					cfg.SubmitterActions = append(cfg.SubmitterActions, a)
				}
			}
		}
	}
	return cfg
}

// parseDataTypeList reads the altinn:dataType children of a list element.
func parseDataTypeList(list *xmlNode, field string, lines map[string]int, fs *findings) []string {
	local := list.name.Local
	if strings.TrimSpace(list.text) != "" {
		fs.errorf(processPath, list.line, field, "text directly inside altinn:%s is ignored; put each data type in an altinn:dataType element", local)
	}
	// A repeated list element replaces the earlier one; forget its entries.
	maps.DeleteFunc(lines, func(k string, _ int) bool { return strings.HasPrefix(k, local+"[") })
	var out []string
	for _, c := range list.children {
		if !c.is(AltinnNamespace, "dataType") {
			fs.warnf(processPath, c.line, field, "unknown element <%s> in altinn:%s is ignored; expected altinn:dataType", c.name.Local, local)
			continue
		}
		v := strings.TrimSpace(c.text)
		if v == "" {
			fs.warnf(processPath, c.line, field, "empty altinn:dataType in altinn:%s is ignored", local)
			continue
		}
		lines[fmt.Sprintf("%s[%d]", local, len(out))] = c.line
		out = append(out, v)
	}
	return out
}

// requireValue returns value, warning when the element is present but empty.
func requireValue(n *xmlNode, field, value string, fs *findings) string {
	if value == "" {
		fs.warnf(processPath, n.line, field, "altinn:%s is present but empty, which counts as not set", n.name.Local)
	}
	return value
}

// parseBool parses an xsd:boolean as .NET's XmlSerializer does.
func parseBool(n *xmlNode, field, value string, fs *findings) bool {
	switch value {
	case "true", "1":
		return true
	case "false", "0":
		return false
	}
	fs.errorf(processPath, n.line, field, "altinn:%s must be true or false, not %q", n.name.Local, value)
	return false
}

package appconfig

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Severity is how serious a finding is.
type Severity int

const (
	// Error marks configuration that breaks signing at run time.
	Error Severity = iota
	// Warning marks configuration that works but is risky or unusual.
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "severity(" + strconv.Itoa(int(s)) + ")"
	}
}

// Finding is one problem found in an app folder.
type Finding struct {
	// Path is the file the finding is about, relative to the app folder, with forward slashes.
	Path string
	// Field names the setting, e.g. "SigningTask.signeeStatesDataTypeId" or
	// "dataTypes[signeeState].allowedContentTypes"; empty for whole-file problems.
	Field string
	// Line is the 1-based line in Path, or 0 when unknown.
	Line int
	// Severity is Error or Warning.
	Severity Severity
	// Message describes the problem.
	Message string
}

// String formats the finding as "path:field: severity: message (line N)",
// leaving out the field when empty and the line when unknown.
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Path)
	if f.Field != "" {
		b.WriteByte(':')
		b.WriteString(f.Field)
	}
	fmt.Fprintf(&b, ": %s: %s", f.Severity, f.Message)
	if f.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", f.Line)
	}
	return b.String()
}

// Count returns the number of errors and warnings in findings.
func Count(findings []Finding) (errs, warnings int) {
	for _, f := range findings {
		if f.Severity == Error {
			errs++
		} else {
			warnings++
		}
	}
	return errs, warnings
}

// sortFindings orders findings by path, line, field, severity and message,
// and drops exact duplicates.
func sortFindings(fs []Finding) []Finding {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Field, b.Field),
			cmp.Compare(a.Severity, b.Severity),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return slices.Compact(fs)
}

// findings collects findings while loading and checking.
type findings []Finding

func (fs *findings) add(sev Severity, path string, line int, field, format string, args ...any) {
	*fs = append(*fs, Finding{Path: path, Field: field, Line: line, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

func (fs *findings) errorf(path string, line int, field, format string, args ...any) {
	fs.add(Error, path, line, field, format, args...)
}

func (fs *findings) warnf(path string, line int, field, format string, args ...any) {
	fs.add(Warning, path, line, field, format, args...)
}

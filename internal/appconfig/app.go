package appconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/signingflow/signing/internal/signees"
)

// Paths of the files an app folder contains, relative to the folder, with forward slashes.
const (
	processPath    = "App/config/process/process.bpmn"
	metadataPath   = "App/config/applicationmetadata.json"
	textsDir       = "App/config/texts"
	layoutSetsPath = "App/ui/layout-sets.json"
	policyPath     = "App/config/authorization/policy.xml"
)

var utf8BOM = []byte("\xef\xbb\xbf")

func itoa(i int) string { return strconv.Itoa(i) }

// LoadError reports an app folder that cannot be read at all.
type LoadError struct {
	// Path is the file or folder that could not be read.
	Path string
	// Err is the underlying cause.
	Err error
}

// Error returns "appconfig: cannot read <path>: <cause>".
func (e *LoadError) Error() string {
	return fmt.Sprintf("appconfig: cannot read %s: %v", e.Path, e.Err)
}

// Unwrap returns the underlying cause.
func (e *LoadError) Unwrap() error { return e.Err }

// loadError wraps err for p, dropping the path an *fs.PathError repeats.
func loadError(p string, err error) *LoadError {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &LoadError{Path: p, Err: err}
}

// App is the configuration of one app folder.
type App struct {
	// Dir is the app folder as given to Load (the folder containing App/).
	Dir string
	// Org is the service owner, from the metadata id "org/app".
	Org string
	// Name is the app name, from the metadata id "org/app".
	Name string
	// Metadata is the parsed applicationmetadata.json.
	Metadata Metadata
	// Tasks are all tasks of the BPMN process in document order.
	Tasks []Task
	// SigningTasks are the tasks whose altinn:taskType is "signing".
	SigningTasks []SigningTask
	// Texts maps language code to text id to text, from App/config/texts/resource.<lang>.json.
	Texts map[string]map[string]string
	// LayoutSets are the entries of App/ui/layout-sets.json.
	LayoutSets []LayoutSet
	// Policy is the parsed policy.xml; nil when it is missing or malformed.
	Policy *Policy
	// Providers are the signee providers the app declares in its configuration.
	Providers []signees.Spec

	loadFindings      findings
	metadataOK        bool
	processOK         bool
	layoutSetsMissing bool
	layoutSetsOK      bool
	policyMissing     bool
	textFiles         []textFile
}

// Load reads the app folder dir (the folder containing App/). It returns a
// *LoadError when the folder, App/, process.bpmn or applicationmetadata.json
// cannot be read; malformed content is reported by Check instead.
func Load(dir string) (*App, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, loadError(dir, err)
	}
	if !info.IsDir() {
		return nil, &LoadError{Path: dir, Err: errors.New("not a directory")}
	}
	appDir := filepath.Join(dir, "App")
	if info, err := os.Stat(appDir); err != nil {
		return nil, loadError(appDir, fmt.Errorf("not an app folder: %w", unwrapPathError(err)))
	} else if !info.IsDir() {
		return nil, &LoadError{Path: appDir, Err: errors.New("not a directory")}
	}
	bpmn, err := readFile(dir, processPath)
	if err != nil {
		return nil, err
	}
	meta, err := readFile(dir, metadataPath)
	if err != nil {
		return nil, err
	}

	a := &App{Dir: dir, Texts: map[string]map[string]string{}}
	out := &a.loadFindings
	a.Metadata, a.metadataOK = parseMetadata(meta, out)
	if a.metadataOK {
		a.Org, a.Name = a.parseAppID(out)
	}
	a.Tasks, a.SigningTasks, a.processOK = parseBPMN(bpmn, out)
	a.loadTexts(out)
	if data, ok := a.readOptional(layoutSetsPath, &a.layoutSetsMissing, out); ok {
		a.LayoutSets, a.layoutSetsOK = parseLayoutSets(data, out)
	}
	if data, ok := a.readOptional(policyPath, &a.policyMissing, out); ok {
		a.Policy, _ = parsePolicy(data, out)
	}
	a.loadProviders(out)
	return a, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readFile reads a required file, returning a *LoadError on failure.
func readFile(dir, rel string) ([]byte, error) {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, loadError(p, err)
	}
	return data, nil
}

// readOptional reads an optional file. A missing file sets *missing; other
// read errors become findings.
func (a *App) readOptional(rel string, missing *bool, out *findings) ([]byte, bool) {
	data, err := os.ReadFile(filepath.Join(a.Dir, filepath.FromSlash(rel)))
	switch {
	case errors.Is(err, os.ErrNotExist):
		*missing = true
		return nil, false
	case err != nil:
		out.errorf(rel, 0, "", "cannot read file: %v", unwrapPathError(err))
		return nil, false
	}
	return data, true
}

// parseAppID splits the metadata id "org/app".
func (a *App) parseAppID(out *findings) (org, name string) {
	org, name, ok := strings.Cut(a.Metadata.ID, "/")
	if !ok || org == "" || name == "" || strings.Contains(name, "/") {
		out.errorf(metadataPath, 0, "id", "id must be \"org/app\", not %q", a.Metadata.ID)
		return "", ""
	}
	if a.Metadata.Org != "" && a.Metadata.Org != org {
		out.warnf(metadataPath, 0, "org", "org is %q but the id %q names org %q", a.Metadata.Org, a.Metadata.ID, org)
	}
	return org, name
}

// loadTexts reads every App/config/texts/resource.<lang>.json.
func (a *App) loadTexts(out *findings) {
	entries, err := os.ReadDir(filepath.Join(a.Dir, filepath.FromSlash(textsDir)))
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			out.errorf(textsDir, 0, "", "cannot read folder: %v", unwrapPathError(err))
		}
		return
	}
	for _, e := range entries {
		name := e.Name()
		lang, ok := strings.CutPrefix(name, "resource.")
		if !ok || e.IsDir() {
			continue
		}
		if lang, ok = strings.CutSuffix(lang, ".json"); !ok || lang == "" {
			continue
		}
		rel := path.Join(textsDir, name)
		data, err := os.ReadFile(filepath.Join(a.Dir, filepath.FromSlash(rel)))
		if err != nil {
			out.errorf(rel, 0, "", "cannot read file: %v", unwrapPathError(err))
			continue
		}
		tf := parseTexts(lang, rel, data, out)
		a.textFiles = append(a.textFiles, tf)
		if tf.ok {
			a.Texts[lang] = tf.texts
		}
	}
}

// Task returns the signing task with the given id.
func (a *App) Task(id string) (SigningTask, bool) {
	for _, t := range a.SigningTasks {
		if t.ID == id {
			return t, true
		}
	}
	return SigningTask{}, false
}

// Languages returns the languages with a readable text resource file, sorted.
func (a *App) Languages() []string {
	langs := make([]string, 0, len(a.Texts))
	for l := range a.Texts {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	return langs
}

// HasText reports whether the text resource file for lang defines key.
func (a *App) HasText(lang, key string) bool {
	_, ok := a.Texts[lang][key]
	return ok
}

// CanDelegate reports whether policy.xml lets the app (subject
// urn:altinn:resource:delegation = app_{org}_{app}) delegate action on taskID.
func (a *App) CanDelegate(taskID, action string) bool {
	return a.Policy.CanDelegate(a.Org, a.Name, taskID, action)
}

// DelegableActions returns the actions, lower-cased and sorted, that
// policy.xml lets the app delegate on taskID.
func (a *App) DelegableActions(taskID string) []string {
	var out []string
	for _, action := range a.Policy.actions() {
		if a.CanDelegate(taskID, action) {
			out = append(out, action)
		}
	}
	return out
}

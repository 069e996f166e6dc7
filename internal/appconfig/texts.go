package appconfig

import (
	"bytes"
	"encoding/json"
	"strings"
)

// textFile is one parsed App/config/texts/resource.<lang>.json.
type textFile struct {
	lang     string // from the file name
	path     string // relative to the app folder
	texts    map[string]string
	keyLines map[string]int // line of each resource id's entry
	ok       bool
}

type rawTexts struct {
	Language  string `json:"language"`
	Resources []struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	} `json:"resources"`
}

// parseTexts decodes one text resource file; problems are added to fs.
func parseTexts(lang, path string, data []byte, fs *findings) textFile {
	tf := textFile{lang: lang, path: path}
	data = bytes.TrimPrefix(data, utf8BOM)
	var raw rawTexts
	if err := json.Unmarshal(data, &raw); err != nil {
		line, msg := jsonProblem(data, err)
		fs.errorf(path, line, "", "%s", msg)
		return tf
	}
	whole := arraySpan{start: 0, end: len(data)}
	switch declared := strings.TrimSpace(raw.Language); {
	case declared == "":
		fs.warnf(path, keyLine(data, whole, "language"), "language", "file has no \"language\"; expected %q from its name", lang)
	case declared != lang:
		fs.warnf(path, keyLine(data, whole, "language"), "language", "language is %q but the file name says %q", declared, lang)
	}
	spans := topLevelArraySpans(data, "resources")
	tf.texts = make(map[string]string, len(raw.Resources))
	tf.keyLines = make(map[string]int, len(raw.Resources))
	for i, r := range raw.Resources {
		line := 0
		if i < len(spans) {
			line, _ = lineCol(data, spans[i].start)
		}
		id := strings.TrimSpace(r.ID)
		if id == "" {
			fs.warnf(path, line, "resources["+itoa(i)+"].id", "text resource has no id")
			continue
		}
		if _, dup := tf.texts[id]; dup {
			fs.warnf(path, line, "resources["+id+"]", "text id %q is defined twice (first at line %d); the first value is used", id, tf.keyLines[id])
			continue
		}
		tf.texts[id] = r.Value
		tf.keyLines[id] = line
	}
	tf.ok = true
	return tf
}

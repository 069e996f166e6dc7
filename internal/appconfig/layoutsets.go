package appconfig

import (
	"bytes"
	"encoding/json"
	"strings"
)

// LayoutSet is one entry of App/ui/layout-sets.json.
type LayoutSet struct {
	// ID is the layout set id, also the folder name under App/ui.
	ID string
	// DataType is the data type the layouts bind to.
	DataType string
	// Tasks are the process tasks that show this layout set.
	Tasks []string
	// Line is the line of the set's object in layout-sets.json (0 if unknown).
	Line int
}

type rawLayoutSets struct {
	Sets []struct {
		ID       string   `json:"id"`
		DataType string   `json:"dataType"`
		Tasks    []string `json:"tasks"`
	} `json:"sets"`
}

// parseLayoutSets decodes layout-sets.json; ok is false when it is malformed.
func parseLayoutSets(data []byte, fs *findings) (sets []LayoutSet, ok bool) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var raw rawLayoutSets
	if err := json.Unmarshal(data, &raw); err != nil {
		line, msg := jsonProblem(data, err)
		fs.errorf(layoutSetsPath, line, "", "%s", msg)
		return nil, false
	}
	spans := topLevelArraySpans(data, "sets")
	for i, r := range raw.Sets {
		s := LayoutSet{ID: strings.TrimSpace(r.ID), DataType: strings.TrimSpace(r.DataType)}
		for _, t := range r.Tasks {
			s.Tasks = append(s.Tasks, strings.TrimSpace(t))
		}
		if i < len(spans) {
			s.Line, _ = lineCol(data, spans[i].start)
		}
		if s.ID == "" {
			fs.errorf(layoutSetsPath, s.Line, "sets["+itoa(i)+"].id", "layout set has no id")
		}
		sets = append(sets, s)
	}
	return sets, true
}

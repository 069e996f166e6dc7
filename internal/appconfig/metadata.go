package appconfig

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Metadata is the part of App/config/applicationmetadata.json the signing checks need.
type Metadata struct {
	// ID is the app id, "org/app".
	ID string
	// Org is the service owner code from the "org" field.
	Org string
	// Title is the app title per language code.
	Title map[string]string
	// DataTypes are the declared data types in file order.
	DataTypes []DataType
}

// DataType is one entry of the metadata's "dataTypes" array.
type DataType struct {
	// ID is the data type id.
	ID string
	// AllowedContentTypes lists the permitted MIME types; empty allows any.
	AllowedContentTypes []string
	// AllowedContributors is "allowedContributers" (legacy spelling) when non-empty, else "allowedContributors".
	AllowedContributors []string
	// TaskID is the process task the data type belongs to.
	TaskID string
	// MinCount is the minimum number of data elements.
	MinCount int
	// MaxCount is the maximum number of data elements; 0 means unlimited.
	MaxCount int
	// ActionRequiredToRead is the action a user needs to read elements of this type.
	ActionRequiredToRead string
	// ActionRequiredToWrite is the action a user needs to write elements of this type.
	ActionRequiredToWrite string
	// AppLogic is the form-data binding; nil when the type has no app logic.
	AppLogic *AppLogic
	// Line is the line of the data type's object in the metadata file (0 if unknown).
	Line int

	fieldLines map[string]int
}

// AppLogic is the "appLogic" object of a form-data type.
type AppLogic struct {
	// AutoCreate creates the element when the task starts.
	AutoCreate bool `json:"autoCreate"`
	// ClassRef is the .NET model class.
	ClassRef string `json:"classRef"`
}

// HasAppLogic reports whether the data type is form data with app logic.
func (d DataType) HasAppLogic() bool { return d.AppLogic != nil }

// FieldLine returns the line of a JSON field of the data type, falling back
// to the line of the data type itself.
func (d DataType) FieldLine(field string) int {
	if l, ok := d.fieldLines[field]; ok && l > 0 {
		return l
	}
	return d.Line
}

// DataType returns the data type with the given id.
func (m Metadata) DataType(id string) (DataType, bool) {
	for _, dt := range m.DataTypes {
		if dt.ID == id {
			return dt, true
		}
	}
	return DataType{}, false
}

// dataTypeIDs returns the ids of all data types.
func (m Metadata) dataTypeIDs() []string {
	ids := make([]string, 0, len(m.DataTypes))
	for _, dt := range m.DataTypes {
		ids = append(ids, dt.ID)
	}
	return ids
}

type rawMetadata struct {
	ID        string            `json:"id"`
	Org       string            `json:"org"`
	Title     map[string]string `json:"title"`
	DataTypes []rawDataType     `json:"dataTypes"`
}

type rawDataType struct {
	ID                    string    `json:"id"`
	AllowedContentTypes   []string  `json:"allowedContentTypes"`
	AllowedContributers   []string  `json:"allowedContributers"`
	AllowedContributors   []string  `json:"allowedContributors"`
	TaskID                string    `json:"taskId"`
	MinCount              int       `json:"minCount"`
	MaxCount              int       `json:"maxCount"`
	ActionRequiredToRead  string    `json:"actionRequiredToRead"`
	ActionRequiredToWrite string    `json:"actionRequiredToWrite"`
	AppLogic              *AppLogic `json:"appLogic"`
}

// metadataFieldKeys maps the names used in findings to the JSON keys to look for.
var metadataFieldKeys = map[string][]string{
	"allowedContentTypes":   {"allowedContentTypes"},
	"allowedContributors":   {"allowedContributers", "allowedContributors"},
	"taskId":                {"taskId"},
	"minCount":              {"minCount"},
	"maxCount":              {"maxCount"},
	"actionRequiredToRead":  {"actionRequiredToRead"},
	"actionRequiredToWrite": {"actionRequiredToWrite"},
	"appLogic":              {"appLogic"},
}

// parseMetadata decodes applicationmetadata.json. ok is false when the file
// is not usable at all (malformed JSON); problems are added to fs.
func parseMetadata(data []byte, fs *findings) (m Metadata, ok bool) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var raw rawMetadata
	if err := json.Unmarshal(data, &raw); err != nil {
		line, msg := jsonProblem(data, err)
		fs.errorf(metadataPath, line, "", "%s", msg)
		return Metadata{}, false
	}
	m = Metadata{ID: strings.TrimSpace(raw.ID), Org: strings.TrimSpace(raw.Org), Title: raw.Title}
	spans := topLevelArraySpans(data, "dataTypes")
	seen := map[string]int{}
	for i, r := range raw.DataTypes {
		dt := DataType{
			ID:                    strings.TrimSpace(r.ID),
			AllowedContentTypes:   r.AllowedContentTypes,
			AllowedContributors:   r.AllowedContributers,
			TaskID:                strings.TrimSpace(r.TaskID),
			MinCount:              r.MinCount,
			MaxCount:              r.MaxCount,
			ActionRequiredToRead:  strings.TrimSpace(r.ActionRequiredToRead),
			ActionRequiredToWrite: strings.TrimSpace(r.ActionRequiredToWrite),
			AppLogic:              r.AppLogic,
		}
		if len(dt.AllowedContributors) == 0 {
			dt.AllowedContributors = r.AllowedContributors
		}
		if i < len(spans) {
			l, _ := lineCol(data, spans[i].start)
			dt.Line = l
			dt.fieldLines = make(map[string]int, len(metadataFieldKeys))
			for field, keys := range metadataFieldKeys {
				dt.fieldLines[field] = keyLine(data, spans[i], keys...)
			}
		}
		field := "dataTypes[" + dt.ID + "]"
		switch {
		case dt.ID == "":
			fs.errorf(metadataPath, dt.Line, "dataTypes["+itoa(i)+"].id", "data type has no id")
		case seen[dt.ID] > 0:
			fs.errorf(metadataPath, dt.Line, field+".id", "data type %q is declared twice (first at line %d)", dt.ID, seen[dt.ID])
		default:
			seen[dt.ID] = max(dt.Line, 1)
		}
		if len(r.AllowedContributers) > 0 && len(r.AllowedContributors) > 0 {
			fs.warnf(metadataPath, dt.FieldLine("allowedContributors"), field+".allowedContributors",
				"both allowedContributers (legacy spelling) and allowedContributors are set; only allowedContributers is used")
		}
		m.DataTypes = append(m.DataTypes, dt)
	}
	return m, true
}

package texts_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/signingflow/signing/internal/texts"
)

func TestParseResourceFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		data       string
		wantLang   string
		wantValues map[string]string
	}{
		{
			name: "seed_example",
			data: `{
  "language": "en",
  "resources": [
    {"id": "signing.correspondence_cta_title", "value": "Task - Sign founding documents"},
    {"id": "signing.correspondence_cta_body", "value": "You have been added as a signer for founding documents. <br /> $InstanceUrl <br /><br />"},
    {"id": "signing.notification_content", "value": "Hello {0},\n\nBest regards"}
  ]
}`,
			wantLang: "en",
			wantValues: map[string]string{
				"signing.correspondence_cta_title": "Task - Sign founding documents",
				"signing.correspondence_cta_body":  "You have been added as a signer for founding documents. <br /> $InstanceUrl <br /><br />",
				"signing.notification_content":     "Hello {0},\n\nBest regards",
			},
		},
		{
			name:       "byte_order_mark_and_extra_fields",
			data:       "\uFEFF" + `{"language":" nn ","resources":[{"id":"a","value":"{0}","variables":[{"key":"x","dataSource":"dataModel.default"}]}],"extra":1}`,
			wantLang:   "nn",
			wantValues: map[string]string{"a": "{0}"},
		},
		{
			name:       "empty_value_kept",
			data:       `{"language":"nb","resources":[{"id":"a","value":""}]}`,
			wantLang:   "nb",
			wantValues: map[string]string{"a": ""},
		},
		{
			name:       "no_resources",
			data:       `{"language":"nb","resources":[]}`,
			wantLang:   "nb",
			wantValues: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gotLang, gotValues, err := texts.ParseResourceFile([]byte(tt.data))
			if err != nil {
				t.Fatalf("ParseResourceFile: %v", err)
			}
			if gotLang != tt.wantLang {
				t.Errorf("lang = %q, want %q", gotLang, tt.wantLang)
			}
			if !maps.Equal(gotValues, tt.wantValues) {
				t.Errorf("values = %v, want %v", gotValues, tt.wantValues)
			}
		})
	}
}

func TestParseResourceFile_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    string
		wantErr string
	}{
		{name: "empty_input", data: ``, wantErr: "texts: invalid JSON at byte 0: unexpected end of JSON input"},
		{name: "syntax_error", data: `{"language":"nb",}`, wantErr: `texts: invalid JSON at byte 18: invalid character '}' looking for beginning of object key string`},
		{name: "not_an_object", data: `["nb"]`, wantErr: "texts: want a JSON object"},
		{name: "language_missing", data: `{"resources":[]}`, wantErr: "texts: language: missing"},
		{name: "language_null", data: `{"language":null,"resources":[]}`, wantErr: "texts: language: missing"},
		{name: "language_not_string", data: `{"language":1,"resources":[]}`, wantErr: "texts: language: want a string"},
		{name: "language_empty", data: `{"language":"  ","resources":[]}`, wantErr: "texts: language: empty"},
		{name: "resources_missing", data: `{"language":"nb"}`, wantErr: "texts: resources: missing"},
		{name: "resources_not_array", data: `{"language":"nb","resources":{"id":"a"}}`, wantErr: "texts: resources: want an array"},
		{name: "entry_not_object", data: `{"language":"nb","resources":["a"]}`, wantErr: "texts: resources[0]: want an object with id and value"},
		{name: "id_missing", data: `{"language":"nb","resources":[{"id":"a","value":"x"},{"value":"x"}]}`, wantErr: "texts: resources[1].id: missing"},
		{name: "id_empty", data: `{"language":"nb","resources":[{"id":"a","value":"x"},{"id":"b","value":"x"},{"id":"c","value":"x"},{"id":" ","value":"x"}]}`, wantErr: "texts: resources[3].id: empty"},
		{name: "id_not_string", data: `{"language":"nb","resources":[{"id":5,"value":"x"}]}`, wantErr: "texts: resources[0].id: want a string"},
		{name: "value_missing", data: `{"language":"nb","resources":[{"id":"a"}]}`, wantErr: "texts: resources[0].value: missing"},
		{name: "value_not_string", data: `{"language":"nb","resources":[{"id":"a","value":{"x":1}}]}`, wantErr: "texts: resources[0].value: want a string"},
		{name: "duplicate_id", data: `{"language":"nb","resources":[{"id":"a","value":"x"},{"id":"b","value":"y"},{"id":"a","value":"z"}]}`, wantErr: `texts: resources[2].id: duplicate "a", also at resources[0]`},
		{
			name:    "every_bad_entry_reported",
			data:    `{"language":"nb","resources":[{"id":"","value":"x"},{"id":"a","value":"x"},{"id":"a","value":"y"},{"id":"b"}]}`,
			wantErr: "texts: resources[0].id: empty\ntexts: resources[2].id: duplicate \"a\", also at resources[1]\ntexts: resources[3].value: missing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lang, values, err := texts.ParseResourceFile([]byte(tt.data))
			if err == nil {
				t.Fatalf("ParseResourceFile = %q, %v; want error %q", lang, values, tt.wantErr)
			}
			if got := err.Error(); got != tt.wantErr {
				t.Errorf("error = %q\n         want %q", got, tt.wantErr)
			}
			if !errors.Is(err, texts.ErrInvalidResourceFile) {
				t.Errorf("errors.Is(%v, ErrInvalidResourceFile) = false", err)
			}
			if lang != "" || values != nil {
				t.Errorf("got %q, %v alongside the error; want zero values", lang, values)
			}
		})
	}
}

package strictjson_test

import (
	"errors"
	"testing"

	"github.com/signingflow/signing/internal/strictjson"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, wantPath string
		wantErr            bool
	}{
		{name: "object", in: `{"action":"sign","onBehalfOf":"312847612"}`},
		{name: "nested_same_names_in_siblings", in: `{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]}`},
		{name: "empty", in: ``},
		{name: "null", in: `null`},
		{name: "malformed_left_to_the_decoder", in: `{"a":`},
		{name: "duplicate_top", in: `{"action":"reject","action":"sign"}`, wantErr: true, wantPath: "action"},
		{name: "duplicate_nested", in: `{"task":{"taskId":"A","taskId":"B"}}`, wantErr: true, wantPath: "task.taskId"},
		{name: "duplicate_in_array_item", in: `{"config":{"list":[{"k":1},{"k":1,"k":2}]}}`, wantErr: true, wantPath: "config.list[1].k"},
		{name: "duplicate_after_array", in: `{"a":[1,2,[3]],"b":1,"a":2}`, wantErr: true, wantPath: "a"},
		{name: "not_utf8", in: "{\"action\":\"sign\xff\"}", wantErr: true, wantPath: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := strictjson.Check([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Check(%q) = %v, want error %v", tt.in, err, tt.wantErr)
			}
			var se *strictjson.Error
			if err != nil && (!errors.As(err, &se) || se.Path != tt.wantPath) {
				t.Errorf("Check(%q) = %v, want path %q", tt.in, err, tt.wantPath)
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,{"c":2,"c":3}]}}`))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = strictjson.Check(in) // must not panic
	})
}

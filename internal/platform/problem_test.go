package platform

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseProblem(t *testing.T) {
	t.Parallel()

	long := strings.Repeat("å", 400) // 800 bytes
	tests := []struct {
		name        string
		contentType string
		body        string
		want        problem
	}{
		{
			name:        "rfc9457_problem",
			contentType: "application/problem+json",
			body:        `{"type":"urn:x:y","title":"Not Found","status":404,"detail":"no instance","code":"InstanceNotFound"}`,
			want:        problem{Type: "urn:x:y", Title: "Not Found", Status: 404, Code: "InstanceNotFound", Detail: "no instance"},
		},
		{
			name:        "validation_errors_list_fields_not_messages",
			contentType: "application/problem+json; charset=utf-8",
			body:        `{"title":"Bad","status":400,"errors":{"ssn":["01019012345 is wrong"],"lastName":["x"]}}`,
			want:        problem{Title: "Bad", Status: 400, Detail: "Bad; invalid fields: lastName, ssn"},
		},
		{
			name:        "altinn_validation_errors_name_the_code",
			contentType: "application/problem+json",
			body: `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"Bad Request","status":400,` +
				`"detail":"One or more validation errors occurred.","code":"STD-00000",` +
				`"validationErrors":[{"code":"AM.VLD-00001","detail":"Invalid party URN.","paths":["From"]},` +
				`{"code":"AM.VLD-00001","detail":"Invalid party URN.","paths":["To"]}]}`,
			want: problem{Type: "https://tools.ietf.org/html/rfc9110#section-15.5.1", Title: "Bad Request", Status: 400, Code: "AM.VLD-00001",
				Detail: "One or more validation errors occurred.; validation errors: AM.VLD-00001 at From: Invalid party URN.; AM.VLD-00001 at To: Invalid party URN."},
		},
		{
			name:        "validation_error_titles_redacted",
			contentType: "application/problem+json",
			body:        `{"code":"REG-1","validationErrors":[{"code":"REG.VLD-00007","title":"Invalid person number 15838523428","paths":["$HEADER/X"]}]}`,
			want:        problem{Code: "REG-1", Detail: "validation errors: REG.VLD-00007 at $HEADER/X: Invalid person number [redacted]"},
		},
		{
			name:        "title_when_no_detail",
			contentType: "application/json",
			body:        `{"title":"Conflict","status":"409"}`,
			want:        problem{Title: "Conflict", Status: 409, Detail: "Conflict"},
		},
		{
			name:        "error_code_alias",
			contentType: "application/json",
			body:        `{"errorCode":"AM-1","detail":"nope"}`,
			want:        problem{Code: "AM-1", Detail: "nope"},
		},
		{
			name:        "json_object_without_problem_members",
			contentType: "application/json",
			body:        `{"message":"boom"}`,
			want:        problem{Detail: `{"message":"boom"}`},
		},
		{
			name:        "html_body_kept_flattened",
			contentType: "text/html",
			body:        "<html>\n<body>Bad gateway</body>\n</html>",
			want:        problem{Detail: "<html> <body>Bad gateway</body> </html>"},
		},
		{
			name:        "national_id_in_detail_redacted",
			contentType: "application/problem+json",
			body:        `{"detail":"no person 15838523428 found","code":"PartyNotFound"}`,
			want:        problem{Code: "PartyNotFound", Detail: "no person [redacted] found"},
		},
		{
			name:        "spaced_national_id_redacted",
			contentType: "text/plain",
			body:        "ssn 158385 23428 unknown",
			want:        problem{Detail: "ssn [redacted] unknown"},
		},
		{
			name:        "bearer_token_redacted",
			contentType: "text/plain",
			body:        "rejected Authorization: Bearer abc.def.ghi",
			want:        problem{Detail: "rejected Authorization: [redacted]"},
		},
		{
			name:        "long_body_truncated_at_rune",
			contentType: "text/plain",
			body:        long,
			want:        problem{Detail: strings.Repeat("å", 254) + "…"},
		},
		{
			name:        "empty_body",
			contentType: "",
			body:        "",
			want:        problem{},
		},
		{
			name:        "broken_json_kept_as_text",
			contentType: "application/json",
			body:        `{"detail":`,
			want:        problem{Detail: `{"detail":`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got := parseProblem(tt.contentType, []byte(tt.body))
			if got != tt.want {
				t.Errorf("parseProblem() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

var digitRun = regexp.MustCompile(`[0-9]{11}`)

// FuzzParseProblem checks that whatever a server sends, the parsed problem
// is short, valid UTF-8 and free of 11-digit runs.
func FuzzParseProblem(f *testing.F) {
	f.Add("application/problem+json", []byte(`{"type":"t","title":"x","status":400,"detail":"d","code":"c"}`))
	f.Add("application/json", []byte(`{"errors":{"a":["b"]},"status":"422"}`))
	f.Add("text/html", []byte("<h1>502 Bad Gateway</h1>"))
	f.Add("", []byte(`{"detail":"ssn 01019012480 bearer eyJhbGciOi.eyJzdWIi.sig"}`))
	f.Add("text/plain", []byte("\xff\xfe\x00broken"))
	f.Add("application/problem+json", []byte(`{"detail":"`+strings.Repeat("9", 600)+`"}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		p := parseProblem(contentType, body)
		for name, v := range map[string]string{"type": p.Type, "title": p.Title, "code": p.Code, "detail": p.Detail} {
			if !utf8.ValidString(v) {
				t.Errorf("%s is not valid UTF-8: %q", name, v)
			}
			if digitRun.MatchString(v) {
				t.Errorf("%s holds an 11-digit run: %q", name, v)
			}
		}
		if len(p.Detail) > maxDetail {
			t.Errorf("len(detail) = %d, want <= %d", len(p.Detail), maxDetail)
		}
		if p.Status < 0 || p.Status > 999 {
			t.Errorf("status = %d, want 0-999", p.Status)
		}
	})
}

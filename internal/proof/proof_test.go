package proof_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/proof"
)

func TestMatrix_String(t *testing.T) {
	t.Parallel()
	m := proof.NewMatrix("title", "a", "b")
	m.Add("row one", "a", true)
	m.Add("row one", "a", false)
	m.Add("row two", "b", true)
	m.Row("row three")
	m.Note("row two", "note")
	got := m.String()
	for _, want := range []string{"title", "row one    1/2    -  1/2", "row two      -  1/1  1/1  note", "row three    -    -  0/0", "all        1/2  1/1  2/3"} {
		if !strings.Contains(got, want) {
			t.Errorf("String() lacks %q:\n%s", want, got)
		}
	}
	if pass, total := m.Totals(); pass != 2 || total != 3 {
		t.Errorf("Totals() = %d, %d, want 2, 3", pass, total)
	}
	if got, want := m.Cell("row one", "a"), (proof.Cell{Pass: 1, Total: 2}); got != want {
		t.Errorf("Cell() = %+v, want %+v", got, want)
	}
}

func TestLeaks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []string
	}{
		{name: "clean", text: `{"msg":"ok","masked":"158385*****","uuid":"0b6c1f2e-3d4a-4b5c-8d6e-000000050001"}`},
		{name: "known_id", text: "a\nb 15838523428 c", want: []string{"line 2: 158385*****"}},
		{name: "any_eleven_digit_run", text: `{"x":"id=12345678901;"}`, want: []string{"line 1: 123456*****"}},
		{name: "longer_runs_are_not_ids", text: "1234567890123 and 2026-03-03T10:00:00Z"},
		{name: "known_inside_a_longer_run", text: "x0291904355899", want: []string{"line 1: 029190*****"}},
		{name: "guid_with_eleven_digits", text: `"path":"/attachment/00000001-0000-4000-8000-00000000000a/upload"`},
		{name: "known_inside_a_guid_still_found", text: "15838523428a-0000-4000-8000-000000000000", want: []string{"line 1: 158385*****"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := proof.Leaks(tt.text, proof.FixtureNationalIDs...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Leaks() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSink_Logger(t *testing.T) {
	t.Parallel()
	var s proof.Sink
	s.Logger().Debug("hello", "k", "v")
	if got := s.String(); !strings.Contains(got, `"msg":"hello"`) || s.Lines() != 1 {
		t.Errorf("sink = %q", got)
	}
}

func TestWriteReport(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(proof.ReportDirEnv, "")
	if got := proof.WriteReport(t, "x.txt", "text"); got != "" {
		t.Errorf("WriteReport() without %s = %q, want nothing written", proof.ReportDirEnv, got)
	}
	t.Setenv(proof.ReportDirEnv, dir)
	path := proof.WriteReport(t, "x.txt", "text")
	if path != filepath.Join(dir, "x.txt") {
		t.Errorf("WriteReport() = %q", path)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "text" {
		t.Errorf("report = %q, %v", b, err)
	}
}

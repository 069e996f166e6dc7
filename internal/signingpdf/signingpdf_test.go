package signingpdf

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
	"golang.org/x/image/font/sfnt"

	"github.com/signingflow/signing/internal/signing"
)

var at = time.Date(2026, 3, 3, 12, 30, 0, 0, time.UTC)

func summary(signatures int) signing.Summary {
	s := signing.Summary{
		Instance:    signing.InstanceRef{Org: "ttd", App: "founders", PartyID: 50001, InstanceGUID: "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},
		TaskID:      "SigningTask",
		AppName:     "Stiftelse (AS) & co",
		CompletedAt: at,
		Documents: []signing.SummaryDocument{{
			DataElementID: "8a2f4c6e-1b3d-4f5a-9c7e-0d2b4f6a8c11", DataType: "ref-data-as-pdf", Filename: "Stiftelsesdokumenter.pdf",
			SHA256: strings.Repeat("ab", 32),
		}},
	}
	for i := range signatures {
		s.Signatures = append(s.Signatures, signing.SummarySignature{
			Name: fmt.Sprintf("Kåre Ødegård %d", i), MaskedID: "158385*****", OnBehalfOf: "312847612", SignedAt: at.Add(time.Duration(i) * time.Minute),
		})
	}
	return s
}

// page is what a PDF reader extracts from one page.
type page struct {
	lines []string   // the text of each line, top down
	chars []pdf.Text // every glyph shown, with its position
}

// extract reads b back with a PDF reader, decoding the text through the
// fonts' ToUnicode maps as a viewer's copy and search do.
func extract(t testing.TB, b []byte) []page {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the PDF does not parse: %v", err)
	}
	var pages []page
	for i := 1; i <= r.NumPage(); i++ {
		// Each glyph comes with its position; a line is the glyphs of one
		// baseline, in the order shown, with a space where a gap is.
		var got page
		got.chars = r.Page(i).Content().Text
		var line strings.Builder
		for j, c := range got.chars {
			if j > 0 {
				prev := got.chars[j-1]
				if c.Y != prev.Y {
					got.lines = append(got.lines, line.String())
					line.Reset()
				}
			}
			line.WriteString(c.S)
		}
		got.lines = append(got.lines, line.String())
		pages = append(pages, got)
	}
	return pages
}

func text(pages []page) string {
	var all []string
	for _, p := range pages {
		all = append(all, p.lines...)
	}
	return strings.Join(all, "\n")
}

func TestRenderer_Render(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		lang       string
		signatures int
		wantPages  int
		wantLines  []string
	}{
		{name: "nb_one_page", lang: "nb", signatures: 3, wantPages: 1, wantLines: []string{
			"Stiftelse (AS) & co: Signering",
			"Instans: 50001/1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d (ttd/founders)",
			"Oppgave: SigningTask",
			"Fullført: 2026-03-03 12:30:00 UTC",
			"Signerte dokumenter",
			"Stiftelsesdokumenter.pdf (ref-data-as-pdf, 8a2f4c6e-1b3d-4f5a-9c7e-0d2b4f6a8c11)",
			"    SHA-256: " + strings.Repeat("ab", 32),
			"Signaturer",
			"2026-03-03 12:32:00 UTC  Kåre Ødegård 2 (158385*****) på vegne av 312847612",
		}},
		{name: "en_labels", lang: "en", signatures: 1, wantPages: 1, wantLines: []string{"Stiftelse (AS) & co: Signing", "Signed documents", "2026-03-03 12:30:00 UTC  Kåre Ødegård 0 (158385*****) on behalf of 312847612"}},
		{name: "nn_labels", lang: "nn", signatures: 1, wantPages: 1, wantLines: []string{"Oppgåve: SigningTask", "Signaturar", "2026-03-03 12:30:00 UTC  Kåre Ødegård 0 (158385*****) på vegner av 312847612"}},
		{name: "unknown_language_is_nb", lang: "se", signatures: 1, wantPages: 1, wantLines: []string{"Signaturer"}},
		{name: "many_signatures_span_pages", lang: "nb", signatures: 200, wantPages: 5, wantLines: []string{"2026-03-03 15:49:00 UTC  Kåre Ødegård 199 (158385*****) på vegne av 312847612"}},
		{name: "no_signatures", lang: "en", signatures: 0, wantPages: 1, wantLines: []string{"None"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := Renderer{Language: tt.lang}.Render(summary(tt.signatures))
			if err != nil {
				t.Fatal(err)
			}
			pages := extract(t, b)
			if got := len(pages); got != tt.wantPages {
				t.Errorf("pages = %d, want %d", got, tt.wantPages)
			}
			got := "\n" + text(pages) + "\n"
			for _, want := range tt.wantLines {
				if !strings.Contains(got, "\n"+want+"\n") {
					t.Errorf("the PDF has no line %q; it reads:%s", want, got)
				}
			}
		})
	}
}

// TestRenderer_Render_names pins that a name prints letter for letter:
// Sámi letters (Latin Extended-A and -B) and the rest of Latin-1, whether
// typed precomposed or as a letter and a combining mark. The text is read
// back through the PDF's ToUnicode map, and each letter's glyph must be in
// the embedded font subset.
func TestRenderer_Render_names(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "northern_sami", in: "Máhtte Čđŋšŧž", want: "Máhtte Čđŋšŧž"},
		{name: "capitals", in: "ŊŽŠŦĐČ Áŋŋá", want: "ŊŽŠŦĐČ Áŋŋá"},
		{name: "skolt_sami", in: "Ǥǥ Ǧǧ Ǩǩ Ǯǯ Ʒʒ õâ", want: "Ǥǥ Ǧǧ Ǩǩ Ǯǯ Ʒʒ õâ"},
		{name: "norwegian", in: "Kåre Ødegård Ærø", want: "Kåre Ødegård Ærø"},
		{name: "combining_marks_compose", in: "C\u030cuovvu z\u030c", want: "Čuovvu ž"},
		{name: "central_european", in: "Łukasz Dvořák Őry", want: "Łukasz Dvořák Őry"},
		{name: "letters_no_font_has_print_as_question_marks", in: "Ann 中文", want: "Ann ??"},
		{name: "control_characters_are_spaces", in: "Ann\nLi", want: "Ann Li"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := summary(1)
			s.Signatures[0].Name = tt.in
			b, err := Renderer{Language: "en"}.Render(s)
			if err != nil {
				t.Fatal(err)
			}
			want := "2026-03-03 12:30:00 UTC  " + tt.want + " (158385*****) on behalf of 312847612"
			if got := text(extract(t, b)); !strings.Contains("\n"+got+"\n", "\n"+want+"\n") {
				t.Errorf("the PDF reads\n%s\nwant a line %q", got, want)
			}
			subset := embeddedFont(t, b, "utf8"+strings.ToLower(family))
			var buf sfnt.Buffer
			for _, r := range tt.want {
				if i, err := subset.GlyphIndex(&buf, r); err != nil || i == 0 {
					t.Errorf("the embedded font has no glyph for %q (%v)", r, err)
				}
			}
		})
	}
}

// embeddedFont parses the font file the PDF embeds for the font named name.
func embeddedFont(t *testing.T, b []byte, name string) *sfnt.Font {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	p := r.Page(1)
	for _, key := range p.Fonts() {
		f := p.Font(key)
		if f.BaseFont() != name {
			continue
		}
		file := f.V.Key("DescendantFonts").Index(0).Key("FontDescriptor").Key("FontFile2").Reader()
		defer file.Close()
		data, err := io.ReadAll(file)
		if err != nil {
			t.Fatal(err)
		}
		font, err := sfnt.Parse(data)
		if err != nil {
			t.Fatalf("the embedded %s does not parse: %v", name, err)
		}
		if full := len(fontBytes(name)); len(data) >= full/4 {
			t.Errorf("the embedded %s is %d bytes of the font's %d: not a subset", name, len(data), full)
		}
		return font
	}
	t.Fatalf("no font %s on page 1 (fonts %v)", name, p.Fonts())
	return nil
}

func fontBytes(name string) []byte {
	if strings.HasSuffix(name, "b") {
		return boldTTF
	}
	return regularTTF
}

// TestRenderer_Render_fitsPage pins that long text wraps inside the margins.
func TestRenderer_Render_fitsPage(t *testing.T) {
	t.Parallel()
	s := summary(1)
	s.Signatures[0].Name = strings.Repeat("Ŋuolggaš Čuđđegieddi ", 12)
	s.Documents[0].Filename = strings.Repeat("W", 200)
	b, err := Renderer{}.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	pages := extract(t, b)
	const right = 595 - margin + 0.5
	for _, c := range pages[0].chars {
		if c.X < margin-0.5 || c.X+c.W > right {
			t.Errorf("%q at x=%.1f..%.1f is outside the margins %d..%.0f", c.S, c.X, c.X+c.W, margin, right)
		}
	}
	// The text as written, less the spaces where it broke into lines.
	noSpace := func(s string) string { return strings.Join(strings.Fields(s), "") }
	got := noSpace(text(pages))
	for _, want := range []string{s.Documents[0].Filename, s.Signatures[0].Name} {
		if !strings.Contains(got, noSpace(want)) {
			t.Errorf("wrapped, %q lost letters:\n%s", want, text(pages))
		}
	}
	if n := len(pages[0].lines); n < 12 {
		t.Errorf("the page has %d lines; the long name and file name did not wrap:\n%s", n, text(pages))
	}
}

func TestRenderer_Render_deterministic(t *testing.T) {
	t.Parallel()
	for _, s := range []signing.Summary{summary(3), {TaskID: "NotCompleted"}} {
		first, err := Renderer{}.Render(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Renderer{}.Render(s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Errorf("two renderings of task %s differ (%d and %d bytes)", s.TaskID, len(first), len(again))
		}
	}
}

func FuzzRender(f *testing.F) {
	f.Add("Kari Nordmann", "Stiftelse", "doc.pdf")
	f.Add("Máhtte Čđŋšŧž ŊŽ", "Ǥǥǧǩǯʒ", "\xff\xfe")
	f.Add(")(\\", "((((", strings.Repeat("x", 300))
	f.Fuzz(func(t *testing.T, name, app, file string) {
		s := summary(1)
		s.Signatures[0].Name, s.AppName, s.Documents[0].Filename = name, app, file
		b, err := Renderer{}.Render(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := text(extract(t, b)); !strings.Contains(got, "SHA-256: "+strings.Repeat("ab", 32)) {
			t.Errorf("the PDF lost the digest:\n%s", got)
		}
	})
}

func BenchmarkRenderer_Render(b *testing.B) {
	s := summary(1000)
	for b.Loop() {
		if _, err := (Renderer{}).Render(s); err != nil {
			b.Fatal(err)
		}
	}
}

package signingpdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

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

// checkStructure verifies the header, that every cross-reference offset
// points at its object, and returns the page count the page tree declares.
func checkStructure(t *testing.T, pdf []byte) int {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF: %q…", pdf[:min(20, len(pdf))])
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[xref:], -1)
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("xref entry %d points at %q, want %q", i+1, pdf[off:off+12], want)
		}
	}
	count := regexp.MustCompile(`/Type /Pages /Kids \[[^\]]*\] /Count (\d+)`).FindSubmatch(pdf)
	if count == nil {
		t.Fatal("no page tree")
	}
	n, _ := strconv.Atoi(string(count[1]))
	if pages := bytes.Count(pdf, []byte("/Type /Page ")); pages != n {
		t.Errorf("page tree counts %d pages, %d page objects exist", n, pages)
	}
	return n
}

func TestRenderer_Render(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		lang       string
		signatures int
		wantPages  int
		wantText   []string
	}{
		{name: "nb_one_page", lang: "nb", signatures: 3, wantPages: 1, wantText: []string{"Signerte dokumenter", "SHA-256: " + strings.Repeat("ab", 32), "på vegne av 312847612"}},
		{name: "en_labels", lang: "en", signatures: 1, wantPages: 1, wantText: []string{"Signed documents", "on behalf of 312847612", "2026-03-03 12:30:00 UTC"}},
		{name: "unknown_language_is_nb", lang: "se", signatures: 1, wantPages: 1, wantText: []string{"Signaturer"}},
		{name: "many_signatures_span_pages", lang: "nb", signatures: 200, wantPages: 5, wantText: []string{"Kåre Ødegård 199"}},
		{name: "no_signatures", lang: "en", signatures: 0, wantPages: 1, wantText: []string{"None"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Renderer{Language: tt.lang}.Render(summary(tt.signatures))
			if err != nil {
				t.Fatal(err)
			}
			if pages := checkStructure(t, got); pages != tt.wantPages {
				t.Errorf("pages = %d, want %d", pages, tt.wantPages)
			}
			for _, want := range tt.wantText {
				if enc := literal(want); !bytes.Contains(got, []byte(enc[1:len(enc)-1])) {
					t.Errorf("the PDF does not show %q", want)
				}
			}
			if !bytes.Contains(got, []byte(`(Stiftelse \(AS\) & co: `)) {
				t.Error("parentheses in the title are not escaped")
			}
		})
	}
}

func TestLiteral(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{in: "abc", want: "(abc)"},
		{in: `a(b)c\`, want: `(a\(b\)c\\)`},
		{in: "æøå ÆØÅ", want: "(\xe6\xf8\xe5 \xc6\xd8\xc5)"},
		{in: "€ – 中", want: "(\x80 \x96 ?)"},
		{in: "line\nbreak", want: "(line break)"},
	}
	for _, tt := range tests {
		if got := literal(tt.in); got != tt.want {
			t.Errorf("literal(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzRender(f *testing.F) {
	f.Add("Kari Nordmann", "Stiftelse", "doc.pdf")
	f.Add(")(\\", "((((", strings.Repeat("x", 300))
	f.Fuzz(func(t *testing.T, name, app, file string) {
		s := summary(1)
		s.Signatures[0].Name, s.AppName, s.Documents[0].Filename = name, app, file
		got, err := Renderer{}.Render(s)
		if err != nil {
			t.Fatal(err)
		}
		checkStructure(t, got)
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

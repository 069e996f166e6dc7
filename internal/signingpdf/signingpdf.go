// Package signingpdf renders the signing PDF of a task: the documents that
// were signed with their SHA-256 digests, and who signed when. It writes
// PDF 1.4 with the standard Helvetica fonts and needs no outside library.
package signingpdf

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/signingflow/signing/internal/signing"
)

// Renderer renders signing PDFs; it implements signing.PDFRenderer.
type Renderer struct {
	// Language is "nb", "nn" or "en"; anything else is nb.
	Language string
}

var _ signing.PDFRenderer = Renderer{}

// Page geometry: A4 in points, margins, font sizes and line height.
const (
	pageWidth   = 595
	pageHeight  = 842
	margin      = 56
	bodySize    = 10
	headingSize = 14
	titleSize   = 18
	leading     = 1.45
	// wrapAt is how many characters of 10 pt Helvetica fit a line, conservatively.
	wrapAt = 92
)

type labels struct {
	title, instance, task, completed, documents, signatures, digest, onBehalfOf, none string
}

var labelsByLanguage = map[string]labels{
	"nb": {"Signering", "Instans", "Oppgave", "Fullført", "Signerte dokumenter", "Signaturer", "SHA-256", "på vegne av", "Ingen"},
	"nn": {"Signering", "Instans", "Oppgåve", "Fullført", "Signerte dokument", "Signaturar", "SHA-256", "på vegner av", "Ingen"},
	"en": {"Signing", "Instance", "Task", "Completed", "Signed documents", "Signatures", "SHA-256", "on behalf of", "None"},
}

// line is one line of text in a font size, bold or not.
type line struct {
	text string
	size float64
	bold bool
}

// Render returns the PDF of s.
func (r Renderer) Render(s signing.Summary) ([]byte, error) {
	l, ok := labelsByLanguage[r.Language]
	if !ok {
		l = labelsByLanguage["nb"]
	}
	title := l.title
	if s.AppName != "" {
		title = s.AppName + ": " + l.title
	}
	lines := []line{{text: title, size: titleSize, bold: true}, {}}
	lines = append(lines,
		line{text: l.instance + ": " + s.Instance.InstanceID() + " (" + s.Instance.AppID() + ")", size: bodySize},
		line{text: l.task + ": " + s.TaskID, size: bodySize},
	)
	if !s.CompletedAt.IsZero() {
		lines = append(lines, line{text: l.completed + ": " + stamp(s.CompletedAt), size: bodySize})
	}
	lines = append(lines, line{}, line{text: l.documents, size: headingSize, bold: true})
	if len(s.Documents) == 0 {
		lines = append(lines, line{text: l.none, size: bodySize})
	}
	for _, d := range s.Documents {
		name := d.Filename
		if name == "" {
			name = d.DataType
		}
		lines = append(lines, wrap(name+" ("+d.DataType+", "+d.DataElementID+")", bodySize, true)...)
		lines = append(lines, line{text: "    " + l.digest + ": " + d.SHA256, size: bodySize})
	}
	lines = append(lines, line{}, line{text: l.signatures, size: headingSize, bold: true})
	if len(s.Signatures) == 0 {
		lines = append(lines, line{text: l.none, size: bodySize})
	}
	for _, sig := range s.Signatures {
		who := sig.Name
		if sig.MaskedID != "" {
			who += " (" + sig.MaskedID + ")"
		}
		if sig.OnBehalfOf != "" {
			who += " " + l.onBehalfOf + " " + sig.OnBehalfOf
		}
		lines = append(lines, wrap(stamp(sig.SignedAt)+"  "+strings.TrimSpace(who), bodySize, false)...)
	}
	return write(paginate(lines), title, s.CompletedAt), nil
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// wrap breaks text into lines of at most wrapAt characters, at spaces where it can.
func wrap(text string, size float64, bold bool) []line {
	var out []line
	for utf8.RuneCountInString(text) > wrapAt {
		runes := []rune(text)
		cut := wrapAt
		for i := wrapAt; i > wrapAt/2; i-- {
			if runes[i] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, line{text: string(runes[:cut]), size: size, bold: bold})
		text = "    " + strings.TrimLeft(string(runes[cut:]), " ")
	}
	return append(out, line{text: text, size: size, bold: bold})
}

// paginate splits lines into pages that fit between the margins.
func paginate(lines []line) [][]line {
	var pages [][]line
	var page []line
	y := float64(pageHeight - margin)
	for _, ln := range lines {
		h := height(ln)
		if y-h < margin && len(page) > 0 {
			pages = append(pages, page)
			page, y = nil, float64(pageHeight-margin)
		}
		page = append(page, ln)
		y -= h
	}
	return append(pages, page)
}

func height(ln line) float64 {
	if ln.size == 0 {
		return bodySize * leading
	}
	return ln.size * leading
}

// write assembles the PDF objects and the cross-reference table.
func write(pages [][]line, title string, created time.Time) []byte {
	var objs [][]byte
	add := func(body string) int {
		objs = append(objs, []byte(body))
		return len(objs)
	}
	catalog := add("") // filled in below, once the page tree's number is known
	info := add(fmt.Sprintf("<< /Title %s /Producer (signing) /CreationDate (D:%s) >>", literal(title), created.UTC().Format("20060102150405Z")))
	regular := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	bold := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
	tree := add("")
	var kids []string
	for _, page := range pages {
		content := contentStream(page)
		stream := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		p := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>",
			tree, pageWidth, pageHeight, regular, bold, stream))
		kids = append(kids, fmt.Sprintf("%d 0 R", p))
	}
	objs[catalog-1] = fmt.Appendf(nil, "<< /Type /Catalog /Pages %d 0 R >>", tree)
	objs[tree-1] = fmt.Appendf(nil, "<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))

	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, info, xref)
	return b.Bytes()
}

// contentStream draws the lines of one page from the top margin down.
func contentStream(page []line) string {
	var b strings.Builder
	y := float64(pageHeight - margin)
	for _, ln := range page {
		y -= height(ln)
		if ln.text == "" {
			continue
		}
		font := "F1"
		if ln.bold {
			font = "F2"
		}
		fmt.Fprintf(&b, "BT /%s %g Tf %d %.2f Td %s Tj ET\n", font, ln.size, margin, y, literal(ln.text))
	}
	return b.String()
}

// literal encodes s as a PDF string in WinAnsi (Windows-1252): Latin-1
// letters such as æ, ø and å map directly; other runes become '?'.
func literal(s string) string {
	var b strings.Builder
	b.WriteByte('(')
	for _, r := range s {
		var c byte
		switch {
		case r == '€':
			c = 0x80
		case r == '–':
			c = 0x96
		case r == '—':
			c = 0x97
		case r < 0x20:
			c = ' '
		case r < 0x7f || (r >= 0xa0 && r <= 0xff):
			c = byte(r)
		default:
			c = '?'
		}
		if c == '(' || c == ')' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte(')')
	return b.String()
}

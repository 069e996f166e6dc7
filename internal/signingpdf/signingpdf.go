// Package signingpdf renders the signing PDF of a task: the documents that
// were signed with their SHA-256 digests, and who signed when.
//
// It lays the PDF out with codeberg.org/go-pdf/fpdf in Liberation Sans (the
// metrics of Helvetica; codeberg.org/go-fonts/liberation), embedded as a
// subset of the glyphs the PDF uses, with a ToUnicode map so the text can be
// searched and copied. The font covers Latin-1, Latin Extended-A and -B,
// Greek and Cyrillic, so Norwegian and every Sámi orthography (Northern,
// Lule, Southern, Inari, Skolt: á č đ ŋ š ŧ ž ǥ ǧ ǩ ǯ ʒ …) print as written;
// a letter the font lacks prints as '?'. The same summary always gives the
// same bytes.
package signingpdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"

	"github.com/signingflow/signing/internal/signing"
)

// The fonts, Liberation Sans regular and bold (SIL Open Font License).
var (
	regularTTF = liberationsansregular.TTF
	boldTTF    = liberationsansbold.TTF
)

// Renderer renders signing PDFs; it implements signing.PDFRenderer.
type Renderer struct {
	// Language is "nb", "nn" or "en"; anything else is nb.
	Language string
}

var _ signing.PDFRenderer = Renderer{}

// Page geometry (A4, in points), font sizes and line height.
const (
	margin      = 56
	bodySize    = 10
	headingSize = 14
	titleSize   = 18
	leading     = 1.45
	// indent is what a wrapped line and a digest are indented by.
	indent = "    "
	family = "LiberationSans"
)

type labels struct {
	title, instance, task, completed, documents, signatures, digest, onBehalfOf, none string
}

var labelsByLanguage = map[string]labels{
	"nb": {"Signering", "Instans", "Oppgave", "Fullført", "Signerte dokumenter", "Signaturer", "SHA-256", "på vegne av", "Ingen"},
	"nn": {"Signering", "Instans", "Oppgåve", "Fullført", "Signerte dokument", "Signaturar", "SHA-256", "på vegner av", "Ingen"},
	"en": {"Signing", "Instance", "Task", "Completed", "Signed documents", "Signatures", "SHA-256", "on behalf of", "None"},
}

// rendering lets one PDF be rendered at a time: fpdf parses both fonts for
// each document (about 20 ms of CPU and 10 MB of garbage), and a process
// rendering many at once (a test running flows in parallel) would starve
// its other work. A Lambda renders one at a time anyway.
var rendering sync.Mutex

// Render returns the PDF of s.
func (r Renderer) Render(s signing.Summary) ([]byte, error) {
	rendering.Lock()
	defer rendering.Unlock()
	l, ok := labelsByLanguage[r.Language]
	if !ok {
		l = labelsByLanguage["nb"]
	}
	title := l.title
	if s.AppName != "" {
		title = s.AppName + ": " + l.title
	}
	d, err := newDocument(printable(title), s.CompletedAt)
	if err != nil {
		return nil, err
	}
	d.text(title, titleSize, true)
	d.blank()
	d.text(l.instance+": "+s.Instance.InstanceID()+" ("+s.Instance.AppID()+")", bodySize, false)
	d.text(l.task+": "+s.TaskID, bodySize, false)
	if !s.CompletedAt.IsZero() {
		d.text(l.completed+": "+stamp(s.CompletedAt), bodySize, false)
	}
	d.blank()
	d.text(l.documents, headingSize, true)
	if len(s.Documents) == 0 {
		d.text(l.none, bodySize, false)
	}
	for _, doc := range s.Documents {
		name := doc.Filename
		if name == "" {
			name = doc.DataType
		}
		d.text(name+" ("+doc.DataType+", "+doc.DataElementID+")", bodySize, true)
		d.text(indent+l.digest+": "+doc.SHA256, bodySize, false)
	}
	d.blank()
	d.text(l.signatures, headingSize, true)
	if len(s.Signatures) == 0 {
		d.text(l.none, bodySize, false)
	}
	for _, sig := range s.Signatures {
		who := sig.Name
		if sig.MaskedID != "" {
			who += " (" + sig.MaskedID + ")"
		}
		if sig.OnBehalfOf != "" {
			who += " " + l.onBehalfOf + " " + sig.OnBehalfOf
		}
		d.text(stamp(sig.SignedAt)+"  "+strings.TrimSpace(who), bodySize, false)
	}
	return d.bytes()
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// document is a PDF being written from the top margin down; fpdf breaks
// the pages.
type document struct {
	pdf *fpdf.Fpdf
}

func newDocument(title string, created time.Time) (*document, error) {
	if created.IsZero() {
		// fpdf would stamp the time of rendering; keep the output a function of its input.
		created = time.Unix(0, 0)
	}
	pdf := fpdf.New("P", "pt", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.SetCellMargin(0)
	pdf.SetCatalogSort(true)
	pdf.SetProducer("signing", false)
	pdf.SetTitle(title, true)
	pdf.SetCreationDate(created.UTC())
	pdf.SetModificationDate(created.UTC())
	pdf.AddUTF8FontFromBytes(family, "", regularTTF)
	pdf.AddUTF8FontFromBytes(family, "B", boldTTF)
	pdf.AddPage()
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("signingpdf: %w", err)
	}
	return &document{pdf: pdf}, nil
}

// text writes s in lines that fit between the margins, breaking at spaces
// where it can and indenting the lines after the first.
func (d *document) text(s string, size float64, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	d.pdf.SetFont(family, style, size)
	width, _ := d.pdf.GetPageSize()
	width -= 2 * margin
	s = printable(s)
	lines := d.pdf.SplitText(s, width)
	if len(lines) > 1 {
		rest := strings.TrimLeft(s[len(lines[0]):], " ")
		lines = lines[:1]
		for _, ln := range d.pdf.SplitText(rest, width-d.pdf.GetStringWidth(indent)) {
			lines = append(lines, indent+ln)
		}
	}
	for _, ln := range lines {
		d.pdf.CellFormat(0, size*leading, ln, "", 1, "L", false, 0, "")
	}
}

// blank leaves a line of body text empty.
func (d *document) blank() { d.pdf.Ln(bodySize * leading) }

func (d *document) bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := d.pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("signingpdf: %w", err)
	}
	return conformantToUnicode(b.Bytes())
}

// fpdf's trailer and its fonts' references to their ToUnicode maps.
var (
	fpdfTrailer = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`trailer\n<<\n/Size (\d+)\n/Root (\d+) 0 R\n/Info (\d+) 0 R\n>>\nstartxref\n(\d+)\n%%EOF\n$`)
	})
	toUnicodeRef = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`/ToUnicode (\d+) 0 R`) })
)

// conformantToUnicode appends to a PDF of fpdf an incremental update
// (ISO 32000-1, 7.5.6) that gives each font a ToUnicode map readers agree
// on. fpdf (v0.12.0) maps every code in one range, <0000> <FFFF> <0000>,
// which ISO 32000-1 9.10.3 leaves undefined past the range's last byte:
// some readers (PDFium, so Chrome's viewer; veraPDF refuses it) then copy or
// find only Latin-1, not the letters this renderer embeds the font for.
// The map it writes instead is the same identity, in ranges of 256 codes.
func conformantToUnicode(pdf []byte) ([]byte, error) {
	t := fpdfTrailer().FindSubmatch(pdf)
	refs := toUnicodeRef().FindAllSubmatch(pdf, -1)
	if t == nil || len(refs) == 0 {
		return nil, fmt.Errorf("signingpdf: the PDF's trailer or ToUnicode maps are not where fpdf writes them")
	}
	cmap := identityCMap()
	b := bytes.NewBuffer(pdf)
	var xref strings.Builder
	xref.WriteString("xref\n0 1\n0000000000 65535 f \n")
	for _, ref := range refs {
		fmt.Fprintf(&xref, "%s 1\n%010d 00000 n \n", ref[1], b.Len())
		fmt.Fprintf(b, "%s 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n%s\nendstream\nendobj\n", ref[1], len(cmap), cmap)
	}
	start := b.Len()
	b.WriteString(xref.String())
	fmt.Fprintf(b, "trailer\n<<\n/Size %s\n/Root %s 0 R\n/Info %s 0 R\n/Prev %s\n>>\nstartxref\n%d\n%%%%EOF\n", t[1], t[2], t[3], t[4], start)
	return b.Bytes(), nil
}

// identityCMap is a compressed ToUnicode CMap that maps each two-byte code
// (a UTF-16 code unit, as fpdf writes text) to itself.
var identityCMap = sync.OnceValue(func() []byte {
	var ranges []string
	for hi := 0; hi <= 0xff; hi++ {
		if hi >= 0xd8 && hi <= 0xdf {
			continue // surrogates: fpdf writes no letter outside the BMP
		}
		ranges = append(ranges, fmt.Sprintf("<%02X00> <%02XFF> <%02X00>", hi, hi, hi))
	}
	var s strings.Builder
	s.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(ranges) > 0 {
		n := min(len(ranges), 100) // at most 100 entries a block
		fmt.Fprintf(&s, "%d beginbfrange\n%s\nendbfrange\n", n, strings.Join(ranges[:n], "\n"))
		ranges = ranges[n:]
	}
	s.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	_, _ = w.Write([]byte(s.String()))
	_ = w.Close()
	return z.Bytes()
})

// printable returns s composed (NFC, so a letter typed as a base and a
// combining mark finds its precomposed glyph), with control characters as
// spaces and letters the fonts lack as '?'.
func printable(s string) string {
	var buf sfnt.Buffer
	var b strings.Builder
	for _, r := range norm.NFC.String(s) {
		switch {
		case unicode.IsControl(r):
			r = ' '
		case !hasGlyph(&buf, r):
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fonts are the embedded fonts, parsed to ask which letters they have.
var fonts = sync.OnceValue(func() []*sfnt.Font {
	var fonts []*sfnt.Font
	for _, ttf := range [][]byte{regularTTF, boldTTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			panic(fmt.Sprintf("signingpdf: embedded font: %v", err))
		}
		fonts = append(fonts, f)
	}
	return fonts
})

// hasGlyph reports whether every font has a glyph for r.
func hasGlyph(buf *sfnt.Buffer, r rune) bool {
	if r >= ' ' && r < 0x7f {
		return true
	}
	for _, f := range fonts() {
		if i, err := f.GlyphIndex(buf, r); err != nil || i == 0 {
			return false
		}
	}
	return true
}

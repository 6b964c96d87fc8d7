package privacy

import (
	"bytes"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-pdf/fpdf"
)

// Fonts of the PDF documents (licences in fonts/LICENSES.txt). DejaVu Sans
// covers Latin, Greek, Cyrillic, Arabic, Hebrew and more; Chinese, Japanese
// and Korean text is set in Droid Sans Fallback. Only the glyphs used are
// embedded in a document (fpdf subsets TrueType fonts), so a report stays
// small whatever the font files weigh.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
	//go:embed fonts/DroidSansFallback.ttf
	fontCJK []byte
)

const (
	famMain = "dejavu"
	famCJK  = "droid"
)

// doc is a simple flowing PDF document: headings, paragraphs and
// label/value lines, with Chinese, Japanese and Korean runs switched to the
// fallback font.
type doc struct {
	pdf     *fpdf.Fpdf
	cjk     bool // fallback font added
	r, g, b int  // house colour of headings
}

// newDoc starts an A4 document; colour is the house colour (#rrggbb) or "".
func newDoc(title, colour, footer string) *doc {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(plane0(title), true)
	pdf.SetCreator("postbode", true)
	pdf.AddUTF8FontFromBytes(famMain, "", fontRegular)
	pdf.AddUTF8FontFromBytes(famMain, "B", fontBold)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("")
	d := &doc{pdf: pdf, r: 0x1d, g: 0x4e, b: 0xd8}
	if len(colour) == 7 && colour[0] == '#' {
		if v, err := strconv.ParseUint(colour[1:], 16, 32); err == nil {
			d.r, d.g, d.b = int(v>>16), int(v>>8&0xff), int(v&0xff)
		}
	}
	pdf.SetFooterFunc(func() {
		pdf.SetY(-13)
		pdf.SetFont(famMain, "", 7.5)
		pdf.SetTextColor(110, 110, 110)
		d.cell(0, 6, fmt.Sprintf("%s · %d/{nb}", footer, pdf.PageNo()))
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	return d
}

// isCJK: runes set in the fallback font.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// runs splits s into pieces of one font each.
func runs(s string) (parts []string, cjk []bool) {
	start, cur := 0, false
	for i, r := range s {
		c := isCJK(r)
		if i > 0 && c != cur {
			parts, cjk = append(parts, s[start:i]), append(cjk, cur)
			start = i
		}
		cur = c
	}
	if start < len(s) {
		parts, cjk = append(parts, s[start:]), append(cjk, cur)
	}
	return parts, cjk
}

// plane0 replaces each character beyond the Basic Multilingual Plane (an
// emoji in a name a person typed, say) with U+FFFD: the PDF library measures
// text with a table of the first 65,536 code points and panics past it, and
// neither font draws those characters.
func plane0(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r > 0xFFFF }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r > 0xFFFF {
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

// write flows s (wrapping at the right margin) in style ("" or "B") and size.
func (d *doc) write(h float64, s, style string, size float64) {
	parts, cjk := runs(plane0(s))
	for i, p := range parts {
		if cjk[i] {
			if !d.cjk {
				d.pdf.AddUTF8FontFromBytes(famCJK, "", fontCJK)
				d.cjk = true
			}
			d.pdf.SetFont(famCJK, "", size)
		} else {
			d.pdf.SetFont(famMain, style, size)
		}
		d.pdf.Write(h, p)
	}
	d.pdf.SetFont(famMain, style, size)
}

// cell writes one unwrapped line (footers).
func (d *doc) cell(w, h float64, s string) {
	d.pdf.CellFormat(w, h, plane0(s), "", 0, "C", false, 0, "")
}

// title writes the document title.
func (d *doc) title(s string) {
	d.pdf.SetTextColor(d.r, d.g, d.b)
	d.write(10, s, "B", 18)
	d.pdf.SetTextColor(0, 0, 0)
	d.pdf.Ln(11)
}

// heading starts a section, on a new page when little room is left.
func (d *doc) heading(s string) {
	_, pageH := d.pdf.GetPageSize()
	if d.pdf.GetY() > pageH-50 {
		d.pdf.AddPage()
	}
	d.pdf.Ln(3)
	d.pdf.SetTextColor(d.r, d.g, d.b)
	d.write(7, s, "B", 13)
	d.pdf.SetTextColor(0, 0, 0)
	d.pdf.Ln(7)
	x, y := d.pdf.GetXY()
	left, _, right, _ := d.pdf.GetMargins()
	pageW, _ := d.pdf.GetPageSize()
	d.pdf.SetDrawColor(d.r, d.g, d.b)
	d.pdf.Line(left, y, pageW-right, y)
	d.pdf.SetXY(x, y+1.5)
}

// subheading names one row or item of a section.
func (d *doc) subheading(s string) {
	d.pdf.Ln(1)
	d.write(5.5, s, "B", 10)
	d.pdf.Ln(5.5)
}

// para writes a paragraph.
func (d *doc) para(s string) {
	d.write(5, s, "", 9.5)
	d.pdf.Ln(6)
}

// field writes "label: value" with the label in bold; multi-line values
// are indented below the label.
func (d *doc) field(label, value string) {
	left, _, _, _ := d.pdf.GetMargins()
	d.pdf.SetX(left + 3)
	d.write(5, label+": ", "B", 9)
	lines := strings.Split(value, "\n")
	d.write(5, lines[0], "", 9)
	d.pdf.Ln(5)
	for _, l := range lines[1:] {
		d.pdf.SetX(left + 8)
		d.write(5, l, "", 9)
		d.pdf.Ln(5)
	}
}

// bullet writes an item of a list.
func (d *doc) bullet(s string) {
	left, _, _, _ := d.pdf.GetMargins()
	d.pdf.SetX(left + 3)
	d.write(5, "• "+s, "", 9.5)
	d.pdf.Ln(5.5)
}

func (d *doc) bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := d.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("privacy: pdf: %w", err)
	}
	return buf.Bytes(), nil
}

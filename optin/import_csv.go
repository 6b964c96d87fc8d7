package optin

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/strictjson"
)

// csvReader reads a CSV with a header row that names an "email" column;
// the delimiter (comma, semicolon as Excel writes in Dutch locales, or tab)
// is told from the header line (see csvDelimiter);
// "name" fills the name, every other column becomes an attribute. A mapping
// (the import's EmailColumn, NameColumn) names other columns for both.
//
// Records are split by physical lines, joining lines only while a quoted
// field that opens on a record's first line is open (up to maxRecordLines
// lines and maxRecordBytes), and only when the joined record reads as one
// row (see span): a quote that is not closed costs its row, reported with
// its column, never the rows after it. The reader resynchronises at the
// line after the broken one.
type csvReader struct {
	br     *bufio.Reader
	line   int64
	header []string
	comma  byte
	email  int
	name   int
	fields []string
	// export: the header is the contacts export's (contacts.ExportColumns):
	// the attributes column is JSON, the store's own columns are skipped.
	export bool
	// pending holds lines read ahead and given back after a broken quote.
	pending []line
}

func newCSVReader(in io.Reader, emailCol, nameCol string) (*csvReader, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	if err := checkEncoding(br); err != nil {
		return nil, err
	}
	if peek, _ := br.Peek(maxHeaderBytes); len(peek) == maxHeaderBytes && !bytes.ContainsRune(peek, '\n') {
		// Without its header no row can be read: the file is refused.
		return nil, fmt.Errorf("row 1: the header line is longer than %d KiB, the limit of a header line (is the first line the column names?)", maxHeaderBytes>>10)
	}
	c := &csvReader{br: br, email: -1, name: -1}
	seen := map[string]int{}
	_, lines, err := c.record()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("row 1: the file is empty: it has no header line with the column names")
	}
	if err != nil {
		return nil, fmt.Errorf("row 1: cannot read the header: %w", err)
	}
	rec := joinLines(lines)
	if strings.Count(rec, `"`)%2 == 1 {
		return nil, errors.New("row 1: the header has a quote that is not closed")
	}
	if c.comma, err = csvDelimiter(rec, emailCol, nameCol); err != nil {
		return nil, err
	}
	head, perr := splitCSV(rec, c.comma, nil)
	if perr != "" {
		return nil, fmt.Errorf("row 1: cannot read the header: %s", perr)
	}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		if !utf8.ValidString(h) {
			return nil, fmt.Errorf("row 1: header is not valid UTF-8 (save the file as UTF-8)")
		}
		if p := errs.TextProblem(h); p != "" {
			return nil, fmt.Errorf("row 1: header column %d %s", i+1, p)
		}
		if strings.ContainsRune(h, '\r') {
			// Read by line feeds, such a file is one header line and no rows.
			return nil, fmt.Errorf("row 1: the lines end in a carriage return alone (as \"CSV (Macintosh)\" saves them), so the header runs into the rows; save the file with line feeds (LF or CRLF)")
		}
		if strings.IndexFunc(h, func(r rune) bool { return r != '\t' && unicode.IsControl(r) }) >= 0 {
			return nil, fmt.Errorf("row 1: header column %d holds a control character", i+1)
		}
		c.header = append(c.header, h)
		key := h
		switch csvRole(h, emailCol, nameCol) {
		case "email":
			c.email, key = i, "email"
		case "name":
			c.name, key = i, "name"
		}
		if j, dup := seen[key]; dup && key != "" {
			// Which of the two holds the value would be a guess.
			return nil, fmt.Errorf("row 1: header column %d (%s) repeats column %d", i+1, h, j+1)
		}
		seen[key] = i
	}
	if c.email < 0 && emailCol != "" {
		return nil, fmt.Errorf("row 1: header has no column %q (the email column)", emailCol)
	}
	if c.email < 0 {
		return nil, fmt.Errorf("row 1: header has no email column")
	}
	if c.name < 0 && nameCol != "" {
		return nil, fmt.Errorf("row 1: header has no column %q (the name column)", nameCol)
	}
	c.export = slices.Equal(c.header, contacts.ExportColumns()) && c.header[c.email] == "email" && c.header[c.name] == "name"
	return c, nil
}

// csvDelimiters are the delimiters a header line may use, by name.
var csvDelimiters = []struct {
	c    byte
	name string
}{{',', "commas"}, {';', "semicolons"}, {'\t', "tabs"}}

// csvDelimiter tells the delimiter from the header line: the one of comma,
// semicolon and tab that occurs outside quotes. When more than one does,
// the one whose split yields the email column wins; when that is still not
// one, the file is refused rather than read with a guess. A header of one
// column is read with commas.
func csvDelimiter(header, emailCol, nameCol string) (byte, error) {
	var found []int
	for i, d := range csvDelimiters {
		if countOutsideQuotes(header, d.c) > 0 {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return ',', nil
	case 1:
		return csvDelimiters[found[0]].c, nil
	}
	var names, fits []string
	var fit byte
	for _, i := range found {
		d := csvDelimiters[i]
		names = append(names, d.name)
		head, perr := splitCSV(header, d.c, nil)
		if perr != "" {
			continue
		}
		for _, h := range head {
			if csvRole(strings.ToLower(strings.TrimSpace(h)), emailCol, nameCol) == "email" {
				fits, fit = append(fits, d.name), d.c
				break
			}
		}
	}
	if len(fits) == 1 {
		return fit, nil
	}
	return 0, fmt.Errorf("row 1: the header has %s outside quotes; cannot tell which separates the columns (save the file with one delimiter: comma, semicolon or tab)",
		strings.Join(names, " and "))
}

// countOutsideQuotes counts c in s outside double-quoted stretches.
func countOutsideQuotes(s string, c byte) int {
	n, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case c:
			if !quoted {
				n++
			}
		}
	}
	return n
}

// csvRole says whether header h (lower case) is the email or the name
// column: the mapped column when one is given, else the usual names.
func csvRole(h, emailCol, nameCol string) string {
	emailCol, nameCol = strings.ToLower(strings.TrimSpace(emailCol)), strings.ToLower(strings.TrimSpace(nameCol))
	switch {
	case emailCol != "" && h == emailCol, emailCol == "" && (h == "email" || h == "e-mail" || h == "email_address"):
		return "email"
	case nameCol != "" && h == nameCol, nameCol == "" && h == "name":
		return "name"
	}
	return ""
}

// record returns the lines of the next record and the row (line) it starts
// on. A record spans lines only while a quoted field that opens on its
// first line is open, up to maxRecordLines lines and maxRecordBytes; Next
// checks that it ends where a record may end (span). Before the delimiter
// is known (the header), any odd quote opens a field.
func (c *csvReader) record() (int64, []line, error) {
	for {
		first, err := c.readLine()
		if err != nil {
			return 0, nil, err
		}
		c.line++
		start := c.line
		if first.text == "" && !first.long {
			continue // blank line
		}
		lines := []line{first}
		if first.long || !c.opensQuote(first.text) {
			return start, lines, nil
		}
		quotes, size := strings.Count(first.text, `"`), len(first.text)
		for quotes%2 == 1 && len(lines) < maxRecordLines && size < maxRecordBytes {
			more, err := c.readLine()
			if err == io.EOF {
				break
			}
			if err != nil {
				return 0, nil, err
			}
			c.line++
			lines = append(lines, more)
			if more.long {
				break
			}
			quotes, size = quotes+strings.Count(more.text, `"`), size+len(more.text)
		}
		return start, lines, nil
	}
}

// opensQuote says whether s ends inside a quoted field that opens at the
// start of one of its fields (a stray quote inside an unquoted field is a
// row error of its own line, and joins nothing).
func (c *csvReader) opensQuote(s string) bool {
	if c.comma == 0 {
		return strings.Count(s, `"`)%2 == 1
	}
	_, perr := splitCSV(s, c.comma, nil)
	return perr == errQuoteOpen
}

// span returns the fields of a record of more than one line, or false when
// the quote that opens on its first line does not end where a record may
// end: never closed (within the bounds, or before the end of the file), or
// closed so that the joined record does not read as one row (a problem
// with its quoting, another number of fields than the header), or closed
// after a line that reads as a row of its own (an address in the email
// column): rows a stray quote would swallow. Such a record is not joined:
// its first line is a row error and the lines after it are read again.
func (c *csvReader) span(lines []line) ([]string, bool) {
	last := lines[len(lines)-1]
	if last.long {
		return nil, false
	}
	rec := joinLines(lines)
	if strings.Count(rec, `"`)%2 == 1 {
		return nil, false
	}
	fields, perr := splitCSV(rec, c.comma, c.fields)
	c.fields = fields
	if perr != "" || len(fields) != len(c.header) {
		return nil, false
	}
	for _, l := range lines[1:] {
		cells := strings.Split(l.text, string(c.comma))
		if c.email < len(cells) {
			if _, err := contacts.NormalizeEmail("email", strings.Trim(cells[c.email], ` "`)); err == nil {
				return nil, false
			}
		}
	}
	return fields, true
}

// quoteNotClosed gives back the lines after the first of a record whose
// quote does not close (span) and reports its row and column.
func (c *csvReader) quoteNotClosed(start int64, lines []line) error {
	c.pending = append(append([]line(nil), lines[1:]...), c.pending...)
	c.line -= int64(len(lines) - 1)
	before, _ := splitCSV(lines[0].text, c.comma, nil)
	col := len(before) + 1
	re := jobs.RowError{Row: start, Reason: fmt.Sprintf("quote not closed: the quoted field in column %d does not end on this row", col)}
	if col <= len(c.header) {
		re.Field = c.header[col-1]
	}
	return &rowErrWrap{re}
}

func joinLines(lines []line) string {
	if len(lines) == 1 {
		return lines[0].text
	}
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.text
	}
	return strings.Join(texts, "\n")
}

func (c *csvReader) readLine() (line, error) {
	if len(c.pending) > 0 {
		l := c.pending[0]
		c.pending = c.pending[1:]
		return l, nil
	}
	return readLine(c.br, maxRecordBytes)
}

// errQuoteOpen is splitCSV's problem of a record that ends inside quotes.
const errQuoteOpen = "a quoted field is never closed"

// splitCSV splits one record per RFC 4180 with delimiter comma: quoted
// fields with "" escapes. It returns a reason when the quoting is broken.
func splitCSV(rec string, comma byte, dst []string) ([]string, string) {
	dst = dst[:0]
	if !strings.Contains(rec, `"`) {
		return append(dst, strings.Split(rec, string(comma))...), ""
	}
	for i := 0; ; {
		if i < len(rec) && rec[i] == '"' {
			var b strings.Builder
			j := i + 1
			for {
				k := strings.IndexByte(rec[j:], '"')
				if k < 0 {
					return dst, errQuoteOpen
				}
				b.WriteString(rec[j : j+k])
				j += k + 1
				if j < len(rec) && rec[j] == '"' {
					b.WriteByte('"')
					j++
					continue
				}
				break
			}
			dst = append(dst, b.String())
			if j == len(rec) {
				return dst, ""
			}
			if rec[j] != comma {
				return dst, "text after a closing quote"
			}
			i = j + 1
			continue
		}
		k := strings.IndexByte(rec[i:], comma)
		field := rec[i:]
		if k >= 0 {
			field = rec[i : i+k]
		}
		if strings.Contains(field, `"`) {
			return dst, "a quote inside an unquoted field"
		}
		dst = append(dst, field)
		if k < 0 {
			return dst, ""
		}
		i += k + 1
	}
}

func (c *csvReader) Next() (importRow, error) {
	start, lines, err := c.record()
	if err != nil {
		return importRow{}, err
	}
	row := importRow{Row: start}
	if lines[0].long {
		return row, errLongLine(start)
	}
	var fields []string
	if len(lines) > 1 {
		var ok bool
		if fields, ok = c.span(lines); !ok {
			return row, c.quoteNotClosed(start, lines)
		}
	} else {
		var perr string
		fields, perr = splitCSV(lines[0].text, c.comma, c.fields)
		c.fields = fields
		if perr == errQuoteOpen {
			return row, c.quoteNotClosed(start, lines)
		}
		if perr != "" {
			return row, &rowErrWrap{jobs.RowError{Row: start, Reason: "broken CSV quoting: " + perr}}
		}
	}
	if len(fields) != len(c.header) {
		return row, &rowErrWrap{jobs.RowError{Row: start, Reason: fmt.Sprintf("has %d fields, the header has %d", len(fields), len(c.header))}}
	}
	for i, v := range fields {
		if !utf8.ValidString(v) {
			return row, &rowErrWrap{jobs.RowError{Row: start, Field: c.header[i], Reason: "is not valid UTF-8 (save the file as UTF-8)"}}
		}
		// A cell an export defused against spreadsheet formulas holds
		// the value without the quote before it.
		v = httpapi.CSVValue(v)
		switch {
		case i == c.email:
			row.Email = v
		case i == c.name:
			row.Name = strings.TrimSpace(v)
		case c.export:
			if c.header[i] == "attributes" && v != "" {
				if err := strictjson.Decode([]byte(v), &row.Attributes); err != nil {
					return row, &rowErrWrap{jobs.RowError{Row: start, Field: "attributes", Reason: "is not a JSON object (the attributes column of an export)"}}
				}
			}
		default:
			if v = strings.TrimSpace(v); v != "" && c.header[i] != "" {
				if row.Attributes == nil {
					row.Attributes = map[string]any{}
				}
				row.Attributes[c.header[i]] = v
			}
		}
	}
	return row, nil
}

package optin

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/strictjson"
)

// importRow is one parsed input row before validation.
type importRow struct {
	Row        int64
	Email      string
	Name       string
	Attributes map[string]any
}

// rowReader yields rows one at a time; a row-level problem comes back as a
// *jobs.RowError with the row still advancing; io.EOF ends the input; any
// other error aborts.
type rowReader interface {
	Next() (importRow, error)
}

// rowErrWrap carries a row-level problem through the error return.
type rowErrWrap struct{ jobs.RowError }

func asRowErr(err error) (jobs.RowError, bool) {
	var re *rowErrWrap
	if errors.As(err, &re) {
		return re.RowError, true
	}
	return jobs.RowError{}, false
}

func (e *rowErrWrap) Error() string { return e.Reason }

// csvReader reads a CSV with a header row that names an "email" column;
// the delimiter (comma, semicolon as Excel writes in Dutch locales, or tab)
// is told from the header line (see csvDelimiter);
// "name" fills the name, every other column becomes an attribute. A mapping
// (the import's EmailColumn, NameColumn) names other columns for both.
//
// Records are split by physical lines, joining lines only while a quoted
// field is open (up to maxRecordLines), so one broken quote costs one row,
// not the rest of the file: the reader resynchronises at the next line.
type csvReader struct {
	br     *bufio.Reader
	line   int64
	header []string
	comma  byte
	email  int
	name   int
	fields []string
	// pending holds lines read ahead and given back after a broken quote.
	pending []string
}

const (
	maxRecordLines = 50
	maxRecordBytes = 1 << 20
	// maxHeaderBytes bounds the header line the delimiter is told from.
	maxHeaderBytes = 64 << 10
)

func newCSVReader(in io.Reader, emailCol, nameCol string) (*csvReader, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	if err := checkEncoding(br); err != nil {
		return nil, err
	}
	if peek, _ := br.Peek(maxHeaderBytes); len(peek) == maxHeaderBytes && !bytes.ContainsRune(peek, '\n') {
		return nil, fmt.Errorf("row 1: the header line is longer than %d KiB", maxHeaderBytes>>10)
	}
	c := &csvReader{br: br, email: -1, name: -1}
	seen := map[string]int{}
	_, rec, err := c.record()
	if err != nil {
		return nil, fmt.Errorf("row 1: cannot read the header: %w", err)
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

// record returns the next record's text (without the final line break) and
// the line it starts on; a record spans lines only inside quotes.
func (c *csvReader) record() (int64, string, error) {
	for {
		first, err := c.readLine()
		if err != nil {
			return 0, "", err
		}
		c.line++
		start := c.line
		if first == "" {
			continue // blank line
		}
		if strings.Count(first, `"`)%2 == 0 {
			return start, first, nil
		}
		// An open quote: join following lines until it closes.
		lines := []string{first}
		quotes, size := strings.Count(first, `"`), len(first)
		for quotes%2 == 1 && len(lines) < maxRecordLines && size < maxRecordBytes {
			more, err := c.readLine()
			if err != nil {
				break
			}
			c.line++
			lines = append(lines, more)
			quotes, size = quotes+strings.Count(more, `"`), size+len(more)
		}
		if quotes%2 == 1 {
			// Give back the lines after the first: resynchronise right after it.
			c.pending = append(append([]string(nil), lines[1:]...), c.pending...)
			c.line -= int64(len(lines) - 1)
			return start, "", &rowErrWrap{jobs.RowError{Row: start, Reason: "broken CSV quoting: a quoted field is never closed"}}
		}
		return start, strings.Join(lines, "\n"), nil
	}
}

func (c *csvReader) readLine() (string, error) {
	if len(c.pending) > 0 {
		l := c.pending[0]
		c.pending = c.pending[1:]
		return l, nil
	}
	line, err := c.br.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

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
					return dst, "a quoted field is never closed"
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

// checkEncoding refuses UTF-16/32 files up front and skips a UTF-8 BOM.
func checkEncoding(br *bufio.Reader) error {
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return errors.New("file is UTF-16; save it as UTF-8")
	case len(head) >= 2 && (head[0] == 0 || head[1] == 0):
		return errors.New("file is not text in UTF-8 (NUL bytes at the start)")
	}
	return nil
}

func (c *csvReader) Next() (importRow, error) {
	start, rec, err := c.record()
	if err != nil {
		return importRow{}, err
	}
	row := importRow{Row: start}
	fields, perr := splitCSV(rec, c.comma, c.fields)
	c.fields = fields
	if perr != "" {
		return row, &rowErrWrap{jobs.RowError{Row: start, Reason: "broken CSV quoting: " + perr}}
	}
	if len(fields) != len(c.header) {
		return row, &rowErrWrap{jobs.RowError{Row: start, Reason: fmt.Sprintf("has %d fields, the header has %d", len(fields), len(c.header))}}
	}
	for i, v := range fields {
		if !utf8.ValidString(v) {
			return row, &rowErrWrap{jobs.RowError{Row: start, Field: c.header[i], Reason: "is not valid UTF-8 (save the file as UTF-8)"}}
		}
		switch i {
		case c.email:
			row.Email = v
		case c.name:
			row.Name = strings.TrimSpace(v)
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

// ndjsonReader reads one JSON object per line: {"email", "name", "attributes"}.
type ndjsonReader struct {
	s    *bufio.Scanner
	line int64
}

func newNDJSONReader(in io.Reader) (*ndjsonReader, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	if err := checkEncoding(br); err != nil {
		return nil, err
	}
	s := bufio.NewScanner(br)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	return &ndjsonReader{s: s}, nil
}

func (n *ndjsonReader) Next() (importRow, error) {
	for n.s.Scan() {
		n.line++
		b := bytes.TrimSpace(n.s.Bytes())
		if len(b) == 0 {
			continue
		}
		row := importRow{Row: n.line}
		var v struct {
			Email      string         `json:"email"`
			Name       string         `json:"name"`
			Attributes map[string]any `json:"attributes"`
		}
		if err := strictjson.Decode(b, &v); err != nil {
			return row, &rowErrWrap{ndjsonRowError(n.line, err)}
		}
		row.Email, row.Name, row.Attributes = v.Email, strings.TrimSpace(v.Name), v.Attributes
		return row, nil
	}
	if err := n.s.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return importRow{}, fmt.Errorf("row %d: line longer than 1 MiB", n.line+1)
		}
		return importRow{}, err
	}
	return importRow{}, io.EOF
}

// ndjsonRowError words a decoding problem of one NDJSON line.
func ndjsonRowError(line int64, err error) jobs.RowError {
	var fe *errs.Error
	switch {
	case errors.As(err, &fe):
		return jobs.RowError{Row: line, Field: fe.Field, Reason: fe.Message}
	case errors.Is(err, strictjson.ErrTrailing):
		return jobs.RowError{Row: line, Reason: "malformed JSON: more than one value on the line"}
	}
	if field, msg, ok := strictjson.TypeProblem(err); ok {
		if field == "" {
			msg = "the line " + msg
		}
		return jobs.RowError{Row: line, Field: field, Reason: msg}
	}
	return jobs.RowError{Row: line, Reason: "malformed JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
}

package optin

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

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

// line is one physical line of an import file, without its line break;
// long says it was longer than maxRecordBytes (its text is then dropped).
type line struct {
	text string
	long bool
}

const (
	maxRecordLines = 50
	// maxRecordBytes bounds a line of either format and a CSV record.
	maxRecordBytes = 1 << 20
	// maxHeaderBytes bounds the header line the delimiter is told from.
	maxHeaderBytes = 64 << 10
)

// errLongLine is the row error of a line over maxRecordBytes.
func errLongLine(row int64) error {
	return &rowErrWrap{jobs.RowError{Row: row, Reason: fmt.Sprintf("the line is longer than %d MiB, the limit of a row", maxRecordBytes>>20)}}
}

// readLine reads the next line of br, at most max bytes kept: the rest of
// a longer line is read past and dropped, so one over-long line costs its
// row and never holds more than max bytes in memory. A final line without
// a line break is a line; io.EOF comes only when nothing is left. A CRLF
// ending loses its CR.
func readLine(br *bufio.Reader, max int) (line, error) {
	var buf []byte
	long, got := false, false
	for {
		frag, err := br.ReadSlice('\n')
		got = got || len(frag) > 0
		if !long && len(buf)+len(frag) > max+2 { // +2: the CRLF
			long, buf = true, nil
		}
		if !long {
			buf = append(buf, frag...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && got {
			break
		}
		if err != nil {
			return line{}, err
		}
		break
	}
	text := strings.TrimSuffix(strings.TrimSuffix(string(buf), "\n"), "\r")
	if long || len(text) > max {
		return line{long: true}, nil
	}
	return line{text: text}, nil
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

// ndjsonReader reads one JSON object per line: {"email", "name", "attributes"}.
// A line over maxRecordBytes is a row error; the lines after it are read.
type ndjsonReader struct {
	br   *bufio.Reader
	line int64
}

func newNDJSONReader(in io.Reader) (*ndjsonReader, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	if err := checkEncoding(br); err != nil {
		return nil, err
	}
	return &ndjsonReader{br: br}, nil
}

func (n *ndjsonReader) Next() (importRow, error) {
	for {
		l, err := readLine(n.br, maxRecordBytes)
		if err != nil {
			return importRow{}, err
		}
		n.line++
		row := importRow{Row: n.line}
		if l.long {
			return row, errLongLine(n.line)
		}
		b := bytes.TrimSpace([]byte(l.text))
		if len(b) == 0 {
			continue
		}
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

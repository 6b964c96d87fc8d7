package bounces

import (
	"bytes"
	"io"
	"mime"
	"strings"
)

// The MIME structure of a bounce is read in place: a header is a short
// list of the fields Parse reads, and the parts of a multipart are slices
// of the message itself, so that a standard DSN costs a few allocations,
// not a copy of every part and a map of every header.

// hfield is one header field: the name as the message spells it and the
// unfolded value.
type hfield struct{ name, value string }

// header is the fields of one header block that Parse reads, in message
// order.
type header []hfield

// Get returns the value of the first field named k (case-insensitive, RFC
// 5322 section 1.2.2), or "".
func (h header) Get(k string) string {
	for _, f := range h {
		if strings.EqualFold(f.name, k) {
			return f.value
		}
	}
	return ""
}

// partFields are the fields read from the header of a MIME part: its media
// type and its transfer encoding.
var partFields = map[string]bool{"content-type": true, "content-transfer-encoding": true}

// contentType is the media type of an entity (RFC 2045 section 5),
// lower-case, with its parameters: text/plain when the field is missing
// (section 5.2), the field's value as it stands when it does not parse.
// Parameters in RFC 2047 encoded words are decoded when their charset is
// UTF-8 or US-ASCII.
func contentType(h header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if v == "" {
		return "text/plain", nil
	}
	if mt, ok := plainMediaType(v); ok {
		return mt, nil
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		return v, nil
	}
	for k, p := range params {
		if strings.Contains(p, "=?") {
			d := mime.WordDecoder{CharsetReader: utf8Only}
			if s, err := d.DecodeHeader(p); err == nil {
				params[k] = s
			}
		}
	}
	return mt, params
}

// plainMediaType reads a Content-Type value without parameters, in ASCII:
// "type/subtype" of RFC 2045 tokens, as mime.ParseMediaType would, without
// its allocations. ok is false for anything else.
func plainMediaType(v string) (string, bool) {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= 0x80 || c == ';' {
			return "", false
		}
	}
	mt := strings.TrimSpace(v)
	slash := strings.IndexByte(mt, '/')
	if slash <= 0 || slash == len(mt)-1 {
		return "", false
	}
	for i := 0; i < len(mt); i++ {
		if i != slash && !isTokenByte(mt[i]) {
			return "", false
		}
	}
	return asciiLower(mt), true
}

// isTokenByte reports whether c may stand in an RFC 2045 token.
func isTokenByte(c byte) bool {
	return c > 0x20 && c < 0x7f && !strings.ContainsRune(`()<>@,;:\"/[]?=`, rune(c))
}

// utf8Only decodes the encoded words of the charsets that need no
// conversion; any other charset is an error, which leaves the word as it
// stands.
func utf8Only(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "us-ascii":
		return r, nil
	}
	return nil, errUnknownCharset
}

// errUnknownCharset is utf8Only's refusal.
var errUnknownCharset = mimeError("unhandled charset")

type mimeError string

func (e mimeError) Error() string { return string(e) }

// multipart iterates over the parts of a multipart body (RFC 2046 section
// 5.1.1) in place. It reads the body as Go's mime/multipart does: the
// preamble is skipped, the first delimiter line decides whether lines end
// in CRLF or a bare LF, a delimiter may be followed by white space, and a
// part's body is everything up to the line break before the next
// delimiter. A part header that is not a header, text between a part and
// the next delimiter, or a line longer than the reader's 4,096-byte buffer
// ends the walk with the parts read so far.
type multipart struct {
	b         []byte
	pos       int
	partsRead int
	done      bool
	nl        string // "\r\n", or "\n" once the first delimiter ends so
	dash      string // "--" boundary
	// lenient reads a part header line that continues a parameter list
	// without the leading white space of a folded line as the
	// continuation it is (see paramContinuation); repairs holds the
	// offsets of such lines in b.
	lenient bool
	repairs []int
}

// maxBoundaryLine is the longest line the multipart reader looks at
// between parts, the size of Go's multipart read buffer.
const maxBoundaryLine = 4096

func newMultipart(body []byte, boundary string) *multipart {
	return &multipart{b: body, nl: "\r\n", dash: "--" + boundary}
}

// next returns the header and body of the next part; ok is false at the
// end or at the first malformation.
func (r *multipart) next() (h header, body []byte, ok bool) {
	if r.done || r.dash == "--" {
		return nil, nil, false
	}
	expectNewPart := false
	for {
		line, eof, tooLong := r.readLine()
		if tooLong || eof { // the end, whether a final delimiter or not
			r.done = true
			return nil, nil, false
		}
		switch {
		case r.isDelimiter(line):
			r.partsRead++
			h, start, ok := readPartHeader(r.b, r.pos, r.lenient, &r.repairs)
			if !ok {
				r.done = true
				return nil, nil, false
			}
			end := r.bodyEnd(start)
			r.pos = end
			return h, r.b[start:end], true
		case r.isFinalBoundary(line):
			r.done = true
			return nil, nil, false
		case expectNewPart:
			r.done = true
			return nil, nil, false
		case r.partsRead == 0:
			continue // preamble
		case string(line) == r.nl:
			expectNewPart = true
		default:
			r.done = true
			return nil, nil, false
		}
	}
}

// readLine returns the line at pos, with its LF, and moves past it; eof
// is true when no LF ends it, tooLong when it would overflow the read
// buffer.
func (r *multipart) readLine() (line []byte, eof, tooLong bool) {
	rest := r.b[r.pos:]
	i := bytes.IndexByte(rest, '\n')
	switch {
	case i >= maxBoundaryLine || (i < 0 && len(rest) >= maxBoundaryLine):
		return nil, false, true
	case i < 0:
		r.pos = len(r.b)
		return rest, true, false
	}
	r.pos += i + 1
	return rest[:i+1], false, false
}

// isFinalBoundary reports whether line is "--boundary--", optionally
// followed by white space and the line break.
func (r *multipart) isFinalBoundary(line []byte) bool {
	if !bytes.HasPrefix(line, []byte(r.dash)) || !bytes.HasPrefix(line[len(r.dash):], []byte("--")) {
		return false
	}
	rest := skipLWSP(line[len(r.dash)+2:])
	return len(rest) == 0 || string(rest) == r.nl
}

// isDelimiter reports whether line is "--boundary" followed by optional
// white space and the line break; the first delimiter ending in a bare LF
// switches the reader to LF line ends.
func (r *multipart) isDelimiter(line []byte) bool {
	if !bytes.HasPrefix(line, []byte(r.dash)) {
		return false
	}
	rest := skipLWSP(line[len(r.dash):])
	if r.partsRead == 0 && len(rest) == 1 && rest[0] == '\n' {
		r.nl = "\n"
	}
	return string(rest) == r.nl
}

// bodyEnd is where the body that starts at start ends: at the line break
// before the next delimiter ("\r\n--boundary" followed by white space, a
// line break, a hyphen or the end of the data), or, when none follows, at
// the end of the data less a trailing beginning of one.
func (r *multipart) bodyEnd(start int) int {
	b := r.b
	from := start
	// The comparisons below convert only as many bytes as they compare,
	// which the compiler does without a copy.
	if rest := b[start:]; len(rest) >= len(r.dash) && string(rest[:len(r.dash)]) == r.dash {
		if boundaryEnds(b, start+len(r.dash)) {
			return start
		}
		from = start + len(r.dash)
	} else if len(rest) < len(r.dash) && r.dash[:len(rest)] == string(rest) {
		return start // the data ends in the beginning of a delimiter
	}
	nlDash := r.nl + r.dash
	// "--" and the boundary are searched for, and the line break checked
	// before them: a hyphen is rarer in text than a line break.
	for from+len(r.nl) <= len(b) {
		j := bytes.Index(b[from+len(r.nl):], []byte(r.dash))
		if j < 0 {
			break
		}
		i := from + j // where the line break before the hyphens would start
		if string(b[i:i+len(r.nl)]) != r.nl {
			from = i + 1
			continue
		}
		if boundaryEnds(b, i+len(nlDash)) {
			return i
		}
		from = i + len(nlDash)
	}
	if i := bytes.LastIndexByte(b[from:], r.nl[0]); i >= 0 && len(b)-(from+i) <= len(nlDash) && nlDash[:len(b)-(from+i)] == string(b[from+i:]) {
		return from + i
	}
	return len(b)
}

// boundaryEnds reports whether a delimiter ending at offset i of b is a
// whole one: followed by white space, a line break, "-" or nothing.
func boundaryEnds(b []byte, i int) bool {
	if i >= len(b) {
		return true
	}
	c := b[i]
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-'
}

func skipLWSP(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// readPartHeader reads the header of a MIME part at b[pos:] strictly (RFC
// 5322 section 2.2, as the MIME readers do): it ends at a blank line or the
// end of the data; a first line that is a continuation, a line without a
// colon, or a name with a byte outside printable ASCII is malformed (ok
// false). It keeps partFields and returns where the body starts.
//
// When lenient, a line that continues a field's parameter list without
// leading white space (paramContinuation) is read as a folded line, and
// its offset appended to *repairs.
func readPartHeader(b []byte, pos int, lenient bool, repairs *[]int) (h header, start int, ok bool) {
	if pos < len(b) && (b[pos] == ' ' || b[pos] == '\t') {
		return nil, 0, false
	}
	for {
		if pos >= len(b) {
			return h, len(b), true
		}
		line, next := headerLine(b, pos)
		if len(line) == 0 {
			return h, next, true
		}
		// The field with its continuation lines.
		first, last := pos, next
	folded:
		for last < len(b) {
			switch {
			case b[last] == ' ' || b[last] == '\t':
			case lenient && paramContinuation(b, last):
				*repairs = append(*repairs, last)
			default:
				break folded
			}
			_, last = headerLine(b, last)
		}
		pos = last
		// A line without a colon is malformed, and so is one whose colon
		// is on a continuation line: the name would run over the line
		// break, which is no name byte.
		i := bytes.IndexByte(line, ':')
		if i < 0 {
			return nil, 0, false
		}
		name := trimLWSP(line[:i])
		for _, c := range name {
			if c < 33 || c > 126 {
				return nil, 0, false
			}
		}
		if len(name) == 0 {
			continue
		}
		kept, ok := keptName(name, partFields)
		if !ok {
			continue
		}
		h = append(h, hfield{kept, unfoldValue(b[first+i+1 : last])})
	}
}

// paramContinuation reports whether the header line at b[at:] continues
// the parameter list of the line before it although it lacks the leading
// white space of a folded line: the line before ends in ";" and this one
// begins with "attribute=" (RFC 2045 section 5.1), as in
//
//	Content-Type: multipart/alternative;
//	boundary="b1"
//
// which some mail systems write. A strict reader takes such a line for a
// field without a colon and gives up on the whole multipart.
func paramContinuation(b []byte, at int) bool {
	prev := bytes.TrimRight(b[:at], "\r\n")
	prev = trimLWSP(prev)
	if len(prev) == 0 || prev[len(prev)-1] != ';' {
		return false
	}
	return startsParam(b[at:])
}

// startsParam reports whether line begins with "attribute=" (RFC 2045
// section 5.1).
func startsParam(line []byte) bool {
	n := 0
	for n < len(line) && isTokenByte(line[n]) {
		n++
	}
	return n > 0 && n < len(line) && line[n] == '='
}

// headerLine returns the line at b[pos:] without its line break (LF or
// CRLF) and the offset of the next line.
func headerLine(b []byte, pos int) ([]byte, int) {
	rest := b[pos:]
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		return rest, len(b)
	}
	line := rest[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, pos + i + 1
}

// unfoldValue is a field value with its lines trimmed of blanks and joined
// by one space (RFC 5322 section 2.2.3).
func unfoldValue(v []byte) string {
	var out []byte
	var one []byte // the only non-empty line so far
	n := 0
	for len(v) > 0 {
		line := v
		if i := bytes.IndexByte(v, '\n'); i >= 0 {
			line, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		line = trimLWSP(bytes.TrimSuffix(line, []byte("\r")))
		if len(line) == 0 {
			continue
		}
		switch n++; n {
		case 1:
			one = line
		case 2:
			out = append(append(append(out, one...), ' '), line...)
		default:
			out = append(append(out, ' '), line...)
		}
	}
	if n == 1 {
		return string(one)
	}
	return string(out)
}

// trimLWSP trims spaces and tabs.
func trimLWSP(b []byte) []byte {
	i, n := 0, len(b)
	for i < n && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	for n > i && (b[n-1] == ' ' || b[n-1] == '\t') {
		n--
	}
	return b[i:n]
}

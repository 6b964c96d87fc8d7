package mta

import (
	"bytes"
	"crypto/sha256"
	"io"

	"github.com/postbode/postbode/mta/internal/canonscan"
)

// DKIM relaxed canonicalization (RFC 6376 §3.4.2 and §3.4.4), written for
// speed: the body hash is one pass that feeds the hash straight from the
// message wherever the canonical form equals the raw bytes (almost
// everywhere in a message Compose made), so a 20 KB body costs little more
// than SHA-256 itself. Tests check it against go-msgauth's verifier.

// field is one header field: its raw bytes msg[start:end], continuation
// lines and final CRLF included; its name is msg[start:nameEnd].
type field struct {
	start, nameEnd, end int
}

// is reports whether the field is named name (lower-case), ignoring case.
func (f field) is(msg []byte, name string) bool {
	n := msg[f.start:f.nameEnd]
	if len(n) != len(name) {
		return false
	}
	for i, c := range n {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// splitMessage returns the end of the header (after the last field's line
// break) and the start of the body (after the empty line).
func splitMessage(msg []byte) (hdrEnd, bodyStart int) {
	if bytes.HasPrefix(msg, []byte("\r\n")) {
		return 0, 2
	}
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		if j := bytes.Index(msg[:i+1], []byte("\n\n")); j >= 0 {
			return j + 1, j + 2
		}
		return i + 2, i + 4
	}
	if j := bytes.Index(msg, []byte("\n\n")); j >= 0 {
		return j + 1, j + 2
	}
	return len(msg), len(msg)
}

// appendFields appends the fields of the header block hdr to dst.
func appendFields(dst []field, hdr []byte) []field {
	for off := 0; off < len(hdr); {
		end := off
		for {
			i := bytes.IndexByte(hdr[end:], '\n')
			if i < 0 {
				end = len(hdr)
				break
			}
			end += i + 1
			if end >= len(hdr) || (hdr[end] != ' ' && hdr[end] != '\t') {
				break
			}
		}
		line := hdr[off:end]
		if c := bytes.IndexByte(line, ':'); c > 0 {
			n := len(bytes.TrimRight(line[:c], " \t"))
			dst = append(dst, field{start: off, nameEnd: off + n, end: end})
		}
		off = end
	}
	return dst
}

// nthFromBottom returns the raw bytes of the n-th (0 = last) field named name.
func nthFromBottom(msg []byte, fields []field, name string, n int) []byte {
	for i := len(fields) - 1; i >= 0; i-- {
		if fields[i].is(msg, name) {
			if n == 0 {
				return msg[fields[i].start:fields[i].end]
			}
			n--
		}
	}
	return nil
}

func lastField(msg []byte, fields []field, name string) []byte {
	return nthFromBottom(msg, fields, name, 0)
}

// fieldValue returns a field's value, unfolded.
func fieldValue(f []byte) []byte {
	_, v, _ := bytes.Cut(f, []byte(":"))
	v = bytes.ReplaceAll(v, []byte("\r\n"), nil)
	return bytes.TrimSpace(bytes.ReplaceAll(v, []byte("\n"), nil))
}

// appendRelaxedField appends the relaxed canonical form of a raw field:
// lower-case name, no WSP around the colon, unfolded, WSP runs as one SP,
// no WSP at the end, then CRLF.
func appendRelaxedField(dst, f []byte) []byte {
	c := bytes.IndexByte(f, ':')
	if c < 0 {
		return dst
	}
	for _, ch := range bytes.TrimRight(f[:c], " \t") {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		dst = append(dst, ch)
	}
	dst = append(dst, ':')
	wsp, started := false, false
	v := f[c+1:]
	for i := 0; i < len(v); {
		switch v[i] {
		case '\r', '\n':
			i++
			continue
		case ' ', '\t':
			wsp = true
			i++
			continue
		}
		j := i + 1 // the run of other bytes goes in one piece
		for j < len(v) && !headerWSP[v[j]] {
			j++
		}
		if wsp && started {
			dst = append(dst, ' ')
		}
		wsp, started = false, true
		dst = append(dst, v[i:j]...)
		i = j
	}
	return append(dst, '\r', '\n')
}

// headerWSP marks the bytes appendRelaxedField drops or folds: SP, tab, CR, LF.
var headerWSP = [256]bool{' ': true, '\t': true, '\r': true, '\n': true}

// writeRelaxedBody writes the relaxed canonical body (RFC 6376 §3.4.4) to
// h, streaming from body; scratch is room for rewritten lines. Runs of
// lines a vector scan finds canonical as they are (canonscan: all but a
// few lines of a message Compose made) go to h in one piece, the others
// line by line.
func writeRelaxedBody(h io.Writer, body, scratch []byte) {
	c := bodyCanon{h: h, body: body, scan: true, tab: -2, dsp: -2}
	c.run(scratch[:0])
}

// cleanRun returns the length of the start of seg made of whole lines
// ending in a non-empty one, where seg holds no position canonscan flags:
// those lines are canonical as they are (each ends in CRLF, has no tab,
// no run of spaces, no space at its end); empty lines at its end are left
// out (they count only when text follows). 0 when there is no such line.
func cleanRun(seg []byte) int {
	n := bytes.LastIndexByte(seg, '\n') + 1
	for n >= 4 && string(seg[n-4:n]) == "\r\n\r\n" {
		n -= 2
	}
	if n == 2 { // seg[:2] is an empty line
		n = 0
	}
	return n
}

// writeSimpleBody writes the simple canonical body (RFC 6376 §3.4.3) to h:
// the body as it is without empty lines at its end, ending in CRLF.
func writeSimpleBody(h io.Writer, body []byte) {
	for len(body) >= 4 && string(body[len(body)-4:]) == "\r\n\r\n" {
		body = body[:len(body)-2]
	}
	if string(body) == "\r\n" {
		body = nil
	}
	h.Write(body)
	if len(body) < 2 || string(body[len(body)-2:]) != "\r\n" {
		h.Write([]byte("\r\n"))
	}
}

// bodyHash appends the SHA-256 of the relaxed canonical body to dst.
func bodyHash(body []byte, dst []byte) []byte {
	h := sha256.New()
	var scratch [1024]byte
	writeRelaxedBody(h, body, scratch[:0])
	return h.Sum(dst)
}

type bodyCanon struct {
	h    io.Writer
	body []byte
	// span is body[spanStart:spanEnd], raw bytes equal to their canonical
	// form, not yet hashed.
	spanStart, spanEnd int
	// empties are canonical empty lines not yet hashed (dropped if the body
	// ends with them); emptiesRaw says they are raw "\r\n" lines right after
	// the span.
	empties    int
	emptiesRaw bool
	// scan: runs of clean lines are found by canonscan (up to flag, the
	// first position it flagged from where it last looked), and the other
	// lines are checked each on its own. Otherwise every line is checked
	// against tab and dsp, the next offsets of a tab and of two spaces in
	// the body (-1: none left, -2: not searched yet).
	scan     bool
	flag     int
	tab, dsp int
}

func (c *bodyCanon) run(scratch []byte) {
	b := c.body
	for off := 0; off < len(b); {
		if c.scan && c.empties == 0 {
			if c.flag <= off {
				c.flag = off + canonscan.Clean(b[off:])
			}
			if n := cleanRun(b[off:c.flag]); n > 0 {
				if off != c.spanEnd {
					c.flushSpan()
					c.spanStart = off
				}
				c.spanEnd = off + n
				off += n
				continue
			}
		}
		nl := bytes.IndexByte(b[off:], '\n')
		end, next := len(b), len(b)
		crlf := false
		if nl >= 0 {
			end, next = off+nl, off+nl+1
			if end > off && b[end-1] == '\r' {
				end--
				crlf = true
			}
		}
		line := b[off:end]
		switch {
		case c.blank(line):
			if c.empties == 0 {
				c.emptiesRaw = crlf && len(line) == 0 && off == c.spanEnd
			} else if !(crlf && len(line) == 0) {
				c.emptiesRaw = false
			}
			c.empties++
		case crlf && c.clean(off, end):
			c.flushEmpties(scratch, off)
			if off != c.spanEnd {
				c.flushSpan()
				c.spanStart = off
			}
			c.spanEnd = next
		default:
			c.flushEmpties(scratch, off)
			c.flushSpan()
			scratch = appendRelaxedLine(scratch[:0], line)
			c.h.Write(scratch)
			c.spanStart, c.spanEnd = next, next
		}
		off = next
	}
	c.flushSpan()
}

// flushEmpties hashes the empty lines owed before a non-empty line at off.
func (c *bodyCanon) flushEmpties(scratch []byte, off int) {
	if c.empties == 0 {
		return
	}
	if c.emptiesRaw {
		c.spanEnd = off // the raw "\r\n" lines are canonical: extend the span
	} else {
		c.flushSpan()
		for range c.empties {
			c.h.Write([]byte("\r\n"))
		}
		c.spanStart, c.spanEnd = off, off
	}
	c.empties = 0
}

func (c *bodyCanon) flushSpan() {
	if c.spanEnd > c.spanStart {
		c.h.Write(c.body[c.spanStart:c.spanEnd])
	}
	c.spanStart = c.spanEnd
}

// blank reports whether a line is empty or only WSP.
func (c *bodyCanon) blank(line []byte) bool {
	for _, ch := range line {
		if ch != ' ' && ch != '\t' {
			return false
		}
	}
	return true
}

// clean reports whether body[off:end] (a non-blank line) is already
// canonical: no tab, no two spaces in a row, no trailing space.
func (c *bodyCanon) clean(off, end int) bool {
	if c.body[end-1] == ' ' {
		return false
	}
	if c.scan { // few lines come here: look at this one only
		line := c.body[off:end]
		return bytes.IndexByte(line, '\t') < 0 && bytes.Index(line, []byte("  ")) < 0
	}
	if c.tab != -1 && c.tab < off {
		c.tab = indexFrom(c.body, off, func(b []byte) int { return bytes.IndexByte(b, '\t') })
	}
	if c.tab >= 0 && c.tab < end {
		return false
	}
	if c.dsp != -1 && c.dsp < off {
		c.dsp = indexFrom(c.body, off, func(b []byte) int { return bytes.Index(b, []byte("  ")) })
	}
	return c.dsp < 0 || c.dsp+1 >= end
}

func indexFrom(b []byte, off int, f func([]byte) int) int {
	if i := f(b[off:]); i >= 0 {
		return off + i
	}
	return -1
}

// appendRelaxedLine appends a body line with WSP runs as one SP, trailing
// WSP removed, and CRLF.
func appendRelaxedLine(dst, line []byte) []byte {
	wsp := false
	for _, ch := range line {
		if ch == ' ' || ch == '\t' {
			wsp = true
			continue
		}
		if wsp {
			dst = append(dst, ' ')
			wsp = false
		}
		dst = append(dst, ch)
	}
	return append(dst, '\r', '\n')
}

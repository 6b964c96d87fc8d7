package mta

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Header is what Compose puts in a message's header.
type Header struct {
	// From is the author, "Name <addr>" or "addr"; required.
	From string
	// To is the recipient, "Name <addr>" or "addr"; required.
	To string
	// ReplyTo is optional.
	ReplyTo string
	// Subject is optional; non-ASCII is RFC 2047 encoded.
	Subject string
	// MessageID is the Message-ID with or without angle brackets; optional,
	// default a random one at the From domain.
	MessageID string
	// Date is optional, default now.
	Date time.Time
	// ListUnsubscribe are the List-Unsubscribe URIs (https and mailto), with
	// or without angle brackets (RFC 2369); optional.
	ListUnsubscribe []string
	// OneClick adds "List-Unsubscribe-Post: List-Unsubscribe=One-Click" (RFC 8058).
	OneClick bool
	// ListID is the List-Id (RFC 2919), e.g. "Nieuwsbrief <news.example.org>"; optional.
	ListID string
	// FeedbackID is the Feedback-ID (for mailbox providers' complaint loops); optional.
	FeedbackID string
	// Extra are more header fields, in order; names must be printable ASCII
	// without ':' (others are dropped), values have CR/LF replaced.
	Extra [][2]string
}

// maxLine is the soft line limit for header fields (RFC 5322 §2.1.1);
// maxEncodedLine the limit of a line holding an encoded-word and
// maxEncodedWord that of one encoded-word (RFC 2047 §2).
const (
	maxLine        = 78
	maxEncodedLine = 76
	maxEncodedWord = 75
)

// Compose builds an RFC 5322 message with CRLF line endings: a
// multipart/alternative of text and HTML (UTF-8; each part 7bit when it is
// printable ASCII in lines of at most 998 octets, otherwise quoted-
// printable), or a single part when one of them is empty. Header values are sanitised (no
// CR/LF) and non-ASCII is RFC 2047 encoded; no line exceeds 998 octets.
func Compose(h Header, html, text string) []byte {
	msg, _ := AppendCompose(make([]byte, 0, ComposeSize(html, text)), h, html, text)
	return msg
}

// ComposeSize is a capacity that holds the message Compose makes of html
// and text (quoted-printable grows text by soft breaks, 1/25, and encoded
// bytes) with room for the header.
func ComposeSize[S string | []byte](html, text S) int {
	return len(html) + len(text) + (len(html)+len(text))/4 + 2048
}

// AppendCompose appends the message Compose makes to b and returns it: the
// send path composes into a reused buffer, from parts rendered into
// another (html and text may be strings or bytes). The multipart boundary is
// derived from the Message-ID, so the same input gives the same bytes; it
// starts with "=_", which quoted-printable content never holds (a 7bit part
// holding it is sent quoted-printable).
//
// dotFree reports that no line of the message starts with '.', learnt
// while composing: quoted-printable encodes a line's leading dot (=2E), a
// 7bit part's lines are looked at as they are copied, and so are the
// header's. Such a message needs no dot-stuffing (Envelope.DotFree).
func AppendCompose[S string | []byte](b []byte, h Header, html, text S) (msg []byte, dotFree bool) {
	start := len(b)
	mid := messageID(h.MessageID, h.From)
	b = appendHeader(b, "From", fromMemo.get(h.From, func(v string) string { return formatAddress("From", v) }))
	b = appendHeader(b, "To", formatAddress("To", h.To))
	if h.ReplyTo != "" {
		b = appendHeader(b, "Reply-To", formatAddress("Reply-To", h.ReplyTo))
	}
	b = appendHeader(b, "Subject", encodeText("Subject", h.Subject))
	date := h.Date
	if date.IsZero() {
		date = time.Now()
	}
	var db [40]byte
	b = appendHeader(b, "Date", string(date.AppendFormat(db[:0], time.RFC1123Z)))
	b = appendHeader(b, "Message-ID", mid)
	b = appendHeader(b, "MIME-Version", "1.0")
	if len(h.ListUnsubscribe) > 0 {
		uris := make([]string, 0, len(h.ListUnsubscribe))
		for _, u := range h.ListUnsubscribe {
			u = strings.Trim(clean(u), "<> ")
			if u != "" {
				uris = append(uris, "<"+u+">")
			}
		}
		b = appendHeader(b, "List-Unsubscribe", strings.Join(uris, ", "))
		if h.OneClick {
			b = appendHeader(b, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
		}
	}
	if h.ListID != "" {
		b = appendHeader(b, "List-Id", encodePhrase("List-Id", clean(h.ListID)))
	}
	if h.FeedbackID != "" {
		b = appendHeader(b, "Feedback-ID", clean(h.FeedbackID))
	}
	for _, kv := range h.Extra {
		if validFieldName(kv[0]) {
			b = appendHeader(b, kv[0], encodeText(kv[0], kv[1]))
		}
	}
	// The header's lines start with a field name or, folded, a space; a
	// field name of Extra may start with a dot.
	dotFree = b[start] != '.' && !bytes.Contains(b[start:], crlfDot)
	var dot, dot2 bool
	switch {
	case len(html) == 0:
		b, dot = appendPart(b, "text/plain", text, "")
	case len(text) == 0:
		b, dot = appendPart(b, "text/html", html, "")
	default:
		boundary := boundaryFor("=_pb", mid)
		b = appendHeader(b, "Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
		b = append(b, "\r\n--"...)
		b = append(b, boundary...)
		b = append(b, "\r\n"...)
		b, dot = appendPart(b, "text/plain", text, boundary)
		b = append(b, "\r\n--"...)
		b = append(b, boundary...)
		b = append(b, "\r\n"...)
		b, dot2 = appendPart(b, "text/html", html, boundary)
		b = append(b, "\r\n--"...)
		b = append(b, boundary...)
		b = append(b, "--\r\n"...)
	}
	return b, dotFree && !dot && !dot2
}

var crlfDot = []byte("\n.")

// appendPart appends a text part of type typ: its header fields, the empty
// line and s, as 7bit when s may go as it is (appendSevenBit), otherwise
// quoted-printable. boundary is the enclosing multipart's ("" for none):
// a 7bit part never holds it. dot reports a line of the part that starts
// with '.' (never in quoted-printable, which encodes it).
func appendPart[S string | []byte](b []byte, typ string, s S, boundary string) (out []byte, dot bool) {
	mark := len(b)
	b = append(b, "Content-Type: "...)
	b = append(b, typ...)
	b = append(b, "; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"...)
	str := asString(s)
	if out, ok, dot := appendSevenBit(b, str, boundary); ok {
		return out, dot
	}
	b = append(b[:mark], "Content-Type: "...)
	b = append(b, typ...)
	b = append(b, "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"...)
	return appendQPString(b, str), false
}

// maxTextLine is the longest line a 7bit part may hold, CRLF not counted
// (RFC 5322 §2.1.1, RFC 2045 §2.7).
const maxTextLine = 998

// appendSevenBit appends s with its line ends (LF or CRLF) as CRLF and
// reports whether s may be sent so, as 7bit (RFC 2045 §2.7): printable
// ASCII and tabs only, no CR but before LF, lines of at most 998 octets,
// no line that a parser would take for a delimiter of boundary (none when
// boundary is ""); and whether a line starts with '.' (dot). (A space at a line's end, as
// in the "-- " before a signature, goes as it is: relaxed body
// canonicalization ignores it should a relay strip it.) When it reports
// false, b[len(b):] holds garbage and the caller encodes s another way.
// Line by line: each line end is found by a vector search (strings.IndexByte),
// the line checked 32 bytes at a time in words of 8 (byte by byte only in
// a block holding a tab or a byte 7bit cannot carry), and copied in one
// piece.
func appendSevenBit(b []byte, s, boundary string) (out []byte, ok, dot bool) {
	for i := 0; i < len(s); {
		end, next := len(s), len(s)
		if n := strings.IndexByte(s[i:], '\n'); n >= 0 {
			end, next = i+n, i+n+1
			if end > i && s[end-1] == '\r' {
				end--
			}
		}
		line := s[i:end]
		if len(line) > maxTextLine || !printableLine(line) || isDelimiter(line, boundary) {
			return b, false, false
		}
		if len(line) > 0 && line[0] == '.' {
			dot = true
		}
		b = append(b, line...)
		if next > end {
			b = append(b, '\r', '\n')
		}
		i = next
	}
	return b, true, dot
}

// isDelimiter reports whether line starts as a delimiter line of the
// multipart boundary ("--" and the boundary at the start of a line, RFC
// 2046 §5.1.1: where parsers look for one). No line is one when boundary
// is "".
func isDelimiter(line, boundary string) bool {
	return boundary != "" && len(line) >= 2+len(boundary) && line[0] == '-' && line[1] == '-' &&
		line[2:2+len(boundary)] == boundary
}

// printableLine reports whether s holds only printable ASCII and tabs.
func printableLine(s string) bool {
	j := 0
	for ; j+32 <= len(s); j += 32 {
		w := s[j : j+32]
		if nonPrintable8(load64(w, 0))|nonPrintable8(load64(w, 8))|nonPrintable8(load64(w, 16))|nonPrintable8(load64(w, 24)) != 0 &&
			!printableBytes(w) {
			return false
		}
	}
	for ; j+8 <= len(s); j += 8 {
		if nonPrintable8(load64(s, j)) != 0 && !printableBytes(s[j:j+8]) {
			return false
		}
	}
	return printableBytes(s[j:])
}

// printableBytes is printableLine byte by byte.
func printableBytes(s string) bool {
	for k := 0; k < len(s); k++ {
		if (s[k] < 0x20 || s[k] > 0x7e) && s[k] != '\t' {
			return false
		}
	}
	return true
}

// printable8 reports whether the 8 bytes of x are all printable ASCII
// (0x20-0x7e; a tab answers false).
func printable8(x uint64) bool { return nonPrintable8(x) == 0 }

// nonPrintable8 is not 0 when one of the 8 bytes of x is not printable
// ASCII (0x20-0x7e).
func nonPrintable8(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (x - 0x20*ones) &^ x       // a byte < 0x20 sets its high bit
	above := (x + (0x7f-0x7e)*ones) | x // a byte > 0x7e sets its high bit
	return (below | above) & highs
}

// asString is s as a string: read only, never kept, so the bytes are seen
// as a string, not copied.
func asString[S string | []byte](s S) string {
	switch v := any(s).(type) {
	case string:
		return v
	case []byte:
		return unsafe.String(unsafe.SliceData(v), len(v))
	}
	panic("unreachable")
}

// appendHeader writes "Name: value" folded at spaces: lines of at most 78
// columns, 76 when the value holds encoded-words (RFC 2047 §2). A word that
// does not fit after "Name:" starts on the next line; only a single word
// longer than the limit (a long URI) makes a longer line.
func appendHeader(b []byte, name, value string) []byte {
	limit := maxLine
	if strings.Contains(value, "=?") {
		limit = maxEncodedLine
	}
	b = append(b, name...)
	b = append(b, ':')
	col := len(name) + 1
	for i, rest, more := 0, value, true; more; i++ {
		var w string
		w, rest, more = strings.Cut(rest, " ")
		if i > 0 || w != "" {
			if col+1+len(w) > limit && col > 0 {
				b = append(b, "\r\n"...)
				col = 0
			}
			b = append(b, ' ')
			b = append(b, w...)
			col += 1 + len(w)
		}
	}
	return append(b, "\r\n"...)
}

// formatAddress parses "Name <addr>" and formats it with the name quoted or
// RFC 2047 encoded (words sized for field); an unparsable value is passed
// through sanitised.
func formatAddress(field, s string) string {
	if formatted(s) {
		return s
	}
	s = clean(s)
	a, err := mail.ParseAddress(s)
	if err != nil {
		return s
	}
	a.Address, _ = asciiAddress(a.Address)
	if a.Name == "" || isPlainASCII(a.Name) {
		return a.String()
	}
	return strings.Join(qWords(a.Name, field), " ") + " " + (&mail.Address{Address: a.Address}).String()
}

// formatted reports whether s is already what formatAddress makes of it: a
// quoted plain-ASCII name (no "=?") and a dot-atom address of ASCII letters, digits
// and the usual symbols, `"Jan de Vries" <jan@example.org>`, as
// mail.Address.String writes it. Parsing it again (as formatAddress does
// with anything else) would cost more than the rest of the header.
func formatted(s string) bool {
	if len(s) < 8 || len(s) > 900 || s[0] != '"' || s[len(s)-1] != '>' {
		return false
	}
	end := strings.Index(s[1:], `" <`) + 1
	if end < 2 {
		return false
	}
	for i := 1; i < end; i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || (c == '=' && s[i+1] == '?') {
			return false // "=?" may start an RFC 2047 word, which parsing decodes
		}
	}
	local, domain, ok := strings.Cut(s[end+3:len(s)-1], "@")
	return ok && dotAtom(local, "!#$%&'*+-/=?^_`{|}~") && dotAtom(domain, "-")
}

// dotAtom reports whether s is words of ASCII letters, digits and the
// bytes of extra, joined by single dots.
func dotAtom(s, extra string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		case strings.IndexByte(extra, c) < 0:
			return false
		}
	}
	return true
}

// memo remembers the results of a pure function of a string, for the few
// values every message of a campaign repeats (its From): parsing an address
// costs more than a message's header otherwise does. At most memoSize
// values are kept (then it starts afresh).
type memo struct {
	mu sync.RWMutex
	m  map[string]string
}

const memoSize = 256

// fromMemo holds formatted From values; fromDomains the domain of raw
// From fields (DKIM key choice).
var fromMemo, fromDomains memo

func (c *memo) get(key string, f func(string) string) string {
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return v
	}
	v = f(key)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= memoSize {
		c.m = make(map[string]string, memoSize)
	}
	c.m[key] = v
	c.mu.Unlock()
	return v
}

// getBytes is get with the key as bytes: no copy when the value is known.
func (c *memo) getBytes(key []byte, f func(string) string) string {
	c.mu.RLock()
	v, ok := c.m[string(key)]
	c.mu.RUnlock()
	if ok {
		return v
	}
	return c.get(string(key), f)
}

// encodeText returns s as unstructured header text for field: ASCII as is,
// otherwise RFC 2047 Q-encoded words (which appendHeader folds between).
func encodeText(field, s string) string {
	s = clean(s)
	if isPlainASCII(s) {
		return s
	}
	return strings.Join(qWords(s, field), " ")
}

// encodePhrase encodes a List-Id's display part before "<...>" as an
// RFC 5322 phrase: RFC 2047 encoded words when it is not plain ASCII, a
// quoted-string when it holds specials, so a list name such as
// `Evil <a@b.c>, "x"` can never pass for the list's id (RFC 2919 §3).
func encodePhrase(field, s string) string {
	i := strings.LastIndexByte(s, '<')
	if i <= 0 {
		return s
	}
	name := strings.TrimSpace(s[:i])
	switch {
	case !isPlainASCII(name):
		return strings.Join(qWords(name, field), " ") + " " + s[i:]
	case strings.ContainsAny(name, `()<>[]:;@\,."`):
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `" ` + s[i:]
	}
	return s
}

// qWords encodes s as RFC 2047 Q encoded-words in UTF-8, splitting only
// between characters: the first fits on the line after "field: ", each
// other on a continuation line, so no line exceeds 76 columns (§2). Only
// letters, digits and !*+-/ stay as they are (§5 (3), valid in phrases).
func qWords(s, field string) []string {
	const open, close = "=?utf-8?q?", "?="
	max := maxEncodedLine - len(field) - 2
	var words []string
	w := []byte(open)
	for _, r := range s {
		var enc []byte
		for _, c := range []byte(string(r)) {
			switch {
			case c == ' ':
				enc = append(enc, '_')
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("!*+-/", c) >= 0:
				enc = append(enc, c)
			default:
				enc = append(enc, '=', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
			}
		}
		if len(w)+len(enc)+len(close) > max && len(w) > len(open) {
			words = append(words, string(w)+close)
			w, max = []byte(open), maxEncodedWord
		}
		w = append(w, enc...)
	}
	return append(words, string(w)+close)
}

// isPlainASCII reports whether s is printable ASCII without encoded-word
// look-alikes and without words too long to fold.
func isPlainASCII(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return false
		}
		if c == ' ' {
			run = 0
		} else if run++; run > 900 {
			return false
		}
	}
	return !strings.Contains(s, "=?")
}

// clean replaces CR, LF and other control characters by spaces: a value can
// never start a new header field. Invalid UTF-8 becomes U+FFFD.
func clean(s string) string {
	ok := utf8.ValidString(s)
	for i := 0; ok && i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			ok = false
		}
	}
	if ok {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s))
}

func validFieldName(n string) bool {
	if n == "" || len(n) > 76 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] <= ' ' || n[i] > '~' || n[i] == ':' {
			return false
		}
	}
	return true
}

// messageID returns "<id>", making one at the From domain when id is empty.
func messageID(id, from string) string {
	id = strings.Trim(clean(id), "<> ")
	if id == "" {
		id = randHex(16) + "@" + addrDomain(from)
	}
	return "<" + id + ">"
}

// addrDomain returns the domain of an address ("Name <a@b>" or "a@b"),
// lower-cased; "localhost" when there is none.
func addrDomain(s string) string {
	if !bareAddress(s) {
		if a, err := mail.ParseAddress(s); err == nil {
			s = a.Address
		}
	}
	i := strings.LastIndexByte(s, '@')
	if i < 0 || i == len(s)-1 {
		return "localhost"
	}
	return strings.ToLower(strings.Trim(s[i+1:], "> "))
}

// bareAddress reports whether s holds only the bytes of a dot-atom
// address (letters, digits, "@", "." and the symbols atext allows): for
// such s mail.ParseAddress returns s itself or fails, so addrDomain need
// not parse it (the send path asks for the domain of every recipient).
func bareAddress(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '@', c == '.':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// boundaryFor returns prefix and 24 hex digits of a hash of the Message-ID.
func boundaryFor(prefix, mid string) string {
	sum := sha256.Sum256([]byte(mid))
	return prefix + hex.EncodeToString(sum[:12])
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

const hexUpper = "0123456789ABCDEF"

// qpLiteral marks the bytes quoted-printable may carry as they are
// (printable ASCII except '=', plus space and tab).
var qpLiteral = func() (t [256]bool) {
	for c := 33; c <= 126; c++ {
		t[c] = c != '='
	}
	t[' '], t['\t'] = true, true
	return t
}()

// literalRun returns the end of the run of bytes quoted-printable carries
// as they are (qpLiteral) in s[j:lim], testing a word of 8 bytes at a
// time while it can.
func literalRun(s string, j, lim int) int {
	for j+8 <= lim && literal8(load64(s, j)) {
		j += 8
	}
	for j < lim && qpLiteral[s[j]] {
		j++
	}
	return j
}

// load64 is the little-endian word of the 8 bytes of s at i.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// literal8 reports whether the 8 bytes of x are all printable ASCII other
// than '=' (a tab answers false and is left to the byte-wise check): three
// SWAR tests, exact for the word as a whole though not per byte.
func literal8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (x - 0x20*ones) &^ x                 // a byte < 0x20 sets its high bit
	above := (x + (0x7f-0x7e)*ones) | x           // a byte > 0x7e sets its high bit
	eq := x ^ ('=' * ones)                        // a byte '=' becomes 0...
	return (below|above|(eq-ones)&^eq)&highs == 0 // ...and sets its high bit
}

// lineEndAt reports whether s has a line end (LF or CRLF) or its end at i.
func lineEndAt(s string, i int) bool {
	return i >= len(s) || s[i] == '\n' || (s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n')
}

// appendQP appends s quoted-printable encoded (RFC 2045 §6.7): line breaks
// (LF or CRLF) become CRLF, lines are soft-broken before 76 columns, '=' and
// non-ASCII bytes are =XX, and a space or tab before a line end is encoded.
// A '.' that would start a line is =2E: no line of the result starts with a
// dot, so it needs no dot-stuffing (RFC 5321 §4.5.2). Runs of literal bytes
// are copied in bulk.
func appendQP[S string | []byte](b []byte, s S) []byte {
	return appendQPString(b, asString(s))
}

func appendQPString(b []byte, s string) []byte {
	col := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\n' || (c == '\r' && i+1 < len(s) && s[i+1] == '\n') {
			if c == '\r' {
				i++
			}
			i++
			b = append(b, '\r', '\n')
			col = 0
			continue
		}
		if col >= 75 {
			b = append(b, '=', '\r', '\n')
			col = 0
		}
		if qpLiteral[c] && !((c == ' ' || c == '\t') && lineEndAt(s, i+1)) && !(c == '.' && col == 0) {
			lim := min(len(s), i+75-col)
			j := literalRun(s, i+1, lim)
			if (s[j-1] == ' ' || s[j-1] == '\t') && lineEndAt(s, j) {
				j-- // trailing whitespace: encoded on the next round
			}
			b = append(b, s[i:j]...)
			col += j - i
			i = j
			continue
		}
		if col+3 > 75 {
			b = append(b, '=', '\r', '\n')
			col = 0
		}
		b = append(b, '=', hexUpper[c>>4], hexUpper[c&15])
		col += 3
		i++
	}
	return b
}

// AddressDomain returns the lower-cased domain of an address ("a@b" or
// "Name <a@b>"), the key Transport.Send and Limiter.Acquire group by;
// "localhost" when there is none.
func AddressDomain(addr string) string { return addrDomain(addr) }

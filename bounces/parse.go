package bounces

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/ianaindex"
)

// Limits that bound the work Parse does on hostile input. What lies beyond
// them is ignored: the facts of a bounce are at the top of the message.
const (
	// MaxParseBytes is how much of a raw message Parse reads.
	MaxParseBytes = 2 << 20
	// maxParts is how many MIME parts Parse visits in all.
	maxParts = 64
	// maxDepth is how deep Parse descends into nested multiparts.
	maxDepth = 6
	// maxPartBytes is how much of one part's decoded body Parse keeps.
	maxPartBytes = 256 << 10
	// maxHeaderBytes bounds one header block.
	maxHeaderBytes = 256 << 10
	// maxNoticeBytes bounds the human-readable notice searched for
	// recipients and diagnostics.
	maxNoticeBytes = 64 << 10
	// maxResults bounds the recipients reported for one message.
	maxResults = 500
)

// ErrEmpty is returned by Parse for an empty message.
var ErrEmpty = errors.New("bounces: empty message")

// Parse reads one bounce message (the complete raw message) and reports
// every failed recipient. It never panics; a message it cannot understand
// yields a Report whose Results hold one Unknown entry with a reason, and a
// report of successes only (or an SES delivery notification) yields no
// Results.
//
// The order of evidence: an RFC 5965 feedback report, then the RFC 3464
// delivery-status part, then the text conventions of the common mail
// systems, then RFC 3834 auto-reply markers. Per RFC 3464 section 2.3.3
// only recipients with Action failed (or delayed, reported as soft) are
// failures; delivered, relayed and expanded recipients are left out.
func Parse(raw []byte) (rep *Report, err error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrEmpty
	}
	defer func() {
		if p := recover(); p != nil { // a parser bug must never take the caller down
			rep = unknownReport("parsererror")
			err = nil
		}
	}()
	return parse(raw), nil
}

// parse is Parse without the safety net, for the fuzz test to see panics.
func parse(raw []byte) *Report {
	return parseWith(raw, nil)
}

// parseWith is parse with a given text rule index (nil for textRules): the
// leave-one-family-out evaluation parses with rules left out.
func parseWith(raw []byte, rules *phraseIndex) *Report {
	if len(raw) > MaxParseBytes {
		raw = raw[:MaxParseBytes]
	}
	m := readMessage(raw)
	m.rules = rules
	return m.report()
}

// unknownReport is the report of a message that was not understood.
func unknownReport(reason string) *Report {
	return &Report{
		Results:  []Result{{Class: Unknown, Reason: reason}},
		Original: map[string]string{},
	}
}

// msg is what the MIME walk collects from a message.
type msg struct {
	top        header
	subject    string
	from       string
	dsn        [][]byte        // message/delivery-status bodies (RFC 3464 section 2)
	feedback   []byte          // message/feedback-report body (RFC 5965 section 3)
	attached   bool            // a whole message is attached (message/rfc822, message/global)
	mdn        []byte          // message/disposition-notification body (RFC 8098 section 3; a Sieve reject, RFC 5429)
	texts      [][]byte        // text/plain (and text/html as a last resort) bodies
	html       [][]byte        // text/html bodies
	original   *header         // header of the returned original
	origRaw    []byte          // the returned original as it stands, for fields not kept in original
	jsonBodies [][]byte        // application/json bodies (relay notifications)
	parts      int             // MIME parts visited
	succeeded  int             // DSN recipients delivered, relayed or expanded
	rules      *phraseIndex    // the text rules; nil for textRules
	badText    string          // why the text parts cannot be trusted, "" when they can
	badDSN     string          // why the delivery-status parts cannot be trusted
	overflow   string          // why the report as a whole exceeds the bounds Parse reads
	repaired   string          // why the MIME structure was read by repair (a parameter list continued without folding white space), "" when it was not
	backed     map[string]bool // the recipients whose delivery-status group states a permanent failure (dsnRecipient.failedPermanently)
	fromText   bool            // the failures were read from the text parts
	nesting    int             // how many returned messages deep this message is (forwardedBounce)
}

// readMessage walks the MIME structure of raw within the limits.
func readMessage(raw []byte) *msg {
	m := &msg{}
	h, body, repaired := readHeader(raw, topFields)
	if repaired {
		m.malform(&m.badText, "a header whose parameter list continues on a line without folding white space")
		m.malform(&m.repaired, "a header whose parameter list continues on a line without folding white space")
	}
	m.top = h
	m.subject = decodeHeader(h.Get("Subject"))
	m.from = asciiLower(decodeHeader(h.Get("From")))
	m.walk(h, body, 0)
	return m
}

// splitHeader reads the header block at the start of raw (RFC 5322
// section 2.2) and returns it with the body. It is lenient where real
// bounces are sloppy: a leading mbox "From " line is skipped, a parameter
// list continued on a line without the folding white space is read as
// folded, a line that is neither a field nor a continuation is ignored,
// and a block without an ending blank line ends with the data.
//
// Only the fields named in keep (lower-case) are kept, which saves the
// allocations for the many Received and DKIM fields nobody reads.
func splitHeader(raw []byte, keep map[string]bool) (header, []byte) {
	h, body, _ := readHeader(raw, keep)
	return h, body
}

// readHeader is splitHeader, and reports whether a parameter list
// continued without folding white space was read as folded.
func readHeader(raw []byte, keep map[string]bool) (header, []byte, bool) {
	var fields header
	repaired := false
	kept := false // the last field was kept: its continuation lines belong to it
	rest := raw
	for n := 0; len(rest) > 0 && n < maxHeaderBytes/32; n++ {
		line, next := cutLine(rest)
		trimmed := bytes.TrimRight(line, "\r")
		if len(trimmed) == 0 {
			rest = next
			break
		}
		if len(raw)-len(next) > maxHeaderBytes {
			break
		}
		rest = next
		switch {
		case trimmed[0] == ' ' || trimmed[0] == '\t':
			if k := len(fields); k > 0 && kept {
				fields[k-1].value += " " + string(bytes.TrimSpace(trimmed))
			}
		case kept && startsParam(trimmed) && strings.HasSuffix(fields[len(fields)-1].value, ";"):
			// A parameter list continued without the folding white
			// space (see paramContinuation).
			fields[len(fields)-1].value += " " + string(trimmed)
			repaired = true
		default:
			kept = false
			i := bytes.IndexByte(trimmed, ':')
			if i <= 0 {
				continue
			}
			keyb := bytes.TrimSpace(trimmed[:i])
			if len(keyb) == 0 || bytes.ContainsAny(keyb, " \t") {
				continue
			}
			name, ok := keptName(keyb, keep)
			if !ok {
				continue
			}
			kept = true
			fields = append(fields, hfield{name, string(bytes.TrimSpace(trimmed[i+1:]))})
		}
	}
	return fields, rest, repaired
}

// topFields are the fields read from a message's own header.
var topFields = map[string]bool{
	"content-type": true, "content-transfer-encoding": true, "subject": true, "from": true,
	"to": true, "reply-to": true, "return-path": true, "sender": true, "x-failed-recipients": true,
	"auto-submitted": true, "x-autoreply": true, "x-autorespond": true, "x-autoresponder": true,
	"x-vacation": true, "x-auto-reply": true, "precedence": true,
}

// originalFieldNames are the fields read from a returned original: the
// correlation fields of Report.Original and the addresses of our side.
var originalFieldNames = map[string]bool{
	"message-id": true, "x-postbode-ref": true, "return-path": true, "to": true,
	"list-unsubscribe": true, "from": true, "sender": true, "content-type": true,
}

// keptName is the name under which a field is kept, and ok false when keep
// (not nil) does not hold it. A name in keep is returned as keep's
// lower-case string, which saves an allocation per field; Get compares
// names case-insensitively (RFC 5322 section 1.2.2). With keep nil the
// name is copied as written.
func keptName(key []byte, keep map[string]bool) (string, bool) {
	if keep == nil {
		return string(key), true
	}
	var buf [40]byte
	if len(key) > len(buf) {
		return "", false
	}
	for i, c := range key {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if !keep[string(buf[:len(key)])] {
		return "", false
	}
	if n, ok := keptNames[string(buf[:len(key)])]; ok {
		return n, true
	}
	return string(buf[:len(key)]), true
}

// keptNames holds the names of topFields, originalFieldNames,
// receivedField and partFields as strings to share (see keptName).
var keptNames = func() map[string]string {
	m := map[string]string{}
	for _, keep := range []map[string]bool{topFields, originalFieldNames, receivedField, partFields} {
		for n := range keep {
			m[n] = n
		}
	}
	return m
}()

// cutLine returns the first line of b (without its LF) and the rest.
func cutLine(b []byte) ([]byte, []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// walk visits one entity: a multipart is descended into, a leaf is kept
// by media type.
func (m *msg) walk(h header, body []byte, depth int) {
	m.parts++
	if m.parts > maxParts || depth > maxDepth {
		return
	}
	mt, params := contentType(h)
	if mt == "" {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		m.walkMultipart(h, body, params["boundary"], depth)
		return
	}
	m.leaf(h, mt, params["charset"], body, depth)
}

// walkMultipart visits the parts of a multipart body (RFC 2046 section
// 5.1). A truncated or malformed multipart keeps the parts read so far; a
// multipart without a usable boundary is read as text.
func (m *msg) walkMultipart(h header, body []byte, boundary string, depth int) {
	if boundary == "" {
		m.malform(&m.badText, "a multipart without a boundary")
		m.texts = append(m.texts, capBytes(body))
		return
	}
	mr := newMultipart(body, boundary)
	mr.lenient = true
	n := 0
	for m.parts <= maxParts {
		ph, data, ok := mr.next()
		if !ok {
			break
		}
		n++
		m.walk(ph, data, depth+1)
	}
	if len(mr.repairs) > 0 {
		m.malform(&m.badText, "a part header whose parameter list continues on a line without folding white space")
		m.malform(&m.repaired, "a part header whose parameter list continues on a line without folding white space")
	}
	if n == 0 { // no part found: the boundary is wrong, read it as text
		m.malform(&m.badText, "a multipart whose boundary never appears")
		m.texts = append(m.texts, capBytes(body))
	}
}

// leaf keeps one non-multipart entity by its media type.
func (m *msg) leaf(h header, mt, charset string, body []byte, depth int) {
	data, ok := decodeBody(h, body)
	if bad := m.evidenceFlag(mt); bad != nil {
		if !ok {
			m.malform(bad, "a body that does not decode by its Content-Transfer-Encoding")
		}
		m.checkText(bad, charset, data)
	}
	switch mt {
	case "message/delivery-status", "message/global-delivery-status", "text/delivery-status":
		m.dsn = append(m.dsn, data)
	case "message/feedback-report":
		m.feedback = data
	case "message/disposition-notification":
		m.mdn = data
	case "message/rfc822", "message/global":
		m.attached = true
		m.keepOriginal(data)
		m.nestedReport(data, depth)
	case "text/rfc822-headers", "message/rfc822-headers", "message/partial":
		m.keepOriginal(data)
	case "text/plain", "text/plain-bounce", "text/x-notes", "":
		m.texts = append(m.texts, textToUTF8(charset, data))
	case "text/html":
		m.html = append(m.html, textToUTF8(charset, data))
	case "application/json":
		m.jsonBodies = append(m.jsonBodies, data)
	default:
		if strings.HasPrefix(mt, "text/") {
			m.texts = append(m.texts, textToUTF8(charset, data))
		}
	}
}

// textToUTF8 converts a text part from the charset its Content-Type
// declares (RFC 2046 section 4.1.2; the names of the IANA charset
// registry, RFC 2978) to UTF-8, so that the notices of Japanese, Korean,
// Chinese and European mail systems in ISO-2022-JP, Shift_JIS, EUC-KR,
// GB2312 or ISO-8859-x read like their UTF-8 forms: the phrases and
// addresses of a notice in ISO-2022-JP stand between escape sequences
// otherwise. Text that is plain ASCII (no byte above 0x7F, no ISO 2022
// escape) is the same in every charset the registry holds for mail and is
// returned as is, as is text in an unknown charset or one that does not
// convert.
func textToUTF8(charset string, data []byte) []byte {
	if charset == "" || plainASCII(data) {
		return data
	}
	cs := asciiLower(strings.TrimSpace(charset))
	if cs == "utf-8" || cs == "utf8" || cs == "us-ascii" {
		return data
	}
	enc, err := ianaindex.MIME.Encoding(cs)
	if err != nil || enc == nil {
		if enc, err = ianaindex.IANA.Encoding(cs); err != nil || enc == nil {
			return data
		}
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil || len(out) > 2*maxPartBytes {
		return data
	}
	return out
}

// plainASCII reports whether b holds only ASCII bytes and no ESC (the
// shift of the ISO 2022 charsets).
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == 0x1b {
			return false
		}
	}
	return true
}

// nestedReport walks a returned message that is itself a delivery report
// (a bounce of a forwarded bounce): its delivery-status parts count too.
func (m *msg) nestedReport(data []byte, depth int) {
	if len(m.dsn) > 0 {
		return // the report's own delivery-status part names its recipients
	}
	h, body := splitHeader(data, topFields)
	if mt, params := contentType(h); mt == "multipart/report" && params["report-type"] == "delivery-status" {
		m.walk(h, body, depth+1)
	}
}

// keepOriginal keeps the header (and body) of the first returned original.
func (m *msg) keepOriginal(data []byte) {
	if m.original != nil {
		return
	}
	h, _ := splitHeader(data, originalFieldNames)
	m.original = &h
	m.origRaw = data
}

// receivedFor is the address of the "for" clause of the topmost Received
// field of the returned original (RFC 5321 section 4.4: the recipient the
// receiving server accepted the message for), or "".
func (m *msg) receivedFor() string {
	if m.origRaw == nil {
		return ""
	}
	h, _ := splitHeader(m.origRaw, receivedField)
	for _, f := range h {
		v := f.value
		i := strings.Index(asciiLower(v), " for ")
		if i < 0 {
			continue
		}
		v = strings.TrimSpace(v[i+5:])
		if j := strings.IndexAny(v, "; \t"); j >= 0 {
			v = v[:j]
		}
		if a := cleanAddr(v); a != "" && plausibleAddr(a) {
			return a
		}
		return "" // the topmost hop names no single address
	}
	return ""
}

// receivedField keeps the Received fields of a header.
var receivedField = map[string]bool{"received": true}

// decodeBody undoes the Content-Transfer-Encoding of a leaf body (RFC 2045
// section 6). The charset is left alone: the patterns are ASCII, and
// undecodable bytes must not stop the parse.
//
// ok is false when the body does not decode (the raw body is returned).
func decodeBody(h header, body []byte) (data []byte, ok bool) {
	enc := asciiLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	if enc == "" || enc == "7bit" || enc == "8bit" || enc == "binary" {
		return capBytes(body), true
	}
	var hh textproto.Header
	hh.Set("Content-Transfer-Encoding", enc)
	ent, err := message.New(message.Header{Header: hh}, bytes.NewReader(body))
	if err != nil || ent == nil {
		return capBytes(body), false
	}
	out, rerr := io.ReadAll(io.LimitReader(ent.Body, maxPartBytes))
	if rerr != nil && len(out) == 0 {
		return capBytes(body), false
	}
	return out, rerr == nil
}

// capBytes bounds a part body to maxPartBytes.
func capBytes(b []byte) []byte {
	if len(b) > maxPartBytes {
		return b[:maxPartBytes]
	}
	return b
}

// decodeHeader decodes RFC 2047 encoded words; a value that does not decode
// is returned as is.
func decodeHeader(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	d := mime.WordDecoder{CharsetReader: passCharset}
	if s, err := d.DecodeHeader(v); err == nil {
		return s
	}
	return v
}

// passCharset lets the bytes of an unknown charset through unchanged.
func passCharset(_ string, r io.Reader) (io.Reader, error) { return r, nil }

// report turns the collected parts into a Report.
func (m *msg) report() *Report {
	if rep, ok := m.relayNotification(); ok {
		return rep
	}
	rep := &Report{Original: m.originalFields()}
	switch {
	case len(m.feedback) > 0:
		rep.Results = m.complaints()
	case m.plainComplaint():
		rep.Results = m.complaints()
		for i := range rep.Results {
			rep.Results[i].Rule = rulePlainComplaint
		}
	case len(m.dsn) == 0 && !m.fromMailSystem() && !m.failureSubject():
		if ar, ok := m.autoReply(); ok {
			rep.Results = []Result{ar}
			break
		}
		rep.Results = m.failures()
	default:
		rep.Results = m.failures()
	}
	if len(rep.Results) == 0 && m.succeeded == 0 {
		rep.Results = []Result{{Class: Unknown, Reason: "undefined",
			Rule: "format: no delivery status, feedback report, automatic reply or failure text found; nothing to apply"}}
	}
	if len(rep.Results) >= maxResults {
		// A report naming as many failed recipients as Parse reads has
		// been cut short, and no sender's message has that many: bounded
		// input, not evidence to erase anyone by.
		m.malform(&m.overflow, strconv.Itoa(maxResults)+" or more failed recipients, the most a report is read for")
	}
	m.distrustHard(rep.Results)
	if len(rep.Results) > maxResults {
		rep.Results = rep.Results[:maxResults]
	}
	return rep
}

// originalFields picks the correlation fields of the returned original.
func (m *msg) originalFields() map[string]string {
	out := map[string]string{}
	if m.original == nil {
		return out
	}
	for _, k := range []string{"message-id", "x-postbode-ref", "return-path", "to", "list-unsubscribe"} {
		if v := strings.TrimSpace(m.original.Get(k)); v != "" {
			out[k] = v
		}
	}
	return out
}

// relayNotification recognises a relay's JSON notification sent by mail
// (Amazon SES through SNS). A delivery notification yields no results.
func (m *msg) relayNotification() (*Report, bool) {
	if len(m.dsn) > 0 || len(m.feedback) > 0 {
		return nil, false
	}
	for _, b := range append(m.jsonBodies, m.texts...) {
		if rep, ok := sesInText(b); ok {
			return rep, true
		}
	}
	return nil, false
}

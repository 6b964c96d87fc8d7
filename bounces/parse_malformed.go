package bounces

import (
	"bytes"
	"strings"

	"golang.org/x/text/encoding/ianaindex"
)

// A hard bounce can erase a person whose address works, so it is counted
// only from well-formed evidence. When the evidence a result was read from
// is broken (a multipart whose boundary is missing or never appears, so
// its body is read as text; a body that does not decode; a part in a
// charset nobody knows; binary junk where text should be; more failed
// recipients than a report is read for; a Content-Type parameter list
// continued on a line without folding white space, which is read as
// folded), the message is
// still read for what it says, but a hard result from it is reported as
// unknown. A broken part the result was not read from (a junk attachment
// beside a clean delivery-status part) does not matter.
//
// A parameter list continued without folding white space is the one
// breakage that is repaired rather than only read around: the boundary on
// the unindented line is taken as the multipart's. When the boundary so
// read splits the body into parts and a hard result comes from a
// message/delivery-status part whose group states Action: failed with a
// class 5 status (RFC 3464 section 2.3.3, RFC 3463 section 3.1; in its
// Status field, or when that is missing in the SMTP reply of its
// Diagnostic-Code), the report is the same evidence as in a well-formed
// message and is counted.
// Any other hard result of such a message (read from its text, or from a
// group without that Action and Status) is not; nor is one where the
// boundary never appears, or a multipart has none.

// malform records, in *flag, the first reason a kind of evidence cannot
// be trusted.
func (m *msg) malform(flag *string, why string) {
	if *flag == "" {
		*flag = why
	}
}

// evidenceFlag is the flag of the kind of evidence a leaf of media type mt
// is: the delivery-status parts, the human-readable notice, or nil for a
// part that is not read as evidence.
func (m *msg) evidenceFlag(mt string) *string {
	switch mt {
	case "message/delivery-status", "message/global-delivery-status", "text/delivery-status":
		return &m.badDSN
	case "text/plain", "text/plain-bounce", "text/x-notes", "":
		return &m.badText
	}
	return nil
}

// checkText marks evidence malformed when its part declares a charset
// that is not in the IANA registry or holds binary junk.
func (m *msg) checkText(flag *string, charset string, data []byte) {
	if charset != "" && !knownCharset(charset) {
		m.malform(flag, "a part in the unknown charset "+charset)
	}
	if binaryJunk(data) {
		m.malform(flag, "binary data in a text part")
	}
}

// knownCharset reports whether a charset name is in the IANA registry
// (RFC 2978), case-insensitively.
func knownCharset(cs string) bool {
	if strings.EqualFold(cs, "us-ascii") || strings.EqualFold(cs, "utf-8") {
		return true
	}
	_, err := ianaindex.MIME.Encoding(cs)
	if err == nil {
		return true
	}
	_, err = ianaindex.IANA.Encoding(cs)
	return err == nil
}

// binaryJunk reports whether a text holds NUL bytes or more than one in a
// hundred control characters other than tab, line breaks, form feed and
// the escape of ISO-2022 charsets.
func binaryJunk(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	ctl := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b {
			ctl++
		}
	}
	return ctl > 0 && ctl*100 > len(b)
}

// distrustHard reports a hard result of a malformed message as unknown,
// naming why.
func (m *msg) distrustHard(rs []Result) {
	why := m.badDSN
	if m.fromText && m.badText != "" {
		why = m.badText
	}
	if m.overflow != "" {
		why = m.overflow
	}
	for i := range rs {
		w := why
		if w == "" && m.repaired != "" && !m.backed[rs[i].Recipient] {
			w = m.repaired
		}
		if w != "" && rs[i].Class == Hard {
			rs[i].Class = Unknown
			rs[i].Rule = "malformed message (" + w + "): hard evidence not counted; " + rs[i].Rule
		}
	}
}

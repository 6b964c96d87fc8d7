package bounces

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// field is one "Name: value" line of a delivery-status or feedback-report
// body, unfolded, with the name lower-cased.
type field struct{ name, value string }

// parseFields reads the header-style fields of a message/delivery-status
// (RFC 3464 section 2.1) or message/feedback-report body. Continuation
// lines are unfolded; blank lines are kept as a field with an empty name so
// callers can see group boundaries; lines that are not fields are skipped.
func parseFields(b []byte) []field {
	// One field a line at most: sized once instead of grown.
	out := make([]field, 0, min(bytes.Count(b, []byte{'\n'})+1, 4*maxResults))
	s := string(b) // one copy: the values are slices of it
	for len(s) > 0 && len(out) < 4*maxResults {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimRight(line, "\r")
		switch {
		case len(strings.TrimSpace(line)) == 0:
			out = append(out, field{})
		case line[0] == ' ' || line[0] == '\t':
			if n := len(out); n > 0 && out[n-1].name != "" {
				if out[n-1].value == "" { // "Final-Recipient:" with the value on the next line
					out[n-1].value = strings.TrimSpace(line)
				} else {
					out[n-1].value += " " + strings.TrimSpace(line)
				}
			}
		default:
			i := strings.IndexByte(line, ':')
			if i <= 0 {
				continue
			}
			out = append(out, field{fieldName(strings.TrimSpace(line[:i])), strings.TrimSpace(line[i+1:])})
		}
	}
	return out
}

// fieldName is a field name lower-cased: the names of RFC 3464 and RFC
// 5965 as constants, others copied.
func fieldName(name string) string {
	var buf [32]byte
	if len(name) <= len(buf) {
		for i := 0; i < len(name); i++ {
			c := name[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if n, ok := knownFieldNames[string(buf[:len(name)])]; ok {
			return n
		}
	}
	return asciiLower(name)
}

// knownFieldNames are the field names of delivery-status (RFC 3464
// sections 2.2 and 2.3) and feedback-report (RFC 5965 section 3) bodies.
var knownFieldNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		"original-envelope-id", "reporting-mta", "dsn-gateway", "received-from-mta", "arrival-date",
		"original-recipient", "final-recipient", "action", "status", "remote-mta", "diagnostic-code",
		"last-attempt-date", "final-log-id", "will-retry-until", "x-actual-recipient",
		"x-postfix-queue-id", "x-postfix-sender", "feedback-type", "user-agent", "version",
		"original-mail-from", "original-rcpt-to", "removal-recipient", "source-ip", "reported-domain",
		"authentication-results", "incidents",
	} {
		m[n] = n
	}
	return m
}()

// dsnRecipient is one per-recipient group of a DSN (RFC 3464 section 2.3).
type dsnRecipient struct {
	final, original, action, status, diagType, diag, remoteMTA, remoteType string
	// local is the Final-Recipient when it is a local part without a
	// domain ("rfc822; user"), as a site that rewrote the address gives it.
	local string
	// hasStatus: the group has the Status field that RFC 3464 section
	// 2.3.4 requires (its value may still be unreadable).
	hasStatus bool
}

// dsnRecipients splits the fields of a delivery-status body into
// per-recipient groups. Groups are normally separated by blank lines
// (section 2.1); a second Final-Recipient or Original-Recipient also
// starts a new group, for the DSNs that omit the blank line, and so does
// a second Action or Status after the group's address (Exim writes Action
// before Final-Recipient). Recipient fields that come before the group's
// address belong to it. Per-message fields (section 2.2) are skipped.
func dsnRecipients(fields []field) []dsnRecipient {
	var out []dsnRecipient
	var cur *dsnRecipient
	var pending dsnRecipient // recipient fields that came before the address
	start := func() {
		out = append(out, pending)
		pending = dsnRecipient{}
		cur = &out[len(out)-1]
	}
	for _, f := range fields {
		switch f.name {
		case "":
			cur = nil
		case "original-recipient":
			if cur == nil || cur.original != "" {
				start()
			}
			cur.original = origAddrOf(f.value)
		case "final-recipient", "x-actual-recipient":
			if f.name == "x-actual-recipient" && cur != nil && cur.final != "" {
				continue
			}
			if cur == nil || cur.final != "" {
				start()
			}
			cur.final = addrOf(f.value)
			if cur.final == "" && f.name == "final-recipient" {
				cur.local = localPart(f.value)
			}
		default:
			if cur != nil && (f.name == "action" && cur.action != "" || f.name == "status" && cur.hasStatus) {
				cur = nil // the next recipient's fields, without the blank line before them
			}
			if cur != nil {
				cur.set(f)
			} else {
				pending.set(f)
			}
		}
	}
	return out
}

// set stores one per-recipient field (RFC 3464 section 2.3).
func (d *dsnRecipient) set(f field) {
	switch f.name {
	case "action":
		d.action = asciiLower(firstWord(f.value))
	case "status":
		d.status = findStatus(f.value)
		d.hasStatus = true
	case "diagnostic-code":
		d.diagType, d.diag = splitTyped(f.value)
	case "remote-mta":
		// The name of the MTA (type dns) wins over a second field that
		// gives its address (Exim's "Remote-MTA: X-ip; [192.0.2.1]:25").
		if typ, v := splitTyped(f.value); d.remoteMTA == "" || typ == "dns" && d.remoteType != "dns" {
			d.remoteMTA, d.remoteType = v, typ
		}
	}
}

// dsnResults turns the delivery-status parts into results: one per
// recipient whose Action is failed or delayed. A group without an Action
// counts as failed when its status (or diagnostic) is not a success.
func (m *msg) dsnResults(text, textLower string) []Result {
	own := m.ownAddresses()
	var out []Result
	for _, part := range m.dsn {
		for _, d := range dsnRecipients(parseFields(part)) {
			if r, ok := d.result(text, textLower, m.rules, own); ok {
				out = append(out, r)
				if m.repaired != "" && d.failedPermanently() { // only a repaired message asks (distrustHard)
					if m.backed == nil {
						m.backed = map[string]bool{}
					}
					m.backed[r.Recipient] = true
				}
			} else if d.final != "" || d.original != "" {
				m.succeeded++
			}
		}
	}
	return out
}

// failedPermanently reports whether the group itself states a permanent
// failure: Action: failed (RFC 3464 section 2.3.3) with a class 5 status
// (RFC 3463 section 3.1) in its Status field or, when that is missing, in
// the SMTP reply of its Diagnostic-Code ("smtp; 550 5.1.1 ...").
func (d dsnRecipient) failedPermanently() bool {
	if d.action != "failed" {
		return false
	}
	if d.hasStatus {
		return strings.HasPrefix(d.status, "5.")
	}
	return d.diagType == "smtp" && strings.HasPrefix(findStatus(d.diag), "5.")
}

// result classifies one recipient group; ok is false when the recipient
// did not fail (delivered, relayed, expanded: RFC 3464 section 2.3.3).
// textLower is text lower-cased (asciiLower); own are the addresses that are
// not failed recipients (msg.ownAddresses).
func (d dsnRecipient) result(text, textLower string, rules *phraseIndex, own map[string]bool) (Result, bool) {
	action := d.action
	switch {
	case action == "delivered", action == "relayed", action == "expanded", action == "deliverable":
		return Result{}, false
	case strings.HasPrefix(d.status, "2."): // success, whatever the action says (RFC 3463 section 3.1)
		return Result{}, false
	}
	rcpt := d.final
	if rcpt == "" {
		rcpt = d.original
	}
	if rcpt == "" {
		// A local Final-Recipient: the address the notice names with
		// that local part.
		if rcpt = addrWithLocal(textLower, d.local, own); rcpt == "" {
			return Result{}, false
		}
	}
	about, aboutLower := textAbout(text, textLower, rcpt)
	diag := d.diag
	if diag == "" {
		diag = preamble(text) + "\n" + about
	}
	diag = normSpace(diag)
	lower := diagLower(diag)
	in := evidence{
		status:    d.status,
		diag:      diag,
		lower:     lower,
		diagType:  d.diagType,
		untyped:   d.diag != "" && d.diagType == "",
		noStatus:  !d.hasStatus,
		temporary: action == "delayed",
		command:   dsnCommand(lower, aboutLower, text, rcpt),
		rules:     rules,
	}
	r := classify(in)
	r.Recipient = rcpt
	if d.original != rcpt {
		r.OriginalRecipient = d.original
	}
	r.Action = action
	r.RemoteMTA = d.remoteMTA
	return r, true
}

// localPart is the value of an address field that is a local part
// without a domain ("rfc822; user", "<user>"), lower-cased, or "".
func localPart(v string) string {
	_, a := splitTyped(v)
	a = strings.Trim(a, " \t<>\"'")
	if a == "" || len(a) > 64 || strings.ContainsAny(a, "@ \t<>()[]\\,;:\"") {
		return ""
	}
	return asciiLower(a)
}

// addrWithLocal is the one address with the local part local that a
// lower-cased notice names, leaving out own (the bounce's and the
// original's senders: "your message from news@..."), or "" when it names
// none or several.
func addrWithLocal(lower, local string, own map[string]bool) string {
	if local == "" {
		return ""
	}
	found := ""
	for pos := 0; ; {
		i := strings.Index(lower[pos:], local+"@")
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + len(local) + 1
		if at > 0 && !strings.ContainsRune(" \t\r\n<(\"':;,[", rune(lower[at-1])) {
			continue // the end of a longer local part
		}
		end := at + strings.IndexAny(lower[at:]+" ", " \t\r\n>)\"',;[]")
		a := cleanAddr(lower[at:end])
		if a == "" || !plausibleAddr(a) || own[a] {
			continue
		}
		if found != "" && found != a {
			return ""
		}
		found = a
	}
	return found
}

// addrOf extracts the address of an RFC 3464 address field
// ("rfc822; <a@b>"), lower-cased. An address of type utf-8 may hold
// EmbeddedUnicodeChars ("\x{E9}", RFC 6533 section 3), which are decoded.
func addrOf(v string) string {
	return typedAddr(splitTyped(v))
}

// typedAddr is addrOf for a value split into its address type and address.
func typedAddr(typ, v string) string {
	if typ == "utf-8" || strings.Contains(v, `\x{`) {
		v = decodeUnitext(v)
	}
	return cleanAddr(v)
}

// origAddrOf is addrOf for the Original-Recipient, which carries the ORCPT
// parameter of the RCPT command (RFC 3464 section 2.3.1), where the
// address is xtext (RFC 3461 section 4.2): "+2B" stands for "+".
func origAddrOf(v string) string {
	typ, a := splitTyped(v)
	if typ != "utf-8" && strings.IndexByte(a, '+') >= 0 {
		a = decodeXtext(a)
	}
	return typedAddr(typ, a)
}

// decodeXtext decodes the "+XX" of RFC 3461 section 4 xtext: the
// hexadecimal code of a character xtext must encode (one outside "!" to
// "~", "+" or "="). A "+" followed by anything else is left as it
// stands, so a plain address with "+" in it passes unchanged.
func decodeXtext(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '+' && i+2 < len(s) {
			if c, ok := unhex2(s[i+1], s[i+2]); ok && (c < '!' || c > '~' || c == '+' || c == '=') {
				if b == nil {
					b = append(make([]byte, 0, len(s)), s[:i]...)
				}
				b = append(b, c)
				i += 2
				continue
			}
		}
		if b != nil {
			b = append(b, s[i])
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}

// unhex2 reads two upper-case hexadecimal digits (xtext's hexchar).
func unhex2(a, b byte) (byte, bool) {
	h := func(c byte) (byte, bool) {
		switch {
		case c >= '0' && c <= '9':
			return c - '0', true
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	x, ok1 := h(a)
	y, ok2 := h(b)
	return x<<4 | y, ok1 && ok2
}

// decodeUnitext decodes the EmbeddedUnicodeChars ("\x{HEXPOINT}") of
// RFC 6533 section 3 utf-8-addr-xtext and utf-8-addr-unitext into UTF-8.
// A malformed escape is left as it stands.
func decodeUnitext(s string) string {
	if !strings.Contains(s, `\x{`) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, `\x{`)
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		n, err := strconv.ParseUint(s[i+3:i+max(j, 3)], 16, 32)
		if j < 5 || j > 9 || err != nil || n > 0x10FFFF {
			b.WriteString(s[:i+3])
			s = s[i+3:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteRune(rune(n))
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// cleanAddr strips angle brackets, quotes and surrounding text from one
// address and lower-cases it. It returns "" for something that is not an
// address.
func cleanAddr(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			v = v[i+1 : i+j]
		}
	}
	v = strings.Trim(v, " \t<>\"'()[]:;,.")
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	if strings.HasPrefix(asciiLower(v), "mailto:") {
		v = v[len("mailto:"):]
	}
	v = trimWideText(v)
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return ""
	}
	return asciiLower(v)
}

// trimWideText cuts from an address the text that a label or sentence in
// another script joined to it without a space ("收件人：a@example.com",
// "a@example.com，请核对"): the local part starts after the last non-ASCII
// punctuation, symbol or space character before the "@", the domain ends
// at the first one after it. RFC 6531 allows UTF-8 letters in an address,
// but not punctuation like the full-width colon (U+FF1A) or the
// ideographic comma (U+3001), which CJK text writes without spaces.
func trimWideText(v string) string {
	at := strings.LastIndexByte(v, '@')
	if at < 0 || !hasNonASCII(v) {
		return v
	}
	start, end := 0, len(v)
	for i, r := range v {
		if r < utf8.RuneSelf || r == utf8.RuneError || !(unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)) {
			continue
		}
		if i < at {
			start = i + utf8.RuneLen(r)
		} else {
			end = i
			break
		}
	}
	return v[start:end]
}

// hasNonASCII reports whether s has a byte outside ASCII.
func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// splitTyped splits "type; value" (RFC 3464 address-type, diagnostic-type,
// mta-name-type). A value without a type is returned whole.
func splitTyped(v string) (typ, rest string) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ';'); i >= 0 && i < 20 && !strings.ContainsAny(v[:i], " <@") {
		return asciiLower(strings.TrimSpace(v[:i])), strings.TrimSpace(v[i+1:])
	}
	return "", strings.TrimSpace(v)
}

// firstWord returns the first space-separated word of v.
func firstWord(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexAny(v, " \t(;"); i >= 0 {
		return v[:i]
	}
	return v
}

// dsnCommand finds the SMTP command a recipient's failure answered: from
// the diagnostic (lower-cased), else the notice paragraph about the
// recipient (aboutLower, lower-cased), else a session transcript in the
// notice.
func dsnCommand(lower, aboutLower, notice, rcpt string) string {
	if c := commandOf(lower); c != "" {
		return c
	}
	if c := commandOf(aboutLower); c != "" {
		return c
	}
	return transcriptCommand(notice, rcpt)
}

package bounces

import "strings"

// field is one "Name: value" line of a delivery-status or feedback-report
// body, unfolded, with the name lower-cased.
type field struct{ name, value string }

// parseFields reads the header-style fields of a message/delivery-status
// (RFC 3464 section 2.1) or message/feedback-report body. Continuation
// lines are unfolded; blank lines are kept as a field with an empty name so
// callers can see group boundaries; lines that are not fields are skipped.
func parseFields(b []byte) []field {
	var out []field
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
				out[n-1].value += " " + strings.TrimSpace(line)
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
	final, original, action, status, diagType, diag, remoteMTA string
	// hasStatus: the group has the Status field that RFC 3464 section
	// 2.3.4 requires (its value may still be unreadable).
	hasStatus bool
}

// dsnRecipients splits the fields of a delivery-status body into
// per-recipient groups. Groups are normally separated by blank lines
// (section 2.1); a second Final-Recipient or Original-Recipient also
// starts a new group, for the DSNs that omit the blank line. Recipient
// fields that come before the group's address belong to it. Per-message fields (section 2.2) are skipped.
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
			cur.original = addrOf(f.value)
		case "final-recipient", "x-actual-recipient":
			if f.name == "x-actual-recipient" && cur != nil && cur.final != "" {
				continue
			}
			if cur == nil || cur.final != "" {
				start()
			}
			cur.final = addrOf(f.value)
		default:
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
		_, d.remoteMTA = splitTyped(f.value)
	}
}

// dsnResults turns the delivery-status parts into results: one per
// recipient whose Action is failed or delayed. A group without an Action
// counts as failed when its status (or diagnostic) is not a success.
func (m *msg) dsnResults(text, textLower string) []Result {
	var out []Result
	for _, part := range m.dsn {
		for _, d := range dsnRecipients(parseFields(part)) {
			if r, ok := d.result(text, textLower, m.rules); ok {
				out = append(out, r)
			} else if d.final != "" || d.original != "" {
				m.succeeded++
			}
		}
	}
	return out
}

// result classifies one recipient group; ok is false when the recipient
// did not fail (delivered, relayed, expanded: RFC 3464 section 2.3.3).
// textLower is text lower-cased (asciiLower).
func (d dsnRecipient) result(text, textLower string, rules *phraseIndex) (Result, bool) {
	action := d.action
	switch {
	case action == "delivered", action == "relayed", action == "expanded", action == "deliverable":
		return Result{}, false
	case strings.HasPrefix(d.status, "2."): // success, whatever the action says (RFC 3463 section 3.1)
		return Result{}, false
	}
	if d.final == "" && d.original == "" {
		return Result{}, false
	}
	rcpt := d.final
	if rcpt == "" {
		rcpt = d.original
	}
	about, aboutLower := textAbout(text, textLower, rcpt)
	diag := d.diag
	if diag == "" {
		diag = preamble(text) + "\n" + about
	}
	diag = normSpace(diag)
	lower := asciiLower(diag)
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

// addrOf extracts the address of an RFC 3464 address field
// ("rfc822; <a@b>"), lower-cased.
func addrOf(v string) string {
	_, v = splitTyped(v)
	return cleanAddr(v)
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
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return ""
	}
	return asciiLower(v)
}

// splitTyped splits "type; value" (RFC 3464 address-type, diagnostic-type,
// mta-name-type). A value without a type is returned whole.
func splitTyped(v string) (typ, rest string) {
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

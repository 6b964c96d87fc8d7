package bounces

import (
	"bytes"
	"strconv"
	"strings"
)

// failures reports the failed recipients of a delivery failure: from the
// RFC 3464 delivery-status part when there is one, else from the text
// conventions of the common mail systems.
func (m *msg) failures() []Result {
	notice, noticeLower := m.noticeText()
	if len(m.dsn) == 0 {
		m.inlineDSN()
		m.fromText = len(m.dsn) > 0
	}
	if len(m.dsn) > 0 {
		if rs := m.dsnResults(notice, noticeLower); len(rs) > 0 || m.succeeded > 0 {
			return rs // a report of successes only has no failures
		}
	}
	if !m.looksLikeBounce(noticeLower) {
		return nil
	}
	m.fromText = true
	return m.textResults(notice)
}

// noticeText is the human-readable part of the notification: the text
// bodies (or, without any, the HTML ones stripped of tags) up to the point
// where the copy of the original message begins. The rest, when the
// original was not attached as its own MIME part, is kept as the original.
// It returns the notice and the notice lower-cased (asciiLower).
func (m *msg) noticeText() (string, string) {
	var b strings.Builder
	for i, t := range m.texts {
		if i >= 4 || b.Len() > maxPartBytes {
			break
		}
		b.Write(t)
		b.WriteByte('\n')
	}
	if b.Len() == 0 {
		for i, h := range m.html {
			if i >= 2 {
				break
			}
			b.WriteString(stripTags(h))
			b.WriteByte('\n')
		}
	}
	s := b.String()
	if len(s) > maxNoticeBytes {
		s = s[:maxNoticeBytes]
	}
	lower := asciiLower(s)
	if i := originalStart(lower); i >= 0 {
		orig := s[i:]
		s, lower = s[:i], lower[:i]
		if m.original == nil {
			if j := strings.IndexByte(orig, '\n'); j >= 0 {
				m.keepOriginal([]byte(strings.TrimLeft(orig[j+1:], "\r\n")))
			}
		}
	}
	return s, lower
}

// originalMarkers are the lines (lower-case, without leading dashes and
// spaces) with which mail systems introduce the copy of the original
// message in a text bounce.
var originalMarkers = []string{
	"below this line is a copy of the message",
	"this is a copy of the message",
	"original message follows",
	"original message ----",
	"original message",
	"undelivered message follows",
	"message header follows",
	"headers of the original message",
	"header of the original message",
	"the header of the original message",
	"text of the original message",
	"returned message",
	"unsent message below",
	"unsent message follows",
	"copy of the message",
	"original message headers",
	"content-type: message/rfc822",
	"received headers",
	"message headers follow",
	"possibly truncated original message",
	"below is a copy of the original message",
	"a copy of the original message",
}

// originalStart finds where the copy of the original message begins in a
// lower-cased text bounce, or -1.
func originalStart(lower string) int {
	best := -1
	pos := 0
	for pos < len(lower) {
		end := strings.IndexByte(lower[pos:], '\n')
		if end < 0 {
			end = len(lower) - pos
		}
		raw := strings.TrimSpace(lower[pos : pos+end])
		line := strings.TrimSpace(strings.Trim(raw, "-=_* "))
		if len(line) > 0 && len(line) < 90 {
			dashed := strings.HasPrefix(raw, "-")
			for _, mk := range originalMarkers {
				if strings.HasPrefix(line, mk) || dashed && strings.Contains(line, mk) {
					return pos
				}
			}
		}
		pos += end + 1
	}
	return best
}

// failureSubjects are subject phrases (lower-case) that name a failed
// delivery, the first part of bounceSubjects: a message whose Subject says
// one is a delivery failure notice even when it carries the RFC 3834
// "Auto-Submitted: auto-replied" of automatic replies, which Postfix
// (bounce(8)) and Exim put on their failure notices too.
var failureSubjects = []string{
	"undeliver", "undelivered", "delivery status", "delivery failure", "delivery failed",
	"failure notice", "failure delivery", "returned mail", "mail delivery", "returned to sender",
	"could not be delivered", "not delivered", "nondeliverable", "non-deliverable", "non remis",
	"unzustellbar", "unable to deliver",
}

// bounceSubjects are subject phrases (lower-case) of delivery failure
// notices.
var bounceSubjects = append(append([]string(nil), failureSubjects...),
	"delivery notification", "delivery problem", "message status", "mail system error", "rejected",
	"bounce", "failed", "error", "warning", "delayed", "delivery report", "permanent error", "notification",
)

// failureSubject reports whether the Subject names a failed delivery
// (failureSubjects) and not an automatic reply (autoReplySubjects).
func (m *msg) failureSubject() bool {
	subj := asciiLower(m.subject)
	if autoReplySubject(subj) {
		return false
	}
	for _, s := range failureSubjects {
		if strings.Contains(subj, s) {
			return true
		}
	}
	return false
}

// bounceSenders are sender local parts of delivery failure notices.
var bounceSenders = []string{"mailer-daemon", "postmaster", "mail delivery", "mail-daemon", "mailerdaemon", "bounce", "no-reply", "noreply", "daemon"}

// looksLikeBounce reports whether a message without a delivery-status part
// presents itself as a delivery failure notice; lower is the notice
// lower-cased.
func (m *msg) looksLikeBounce(lower string) bool {
	if m.top.Get("X-Failed-Recipients") != "" {
		return true
	}
	subj := asciiLower(m.subject)
	for _, s := range bounceSubjects {
		if strings.Contains(subj, s) {
			return true
		}
	}
	for _, s := range bounceSenders {
		if strings.Contains(m.from, s) {
			return true
		}
	}
	if strings.Contains(m.from, "post_master") {
		return true
	}
	return strings.Contains(lower, "could not be delivered") || strings.Contains(lower, "requested action not taken") ||
		strings.Contains(lower, "rcpt to:") || strings.Contains(lower, "invalid user") || strings.Contains(lower, "permanent error") ||
		strings.Contains(lower, "delivery has failed") || strings.Contains(lower, "failed permanently") ||
		strings.Contains(lower, "undeliverable") || strings.Contains(lower, "unable to deliver")
}

// textResults finds the failed recipients of a text bounce and the
// diagnostic that follows each: the address standing alone at the start of
// a line ("<a@b>:", "a@b", "  a@b", "To: a@b", ...), as Postfix, qmail,
// Exim, Sendmail, Gmail, Yahoo, Exchange and others write them; else the
// X-Failed-Recipients header (Exim); else the To of the returned original,
// or the address its topmost Received field was accepted for.
func (m *msg) textResults(notice string) []Result {
	blocks := failedOnly(recipientBlocks(notice, m.ownAddresses()), m.top.Get("X-Failed-Recipients"), notice)
	if len(blocks) == 0 {
		blocks = transcriptBlocks(notice, m.ownAddresses())
	}
	if len(blocks) == 0 {
		blocks = m.subjectBlocks(notice)
	}
	if len(blocks) == 0 {
		if rs := m.forwardedBounce(); len(rs) > 0 {
			return rs
		}
	}
	if len(blocks) == 0 && m.original != nil {
		a := cleanAddr(m.original.Get("To"))
		if a == "" { // "undisclosed-recipients:;"
			a = m.receivedFor()
		}
		if a != "" {
			blocks = append(blocks, rcptBlock{addr: a, diag: notice})
		}
	}
	shareReason(blocks)
	if len(blocks) > 1 && !anyOwnText(blocks) {
		// The notice says nothing about any recipient on its own (a
		// list of addresses, then one transcript): all of it is about
		// each of them.
		for i := range blocks {
			blocks[i].diag = notice
		}
	}
	out := make([]Result, 0, len(blocks))
	failed := failedNotice(asciiLower(notice))
	for _, b := range blocks {
		diag := b.diag
		if _, _, ok := m.ruleIndex().textMatch(asciiLower(diag)); !ok {
			// The reason stands before the address, or nowhere near it.
			// With several recipients only the preamble speaks for all:
			// the rest of the notice is about the others.
			switch {
			case len(blocks) == 1 && strings.HasSuffix(b.diag, notice):
				// Already the notice (and the Subject that named it).
			case len(blocks) == 1:
				diag = notice
			default:
				diag = preamble(notice) + "\n" + b.diag
			}
		}
		d := diagnosticOf(diag)
		cmd := commandOf(asciiLower(d))
		if cmd == "" {
			cmd = transcriptCommand(notice, b.addr)
		}
		in := evidence{diag: d, command: cmd, rules: m.rules, failed: failed}
		if r := exchangeIMSReason(asciiLower(b.diag)); r != "" {
			in.reason = r
		}
		if c := labelledReplyCode(asciiLower(d)); c != 0 && findReplyCode(d) == 0 {
			in.replyCode = c
		}
		if pipeDelivery(asciiLower(b.diag), b.addr) {
			// A local program's failure, as a DSN's X-Unix
			// Diagnostic-Code (RFC 3464 section 2.3.6).
			in.reason = "mailererror"
		}
		if m.sieveReject() {
			// The recipient's own Sieve filter refused the message
			// (RFC 5429 section 2.2.2): the mailbox exists.
			in.reason = "filtered"
		}
		if strings.HasSuffix(b.addr, "@googlegroups.com") {
			// Google Groups answers, in the sender's language, that the
			// group does not exist or the sender may not post: a refusal
			// of the sender, not a dead address.
			in.reason = "rejected"
		}
		r := classify(in)
		r.Recipient = b.addr
		if o := expandedFrom(b.diag); o != "" && o != b.addr {
			r.OriginalRecipient = o
		}
		r.Action = "failed"
		out = append(out, r)
	}
	return out
}

// failedOnly keeps, of the recipients a notice names, those its
// X-Failed-Recipients field (Exim; xfr) lists, when it lists any of them:
// the others are addresses the notice names for another reason (one the
// failed address was forwarded from, a contact). An address the field
// lists and the notice does not name is added with the whole notice as
// its text; so is every listed one when the notice names none.
func failedOnly(blocks []rcptBlock, xfr, notice string) []rcptBlock {
	var listed []string
	for _, a := range strings.Split(xfr, ",") {
		if a = cleanAddr(a); a != "" && len(listed) < maxResults {
			listed = append(listed, a)
		}
	}
	if len(listed) == 0 {
		return blocks
	}
	in := map[string]bool{}
	for _, a := range listed {
		in[a] = true
	}
	var kept []rcptBlock
	named := map[string]bool{}
	for _, b := range blocks {
		if in[b.addr] {
			kept = append(kept, b)
			named[b.addr] = true
		}
	}
	if len(kept) == 0 && len(blocks) > 0 {
		return blocks // the field and the notice disagree: the notice's lines are the finer evidence
	}
	for _, a := range listed {
		if !named[a] {
			kept = append(kept, rcptBlock{addr: a, diag: notice})
			named[a] = true
		}
	}
	return kept
}

// anyOwnText reports whether any recipient block has text of its own.
func anyOwnText(blocks []rcptBlock) bool {
	for _, b := range blocks {
		if strings.TrimSpace(b.diag) != "" {
			return true
		}
	}
	return false
}

// shareReason gives a run of recipients that the notice lists without any
// text of their own the text of the recipient that ends the run: notices
// that list the failed addresses and then state one reason for them all
// (1&1's "The following address failed: <a> <b> Reason: ...", Exim's
// "The following address(es) failed:" followed by a shared "Reason:"),
// unless that text names the address ending the run ("550 5.1.1 <b> user
// unknown"): then it is about that one only.
func shareReason(blocks []rcptBlock) {
	for i := 0; i < len(blocks); {
		j := i
		for j < len(blocks) && strings.TrimSpace(blocks[j].diag) == "" {
			j++
		}
		if j > i && j < len(blocks) && !namesAddr(blocks[j].diag, blocks[j].addr) {
			for k := i; k < j; k++ {
				blocks[k].diag = blocks[j].diag
			}
		}
		i = j + 1
	}
}

// namesAddr reports whether text names addr (any case): a reason that
// names the address closing a list is about that address alone.
func namesAddr(text, addr string) bool {
	return addr != "" && len(text) >= len(addr) && strings.Contains(strings.ToLower(text), strings.ToLower(addr))
}

// exchangeIMSCodes are the diagnostic codes of the Internet Mail Service of
// Microsoft Exchange 5.5 to 2003, written after the server's name in its
// non-delivery reports ("MSEXCH:IMS:org:site:server 0 (000C05A6) Unknown
// Recipient"), with the reason each states: 000C05A6 is its own directory
// finding no such recipient ("The recipient name is not recognized",
// Microsoft KB Q246881), 000C0595 an address that matches several
// recipients ("The recipient name is ambiguous", KB 251152), which is no
// dead address.
var exchangeIMSCodes = map[string]string{
	"000c05a6": "userunknown",
	"000c0595": "filtered",
}

// exchangeIMSReason is the reason an Exchange IMS diagnostic line in a
// recipient's text (lower-cased) states, or "".
func exchangeIMSReason(lower string) string {
	i := strings.Index(lower, "msexch:ims:")
	if i < 0 {
		return ""
	}
	rest := lower[i:]
	if len(rest) > 300 {
		rest = rest[:300]
	}
	j := strings.IndexByte(rest, '(')
	if j < 0 || j+10 > len(rest) || rest[j+9] != ')' {
		return ""
	}
	return exchangeIMSCodes[rest[j+1:j+9]]
}

// subjectBlocks is the one failed recipient a notice's Subject names
// when its body names none (Domino's "DELIVERY FAILURE: User a (a@b) not
// listed in Domino Directory"), with the Subject and the notice as its
// text; nil when the Subject names no address or several, when it states
// no reason (a text rule) about it, or when the address may come from the
// original's Subject quoted in it ("Undeliverable: Vragen? Mail
// info@..."): the returned message's Subject holds it, or its To names
// another address.
func (m *msg) subjectBlocks(notice string) []rcptBlock {
	subject, own := m.subject, m.ownAddresses()
	if len(subject) > 400 || !strings.Contains(subject, "@") {
		return nil
	}
	if _, _, ok := m.ruleIndex().textMatch(asciiLower(subject)); !ok {
		return nil
	}
	found := ""
	for _, tok := range strings.FieldsFunc(subject, func(r rune) bool { return strings.ContainsRune(" \t()<>[],;\"'", r) }) {
		a := cleanAddr(strings.TrimRight(tok, ".:"))
		if a == "" || !plausibleAddr(a) || own[a] || isSystemAddr(a) {
			continue
		}
		if found != "" && found != a {
			return nil
		}
		found = a
	}
	if found == "" {
		return nil
	}
	if m.original != nil {
		if strings.Contains(asciiLower(decodeHeader(m.original.Get("Subject"))), found) {
			return nil
		}
		if to := cleanAddr(m.original.Get("To")); to != "" && to != found {
			return nil
		}
	}
	return []rcptBlock{{addr: found, diag: subject + "\n" + notice}}
}

// replyCodeLabels name the SMTP reply code that follows them in a
// notice's own summary of a failure (Zoho Mail's "[Status: Error,
// Address: <a@b>, ResponseCode 421, , Host not reachable.]").
var replyCodeLabels = []string{"responsecode ", "response code ", "response code: ", "reply code ", "reply code: ", "smtp code "}

// labelledReplyCode is the reply code (RFC 5321 section 4.2) a
// lower-cased text gives after one of replyCodeLabels, or 0.
func labelledReplyCode(lower string) int {
	for _, l := range replyCodeLabels {
		i := strings.Index(lower, l)
		if i < 0 || i+len(l)+3 > len(lower) {
			continue
		}
		c := lower[i+len(l) : i+len(l)+3]
		if (c[0] == '4' || c[0] == '5') && isDigit(c[1]) && isDigit(c[2]) && (i+len(l)+3 == len(lower) || !isDigit(lower[i+len(l)+3])) {
			n, _ := strconv.Atoi(c)
			return n
		}
	}
	return 0
}

// pipeDelivery reports whether a recipient's text (lower-cased) shows
// that its delivery was to a pipe generated by the address: Exim's
// "pipe to |command" followed by "generated by a@b" (Exim specification,
// "Bounce messages").
func pipeDelivery(lower, addr string) bool {
	i := strings.Index(lower, "pipe to |")
	return i >= 0 && strings.Contains(lower[i:], "generated by "+addr)
}

// transcriptBlocks finds the failed recipients of a notice that names
// them only in an SMTP session transcript, in the RCPT command ("RCPT
// To:<a@b>", RFC 5321 section 4.1.1.3), however the transcript marks the
// client's lines (Sendmail's ">>>", MDaemon's "--->"): each block is the
// command and the lines after it up to the next command or section
// separator, where the server's reply stands.
func transcriptBlocks(notice string, skip map[string]bool) []rcptBlock {
	var out []rcptBlock
	seen := map[string]int{}
	cur := -1
	for _, line := range strings.Split(notice, "\n") {
		lower := asciiLower(line)
		if i := strings.Index(lower, "rcpt to:"); i >= 0 && len(line) < 400 {
			tok := strings.TrimSpace(line[i+len("rcpt to:"):])
			if j := strings.IndexAny(tok, " \t"); j >= 0 {
				tok = tok[:j]
			}
			if a := cleanAddr(tok); a != "" && plausibleAddr(a) && !skip[a] && !isSystemAddr(a) {
				k, ok := seen[a]
				if !ok {
					if len(out) >= maxResults {
						break
					}
					k = len(out)
					seen[a] = k
					out = append(out, rcptBlock{addr: a})
				}
				cur = k
				if len(out[cur].diag) < 4096 {
					out[cur].diag += "\n" + strings.TrimSpace(line[i:])
				}
				continue
			}
		}
		if cur < 0 {
			continue
		}
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "---") && !strings.HasPrefix(t, "--->") || strings.Contains(lower, "mail from:") {
			cur = -1
			continue
		}
		if len(out[cur].diag) < 4096 {
			out[cur].diag += "\n" + line
		}
	}
	return out
}

// maxNesting bounds how many returned messages deep a forwarded bounce is
// read.
const maxNesting = 2

// forwardedBounce reads the returned message as a bounce of its own when
// the notice names no failed address and the returned message comes
// from a mail system: a bounce forwarded to the sender, as GNU Mailman
// forwards a bounce it did not recognise to the list owner ("Uncaught
// bounce notification", the bounce attached as message/rfc822). Its
// failed recipients are the report's.
func (m *msg) forwardedBounce() []Result {
	if m.origRaw == nil || m.nesting >= maxNesting {
		return nil
	}
	from := asciiLower(m.original.Get("From"))
	if !anyPhrase(from, systemSenders) {
		return nil
	}
	in := readMessage(m.origRaw)
	in.rules, in.nesting = m.rules, m.nesting+1
	var out []Result
	for _, r := range in.report().Results {
		if r.Recipient != "" {
			out = append(out, r)
		}
	}
	return out
}

// systemSenders are the sender names (lower-case) of a mail system's own
// notices.
var systemSenders = []string{"mailer-daemon", "postmaster", "mail delivery", "mail-daemon", "mailerdaemon"}

// anyPhrase reports whether lower holds one of phrases.
func anyPhrase(lower string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

// expandedFrom is the address a failed recipient was derived from by
// alias or forward expansion, as the text right after the recipient
// states it: Postfix's "<a@b> (expanded from <alias@b>):" (bounce(8)) and
// Exim's "a@b\n    (generated from alias@b)" (Exim specification,
// "Bounce messages"). It is "" when the text does not say.
func expandedFrom(diag string) string {
	s := strings.TrimSpace(diag)
	if !strings.HasPrefix(s, "(") {
		return ""
	}
	end := strings.IndexByte(s, ')')
	if end < 0 {
		return ""
	}
	in := asciiLower(s[1:end])
	for _, p := range []string{"expanded from ", "generated from "} {
		if strings.HasPrefix(in, p) {
			if a := cleanAddr(in[len(p):]); a != "" && plausibleAddr(a) {
				return a
			}
		}
	}
	return ""
}

// ownAddresses are addresses in the notice that are not failed recipients:
// the bounce's own From and To (our return path).
func (m *msg) ownAddresses() map[string]bool {
	own := map[string]bool{}
	for _, k := range []string{"From", "To", "Return-Path", "Reply-To"} {
		if a := cleanAddr(m.top.Get(k)); a != "" {
			own[a] = true
		}
	}
	if m.original != nil {
		for _, k := range []string{"From", "Return-Path", "Sender"} {
			if a := cleanAddr(m.original.Get(k)); a != "" {
				own[a] = true
			}
		}
	}
	return own
}

// rcptBlock is one recipient of a text bounce and the text about it.
type rcptBlock struct{ addr, diag string }

// recipientBlocks splits a notice into recipient blocks. A line names a
// recipient when it begins (after white space, quotes or a label such as
// "To:" or "Recipient:") with an address; the block runs to the next such
// line. An address repeated in its own block's text is the same recipient.
func recipientBlocks(notice string, own map[string]bool) []rcptBlock {
	out := addrBlocks(notice, own)
	if len(out) == 0 {
		out = addrBlocks(notice, nil) // the notice names only our own addresses
	}
	return out
}

// addrBlocks splits a notice at lines that begin with an address that is
// not one of skip.
func addrBlocks(notice string, skip map[string]bool) []rcptBlock {
	lines := strings.Split(notice, "\n")
	// The recipients the notice names at the start of a line or after
	// an inline phrase; a line that names one of them in angle brackets
	// is about it too, wherever it stands (InterScan's "Sent <<< RCPT
	// TO:<a@b>" and "Received >>> 550 <a@b>... User unknown" come before
	// the line "Unable to deliver message to <a@b>.").
	var known map[string]bool
	for _, line := range lines {
		if a, _ := lineAddr(line); a != "" && !skip[a] && !isSystemAddr(a) {
			if known == nil {
				known = map[string]bool{}
			}
			known[a] = true
		}
	}
	if len(known) == 0 {
		return nil
	}
	var out []rcptBlock
	seen := map[string]int{}
	cur := -1
	for _, line := range lines {
		a, rest := lineAddr(line)
		named := false
		if a == "" || !known[a] {
			if k := namedRecipient(line, known); k != "" {
				a, rest, named = k, line, true
			}
		}
		if a != "" && known[a] {
			if i, ok := seen[a]; ok {
				if named && cur < 0 {
					// After its text has ended, a reply naming the
					// recipient is about it; what follows need not be.
					if len(out[i].diag) < 4096 {
						out[i].diag += "\n" + rest
					}
					continue
				}
				cur = i
				if len(out[i].diag) < 4096 {
					out[i].diag += " " + rest
				}
				continue
			}
			if len(out) >= maxResults {
				break
			}
			seen[a] = len(out)
			cur = len(out)
			out = append(out, rcptBlock{addr: a, diag: rest})
			if startsWithCode(strings.TrimSpace(line)) {
				cur = -1 // Sendmail's "550 <a@b>... reason": the line is the whole statement
			}
			continue
		}
		if cur >= 0 && strings.HasPrefix(strings.TrimLeft(line, "> \t"), "-----") {
			cur = -1 // a section separator ends the recipient's text
		}
		if cur >= 0 && len(out[cur].diag) < 4096 {
			out[cur].diag += "\n" + line
		}
	}
	return out
}

// lineAddr is the recipient a line names at its start (leadingAddr) or
// after an inline phrase (inlineAddr), and the rest of the line.
func lineAddr(line string) (string, string) {
	if a, rest := leadingAddr(line); a != "" {
		return a, rest
	}
	return inlineAddr(line)
}

// namedRecipient is the one address of known that a line names in angle
// brackets ("<a@b>", the form of RFC 5321 section 4.1.2 paths in
// commands and replies), or "" when it names none or several.
func namedRecipient(line string, known map[string]bool) string {
	if len(line) > 400 || strings.IndexByte(line, '<') < 0 {
		return ""
	}
	lower := asciiLower(line)
	found := ""
	for rest := lower; ; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		a := rest[i+1 : i+j]
		if k := strings.LastIndexByte(a, '<'); k >= 0 { // "<<< RCPT TO:<a@b>"
			a = a[k+1:]
		}
		rest = rest[i+j:]
		if !known[a] {
			continue
		}
		if found != "" && found != a {
			return ""
		}
		found = a
	}
	return found
}

// recipientLabels are labels that may precede a failed address on its line.
var recipientLabels = []string{
	"recipient:", "recipients:", "original-recipient:", "final-recipient:",
	"rcpt to:", "address:", "failed recipient:", "envelope-to:", "recipient address:",
	"intended recipient:", "your message to:", "delivery to:", "addressed to",
	"delivery to the following recipient failed permanently:",
	"delivery to the following recipients failed permanently:",
	"could not be delivered to", "the following address(es) failed:",
	"failed to deliver to", "unable to deliver to", "delivery has failed to these recipients or groups:",
	"rcpt:", "originalrecipient:", "your message to", "undeliverable to", "delivery failed to",
	"failed recipient", "unknown recipient:", "invalid recipient:", "error for", "address",
	// The same label in the localized notices of Korean, Japanese and
	// Chinese providers: "받는 사람:" and "수신자:" (recipient), "宛先："
	// (destination), "收件人：" (recipient), with an ASCII or a full-width
	// colon (U+FF1A).
	"받는 사람:", "받는사람:", "수신자:", "수신인:", "宛先:", "宛先：", "受信者:", "受信者：", "收件人:", "收件人：",
	// And in the localized notices of European and Latin American
	// providers: Dutch, German, French (with the space French typography
	// puts before a colon), Spanish, Italian, Portuguese, Polish, Czech,
	// Russian and Ukrainian (compared after asciiLower, so the Cyrillic
	// forms are listed as a line begins with them).
	"ontvanger:", "geadresseerde:", "empfänger:", "destinataire:", "destinataire :", "destinatario:",
	"destinatário:", "odbiorca:", "adresat:", "adresát:", "příjemce:", "Получатель:", "получатель:",
	"Адресат:", "адресат:", "Отримувач:", "отримувач:",
}

// leadingAddr returns the address a line begins with and the rest of the
// line, or "" when the line does not begin with one.
func leadingAddr(line string) (string, string) {
	s := strings.TrimSpace(strings.TrimRight(line, "\r"))
	if len(s) < 3 || len(s) > 400 {
		return "", ""
	}
	ls := asciiLower(s)
	labeled := false
	for _, l := range recipientLabels {
		if strings.HasPrefix(ls, l) {
			s = strings.TrimSpace(s[len(l):])
			labeled = true
			break
		}
	}
	s = skipDisplayName(s, labeled)
	s = skipAddressType(s)
	s = strings.TrimLeft(s, "\"'*-> \t")
	s = stripReplyCode(s)
	end := strings.IndexAny(s, " \t,;")
	tok := s
	if end >= 0 {
		tok = s[:end]
	}
	tok = strings.TrimRight(tok, ":.")
	if strings.HasPrefix(tok, "<") && !strings.Contains(tok, ">") {
		return "", ""
	}
	if !strings.Contains(tok, "@") {
		return "", ""
	}
	a := cleanAddr(tok)
	if a == "" || !plausibleAddr(a) {
		return "", ""
	}
	rest := ""
	if end >= 0 {
		rest = strings.TrimSpace(s[end:])
	}
	return a, rest
}

// skipDisplayName skips the display name of a name-addr (RFC 5322
// section 3.4) at the start of s: a quoted string followed by
// "<address>", or after a recipient label (labeled) a few words without
// "@" or ":" followed by "<address>". s is returned unchanged otherwise.
func skipDisplayName(s string, labeled bool) string {
	if strings.HasPrefix(s, `"`) {
		if j := strings.IndexByte(s[1:], '"'); j >= 0 {
			if rest := strings.TrimSpace(s[j+2:]); strings.HasPrefix(rest, "<") {
				return rest
			}
		}
		return s
	}
	if !labeled {
		return s
	}
	if i := strings.IndexByte(s, '<'); i > 0 && i < 80 && !strings.ContainsAny(s[:i], "@:<>\"") {
		return s[i:]
	}
	return s
}

// skipAddressType skips an address type written before an address in
// angle brackets ("SMTP <a@b>" of Microsoft Mail and Exchange gateways,
// "rfc822; <a@b>" as in RFC 3464 section 2.3.1); s is returned unchanged
// otherwise.
func skipAddressType(s string) string {
	for _, t := range []string{"smtp", "rfc822"} {
		if len(s) <= len(t) || !strings.EqualFold(s[:len(t)], t) {
			continue
		}
		rest := strings.TrimLeft(s[len(t):], ":;")
		if trimmed := strings.TrimLeft(rest, " \t"); strings.HasPrefix(trimmed, "<") && (len(trimmed) < len(rest) || len(rest) < len(s)-len(t)) {
			return trimmed
		}
	}
	return s
}

// plausibleAddr rejects tokens that only look like addresses (message ids,
// "user@host" inside a Received line).
func plausibleAddr(a string) bool {
	at := strings.LastIndexByte(a, '@')
	dom := a[at+1:]
	if !strings.Contains(dom, ".") && dom != "localhost" {
		return false
	}
	return !strings.ContainsAny(a, "<>()[]\\,;:\" ")
}

// isSystemAddr reports whether a is a mail system's own address.
func isSystemAddr(a string) bool {
	local := a[:strings.LastIndexByte(a, '@')]
	switch local {
	case "mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "root":
		return true
	}
	return false
}

// diagnosticOf reduces a recipient's text block to its diagnostic: the
// lines of the block, without empty lines, bounded in length.
func diagnosticOf(block string) string {
	if len(block) > 8192 {
		block = block[:8192]
	}
	s := normSpace(block)
	if len(s) > 2048 {
		s = s[:2048]
	}
	return s
}

// textAbout returns the text of a notice about rcpt, for a DSN recipient
// without a Diagnostic-Code: the paragraph after the first mention of the
// address; when that says nothing (the address alone in a list), the
// line and paragraph of the next mention (Domino's "was not delivered
// to: a@b because: User a (a@b) not listed in Domino Directory"). The
// same text of lower, the notice lower-cased, is returned with it.
func textAbout(notice, lower, rcpt string) (string, string) {
	if notice == "" || rcpt == "" {
		return "", ""
	}
	var text, low string
	pos := 0
	for n := 0; n < 4; n++ {
		i := strings.Index(lower[pos:], rcpt)
		if i < 0 {
			break
		}
		at := pos + i
		from := at + len(rcpt)
		to := min(len(notice), from+2048)
		if j := paragraphEnd(lower[from:to]); j >= 0 {
			to = from + j
		}
		start := from
		if n > 0 { // the line of the mention, the address with the words around it
			start = strings.LastIndexByte(lower[:at], '\n') + 1
		}
		text += " " + notice[start:to]
		low += " " + lower[start:to]
		if hasLetter(lower[from:to]) || n > 0 && hasLetter(lower[start:at]) {
			break
		}
		pos = to
	}
	return text, low
}

// hasLetter reports whether s holds an ASCII letter.
func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

// paragraphEnd is the offset of the first blank line in s (LF or CRLF
// line ends), or -1.
func paragraphEnd(s string) int {
	for i := strings.IndexByte(s, '\n'); i >= 0; {
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r') {
			j++
		}
		if j < len(s) && s[j] == '\n' {
			return i
		}
		k := strings.IndexByte(s[j:], '\n')
		if k < 0 {
			break
		}
		i = j + k
	}
	return -1
}

// stripTags turns HTML into text: tags removed, the ends of blocks
// (paragraphs, line breaks, divisions, table rows, list items, headings)
// as new lines, table cells apart by a space, and character references
// decoded (htmlEntities).
func stripTags(h []byte) string {
	var b bytes.Buffer
	in := false
	for i := 0; i < len(h) && b.Len() < maxPartBytes; i++ {
		c := h[i]
		switch {
		case c == '<':
			in = true
			switch tagName(h[i+1:]) {
			case "br", "p", "/p", "div", "/div", "/tr", "tr", "li", "/li", "h1", "h2", "h3", "h4", "h5", "h6",
				"/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "table", "/table", "hr", "pre", "/pre", "blockquote", "/blockquote":
				b.WriteByte('\n')
			case "td", "/td", "th", "/th":
				b.WriteByte(' ')
			}
		case c == '>':
			in = false
		case !in:
			b.WriteByte(c)
		}
	}
	return htmlEntities(b.String())
}

// tagName is the lower-case name of the tag that h starts with (after
// its "<"), with a leading "/" for an end tag.
func tagName(h []byte) string {
	var buf [12]byte
	n := 0
	for i := 0; i < len(h) && n < len(buf); i++ {
		c := h[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '/' && i == 0:
		default:
			return string(buf[:n])
		}
		buf[n] = c
		n++
	}
	return string(buf[:n])
}

// htmlEntities decodes the character references of HTML text: the named
// ones NDRs use and numeric ones ("&#39;", "&#x27;"); typographic quotes
// become ASCII ones and a no-break space a space, as the text rules are
// written.
func htmlEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&nbsp;", " ", "&quot;", "\"", "&apos;", "'",
		"&rsquo;", "'", "&lsquo;", "'", "&ldquo;", "\"", "&rdquo;", "\"").Replace(s)
	if !strings.Contains(s, "&#") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "&#")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], ';')
		if j < 3 || j > 9 {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		num := s[i+2 : i+j]
		base := 10
		if num[0] == 'x' || num[0] == 'X' {
			num, base = num[1:], 16
		}
		n, err := strconv.ParseUint(num, base, 32)
		if err != nil || n == 0 || n > 0x10FFFF {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		switch n {
		case 0x2018, 0x2019:
			b.WriteByte('\'')
		case 0x201C, 0x201D:
			b.WriteByte('"')
		case 0xA0:
			b.WriteByte(' ')
		default:
			b.WriteRune(rune(n))
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// stripReplyCode removes a leading SMTP reply code ("550 <a@b>... User
// unknown", Sendmail's per-recipient lines).
func stripReplyCode(s string) string {
	if len(s) > 4 && (s[0] == '4' || s[0] == '5') && isDigit(s[1]) && isDigit(s[2]) && s[3] == ' ' && s[4] == '<' {
		return s[4:]
	}
	return s
}

// inlinePhrases introduce a failed address inside a sentence ("rejected
// recipient <a@b>", "error delivering your mail to <a@b>", ...).
var inlinePhrases = []string{
	"rejected recipient", "delivering your mail to", "delivering your message to",
	"could not be delivered to", "wasn't delivered to", "was not delivered to",
	"couldn't be delivered to", "not be delivered to", "failed to deliver to",
	"could not deliver to", "unable to deliver to", "undeliverable to", "delivery to",
	"for recipient", "recipient address", "following recipient", "your message to",
	"delivery failed for", "permanent failure for", "message to", "address: <",
}

// inlineAddr returns the address an inline phrase introduces on a line and
// the rest of the line after it.
func inlineAddr(line string) (string, string) {
	if len(line) > 400 {
		return "", ""
	}
	lower := asciiLower(line)
	for _, p := range inlinePhrases {
		i := strings.Index(lower, p)
		if i < 0 {
			continue
		}
		rest := line[i+len(p):]
		fields := strings.Fields(rest)
		for _, tok := range fields[:min(6, len(fields))] {
			if !strings.Contains(tok, "@") {
				continue
			}
			if a := cleanAddr(strings.TrimRight(tok, ".:,;)")); a != "" && plausibleAddr(a) {
				j := strings.Index(rest, tok) + len(tok)
				return a, strings.TrimSpace(rest[j:])
			}
		}
	}
	return "", ""
}

// inlineDSN finds delivery-status fields (RFC 3464 section 2) written into
// a text body instead of their own part, as some MTAs and forwarders do,
// and keeps them as a delivery-status part.
func (m *msg) inlineDSN() {
	for _, t := range m.texts {
		lower := "\n" + asciiLower(string(t)) // offsets one past those of t
		i := strings.Index(lower, "\nfinal-recipient:")
		if i < 0 {
			continue
		}
		// The fields start with the per-message ones, or with the
		// Original-Recipient that comes before the Final-Recipient.
		if j := strings.LastIndex(lower[:i], "\nreporting-mta:"); j >= 0 {
			i = j
		} else if j := strings.LastIndex(lower[:i], "\noriginal-recipient:"); j >= 0 && !strings.Contains(lower[j+1:i], "\n\n") {
			i = j
		}
		m.dsn = append(m.dsn, t[i:])
		return
	}
}

// preamble is the start of a notice up to the first line naming an
// address: where some systems state the reason once for all recipients
// ("The user(s) account is disabled.").
func preamble(notice string) string {
	if i := strings.IndexByte(notice, '@'); i >= 0 {
		if j := strings.LastIndexByte(notice[:i], '\n'); j >= 0 {
			return notice[:j]
		}
		return ""
	}
	return notice
}

// startsWithCode reports whether s begins with an SMTP reply code and a
// space.
func startsWithCode(s string) bool {
	return len(s) > 4 && (s[0] == '4' || s[0] == '5') && isDigit(s[1]) && isDigit(s[2]) && s[3] == ' '
}

// ruleIndex is the text rule index the message is classified with.
func (m *msg) ruleIndex() *phraseIndex {
	if m.rules == nil {
		return defaultRules
	}
	return m.rules
}

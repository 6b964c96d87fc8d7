package bounces

import (
	"strconv"
	"strings"
)

// evidence is what a bounce says about one recipient, before
// classification.
type evidence struct {
	status    string // enhanced status code given by the message, if any
	replyCode int    // SMTP reply code given by the message, if any
	diag      string // diagnostic text
	temporary bool   // the message says the failure is temporary (Action: delayed)
	reason    string // a reason the format itself establishes, if any
	command   string // the SMTP command the reply answered (RCPT, DATA, ...), if known
}

// ClassifyReply classifies a synchronous SMTP refusal (the reply to RCPT or
// to the end of DATA) the same way as a bounce message. enhanced may be
// empty; text is the reply text. When the caller knows which command was
// refused, ClassifySMTPReply uses it.
func ClassifyReply(code int, enhanced, text string) Result {
	return ClassifySMTPReply("", code, enhanced, text)
}

// ClassifySMTPReply is ClassifyReply for a reply to a known SMTP command
// ("MAIL", "RCPT", "DATA"; RFC 5321 section 4.1): "user unknown" at RCPT TO
// is a dead address, at DATA a content filter, at MAIL FROM a refusal of
// the sender.
func ClassifySMTPReply(command string, code int, enhanced, text string) Result {
	return classify(evidence{status: findStatus(enhanced), replyCode: code, diag: text, command: strings.ToUpper(command)})
}

// classify decides reason, status and class for one recipient:
//  1. the reply code and enhanced status code, from the fields or else
//     from the diagnostic text (RFC 3463 section 2, RFC 5321 section 4.2);
//  2. the reason from the diagnostic text when it says something specific,
//     else from the status code's subject and detail (RFC 3463 section 3);
//  3. a vague or missing status refined from the reason;
//  4. the class from the reason and whether the failure is permanent.
func classify(in evidence) Result {
	diag := normSpace(in.diag)
	lower := asciiLower(diag)
	code := in.replyCode
	if code == 0 {
		code = findReplyCode(diag)
	}
	status := in.status
	if s := findStatus(diag); s != "" && (status == "" || !isVague(s)) {
		status = s // the code the remote server gave is the most precise one
	}
	reason := in.reason
	if reason == "" {
		reason = reasonFromText(lower)
	}
	if reason == "" {
		reason = reasonFromStatus(status)
	}
	if reason == "" {
		reason = matchRules(weakRules, lower)
	}
	reason = refineReason(reason, status, in.command, lower)
	if code == 551 && (reason == "userunknown" || reason == "") {
		reason = "hasmoved" // 551 User not local; please try <forward-path> (RFC 5321 section 3.4)
	}
	if reason == "" {
		reason = "undefined"
		if lower != "" {
			reason = "onhold" // there is a diagnostic, but it says nothing known
		}
	}
	temporary := in.temporary || isTemporary(status, code)
	if status == "" {
		status = pseudoStatus(reason, temporary)
	}
	r := Result{
		Reason:     reason,
		Status:     status,
		ReplyCode:  code,
		Diagnostic: diag,
	}
	r.Class = classOf(reason, status, code, temporary)
	return r
}

// refineReason corrects a reason by the SMTP command the reply answered
// (RFC 5321 section 3.3). A refusal at MAIL FROM is about the sender, never
// the recipient's address. "User unknown" in reply to DATA, after the
// recipient was accepted at RCPT TO, is a content filter speaking, not a
// dead address; so is "user unknown" under a policy or mailbox status
// (X.7.x, X.2.x) that was not given at RCPT TO. An address status (X.1.x,
// RFC 3463 section 3.2) backs the text whatever the command.
func refineReason(reason, status, command, lower string) string {
	if reason != "userunknown" && reason != "hostunknown" {
		return reason
	}
	if command == "" {
		command = commandOf(lower)
	}
	if command == "MAIL" {
		return "rejected"
	}
	if reason != "userunknown" || strings.HasPrefix(status[min(2, len(status)):], "1.") {
		return reason
	}
	switch {
	case command == "DATA":
		return "filtered"
	case command != "RCPT" && len(status) > 2 && (status[2] == '7' || status[2] == '2'):
		return "filtered"
	case command == "" && status == "" && !definitive(lower):
		return "filtered"
	}
	return reason
}

// isTemporary reports whether the status or reply code is a 4xx
// (persistent transient failure, RFC 3463 section 3.1).
func isTemporary(status string, code int) bool {
	if status != "" {
		return status[0] == '4'
	}
	return code >= 400 && code < 500
}

// isVague reports whether an enhanced status says nothing beyond its class
// (X.0.0).
func isVague(s string) bool { return strings.HasSuffix(s, ".0.0") }

// hardReasons are the reasons that say the address itself is dead.
var hardReasons = map[string]bool{"userunknown": true, "hostunknown": true, "hasmoved": true}

// blockReasons are refusals for policy, reputation, content or spam.
var blockReasons = map[string]bool{
	"blocked": true, "filtered": true, "spamdetected": true, "policyviolation": true,
	"authfailure": true, "securityerror": true, "requireptr": true, "badreputation": true,
	"rejected": true, "virusdetected": true, "norelaying": true, "notcompliantrfc": true,
	"contenterror": true, "speeding": true, "toomanyconn": true,
}

// classOf maps a reason to a class. Hard is exactly userunknown,
// hostunknown, hasmoved, and notaccept with a permanent (5xx) code; a
// temporary failure is never hard.
func classOf(reason, status string, code int, temporary bool) Class {
	switch {
	case reason == "feedback":
		return Complaint
	case reason == "vacation":
		return AutoReply
	case reason == "undefined" || reason == "onhold" || reason == "":
		return Unknown
	case temporary:
		if blockReasons[reason] {
			return Block
		}
		return Soft
	case hardReasons[reason]:
		return Hard
	case reason == "notaccept":
		if code >= 500 || strings.HasPrefix(status, "5.") {
			return Hard
		}
		return Soft
	case blockReasons[reason]:
		return Block
	}
	return Soft
}

// findStatus returns the first RFC 3463 enhanced status code in s
// ("5.1.1"; class 2, 4 or 5, subject up to 3 digits, detail up to 3
// digits), or "".
func findStatus(s string) string {
	for i := 0; i+5 <= len(s); i++ {
		c := s[i]
		if (c != '2' && c != '4' && c != '5') || s[i+1] != '.' {
			continue
		}
		if i > 0 && (isDigit(s[i-1]) || s[i-1] == '.') {
			continue
		}
		if st, ok := statusAt(s[i:]); ok {
			return st
		}
	}
	return ""
}

// statusAt parses "c.sss.ddd" at the start of s, not followed by a digit
// or dot-digit (which would make it an IP address or version number).
func statusAt(s string) (string, bool) {
	j := 2
	n := digits(s[j:], 3)
	if n == 0 || j+n >= len(s) || s[j+n] != '.' {
		return "", false
	}
	j += n + 1
	m := digits(s[j:], 3)
	if m == 0 {
		return "", false
	}
	end := j + m
	if end < len(s) && (isDigit(s[end]) || (s[end] == '.' && end+1 < len(s) && isDigit(s[end+1]))) {
		return "", false
	}
	return s[:end], true
}

// digits counts the leading digits of s, up to max+1.
func digits(s string, max int) int {
	n := 0
	for n < len(s) && n <= max && isDigit(s[n]) {
		n++
	}
	if n > max {
		return 0
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// findReplyCode returns the SMTP reply code (RFC 5321 section 4.2) a
// diagnostic text starts with or quotes ("550 ...", "550-5.1.1",
// "said: 550 ..."), or 0.
func findReplyCode(s string) int {
	for i := 0; i+3 <= len(s); i++ {
		c := s[i]
		if c != '4' && c != '5' {
			continue
		}
		if i > 0 && !isCodeLead(s[i-1]) {
			continue
		}
		if !isDigit(s[i+1]) || !isDigit(s[i+2]) || s[i+1] > '5' {
			continue
		}
		if i+3 < len(s) && s[i+3] != ' ' && s[i+3] != '-' && s[i+3] != ')' && s[i+3] != ']' {
			continue
		}
		n, _ := strconv.Atoi(s[i : i+3])
		return n
	}
	return 0
}

// isCodeLead reports whether c may precede a reply code in text.
func isCodeLead(c byte) bool {
	return c == ' ' || c == ':' || c == '(' || c == '[' || c == '<' || c == ';' || c == '"' || c == '\''
}

// normSpace collapses runs of white space into one space.
func normSpace(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") && !strings.Contains(s, "  ") {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// pseudoStatus is the status reported when the message gives none: the
// class digit from whether the failure is temporary, subject 0 ("other or
// undefined", RFC 3463 section 3.1) and a detail above 900 naming the
// reason. The numbering is the one Sisimai uses (X.0.9NN), so results stay
// comparable with that analyser's.
func pseudoStatus(reason string, temporary bool) string {
	d, ok := pseudoDetail[reason]
	if !ok {
		return ""
	}
	if temporary {
		return "4.0." + d
	}
	return "5.0." + d
}

// pseudoDetail is the X.0.9NN detail of each reason.
var pseudoDetail = map[string]string{
	"undefined": "900", "onhold": "901", "norelaying": "909", "filtered": "910",
	"userunknown": "911", "hostunknown": "912", "hasmoved": "916", "rejected": "918",
	"suspend": "921", "mailboxfull": "922", "exceedlimit": "923", "systemerror": "930",
	"systemfull": "931", "notaccept": "932", "mesgtoobig": "934", "mailererror": "939",
	"networkerror": "944", "toomanyconn": "945", "expired": "947", "contenterror": "960",
	"securityerror": "970", "blocked": "971", "spamdetected": "980", "virusdetected": "980",
	"policyviolation": "972", "requireptr": "973", "authfailure": "974", "badreputation": "975",
	"notcompliantrfc": "976", "syntaxerror": "902", "speeding": "946",
}

// commandMarkers map phrases that name the SMTP command a reply answered
// (Postfix "in reply to ... command", Exim "after ...", Sendmail's
// transcript ">>> ...", DragonFly "did not like our ...") to the command.
var commandMarkers = []struct{ phrase, cmd string }{
	{"in reply to end of data command", "DATA"}, {"in reply to data command", "DATA"},
	{"in reply to rcpt to command", "RCPT"}, {"in reply to mail from command", "MAIL"},
	{"after end of data", "DATA"}, {"after data", "DATA"}, {"smtp command data", "DATA"},
	{"after rcpt to", "RCPT"}, {"after mail from", "MAIL"}, {"after initial connection", "CONN"},
	{"did not like our data", "DATA"}, {"did not like our rcpt", "RCPT"},
	{"did not like our mail", "MAIL"}, {"[rcpt_to]", "RCPT"}, {"rcpt to:<", "RCPT"},
	{"in reply to rcpt", "RCPT"}, {"in reply to end of data", "DATA"},
	{"does not like recipient", "RCPT"}, {"rcpt to command", "RCPT"},
}

// commandOf finds the SMTP command a lower-case text says the reply
// answered, or "".
func commandOf(lower string) string {
	for _, m := range commandMarkers {
		if strings.Contains(lower, m.phrase) {
			return m.cmd
		}
	}
	return ""
}

// smtpVerbs are the SMTP commands (RFC 5321 section 4.1).
var smtpVerbs = map[string]bool{
	"HELO": true, "EHLO": true, "MAIL": true, "RCPT": true, "DATA": true, "RSET": true,
	"QUIT": true, "STARTTLS": true, "AUTH": true, "BDAT": true,
}

// transcriptCommand finds, in a Sendmail-style session transcript, the
// command (">>> DATA") whose reply ("<<< 550 ...") names rcpt.
func transcriptCommand(notice, rcpt string) string {
	if rcpt == "" || !strings.Contains(notice, ">>> ") {
		return ""
	}
	cmd := ""
	for _, line := range strings.Split(notice, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, ">>> "):
			cmd = strings.ToUpper(firstWord(line[4:]))
			if i := strings.IndexByte(cmd, ':'); i >= 0 {
				cmd = cmd[:i]
			}
			if !smtpVerbs[cmd] {
				cmd = ""
				continue
			}
			if strings.Contains(asciiLower(line), rcpt) { // ">>> RCPT To:<rcpt>"
				return cmd
			}
		case strings.HasPrefix(line, "<<< ") && strings.Contains(asciiLower(line), rcpt):
			return cmd
		}
	}
	if strings.Count(notice, ">>> ") == 1 {
		return cmd
	}
	return ""
}

// asciiLower lower-cases the ASCII letters of s and leaves every other
// byte alone, so offsets in the result are offsets in s (strings.ToLower
// would replace invalid UTF-8 and shift them).
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// definitive reports whether a text holds a mail system's statement about
// its own directory (localUnknown).
func definitive(lower string) bool {
	for _, p := range localUnknown {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

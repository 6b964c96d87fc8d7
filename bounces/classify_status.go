package bounces

import "strconv"

// The status a result reports, and the registry code derived from its
// reason. Status is read from the strongest evidence down:
//
//  1. a code in the diagnostic, the remote server's own reply (RFC 3464
//     section 2.3.6), wins over the report's Status field (section 2.3.4)
//     when it says more: the field is missing or the diagnostic's code is
//     not a bare X.0.0, and its detail is not 0 where a later code's is
//     ("5.1.0 Unknown address error 550 5.2.2 Mailbox full" is 5.2.2); a
//     code the server paired with its reply code ("550 5.1.1", "#5.1.1",
//     "(5.1.1)") comes before one standing free in the text, a code of
//     another class than its reply code is none ("550 rejected [192.0.2.5]
//     4.2.1"), and a free one needs a detail the registry defines ("on
//     4.5.21 your host was listed" is a date): see statusCandidates;
//  2. X.4.7 "delivery time expired" gives way to the code of the last
//     attempt it quotes (RFC 3463 section 3.5: "If possible, the code for
//     the actual problem found when delivery was attempted should be
//     returned rather than this code");
//  3. the reply code is the one the chosen status code prefaces in the
//     diagnostic ("421 4.4.2"), since a server's enhanced code always
//     agrees in class with its reply code (RFC 2034 section 4);
//  4. a message without any code gets the X.0.9NN code of the reason
//     (pseudoStatus), with the class of the reply code when there is one,
//     else 4 for a delay (Action: delayed) and 5 for a failure.
//
// StandardStatus turns the X.0.9NN code, or a bare X.0.0, into the code of
// the IANA registry (RFC 5248) that names the reason: derivedStatus.

// chooseStatus picks the status and reply code of a failure from the
// status the report gives (field), the diagnostic text and the reply code
// (code, found in the diagnostic unless codeGiven), and says why.
func chooseStatus(field, diag string, code int, codeGiven bool) (status string, reply int, why string) {
	status, reply = field, code
	if field != "" {
		why = "status " + field + " as the report gives it (RFC 3464 section 2.3.4 Status, or the reply's enhanced code)"
	}
	s, at := diagStatus(diag, code)
	if s == "" || s[0] == '2' || (field != "" && isVague(s)) {
		return status, reply, why
	}
	if s != field {
		why = "status " + s + " from the remote server's reply in the diagnostic (RFC 3464 section 2.3.6), more precise than "
		if field == "" {
			why += "no status field"
		} else {
			why += "the status field " + field
		}
	} else if why == "" {
		why = "status " + s + " from the diagnostic"
	}
	status = s
	if statusDetailOf(s) == "4.7" {
		if a, i := actualProblem(diag, at+len(s)); a != "" {
			why = "status " + a + ", the code of the last attempt that " + s + " (delivery time expired) quotes: RFC 3463 section 3.5 asks for the code of the actual problem rather than X.4.7"
			status, at = a, i
		}
	}
	if !codeGiven {
		if c := replyBefore(diag, at); c != 0 && c/100 == int(status[0]-'0') {
			if c != reply {
				why += "; reply code " + strconv.Itoa(c) + ", the one this status code prefaces (RFC 2034 section 4: they agree in class)"
			}
			reply = c
		}
	}
	return status, reply, why
}

// actualProblem is the first status code in diag after offset from that is
// neither X.4.7 nor vague (X.0.0), with its offset, or "".
func actualProblem(diag string, from int) (string, int) {
	for n := 0; n < 4 && from < len(diag); n++ {
		s, i := findStatusAt(diag[from:])
		if s == "" {
			return "", 0
		}
		i += from
		if s[0] != '2' && statusDetailOf(s) != "4.7" && !isVague(s) {
			return s, i
		}
		from = i + len(s)
	}
	return "", 0
}

// replyBefore is the reply code right before offset at in diag ("421
// 4.4.2", "550-5.1.1", "550-'5.2.2"), or 0.
func replyBefore(diag string, at int) int {
	if at > 0 && (diag[at-1] == '\'' || diag[at-1] == '"') {
		at--
	}
	if at < 4 || (diag[at-1] != ' ' && diag[at-1] != '-') {
		return 0
	}
	d := diag[at-4 : at-1]
	if !isDigit(d[0]) || !isDigit(d[1]) || !isDigit(d[2]) || (at > 4 && isDigit(diag[at-5])) {
		return 0
	}
	n, _ := strconv.Atoi(d)
	if n < 200 || n >= 600 {
		return 0
	}
	return n
}

// statusDetailOf is the "subject.detail" of an enhanced status code.
func statusDetailOf(s string) string {
	if len(s) < 5 {
		return ""
	}
	return s[2:]
}

// pseudoRule says why a result reports the X.0.9NN code of its reason.
func pseudoRule(reason, status string, code int, delayed, textTemporary bool) string {
	if status == "" {
		return ""
	}
	why := "no status code in the message: " + status + ", the X.0.9NN code of reason " + reason + ", class "
	switch {
	case code >= 400 && code < 600:
		why += status[:1] + " from reply code " + strconv.Itoa(code)
	case delayed:
		why += "4 from the delay (Action: delayed)"
	case textTemporary:
		why += "4 from the text, which calls the failure temporary (tellsTemporary)"
	case status[0] == '4':
		why += "4 from the delay notice (delayNotices) or the message's own class"
	default:
		why += "5 for a failure"
	}
	return why
}

// derivation is one row of the table that derives an RFC 3463 code from a
// reason when the message gives none: the subject.detail, the registry's
// name for it and the section that defines it.
type derivation struct {
	reason, code, name, source string
}

// derivedStatus is the reason → code table, from the IANA "SMTP Enhanced
// Status Codes" registry (RFC 5248). Where several codes fit, the most
// general one that names the reason is used (X.7.1 for all refusals by
// policy, X.3.0 for mail system errors).
var derivedStatus = []derivation{
	{"userunknown", "1.1", "Bad destination mailbox address", "RFC 3463 section 3.2"},
	{"hostunknown", "1.2", "Bad destination system address", "RFC 3463 section 3.2"},
	{"hasmoved", "1.6", "Destination mailbox has moved, No forwarding address", "RFC 3463 section 3.2"},
	{"rejected", "1.8", "Bad sender's system address", "RFC 3463 section 3.2"},
	{"notaccept", "1.10", "Recipient address has null MX", "RFC 7505 section 4.2"},
	{"suspend", "2.1", "Mailbox disabled, not accepting messages", "RFC 3463 section 3.3"},
	{"mailboxfull", "2.2", "Mailbox full", "RFC 3463 section 3.3"},
	{"systemerror", "3.0", "Other or undefined mail system status", "RFC 3463 section 3.4"},
	{"mailererror", "3.0", "Other or undefined mail system status", "RFC 3463 section 3.4 (a local delivery program is part of the mail system)"},
	{"systemfull", "3.1", "Mail system full", "RFC 3463 section 3.4"},
	{"mesgtoobig", "3.4", "Message too big for system", "RFC 3463 section 3.4"},
	{"networkerror", "4.0", "Other or undefined network or routing status", "RFC 3463 section 3.5"},
	{"toomanyconn", "4.5", "Mail system congestion", "RFC 3463 section 3.5"},
	{"expired", "4.7", "Delivery time expired", "RFC 3463 section 3.5"},
	{"syntaxerror", "5.2", "Syntax error", "RFC 3463 section 3.6"},
	{"exceedlimit", "5.3", "Too many recipients", "RFC 3463 section 3.6"},
	{"contenterror", "6.0", "Other or undefined media error", "RFC 3463 section 3.7"},
	{"notcompliantrfc", "6.0", "Other or undefined media error", "RFC 3463 section 3.7"},
	{"securityerror", "7.0", "Other or undefined security status", "RFC 3463 section 3.8"},
	{"filtered", "7.1", "Delivery not authorized, message refused", "RFC 3463 section 3.8"},
	{"blocked", "7.1", "Delivery not authorized, message refused", "RFC 3463 section 3.8"},
	{"spamdetected", "7.1", "Delivery not authorized, message refused", "RFC 3463 section 3.8"},
	{"virusdetected", "7.1", "Delivery not authorized, message refused", "RFC 3463 section 3.8"},
	{"policyviolation", "7.1", "Delivery not authorized, message refused", "RFC 3463 section 3.8"},
	{"badreputation", "7.1", "Delivery not authorized, message refused", "RFC 3463 section 3.8"},
	{"norelaying", "7.1", "Delivery not authorized, message refused", "RFC 3463 section 3.8"},
	{"requireptr", "7.25", "Reverse DNS validation failed", "RFC 7372 section 3.3"},
	{"authfailure", "7.26", "Multiple authentication checks failed", "RFC 7372 section 3.3 (the refusal names sender authentication without saying which check)"},
	{"speeding", "7.28", "Mail flood detected", "IANA registry (RFC 5248)"},
	{"undefined", "0.0", "Other undefined Status", "RFC 3463 section 3.1"},
	{"onhold", "0.0", "Other undefined Status", "RFC 3463 section 3.1"},
}

// derivedIndex is derivedStatus by reason.
var derivedIndex = func() map[string]derivation {
	m := make(map[string]derivation, len(derivedStatus))
	for _, d := range derivedStatus {
		m[d.reason] = d
	}
	return m
}()

// StandardStatus is the status as an RFC 3463 code from the registry: when
// the message gave none, or only a vague one (X.0.0), or Status holds the
// X.0.9NN code of the reason, the code that names the reason ("5.1.1" for
// an unknown user, "5.1.2" for an unknown host, "4.2.2" for a full
// mailbox that is retried); otherwise Status itself.
func (r Result) StandardStatus() string {
	s, _ := r.standardStatus()
	return s
}

// StandardStatusRule says how StandardStatus was found, as postbode bounces
// classify prints it ("status 5.1.1 derived from reason userunknown: X.1.1
// Bad destination mailbox address (RFC 3463 section 3.2), class 5 from
// reply code 550").
func (r Result) StandardStatusRule() string {
	_, why := r.standardStatus()
	return why
}

// standardStatus is StandardStatus with the reason. The class is the reply
// code's when there is one (RFC 2034 section 4: a 4xx reply never goes
// with a 5.X.X code, nor a 5xx reply with a 4.X.X one), else the class of
// Status (4 for a delay), else 5.
func (r Result) standardStatus() (string, string) {
	st := r.Status
	if st != "" && !isVague(st) && !isPseudo(st) {
		return st, "status " + st + " as the message gives it"
	}
	d, ok := derivedIndex[r.Reason]
	if !ok {
		return st, ""
	}
	class, from := "5", "5 for a failure"
	switch {
	case r.ReplyCode >= 400 && r.ReplyCode < 600:
		class = strconv.Itoa(r.ReplyCode / 100)
		from = class + " from reply code " + strconv.Itoa(r.ReplyCode)
	case st != "" && (st[0] == '4' || st[0] == '5'):
		class = st[:1]
		from = class + " from status " + st
	case st != "":
		return st, ""
	}
	code := class + "." + d.code
	why := "status " + code + " derived from reason " + r.Reason + ": X." + d.code + " " + d.name + " (" + d.source + "), class " + from
	return code, why
}

// isPseudo reports whether a status is an X.0.9NN code of a reason.
func isPseudo(s string) bool { return len(s) == 7 && s[1:5] == ".0.9" }

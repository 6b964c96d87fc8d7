package bounces

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// evidence is what a bounce says about one recipient, before
// classification.
type evidence struct {
	status    string       // enhanced status code given by the message, if any
	replyCode int          // SMTP reply code given by the message, if any
	diag      string       // diagnostic text
	lower     string       // diag lower-cased (asciiLower) with its space normalised (normSpace), when the caller has it; diag is then normalised too
	diagType  string       // RFC 3464 diagnostic-type (smtp, x-unix, ...), lower case
	untyped   bool         // a Diagnostic-Code without the diagnostic-type RFC 3464 requires
	noStatus  bool         // a DSN recipient group without the Status field RFC 3464 requires
	temporary bool         // the message says the failure is temporary (Action: delayed)
	reason    string       // a reason the format itself establishes, if any
	command   string       // the SMTP command the reply answered (RCPT, DATA, ...), if known
	failed    bool         // the notice the text comes from states that delivery failed for good (failedNotice)
	rules     *phraseIndex // the text rules; nil for textRules
}

// ClassifyReply classifies a synchronous SMTP refusal (the reply to RCPT or
// to the end of DATA) the same way as a bounce message. enhanced may be
// empty; text is the reply text. When the caller knows which command was
// refused, ClassifySMTPReply uses it.
func ClassifyReply(code int, enhanced, text string) Result {
	return ClassifySMTPReply("", code, enhanced, text)
}

// ClassifySMTPReply is ClassifyReply for a reply to a known SMTP command
// ("MAIL", "RCPT", "DATA", or "CONN" for the greeting and the commands
// before MAIL; RFC 5321 section 4.1): "user unknown" at RCPT TO is a dead
// address, at DATA a content filter, at MAIL FROM a refusal of the sender.
func ClassifySMTPReply(command string, code int, enhanced, text string) Result {
	return classify(evidence{status: findStatus(enhanced), replyCode: code, diag: text, command: strings.ToUpper(command)})
}

// classify decides reason, status and class for one recipient:
//  1. the reply code and enhanced status code, from the fields or else
//     from the diagnostic text (RFC 3463 section 2, RFC 5321 section 4.2);
//     a status found in the diagnostic wins over the message's own;
//  2. the reason by the precedence of decide, which also names the rule;
//  3. a message without any status gets the X.0.9NN status of the reason
//     (see pseudoStatus, and Result.StandardStatus for the RFC 3463 code);
//  4. the class from the reason and whether the failure is permanent.
func classify(in evidence) Result {
	diag, lower := in.diag, in.lower
	if lower == "" {
		diag = normSpace(diag)
		lower = diagLower(diag)
	}
	folded := lower
	lower = unfoldReply(lower)
	code := in.replyCode
	if code == 0 {
		code = findReplyCode(diag)
	}
	status, code, statusRule := chooseStatus(in.status, diag, code, in.replyCode != 0)
	command := in.command
	if command == "" && (in.lower == "" || len(lower) != len(folded)) {
		// A caller that gave lower has read the command from it already:
		// only the reply unfolded anew can name one.
		command = commandOf(lower)
	}
	ix := in.rules
	if ix == nil {
		ix = defaultRules
	}
	v := decide(in, status, code, command, lower, ix)
	if v.reason == "" {
		v = verdict{"undefined", "no evidence"}
		if lower != "" {
			v = verdict{"onhold", "no rule matches the diagnostic"}
		}
	}
	temporary := in.temporary || isTemporary(status, code) || delayNotice(lower)
	if status == "" {
		// The class of the reply code when there is one (RFC 2034
		// section 4), else of the failure: 4 for a delay, or for a
		// text that calls the failure temporary (tellsTemporary).
		transient, textTemporary := temporary, false
		if code >= 400 && code < 600 {
			transient = code < 500
		} else if !transient && tellsTemporary(lower) {
			transient, textTemporary = true, true
		}
		status = pseudoStatus(v.reason, transient)
		statusRule = pseudoRule(v.reason, status, code, in.temporary, textTemporary)
	}
	r := Result{
		Reason:     v.reason,
		Status:     status,
		ReplyCode:  code,
		Diagnostic: diag,
		Rule:       v.rule,
		StatusRule: statusRule,
	}
	r.Class = classOf(v.reason, status, code, temporary)
	return r
}

// verdict is a reason and the rule that decided it, as printed by
// postbode bounces classify.
type verdict struct{ reason, rule string }

// decide applies the precedence documented in classify_rules.go: the
// format, then a non-hard text reason (it is always the more cautious
// reading), then a hard text reason as far as the status code and the
// command back it and nothing in the text contradicts it, then the status
// code, the reply code and the command. A contradicting cause
// (contradicts) overrules directory phrases too: "550 No such user here -
// your IP is on a blocklist" is a block.
func decide(in evidence, status string, code int, command, lower string, ix *phraseIndex) verdict {
	if in.reason != "" {
		return verdict{in.reason, "format: the report itself states " + in.reason}
	}
	if in.diagType == "x-unix" && !lmtpReply(in.diag) {
		return verdict{"mailererror", "Diagnostic-Code type X-Unix: a local delivery program's exit status, not a server's reply (RFC 3464 section 2.3.6)"}
	}
	text, phrase, hasText := ix.textMatch(lower)
	// The word checks below read the text without its URLs (outsideURLs),
	// as the phrases do.
	words := outsideURLs(lower)
	if !hasText {
		text, phrase, hasText = ix.clauseMatch(words)
	} else if text.strength == weak {
		// A generic reply text ("does not exist", "mailbox unavailable")
		// names no noun of its own: a clause that says what does not
		// exist, or what is wrong with the mailbox, is the more specific
		// reading ("The domain example.invalid does not exist" is a
		// missing domain, "mailbox unavailable, the mailbox is full" a
		// full mailbox).
		if c, cp, ok := ix.clauseMatch(words); ok && c.reason != text.reason {
			text, phrase = c, cp
		}
	}
	st, hasStatus := statusRuleOf(status)
	var v verdict
	switch {
	case hasText && text.reason == "notaccept" && statusSubject(status) == "7" && st.code != "7.27":
		// "does not accept mail" under a security or policy status (X.7.x)
		// is a refusal of this sender, not a domain without mail service:
		// prefer not hard. X.7.27 keeps the text's reading: RFC 7505
		// section 4.3 defines it for the sender's null MX, but Sendmail
		// reports the recipient's null MX as "5.7.27 Host does not accept
		// mail"; a refusal that names the sender's null MX ("sender
		// address has a null MX") is decided by its text rule first.
		v = statusVerdict(status, st)
		v.rule += fmt.Sprintf("; text %q under a policy status is not a null MX", phrase)
	case hasText && text.reason == "notaccept" && (command == "MAIL" || command == "DATA"):
		// RFC 7504 section 3 gives 521 for the greeting and 556 for RCPT
		// TO: a host or domain without mail service says so before or at
		// the recipient, never after the sender or the message.
		v = commandVerdict(command)
		v.rule += fmt.Sprintf("; text %q in reply to %s is not the recipient's domain without mail service (RFC 7504 section 3: 521 at the greeting, 556 at RCPT TO)", phrase, command)
	case hasText && text.reason == "notaccept" && anyWord(clauseOf(words, phrase), senderWords) != "":
		w := anyWord(clauseOf(words, phrase), senderWords)
		v = verdict{"rejected", fmt.Sprintf("text %q next to %q names the sender's domain, not the recipient's (RFC 7505 section 4.3: a sender's null MX is X.7.27, a refusal of the sender; prefer not hard)", phrase, w)}
	case hasText && text.reason == "mesgtoobig" && hasStatus && st.code == "2.3":
		// A size phrase under X.2.3 ("552 5.2.3 Message size exceeds the
		// limit allowed for the recipient") names the limit the status
		// names: the recipient mailbox's, not the system's (X.3.4).
		v = statusVerdict(status, st)
		v.rule += fmt.Sprintf("; text %q names the size limit the status names", phrase)
	case hasText && text.reason == "exceedlimit" && st.code != "2.3" && !strings.Contains(phrase, "recipient") && anyWord(clauseOf(words, phrase), sizeWords) != "":
		// A limit said to be exceeded in a clause about size ("Mail size
		// limit exceeded", "Size limit exceeded") is the message's size
		// (RFC 1870 SIZE; RFC 3463 X.3.4), not the number of its
		// recipients (X.5.3). Under X.2.3 it is the mailbox's limit,
		// which the status names (above).
		v = verdict{"mesgtoobig", fmt.Sprintf("text %q in a clause about %q: a limit on the message's size (RFC 1870; RFC 3463 X.3.4 message too big for system), not on its recipients (X.5.3)", phrase, anyWord(clauseOf(words, phrase), sizeWords))}
	case hasText && text.reason == "blocked" && anyWord(clauseOf(words, phrase), linkWords) != "":
		// A block list consulted for the links in the message (a
		// domain-name DNSxL of RFC 5782 as SURBL and URIBL publish them;
		// "Blacklisted URL in message") judges the content, not the
		// sending host.
		v = verdict{"spamdetected", fmt.Sprintf("text %q in a clause about %q: a URI block list (a domain-name DNSxL, RFC 5782), a verdict on the message's links, not on the sending host", phrase, anyWord(clauseOf(words, phrase), linkWords))}
	case hasText && !hardReasons[text.reason]: // includes notaccept: RFC 7504/7505 speak of the host
		v = textVerdict(text, phrase)
	case hasText:
		if c, cp, ok := ix.contradiction(lower, phrase); ok {
			v = verdict{c.reason, fmt.Sprintf("text %q -> %s overrules %q (prefer not hard; %s)", cp, c.reason, phrase, c.source)}
			break
		}
		v = hardText(text, phrase, status, st, hasStatus, code, command, in.failed)
		if v.reason == "hostunknown" && !addressStatus(status, st, hasStatus) {
			if w := anyWord(strings.ReplaceAll(words, phrase, " "), clientWords); w != "" {
				v = verdict{"blocked", fmt.Sprintf("text %q next to %q names the connecting client, not the recipient's domain, and no address status (X.1.2, X.4.4) backs a missing domain: a refusal of the sending host (prefer not hard)", phrase, w)}
			}
		}
		if hardReasons[v.reason] && (status == "" || isVague(status)) && command != "RCPT" {
			if w := conflictWord(words, phrase); w != "" {
				v = ix.conflictVerdict(lower, phrase, w, v.reason)
			}
		}
		switch {
		case !hardReasons[v.reason] || addressStatus(status, st, hasStatus):
		case in.untyped && code == 0:
			v = verdict{"filtered", fmt.Sprintf("text %q in a Diagnostic-Code without a diagnostic-type and without a reply code (RFC 3464 section 2.3.6): not a server's reply, not proof of a dead address", phrase)}
		case in.noStatus && status == "" && command != "RCPT" && text.strength != directory:
			v = verdict{"filtered", fmt.Sprintf("text %q in a DSN recipient group without the Status field RFC 3464 section 2.3.4 requires, and without a status code or RCPT TO in the text: a report composed by a gateway or filter, not proof of a dead address (prefer not hard)", phrase)}
		}
	case hasStatus:
		v = statusVerdict(status, st)
	}
	if hardReasons[v.reason] {
		if c := recipientChoice(words); c != "" {
			// The recipient's own preferences, settings, filter or rules
			// refused the message: the mailbox exists (RFC 3463 X.7.1),
			// whatever status or phrase says it is dead (prefer not hard).
			v = verdict{"filtered", fmt.Sprintf("clause %q names the recipient's own choice, which only a mailbox that exists makes (RFC 3463 X.7.1 delivery not authorized, message refused; Facebook's RCP-P1/RCP-P2 \"Refused due to recipient preferences\"): overrules %q (prefer not hard)", c, v.rule)}
		}
	}
	return replyVerdict(v, code, command, status, st, hasStatus)
}

// recipientChoice returns the words of a clause of a lower-case text (URLs
// blanked) that says the recipient's own preferences, settings, filter or
// rules refused the message ("recipient ... rules ... refused"), or "": a noun for the recipient (recipientNouns),
// one for a choice (choiceWords) and one for a refusal (refusalWords) in
// one clause (clauseEnd). "Check the recipient settings" refuses nothing.
func recipientChoice(words string) string {
	if !strings.Contains(words, "recipient") && !strings.Contains(words, "addressee") {
		return ""
	}
	for rest := words; rest != ""; {
		end := clauseEnd(rest)
		clause := rest[:end]
		rest = rest[end:]
		if rest != "" {
			rest = rest[1:]
		}
		n, c, r := anyWord(clause, recipientNouns), anyWord(clause, choiceWords), anyWord(clause, refusalWords)
		if n != "" && c != "" && r != "" {
			// The words of the tables, not the clause: the receiver's
			// text may name the address, and the rule is kept with the
			// bounce (bounces.rule) as no personal data.
			return n + clauseGap + c + clauseGap + r
		}
	}
	return ""
}

// recipientNouns name the recipient as a person who chooses, choiceWords
// what the recipient chose, refusalWords what it did (recipientChoice).
var (
	recipientNouns = []string{"recipient", "recipients", "addressee"}
	choiceWords    = []string{"preferences", "preference", "settings", "filter", "filters", "rules"}
	refusalWords   = []string{"refused", "refuses", "rejected", "rejects", "blocked", "blocks", "declined", "denied", "not accepted", "due to"}
)

// lmtpReply reports whether an X-Unix Diagnostic-Code is a reply with an
// enhanced status code ("550 5.1.1 jdoe... User unknown") rather than a
// program's exit status or output: Sendmail types the diagnostics of its
// local mailer X-Unix (the T=DNS/RFC822/X-Unix of Mlocal in cf/README),
// and when that mailer speaks LMTP (mail.local -l, Cyrus and Dovecot
// deliver) the diagnostic is the delivery agent's reply (RFC 2033 section
// 4.2: LMTP replies are SMTP replies, with RFC 3463 codes), which the
// status and text rules read like any server's.
func lmtpReply(diag string) bool {
	d := strings.TrimSpace(diag)
	if !startsWithCode(d) {
		return false
	}
	st, at := findStatusAt(d)
	return st != "" && at == 4
}

// hardText decides a text that names a dead address (userunknown,
// hostunknown, hasmoved) against the status code and the command it
// answered:
//   - at MAIL FROM or the connection it is about the sender (RFC 5321
//     section 3.3);
//   - an address status (X.1.1, X.1.2, X.1.3, X.1.6, X.1.10, X.4.4) backs it;
//   - after DATA an unknown user is a content filter, unless the system
//     states it about its own directory: Yahoo refuses unknown users after
//     the message ("failed after I sent the message. Remote host said: 554
//     delivery error: dd This user doesn't have a yahoo.com account", the
//     example of its SMTP error codes page, which says the user does not
//     exist);
//   - a policy status (X.7.x) contradicts it, except an explicit statement
//     at RCPT TO that the recipient is unknown (Postfix access maps answer
//     unknown recipients with 5.7.1 there);
//   - a mailbox status whose detail names a mailbox that exists and
//     refused this message for its own state (X.2.2 full, X.2.3 message
//     too long for it, X.2.4 a list's expansion; see mailboxExists)
//     contradicts it whatever the command, RCPT TO included: "552 5.2.2
//     <a@b>... User unknown" is a full mailbox;
//   - another mailbox status (X.2.x) contradicts it except at RCPT TO;
//   - a weak phrase (the generic RFC 5321 texts) under a status with a
//     detail that names no dead address is that status's refusal, except
//     at RCPT TO: "552 5.3.4 Requested action not taken: mailbox
//     unavailable" is a message too big;
//   - a mail-system, protocol or media status with a detail (X.3.x,
//     X.5.x, X.6.x; otherCause) contradicts it except at RCPT TO;
//   - without any status or command, an ordinary phrase counts with a
//     reply code RFC 5321 section 4.2.2 gives a refused mailbox (550, 551,
//     553; see addressRefusal): "550 No such user" is a server's refusal
//     of the address, whatever command it answered, once MAIL FROM, the
//     connection and DATA are ruled out above; "554 Transaction failed"
//     is not, and a weak phrase ("mailbox unavailable") still does not
//     count;
//   - without any status, reply code or command an ordinary phrase counts
//     in a notice that states the delivery failed for good (failedNotice:
//     GroupWise "undeliverable to the following: a@b (user not found)"),
//     else only a system's statement about its own directory does.
//
// decide then overrules a dead address that neither a status code (an
// undefined X.0.0 backs nothing) nor RCPT TO backs when the text also
// says the refusal may have another cause (conflictWord: "try again
// later", "classified as bulk", "not in the allow list").
func hardText(text reasonRule, phrase, status string, st statusRule, hasStatus bool, code int, command string, failed bool) verdict {
	tv := textVerdict(text, phrase)
	subject := statusSubject(status)
	switch {
	case command == "MAIL" || command == "CONN":
		return commandVerdict(command)
	case text.strength == fallback && hasStatus:
		return statusVerdict(status, st)
	case addressStatus(status, st, hasStatus):
		return tv
	case hasStatus && mailboxExists[st.code]:
		v := statusVerdict(status, st)
		v.rule += fmt.Sprintf("; text %q under a mailbox status that says the mailbox exists (RFC 3463 section 3.3): prefer not hard", phrase)
		return v
	case command == "DATA" && text.reason == "userunknown" && text.strength != directory:
		return commandVerdict(command)
	case st.code == "7.1" && slices.Contains(policyStatusUnknown, phrase):
		tv.rule += " under X.7.1: the provider's own wording for an address it does not have (policyStatusUnknown)"
		return tv
	case subject == "7" && (text.strength == weak || command != "RCPT"):
		return statusVerdict(status, st)
	case subject == "2" && command != "RCPT":
		if hasStatus && st.code != "2.0" {
			return statusVerdict(status, st)
		}
		return verdict{"filtered", fmt.Sprintf("text %q under mailbox status %s, not at RCPT TO: a filter (prefer not hard)", phrase, status)}
	case hasStatus && subject == "1":
		return statusVerdict(status, st) // a sender status (X.1.7, X.1.8)
	case text.strength == weak && status != "" && !strings.HasSuffix(status, ".0") && command != "RCPT":
		// A generic reply text names a dead address only with an address
		// status or at RCPT TO (see weak): under another status with a
		// detail it is the text of a refusal for that status's cause. An
		// undefined detail (X.0.0, X.5.0: "other or undefined") names no
		// cause against it ("550 Requested action not taken: mailbox
		// unavailable" with Status 5.5.0 is Outlook.com's unknown user).
		if hasStatus {
			v := statusVerdict(status, st)
			v.rule += fmt.Sprintf("; text %q is a generic reply text (RFC 5321 section 4.2.2), a dead address only with an address status or at RCPT TO", phrase)
			return v
		}
		return verdict{"filtered", fmt.Sprintf("text %q is a generic reply text (RFC 5321 section 4.2.2), a dead address only with an address status (X.1.x) or at RCPT TO, and status %s names none: a filter (prefer not hard)", phrase, status)}
	case hasStatus && otherCause[subject] && !strings.HasSuffix(status, ".0") && command != "RCPT":
		v := statusVerdict(status, st)
		v.rule += fmt.Sprintf("; text %q under a status whose subject and detail name another cause (RFC 3463 sections 3.4, 3.6, 3.7: mail system, protocol, media), not at RCPT TO: prefer not hard", phrase)
		return v
	case text.reason != "userunknown" || text.strength == directory || command == "RCPT":
		return tv
	case status != "":
		return tv // a server's refusal with a status code: the text names the cause
	case addressRefusal[code] && text.strength == ordinary:
		tv.rule += fmt.Sprintf(" with permanent reply code %d (RFC 5321 section 4.2.2: %s)", code, addressRefusalText[code])
		return tv
	case failed && code == 0 && text.strength == ordinary:
		tv.rule += " in a notice that states the delivery failed for good (failedNotices: " + failedNoticeSource + ")"
		return tv
	}
	why := ""
	if code >= 500 && code < 600 && text.strength == ordinary {
		why = fmt.Sprintf("; reply code %d is not one RFC 5321 section 4.2.2 gives a refused mailbox (550, 551, 553)", code)
	}
	return verdict{"filtered", fmt.Sprintf("text %q names an unknown user, but no status code, no command and no directory statement backs it%s: a filter (prefer not hard; %s)", phrase, why, text.source)}
}

// otherCause are the status subjects (RFC 3463 section 3) whose codes with
// a detail name a cause other than the address: X.3.x the mail system,
// X.5.x the protocol, X.6.x the message's media. Under them a phrase
// naming a dead address counts only at RCPT TO. X.4.x is not among them:
// Exchange Online answers unknown recipients with 5.4.1 (directory-based
// edge blocking), and X.4.4 is an address status.
var otherCause = map[string]bool{"3": true, "5": true, "6": true}

// senderWords are whole words that, in the clause of "does not accept
// mail", make it a statement about the sender's domain ("the sender's
// domain does not accept mail"), not about the recipient's.
var senderWords = []string{"sender", "sender's", "your domain", "sending domain"}

// linkWords are whole words that make a block list one of the links in a
// message (URI block lists).
var linkWords = []string{"url", "urls", "uri", "uris", "link", "links", "hyperlink"}

// sizeWords are whole words that make a limit said to be exceeded a
// limit on the message's size.
var sizeWords = []string{"size", "sized", "bytes", "megabytes", "kilobytes"}

// clauseOf is the clause of lower (see clauseEnd) that holds the first
// occurrence of phrase, without the phrase, or "".
func clauseOf(lower, phrase string) string {
	i := strings.Index(lower, phrase)
	if i < 0 {
		return ""
	}
	start := 0
	for k := i - 1; k >= 0; k-- {
		c := lower[k]
		if c == ';' || c == ':' || c == '!' || c == '?' || c == '(' || c == ')' || ((c == '.' || c == ',') && k+1 < len(lower) && lower[k+1] == ' ') {
			start = k + 1
			break
		}
	}
	rest := lower[i+len(phrase):]
	return lower[start:i] + " " + rest[:clauseEnd(rest)]
}

// mailboxExists are the mailbox-status details (RFC 3463 section 3.3)
// that name a mailbox which exists and refused the message for its own
// state: X.2.2 "mailbox full", X.2.3 "message length exceeds
// administrative limit", X.2.4 "mailing list expansion problem". Under
// them a phrase naming a dead address is not hard, at RCPT TO too. X.2.0
// ("other or undefined mailbox status") names no state, and X.2.1
// ("mailbox disabled, not accepting messages"; RFC 3463: permanent if it
// is never re-enabled) says, like the phrase, that the address takes no
// mail: at RCPT TO the phrase keeps its reading under them (reports
// relayed by Postfix and qmail carry "550 5.2.1 <a@b>... User Unknown" for
// an unknown user).
var mailboxExists = map[string]bool{"2.2": true, "2.3": true, "2.4": true}

// addressRefusal are the reply codes RFC 5321 section 4.2.2 defines for a
// refused mailbox: 550 "mailbox unavailable (e.g., mailbox not found)",
// 551 "user not local", 553 "mailbox name not allowed". 554 "Transaction
// failed" answers DATA or the greeting, not an address, and 552 is a
// storage limit.
var addressRefusal = map[int]bool{550: true, 551: true, 553: true}

// addressRefusalText is the RFC 5321 text of each addressRefusal code.
var addressRefusalText = map[int]string{
	550: "mailbox unavailable, e.g. mailbox not found",
	551: "user not local",
	553: "mailbox name not allowed",
}

// conflictWord returns a word of lower, outside the phrase that named a
// dead address, that says the refusal may have another cause (see
// conflictWords and conflictStems), or "".
func conflictWord(lower, phrase string) string {
	rest := strings.ReplaceAll(lower, phrase, " ")
	if w := anyWord(rest, conflictWords); w != "" {
		return w
	}
	for _, w := range conflictStems {
		if strings.Contains(rest, w) {
			return w
		}
	}
	return ""
}

// conflictVerdict is the verdict for a text whose dead-address phrase is
// contradicted by word: the other reason the text names, when it names
// one that is not hard; for a missing host that the text says may pass
// (retryLookup), a failed lookup; else a filter.
func (ix *phraseIndex) conflictVerdict(lower, phrase, word, reason string) verdict {
	why := fmt.Sprintf("%q next to %q, with no status code and no RCPT TO to back the dead address (prefer not hard)", word, phrase)
	if i, p := ix.matchOutside(lower, phrase); i >= 0 && !hardReasons[ix.rules[i].reason] {
		r := ix.rules[i]
		return verdict{r.reason, fmt.Sprintf("text %q -> %s: %s; %s", p, r.reason, why, r.source)}
	}
	if reason == "hostunknown" && slices.Contains(retryLookup, word) {
		return verdict{"networkerror", "a lookup that may pass on a retry: " + why + "; " + retryLookupSource}
	}
	return verdict{"filtered", "a filter: " + why}
}

// retryLookup are the conflict words that, next to a host or domain said
// not to be found, make it a name lookup that failed for now rather than a
// domain found missing: the resolver's TRY_AGAIN.
var retryLookup = []string{"try again", "temporarily", "temporary"}

// retryLookupSource says where retryLookup comes from.
const retryLookupSource = "RFC 1035 section 4.1.1 rcode 2 (SERVFAIL), which RFC 2308 section 7.1 makes a temporary failure and the resolver library reports as h_errno TRY_AGAIN (Postfix dns_strerror \"Host not found, try again\", glibc \"Temporary failure in name resolution\"); an NXDOMAIN (RFC 1035 rcode 3) is final and is never worded with them"

// addressStatus reports whether a status names the recipient's address or
// domain as dead (X.1.1, X.1.2, X.1.3, X.1.6, X.1.10, X.4.4).
func addressStatus(status string, st statusRule, hasStatus bool) bool {
	return hasStatus && (statusSubject(status) == "1" && hardReasons[st.reason] || st.code == "1.10" || st.code == "4.4")
}

// textVerdict is the verdict of a text rule.
func textVerdict(text reasonRule, phrase string) verdict {
	kind := "text"
	if strings.Contains(phrase, clauseGap) {
		kind = "clause" // a clause rule: the noun and the predicate that matched
	}
	return verdict{text.reason, kind + " \"" + phrase + "\" -> " + text.reason + " (" + text.source + ")"}
}

// statusVerdict is the verdict of a status rule.
func statusVerdict(status string, st statusRule) verdict {
	return verdict{st.reason, "status " + status + " -> " + st.reason + " (" + st.source + ")"}
}

// commandVerdict is the verdict of the command a refusal answered.
func commandVerdict(command string) verdict {
	c := commandRules[command]
	return verdict{c.reason, "reply to " + command + " -> " + c.reason + " (" + c.source + ")"}
}

// replyVerdict applies the reply-code rules (RFC 5321, RFC 7504) and the
// command rules where the text and status left no reason, or a dead-address
// reason the reply code names more precisely. An address status (X.1.1,
// X.1.2, ...) is the stronger evidence: it says what is wrong with the
// address, where the reply code only says which command failed, so a
// reply rule of another reason does not replace it ("551 5.1.1 recipient
// does not exist" is an unknown user, not a mailbox that has moved).
func replyVerdict(v verdict, code int, command, status string, st statusRule, hasStatus bool) verdict {
	for _, r := range replyRules {
		if r.code != code || (r.command != "" && r.command != command) {
			continue
		}
		if addressStatus(status, st, hasStatus) && st.reason != r.reason {
			continue
		}
		if v.reason == "" || v.reason == "userunknown" || (r.reason == "notaccept" && hardReasons[v.reason]) {
			return verdict{r.reason, fmt.Sprintf("reply code %d -> %s (%s)", code, r.reason, r.source)}
		}
	}
	if v.reason == "" && (command == "MAIL" || command == "CONN") {
		return commandVerdict(command)
	}
	return v
}

// statusSubject is the subject digit(s) of an enhanced status code, or "".
func statusSubject(status string) string {
	if len(status) < 5 {
		return ""
	}
	sub, _, _ := strings.Cut(status[2:], ".")
	return sub
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
// ("5.1.1"; class 2, 4 or 5, a registered subject 0 to 7, detail up to 3
// digits), or "".
func findStatus(s string) string {
	st, _ := findStatusAt(s)
	return st
}

// findStatusAt is findStatus with the offset of the code in s.
func findStatusAt(s string) (string, int) {
	for i := 0; i+5 <= len(s); i++ {
		c := s[i]
		if (c != '2' && c != '4' && c != '5') || s[i+1] != '.' {
			continue
		}
		if i > 0 && (isDigit(s[i-1]) || s[i-1] == '.') {
			continue
		}
		if st, ok := statusAt(s[i:]); ok {
			return st, i
		}
	}
	return "", 0
}

// diagStatus is the enhanced status code a diagnostic text gives, with
// its offset, or "". Of the codes in the text (statusCandidates), those
// the server paired with its reply ("550 5.1.1", "550-5.1.1", "#5.1.1",
// "(5.1.1)", or at the start of the text) come before those standing free
// in it; within each group the first whose detail is not 0 ("other or
// undefined", RFC 3463 section 3) wins, else the first ("5.1.0 Unknown
// address error 550 5.2.2 Mailbox full" is 5.2.2). code is the reply code
// of the diagnostic, or 0. A success code (class 2, RFC 3463 section 3.1)
// names no failure and is passed over: in a session transcript the
// replies that accepted MAIL FROM and RCPT TO ("250 2.1.5 Ok", MDaemon's
// and Sendmail's transcripts) come before the one that refused.
func diagStatus(s string, code int) (string, int) {
	var paired, free []statusCandidate
	for _, c := range statusCandidates(s, code) {
		if c.status[0] == '2' {
			continue
		}
		if c.paired {
			paired = append(paired, c)
		} else {
			free = append(free, c)
		}
	}
	for _, group := range [][]statusCandidate{paired, free} {
		for _, c := range group {
			if !strings.HasSuffix(c.status, ".0") {
				return c.status, c.at
			}
		}
		if len(group) > 0 {
			return group[0].status, group[0].at
		}
	}
	return "", 0
}

// statusCandidate is an enhanced status code in a diagnostic text, at
// offset at, paired when the server wrote it right after its reply code.
type statusCandidate struct {
	status string
	at     int
	paired bool
}

// maxStatusCandidates bounds the codes read from one diagnostic.
const maxStatusCandidates = 8

// statusCandidates are the enhanced status codes in s that can be the
// status of the failure, at most maxStatusCandidates:
//   - a code belongs to the reply code right before it, else to the reply
//     code of the diagnostic (code); one whose class differs from that
//     reply code's first digit is not the reply's status (RFC 2034 section
//     4: "the class digit of the enhanced status code must match the
//     first digit of the SMTP reply code"): "550 rejected [192.0.2.5]
//     4.2.1". X.4.7 (delivery time expired) is the exception: a failure
//     report gives it with its final reply code ("554 4.4.7 Message
//     expired"), and chooseStatus looks past it for the actual problem
//     (RFC 3463 section 3.5);
//   - a code standing free in the text, not paired with a reply code,
//     counts only with a detail the IANA registry (RFC 5248) defines for
//     its subject (registeredDetail): "on 4.5.21 your host was listed" is
//     a date. A paired code may have any detail up to 999 (RFC 3463
//     section 2): providers define their own ("550 5.7.606").
func statusCandidates(s string, code int) []statusCandidate {
	var out []statusCandidate
	for from, n := 0, 0; from < len(s) && n < 2*maxStatusCandidates && len(out) < maxStatusCandidates; n++ {
		st, i := findStatusAt(s[from:])
		if st == "" {
			break
		}
		i += from
		from = i + len(st)
		c := statusCandidate{status: st, at: i}
		owner := replyBefore(s, i)
		c.paired = i == 0 || owner != 0 || s[i-1] == '#' || s[i-1] == '('
		if owner == 0 {
			owner = code
		}
		if owner >= 200 && owner < 600 && owner/100 != int(st[0]-'0') && statusDetailOf(st) != "4.7" {
			continue
		}
		if !c.paired && !registeredDetail(st) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// registryMaxDetail is the highest detail the IANA "SMTP Enhanced Status
// Codes" registry (RFC 5248) defines for each subject 0 to 7.
var registryMaxDetail = [8]int{0, 10, 4, 6, 7, 6, 10, 30}

// registeredDetail reports whether the subject.detail of an enhanced
// status code is within the registry's numbering for its subject.
func registeredDetail(st string) bool {
	sd := statusDetailOf(st)
	if len(sd) < 3 || sd[1] != '.' {
		return false
	}
	d, err := strconv.Atoi(sd[2:])
	return err == nil && d <= registryMaxDetail[sd[0]-'0']
}

// statusAt parses "c.sss.ddd" at the start of s, not followed by a digit
// or dot-digit (which would make it an IP address or version number).
func statusAt(s string) (string, bool) {
	j := 2
	n := digits(s[j:], 3)
	if n == 0 || j+n >= len(s) || s[j+n] != '.' {
		return "", false
	}
	if n > 1 || s[j] > '7' {
		// RFC 3463 section 3 and the IANA registry (RFC 5248) define the
		// subjects 0 to 7 only: "[#4.16.1]" in a Yahoo reply is the
		// provider's own code, not an enhanced status code.
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
		if i > 0 && !isCodeLead(s[i-1]) && !wideLead(s[:i]) {
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

// wideLead reports whether s ends in a non-ASCII punctuation or space
// character, which may precede a reply code as isCodeLead's do: CJK text
// writes its colon full-width and without a space ("服务器返回信息：550
// User not found", U+FF1A).
func wideLead(s string) bool {
	if s == "" || s[len(s)-1] < utf8.RuneSelf {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return r != utf8.RuneError && (unicode.IsPunct(r) || unicode.IsSpace(r))
}

// unfoldReply removes from a lower-case text the code prefixes of the
// lines of a multiline SMTP reply (RFC 5321 section 4.2.1: "550-5.7.1
// Messages with multiple" / "550 5.7.1 addresses in From: header"), so that
// a phrase the server wrapped across lines reads as one: every reply code
// followed by a hyphen, and one followed by a space and an enhanced status
// code (RFC 2034 section 4), each with that status code and one space. A
// code followed by text alone ("550 User unknown") stays. It returns lower
// itself when there is nothing to remove.
func unfoldReply(lower string) string {
	var b []byte
	last := 0
	for i := 0; i+4 <= len(lower); i++ {
		c := lower[i]
		if (c != '4' && c != '5') || !isDigit(lower[i+1]) || !isDigit(lower[i+2]) {
			continue
		}
		if i > 0 && (isDigit(lower[i-1]) || lower[i-1] == '.' || lower[i-1] == '-') {
			continue
		}
		j := i + 4
		st, ok := "", false
		if j+5 <= len(lower) && (lower[j] == '2' || lower[j] == '4' || lower[j] == '5') && lower[j+1] == '.' {
			st, ok = statusAt(lower[j:])
		}
		switch {
		case lower[i+3] == '-' && ok:
			j += len(st)
		case lower[i+3] == '-':
		case lower[i+3] == ' ' && ok && st[0] == c:
			j += len(st)
		default:
			continue
		}
		if j < len(lower) && lower[j] == ' ' {
			j++
		}
		if i == 0 {
			continue // the reply's own code: findReplyCode and the status read it
		}
		if b == nil {
			b = make([]byte, 0, len(lower))
		}
		b = append(b, lower[last:i]...)
		last = j
		i = j - 1
	}
	if b == nil {
		return lower
	}
	return string(append(b, lower[last:]...))
}

// normSpace collapses runs of white space into one space.
func normSpace(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") && !strings.Contains(s, "  ") {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// tellsTemporary reports whether a lower-case text without a reply code
// calls its failure temporary: a word beginning "temporar" or "persistent"
// (RFC 3463 section 3.1 names class 4 "Persistent Transient Failure"), as
// Sisimai reads it (smtp/failure IsTemporary) for the class of the X.0.9NN
// code it gives a message without a status code.
func tellsTemporary(lower string) bool {
	return strings.Contains(lower, " temporar") || strings.Contains(lower, " persistent") ||
		strings.HasPrefix(lower, "temporar") || strings.HasPrefix(lower, "persistent")
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
		if t, ok := pseudoDetailTemporary[reason]; ok {
			d = t
		}
		return "4.0." + d
	}
	return "5.0." + d
}

// pseudoDetailTemporary are the details that differ for a temporary
// failure: a temporary filter is X.0.924 in Sisimai's numbering, X.0.910
// being its permanent refusal.
var pseudoDetailTemporary = map[string]string{"filtered": "924"}

// Reasons lists every reason word a Result can carry: the failure reasons
// (each with its X.0.9NN detail) and those of messages that are no
// failure (feedback, vacation) or a sending service's own (suppressed).
func Reasons() []string {
	out := []string{"feedback", "vacation", "suppressed"}
	for r := range pseudoDetail {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
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
// (Postfix "in reply to ... command", "while receiving the initial server
// greeting"; Exim "after ..."; Sendmail's transcript ">>> ..."; DragonFly
// "did not like our ..."; qmail-remote "does not like recipient", "failed
// on DATA command", "failed after I sent the message", "Connected to ...
// but sender was rejected", "... but greeting failed", "... but my name
// was rejected") to the command.
var commandMarkers = []struct{ phrase, cmd string }{
	{"in reply to end of data command", "DATA"}, {"in reply to data command", "DATA"},
	{"in reply to rcpt to command", "RCPT"}, {"in reply to mail from command", "MAIL"},
	{"after end of data", "DATA"}, {"after data", "DATA"}, {"smtp command data", "DATA"},
	{"after rcpt to", "RCPT"}, {"after mail from", "MAIL"}, {"after initial connection", "CONN"},
	{"did not like our data", "DATA"}, {"did not like our rcpt", "RCPT"},
	{"did not like our mail", "MAIL"}, {"[rcpt_to]", "RCPT"}, {"rcpt to:<", "RCPT"},
	{"in reply to rcpt", "RCPT"}, {"in reply to end of data", "DATA"},
	{"does not like recipient", "RCPT"}, {"rcpt to command", "RCPT"},
	{"failed on data command", "DATA"}, {"failed after i sent the message", "DATA"},
	{"but sender was rejected", "MAIL"}, {"but greeting failed", "CONN"},
	{"but my name was rejected", "CONN"}, {"in reply to ehlo command", "CONN"},
	{"in reply to helo command", "CONN"}, {"initial server greeting", "CONN"},
	{"after ehlo", "CONN"}, {"after helo", "CONN"},
}

// commandOf finds the SMTP command a lower-case text says the reply
// answered, or "": the first of commandMarkers the text has.
func commandOf(lower string) string {
	if i, _ := commandIndex.match(lower); i >= 0 {
		return commandIndex.rules[i].reason
	}
	return ""
}

// commandIndex is commandMarkers indexed for one pass over a text, one
// rule for each marker, in order.
var commandIndex = func() *phraseIndex {
	rules := make([]reasonRule, len(commandMarkers))
	for i, m := range commandMarkers {
		rules[i] = reasonRule{reason: m.cmd, phrases: []string{m.phrase}}
	}
	ix := indexPhrases(rules)
	ix.literal = true
	return ix
}()

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

// diagLower is the lower-case form of a diagnostic text that the text
// rules read: asciiLower, and the capitals of the two-byte Latin-1 and
// Cyrillic letters lower-cased as well ("Пользователь не найден",
// "Ë" in French), whose lower-case forms are two bytes long too, so that
// offsets stay offsets in s. Addresses keep asciiLower: they are compared
// as the mail systems wrote them.
func diagLower(s string) string {
	lower := asciiLower(s)
	if strings.IndexByte(lower, 0xC3) < 0 && strings.IndexByte(lower, 0xD0) < 0 {
		return lower // no Latin-1 or Cyrillic capital can be in it
	}
	for i := 0; i+1 < len(lower); i++ {
		if c := lower[i]; (c == 0xC3 || c == 0xD0) && foldPair(c, lower[i+1]) != [2]byte{c, lower[i+1]} {
			b := []byte(lower)
			for j := i; j+1 < len(b); j++ {
				if b[j] == 0xC3 || b[j] == 0xD0 {
					f := foldPair(b[j], b[j+1])
					b[j], b[j+1] = f[0], f[1]
					j++
				}
			}
			return string(b)
		}
	}
	return lower
}

// foldPair lower-cases one two-byte UTF-8 letter: Latin-1 À-Þ (U+00C0 to
// U+00DE, not the multiplication sign U+00D7) and Cyrillic Ѐ-Я (U+0400 to
// U+042F); any other pair is returned as it is.
func foldPair(c0, c1 byte) [2]byte {
	switch {
	case c0 == 0xC3 && c1 >= 0x80 && c1 <= 0x9E && c1 != 0x97:
		return [2]byte{c0, c1 + 0x20}
	case c0 == 0xD0 && c1 >= 0x80 && c1 <= 0x8F: // Ѐ-Џ -> ѐ-џ (U+0450-U+045F)
		return [2]byte{0xD1, c1 + 0x10}
	case c0 == 0xD0 && c1 >= 0x90 && c1 <= 0x9F: // А-П -> а-п
		return [2]byte{c0, c1 + 0x20}
	case c0 == 0xD0 && c1 >= 0xA0 && c1 <= 0xAF: // Р-Я -> р-я (U+0440-U+044F)
		return [2]byte{0xD1, c1 - 0x20}
	}
	return [2]byte{c0, c1}
}

// asciiLower lower-cases the ASCII letters of s and leaves every other
// byte alone, so offsets in the result are offsets in s (strings.ToLower
// would replace invalid UTF-8 and shift them).
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			// One allocation: the builder's buffer becomes the string.
			var b strings.Builder
			b.Grow(len(s))
			b.WriteString(s[:i])
			for j := i; j < len(s); j++ {
				c := s[j]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				b.WriteByte(c)
			}
			return b.String()
		}
	}
	return s
}

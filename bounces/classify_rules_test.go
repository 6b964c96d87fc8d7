package bounces

import (
	"strings"
	"testing"
)

// TestRuleTable checks the table itself: every rule names a known reason
// and its source, every text rule has phrases, every status rule a
// registry code.
func TestRuleTable(t *testing.T) {
	known := func(r string) bool { _, ok := pseudoDetail[r]; return ok || r == "delivered" }
	for i, r := range textRules {
		if !known(r.reason) || r.source == "" || len(r.phrases) == 0 {
			t.Errorf("text rule %d (%s): reason known=%v, source %q, %d phrases", i, r.reason, known(r.reason), r.source, len(r.phrases))
		}
		for _, p := range r.phrases {
			if p != asciiLower(p) || strings.TrimSpace(p) != p || len(p) < 2 {
				t.Errorf("text rule %d (%s): phrase %q is not a trimmed lower-case phrase", i, r.reason, p)
			}
		}
	}
	seen := map[string]bool{}
	for _, r := range statusRules {
		if !known(r.reason) || r.source == "" || seen[r.code] || statusSubject("5."+r.code) == "" {
			t.Errorf("status rule %s: reason %q source %q duplicate=%v", r.code, r.reason, r.source, seen[r.code])
		}
		seen[r.code] = true
	}
	for _, r := range replyRules {
		if !known(r.reason) || r.source == "" || r.code < 500 || r.code > 599 {
			t.Errorf("reply rule %d: %+v", r.code, r)
		}
	}
}

// TestClassifyPrecedence checks each kind of rule and the precedence
// between conflicting evidence, and that the deciding rule is named.
func TestClassifyPrecedence(t *testing.T) {
	cases := []struct {
		cmd      string
		code     int
		enhanced string
		text     string
		reason   string
		class    Class
		rule     string // part of the rule that must decide
	}{
		// The status code names the address; the text agrees.
		{"RCPT", 550, "5.1.1", "<a@example.com>: Recipient address rejected: User unknown in local recipient table", "userunknown", Hard, "user unknown"},
		{"", 550, "5.1.1", "", "userunknown", Hard, "status 5.1.1"},
		{"", 550, "5.1.2", "Host unknown", "hostunknown", Hard, "host unknown"},
		{"", 553, "5.1.3", "", "userunknown", Hard, "X.1.3"},
		// A non-hard text wins over an address status: prefer not hard.
		{"", 550, "5.1.1", "Message rejected as spam by Content Filtering", "spamdetected", Block, "spam"},
		{"", 550, "5.1.1", "Client host [192.0.2.1] blocked using zen.spamhaus.org", "blocked", Block, "blocked using"},
		{"", 550, "", "550 mailbox full", "mailboxfull", Soft, "mailbox full"},
		{"", 552, "5.2.2", "552 5.2.2 Over quota", "mailboxfull", Soft, "over quota"},
		// A contradicting cause anywhere in the text wins over a dead address,
		// but not the words of the phrase that names it.
		{"RCPT", 550, "5.1.1", "<a@example.com>: user unknown, message rejected as spam", "spamdetected", Block, "overrules"},
		{"RCPT", 550, "5.1.1", "<a@example.com>: No such user; client host rejected", "blocked", Block, "overrules"},
		{"RCPT", 550, "5.4.1", "<a@example.com>: Recipient address rejected: Access denied", "userunknown", Hard, "access denied"},
		{"", 550, "5.0.0", "Command died with status 67: user unknown", "mailererror", Soft, "overrules"},
		// Policy and security statuses are blocks.
		{"", 550, "5.7.1", "550 5.7.1 Delivery not authorized", "filtered", Block, "delivery not authorized"},
		{"", 530, "5.7.0", "Must issue a STARTTLS command first", "securityerror", Block, "starttls"},
		{"RCPT", 550, "5.7.1", "Requested action not taken: mailbox unavailable", "filtered", Block, "status 5.7.1"},
		{"", 550, "5.7.1", "550 5.7.1 User unknown", "filtered", Block, "status 5.7.1"},
		{"RCPT", 554, "5.7.1", "<a@example.com>: Recipient address rejected: User unknown", "userunknown", Hard, "user unknown"},
		// Null MX and hosts that do not accept mail (RFC 7505, RFC 7504).
		{"", 556, "5.1.10", "domain example.org does not accept mail (null MX, RFC 7505)", "notaccept", Hard, "does not accept mail"},
		{"", 550, "5.1.10", "", "notaccept", Hard, "X.1.10"},
		{"", 521, "", "521 mx.example.org", "notaccept", Hard, "reply code 521"},
		{"", 556, "", "", "notaccept", Hard, "reply code 556"},
		{"", 551, "", "551 User not local; please try <b@example.net>", "hasmoved", Hard, "user not local"},
		{"", 551, "", "551 sorry", "hasmoved", Hard, "reply code 551"},
		// The command the reply answered.
		{"DATA", 550, "", "550 User unknown", "filtered", Block, "reply to DATA"},
		{"MAIL", 550, "", "550 User unknown", "rejected", Block, "reply to MAIL"},
		{"MAIL", 550, "", "550 go away", "rejected", Block, "reply to MAIL"},
		{"CONN", 554, "", "554 no SMTP service here", "blocked", Block, "reply to CONN"},
		{"RCPT", 550, "", "550 Requested action not taken: mailbox unavailable", "userunknown", Hard, "mailbox unavailable"},
		{"", 550, "", "550 Requested action not taken: mailbox unavailable", "filtered", Block, "no status code, no command"},
		{"", 550, "", "550 No such user", "filtered", Block, "no status code, no command"},
		{"RCPT", 550, "", "550 No such user", "userunknown", Hard, "no such user"},
		// A system's statement about its own directory stands alone.
		{"", 0, "", "Sorry, no mailbox here by that name. (#5.1.1)", "userunknown", Hard, "no mailbox here by that name"},
		// Temporary is never hard.
		{"RCPT", 450, "4.1.1", "User unknown, try later", "userunknown", Soft, "user unknown"},
		{"", 421, "4.7.0", "Try again later, closing connection", "systemerror", Soft, "try again later"},
		// Mailbox and system statuses contradict a relayed "user unknown".
		{"", 550, "5.2.1", "User unknown", "suspend", Soft, "status 5.2.1"},
		{"RCPT", 550, "5.2.1", "User unknown", "userunknown", Hard, "user unknown"},
		{"", 550, "5.3.2", "", "notaccept", Hard, "X.3.2"},
	}
	for _, c := range cases {
		r := ClassifySMTPReply(c.cmd, c.code, c.enhanced, c.text)
		if r.Reason != c.reason || r.Class != c.class || !strings.Contains(asciiLower(r.Rule), asciiLower(c.rule)) {
			t.Errorf("ClassifySMTPReply(%q, %d, %q, %q) = %s %s by %q, want %s %s by a rule with %q",
				c.cmd, c.code, c.enhanced, c.text, r.Reason, r.Class, r.Rule, c.reason, c.class, c.rule)
		}
	}
}

// TestClassifyDiagnosticType checks the DSN-level rules: a Diagnostic-Code
// of type X-Unix is a local program's exit status, and one without any
// type and without a reply code does not prove a dead address.
func TestClassifyDiagnosticType(t *testing.T) {
	for _, c := range []struct {
		group, reason string
		class         Class
	}{
		{"Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.0.0\r\nDiagnostic-Code: X-Unix; 67 user unknown\r\n", "mailererror", Soft},
		{"Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.0.0\r\nDiagnostic-Code: The account does not exist, user unknown\r\n", "filtered", Block},
		{"Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.0.0\r\nDiagnostic-Code: smtp; 550 user unknown\r\n", "userunknown", Hard},
		{"Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: user unknown\r\n", "userunknown", Hard},
	} {
		rep, err := Parse(dsn(c.group))
		if err != nil || len(rep.Results) != 1 {
			t.Fatalf("%q: %v %+v", c.group, err, rep)
		}
		if r := rep.Results[0]; r.Reason != c.reason || r.Class != c.class {
			t.Errorf("%q: %s %s by %q, want %s %s", c.group, r.Reason, r.Class, r.Rule, c.reason, c.class)
		}
	}
}

// TestDiagnosticStatus: the status in a diagnostic is its most specific
// one; an "other or undefined" X.Y.0 gives way to a detailed code.
func TestDiagnosticStatus(t *testing.T) {
	for text, want := range map[string]string{
		"5.1.0 - Unknown address error 550-'5.2.2 <a@example.com>... Mailbox Full'": "5.2.2",
		"550 5.1.1 <a@example.com>: Recipient address rejected":                     "5.1.1",
		"554 4.4.7 Message expired <421 4.4.2 Connection timed out>":                "4.4.7",
		"550 5.7.0 blocked, see 5.0.0":                                              "5.7.0",
	} {
		if r := ClassifyReply(550, "", text); r.Status != want {
			t.Errorf("ClassifyReply(550, %q).Status = %q, want %q", text, r.Status, want)
		}
	}
}

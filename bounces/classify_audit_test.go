package bounces

import (
	"strings"
	"testing"
)

// TestHardPrecisionAudit holds, for each way a result can come out hard,
// a realistic refusal for policy, spam, security, a filter or a mailer
// error that shares its words, and checks that it is not hard. The
// weakest evidence each hard rule fires on is named with its cases:
//   - an address status (X.1.1, X.1.2, X.1.3, X.1.6, X.1.10, X.4.4) alone:
//     a block list, greylisting, TLS or mailer phrase beside it wins;
//   - an ordinary unknown-user phrase with a 550/551/553 and no status: a
//     block list, spam or content phrase, or a conflict word outside URLs
//     ("later", "policy", "blocked"), makes it not hard;
//   - a weak phrase (RFC 5321's "mailbox unavailable") at RCPT TO: a
//     contradicting cause beside it wins;
//   - an unknown-user phrase under a policy status (X.7.x) at RCPT TO: a
//     relay refusal or the recipient's own rules win;
//   - a host-unknown phrase: words naming the client (HELO) or a retry;
//   - the reply codes 521, 556 and 551: any text reason that is not hard
//     wins over them, as does a status naming another cause.
func TestHardPrecisionAudit(t *testing.T) {
	checkReplyCases(t, []replyCase{
		// X.7.1 with "user unknown" and a relay refusal in one reply.
		{"", 550, "5.7.1", "550 5.7.1 user unknown or relaying denied", "norelaying", Block, "relaying denied"},
		{"RCPT", 550, "5.7.1", "550 5.7.1 user unknown or relaying denied", "norelaying", Block, "relaying denied"},
		// RFC 5321's generic 550 text with the filter's own word.
		{"", 550, "", "550 Requested action not taken: mailbox unavailable (spam)", "spamdetected", Block, `"spam" -> spamdetected overrules`},
		{"RCPT", 550, "", "550 Requested action not taken: mailbox unavailable (spam)", "spamdetected", Block, `"spam" -> spamdetected overrules`},
		// A Postfix access-map refusal without a command: the policy status.
		{"", 554, "5.7.1", "554 5.7.1 recipient address rejected: Access denied", "filtered", Block, "status 5.7.1"},
		// An address status beside a block list, greylisting, spam.
		{"", 550, "5.1.1", "550 5.1.1 <a@example.org>: Recipient address rejected: blocked using zen.spamhaus.org", "blocked", Block, "blocked using"},
		{"RCPT", 550, "5.1.1", "550 5.1.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "blocked", Block, "blocked using"},
		{"RCPT", 450, "4.2.0", "450 4.2.0 <a@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html", "blocked", Block, "greylist"},
		{"", 550, "5.1.1", "550 5.1.1 Mailbox unavailable, message classified as spam", "spamdetected", Block, `"spam" -> spamdetected overrules`},
		{"", 550, "5.1.1", "550 5.1.1 User unknown (phishing attempt detected)", "spamdetected", Block, `"phish" -> spamdetected overrules`},
		{"", 554, "5.7.1", "554 5.7.1 <a@example.org>: Recipient address rejected: Mail appeared to be SPAM or forged", "spamdetected", Block, "spam"},
		{"", 550, "5.1.0", "550 5.1.0 Address rejected: your IP is on a blocklist", "blocked", Block, "blocklist"},
		// Security: TLS demanded of the sending host.
		{"RCPT", 550, "5.1.1", "550 5.1.1 Recipient rejected: TLS is required", "securityerror", Block, "tls is required"},
		// A mailer error that quotes "user unknown".
		{"", 554, "5.3.0", "554 5.3.0 unknown mailer error 67: user unknown", "mailererror", Soft, `"unknown mailer error" -> mailererror overrules`},
		// Directory and ordinary phrases beside a block list or content.
		{"", 550, "", "550 No such user here. Your IP 192.0.2.1 is listed at bl.example.net", "blocked", Block, `"listed at" -> blocked overrules`},
		{"DATA", 554, "", "554 No such user (content rejected)", "spamdetected", Block, "content reject"},
		{"RCPT", 550, "", "550 Mailbox unavailable or access denied", "blocked", Block, `"access denied" -> blocked overrules`},
		{"", 550, "", "550 Mailbox unavailable: account suspended for abuse", "suspend", Soft, "suspended"},
		{"", 553, "5.7.1", "553 5.7.1 Mailbox name not allowed: sender domain blacklisted", "blocked", Block, "blacklist"},
		// X.7.1 with an unknown-user phrase at RCPT TO, refused by the
		// recipient's own rules.
		{"RCPT", 550, "5.7.1", "550 5.7.1 Unknown user: message refused by the recipient's rules", "filtered", Block, "recipient's rules"},
		// A missing host that names the client.
		{"", 550, "", "550 Host unknown: your HELO name mail.example is not valid", "blocked", Block, `next to "helo"`},
		// The reply codes of RFC 7504 and RFC 5321's 551 under other causes.
		{"", 521, "5.7.1", "521 5.7.1 Your IP 192.0.2.1 is blocked", "blocked", Block, "your ip"},
		{"", 556, "5.7.1", "556 5.7.1 Message refused by policy", "policyviolation", Block, "by policy"},
		{"", 551, "5.7.1", "551 5.7.1 Sender denied", "rejected", Block, "sender denied"},
		{"", 550, "5.4.4", "550 5.4.4 Rejected by security policy", "policyviolation", Block, "policy"},
	})
}

// TestConflictWordsOutsideURLs: a URL in a diagnostic contributes no words,
// neither phrases (TestPhrasesOutsideURLs) nor the conflict words, the
// clause rules' nouns and predicates, or the words naming the client: a
// help link's path is the provider's address, not its statement.
func TestConflictWordsOutsideURLs(t *testing.T) {
	checkReplyCases(t, []replyCase{
		{"", 550, "", "550 No such user - see https://example.com/spam-policy", "userunknown", Hard, "permanent reply code 550"},
		{"", 550, "", "550 No such user (see https://www.example.com/blocked.html)", "userunknown", Hard, "permanent reply code 550"},
		{"", 550, "", "550 User unknown https://postmaster.example.com/try-again-later", "userunknown", Hard, "permanent reply code 550"},
		// Outside the URL the words still count.
		{"", 550, "", "550 No such user, try again later https://example.com/help", "systemerror", Soft, `"later" next to "no such user"`},
		// A clause read in a URL's path ("domain/unknown") names nothing.
		{"", 550, "", "550 Delivery refused, see https://example.com/domain/unknown", "onhold", Unknown, "no rule matches"},
		{"", 550, "", "550 Delivery refused: the domain is unknown", "hostunknown", Hard, `clause "domain ... unknown"`},
	})
	if got := outsideURLs("a https://x.example/spam b http://y/z"); got != "a "+strings.Repeat(" ", len("https://x.example/spam"))+" b "+strings.Repeat(" ", len("http://y/z")) {
		t.Errorf("outsideURLs = %q", got)
	}
	if s := "no url here, http is a word"; outsideURLs(s) != s {
		t.Errorf("outsideURLs(%q) changed a text without a URL", s)
	}
}

// TestLeftoverWording has one case per rule added for wording of mail
// systems the table lacked, each with its source in the rule.
func TestLeftoverWording(t *testing.T) {
	checkReplyCases(t, []replyCase{
		// HCL Domino's German template of "User ... not listed in Domino
		// Directory".
		{"", 0, "", "Benutzer Lena Fischer (lena@example.com) ist im Domino-Verzeichnis nicht aufgeführt", "userunknown", Hard, "im domino-verzeichnis nicht"},
		{"", 0, "", "Benutzer lena@example.com ist nicht im Domino-Verzeichnis aufgeführt", "userunknown", Hard, "nicht im domino-verzeichnis"},
		// Ipswitch IMail: a mailbox over its size, never hard.
		{"", 0, "", "User mailbox exceeds allowed size: mika@example.com", "mailboxfull", Soft, "mailbox exceeds"},
		{"", 552, "", "552 Mailbox exceeds quota", "mailboxfull", Soft, "mailbox exceeds"},
		// CommuniGate Pro: a domain without address records.
		{"", 0, "", "SMTP module(domain nowhere.example.net) reports: nowhere.example.net: no DNS A-data returned", "hostunknown", Hard, "no dns a-data"},
		// Outlook.com RP-001: a sending rate, retried, not hard.
		{"", 421, "", "421 RP-001 (SNT004-MC3F9) Unfortunately, some messages from 198.51.100.7 weren't sent. Please try again. We have limits for how many messages can be sent per hour and per day.", "speeding", Block, "limits for how many messages"},
		// The recipient's own filter or rules, before the sender and block
		// rules whose words they share.
		{"", 550, "", "550 Message blocked by the recipient's mail filter", "filtered", Block, "recipient's mail filter"},
		{"", 0, "", "LOCAL module(account jelle) reports: rejected by the recipient's Rules: mail from this sender is not accepted", "filtered", Block, "recipient's rules"},
		{"", 550, "5.7.1", "550 5.7.1 <a@example.net> Message rejected by the recipient's Sieve filter: sender is not on the allow list", "filtered", Block, "recipient's sieve filter"},
		{"RCPT", 550, "5.1.1", "550 5.1.1 User unknown; rejected by the recipient's filter", "filtered", Block, "recipient's filter"},
		// A size limit is the message's size.
		{"", 552, "", "552 Message exceeds the size limit of this server", "mesgtoobig", Soft, "message exceeds"},
		{"", 552, "", "552 The attachment is over the size limit", "mesgtoobig", Soft, "size limit"},
		// MailEnable quoting RFC 5321's generic 550 text: not hard without a
		// status code or RCPT TO (the weak phrases).
		{"", 550, "", "MailEnable: Message could not be delivered to some recipients. Reason: Remote SMTP Server Returned: 550 Requested action not taken: mailbox unavailable", "filtered", Block, `"mailbox unavailable" names an unknown user, but no status code`},
	})
}

// TestGeneralRulesWithoutFamilyPhrases: the general rules decide where the
// phrase a single mail system uses is left out of the table (as the
// leave-one-family-out measure leaves it out): a missing host that the
// text says to try again is a failed lookup, and a limit exceeded in a
// clause about size is the message's size.
func TestGeneralRulesWithoutFamilyPhrases(t *testing.T) {
	ix := withoutPhrases(map[string]bool{
		"host not found, try again": true, "mail size limit": true, "size limit exceeded": true, "size limit": true,
		"blacklisted url": true, "url in message": true, "recipient preferences": true,
	}, nil)
	for _, c := range []struct {
		code         int
		text         string
		reason, rule string
		class        Class
	}{
		{0, "Host or domain name not found. Name service error for name=example.org type=MX: Host not found, try again", "networkerror", "a lookup that may pass on a retry", Soft},
		{0, "Unknown host example.org; the lookup failed temporarily", "networkerror", "a lookup that may pass on a retry", Soft},
		{0, "For the following reason: Mail size limit exceeded.", "mesgtoobig", `in a clause about "size"`, Soft},
		// A block list of the links in the message is a content verdict;
		// of the sending host, a block.
		{550, "550-REJECTED - Blacklisted URL in message. (example.com) in [black]", "spamdetected", `in a clause about "url"`, Block},
		{550, "550 Your IP is blacklisted, see the link below", "blocked", `"blacklist"`, Block},
		{552, "552 Total size limit exceeded", "mesgtoobig", `in a clause about "size"`, Soft},
		// The recipients' limit (X.5.3) and the mailbox's (X.2.3) stay.
		{452, "452 Recipient limit exceeded", "exceedlimit", "recipient limit", Soft},
		{550, "550 Daily limit exceeded", "exceedlimit", "limit exceeded", Soft},
	} {
		r := classify(evidence{replyCode: c.code, diag: c.text, rules: ix})
		if r.Reason != c.reason || r.Class != c.class || !strings.Contains(r.Rule, c.rule) {
			t.Errorf("%q = %s %s by %q, want %s %s by a rule with %q", c.text, r.Reason, r.Class, r.Rule, c.reason, c.class, c.rule)
		}
	}
	// A refusal by the recipient's own preferences, settings, filter or
	// rules: the mailbox exists, whatever status says it is dead; a clause
	// that refuses nothing ("check the recipient settings") leaves it.
	for _, c := range []struct {
		status, text, reason string
	}{
		{"5.1.1", "550 5.1.1 RCP-P2 http://postmaster.example.com/response_codes?ip=192.0.2.1#rcp Refused due to recipient preferences", "filtered"},
		{"5.1.1", "550 5.1.1 Mail declined due to the recipient's privacy settings", "filtered"},
		{"", "550 No such user here; rejected by the recipient's filter", "filtered"},
		{"5.1.1", "550 5.1.1 Recipient unknown; check the recipient settings", "userunknown"},
		{"5.1.1", "550 5.1.1 User unknown (see https://example.com/recipient-rejected-settings)", "userunknown"},
	} {
		r := classify(evidence{status: c.status, replyCode: 550, diag: c.text, rules: ix})
		if r.Reason != c.reason {
			t.Errorf("%q = %s by %q, want %s", c.text, r.Reason, r.Rule, c.reason)
		}
	}
	r := classify(evidence{status: "5.2.3", replyCode: 552, diag: "552 5.2.3 Message size limit exceeded", rules: ix})
	if r.Reason != "exceedlimit" {
		t.Errorf("under X.2.3 a size limit is the mailbox's: got %s by %q", r.Reason, r.Rule)
	}
}

// TestPseudoStatusClass: the class digit of the X.0.9NN status a result
// gets when the message has no status code follows the reply code (RFC
// 2034 section 4), else a delay, else a text that calls the failure
// temporary or persistent (as Sisimai reads it: smtp/failure IsTemporary),
// else 5; a temporary filter is X.0.924, Sisimai's number for it.
func TestPseudoStatusClass(t *testing.T) {
	for _, c := range []struct {
		code         int
		text, status string
		rule         string
	}{
		{0, "Mailbox temporarily disabled", "4.0.921", "calls the failure temporary"},
		{0, "Mailbox disabled", "5.0.921", "5 for a failure"},
		{0, "Persistent transient failure: the mailbox is disabled", "4.0.921", "calls the failure temporary"},
		{550, "550 Mailbox temporarily disabled", "5.0.921", "class 5 from reply code 550"},
		{451, "451 Mailbox disabled", "4.0.921", "class 4 from reply code 451"},
		{0, "message filtered: temporarily deferred", "4.0.924", "calls the failure temporary"},
		{550, "550 message filtered", "5.0.910", "from reply code 550"},
	} {
		r := classify(evidence{replyCode: c.code, diag: c.text})
		if r.Status != c.status || !strings.Contains(r.StatusRule, c.rule) {
			t.Errorf("%q: status %s (%q), want %s by a rule with %q", c.text, r.Status, r.StatusRule, c.status, c.rule)
		}
	}
	// A delay notice without any code says so in its status rule.
	r := classify(evidence{diag: "THIS IS A WARNING MESSAGE ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE. Connection timed out"})
	if r.Status[0] != '4' || !strings.Contains(r.StatusRule, "delay notice") {
		t.Errorf("delay notice: status %s (%q)", r.Status, r.StatusRule)
	}
}

package bounces

import (
	"strings"
	"testing"
)

// The format tests are bounce messages built from the documented formats
// of the standards and of the mail systems (each case names its source),
// not copied from any collection of real bounces. Each states what Parse
// must extract: the failed recipients in order and, per recipient, the
// status, the reply code and the remote MTA where the message states them,
// and a phrase the diagnostic must hold (and one it must not: the text
// about another recipient).

// want is what Parse must read for one recipient.
type want struct {
	rcpt, orig, status string
	code               int
	remote             string
	diagHas, diagNot   string
	hard               string // "yes" or "no": whether the result must be hard; "" is not checked
}

// formatCase is one documented bounce format.
type formatCase struct {
	name, source string
	raw          string
	want         []want
}

// report wraps delivery-status groups in an RFC 6522 multipart/report
// with a notice and the returned headers; mt is the delivery-status media
// type.
func report(mt, notice string, groups ...string) string {
	var b strings.Builder
	b.WriteString("From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\nTo: b1@bounce.example.org\r\n" +
		"Subject: Delivery Status Notification (Failure)\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n" +
		"--R\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + notice + "\r\n" +
		"--R\r\nContent-Type: " + mt + "\r\n\r\nReporting-MTA: dns; mx.example.net\r\n")
	for _, g := range groups {
		b.WriteString("\r\n" + g)
	}
	b.WriteString("\r\n--R\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: news@example.org\r\nTo: reader@example.com\r\n" +
		"Message-ID: <m1@example.org>\r\n\r\n--R--\r\n")
	return b.String()
}

// textBounce is a one-part text bounce with the given header fields.
func textBounce(fields, body string) string {
	return "From: MAILER-DAEMON@mx.example.net\r\nTo: b1@bounce.example.org\r\n" + fields + "\r\n" + body
}

var formatCases = []formatCase{
	{
		name:   "Original-Recipient first, comments, upper-case types, xtext ORCPT",
		source: "RFC 3464 sections 2.1 (RFC 822 field syntax, comments), 2.3.1-2.3.5; RFC 3461 section 4.2 (ORCPT in xtext: \"+2B\" is \"+\")",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Original-Recipient: RFC822;Alias+2Btag@Example.com\r\nFinal-Recipient: RFC822; <User@Example.COM> (mailbox)\r\n"+
				"Action: failed (permanent)\r\nStatus: 5.1.1 (bad destination mailbox address)\r\nRemote-MTA: DNS; mx.example.com\r\n"+
				"Diagnostic-Code: SMTP; 550 5.1.1 user unknown\r\n"),
		want: []want{{rcpt: "user@example.com", orig: "alias+tag@example.com", status: "5.1.1", code: 550, remote: "mx.example.com", diagHas: "user unknown"}},
	},
	{
		name:   "every field folded",
		source: "RFC 3464 section 2.1 (fields may be folded as in RFC 822); RFC 5322 section 2.2.3",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Final-Recipient:\r\n rfc822;\r\n\tfull@example.com\r\nAction:\r\n failed\r\nStatus:\r\n 5.2.2\r\nRemote-MTA: dns;\r\n mx.example.com\r\n"+
				"Diagnostic-Code: smtp;\r\n 552-5.2.2 The email account that you tried to reach is over quota.\r\n 552 5.2.2 Please direct the recipient to the help page\r\n"),
		want: []want{{rcpt: "full@example.com", status: "5.2.2", code: 552, remote: "mx.example.com", diagHas: "over quota"}},
	},
	{
		name:   "no Status field: the code of a multi-line reply in the diagnostic",
		source: "RFC 5321 section 4.2.1 (multi-line replies \"550-\" ... \"550 \"); RFC 2034 section 4 (the enhanced code after the reply code); RFC 3464 section 2.3.6",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\n"+
				"Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.\r\n 550-5.1.1 Please try double-checking the address\r\n 550 5.1.1 for typos\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "does not exist"}},
	},
	{
		name:   "vague Status, precise code after a hash in the diagnostic",
		source: "Exim specification, chapter \"SMTP error from remote mail server\" examples (\"550 #5.1.0 Address rejected\"); RFC 3463 section 2",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Action: failed\r\nFinal-Recipient: rfc822;gone@example.com\r\nStatus: 5.0.0\r\nRemote-MTA: dns; smtp.example.com\r\n"+
				"Diagnostic-Code: smtp; 550 #5.1.0 Address rejected gone@example.com\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.0", code: 550, remote: "smtp.example.com"}},
	},
	{
		name:   "vague Status, precise code in parentheses",
		source: "RFC 3463 section 2 (the code may stand anywhere in the text); qmail-remote's \"(#5.1.1)\" convention, QSBMF section 3",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.0.0\r\n"+
				"Diagnostic-Code: smtp; 550 Sorry, no mailbox here by that name. (5.1.1)\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550}},
	},
	{
		name:   "no status anywhere: addresses, dates and versions are not codes",
		source: "RFC 3463 section 2 (class.subject.detail, subject and detail 1-3 digits); RFC 3464 section 2.3.4",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Final-Recipient: rfc822; someone@example.com\r\nAction: failed\r\n"+
				"Diagnostic-Code: smtp; 554 rejected: host [192.0.2.5] (5.6.7.8) listed on 10.5.2021 by list 2.1.3.4\r\n"),
		want: []want{{rcpt: "someone@example.com", code: 554, diagHas: "192.0.2.5"}},
	},
	{
		name:   "utf-8 address type in a global delivery status",
		source: "RFC 6533 sections 3 (utf-8-type-addr, utf-8-address) and 6 (message/global-delivery-status)",
		raw: report("message/global-delivery-status", "Your message could not be delivered.",
			"Final-Recipient: utf-8; δοκιμή@παράδειγμα.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"),
		want: []want{{rcpt: "δοκιμή@παράδειγμα.example", status: "5.1.1"}},
	},
	{
		name:   "utf-8-addr-unitext and utf-8-addr-xtext forms",
		source: "RFC 6533 section 3 (EmbeddedUnicodeChar \"\\x{HEXPOINT}\")",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Original-Recipient: utf-8; d\\x{E9}j\\x{E0}+vu@example.com\r\nFinal-Recipient: utf-8; d\\x{E9}j\\x{E0}@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"),
		want: []want{{rcpt: "déjà@example.com", orig: "déjà+vu@example.com", status: "5.1.1"}},
	},
	{
		name:   "recipient groups without blank lines, Action first, a delivered one",
		source: "Exim's delivery-status layout (Action, Final-Recipient, Status per address; Exim test suite 0224); RFC 3464 section 2.3.3 (delivered is no failure)",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Action: failed\r\nFinal-Recipient: rfc822;one@example.com\r\nStatus: 5.0.0\r\nRemote-MTA: dns; mx.example.com\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n"+
				"Action: delivered\r\nFinal-Recipient: rfc822;fine@example.org\r\nStatus: 2.0.0\r\n"+
				"Action: failed\r\nFinal-Recipient: rfc822;two@example.net\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\r\n"),
		want: []want{
			{rcpt: "one@example.com", status: "5.1.1", code: 550, remote: "mx.example.com", diagHas: "no such user", diagNot: "full"},
			{rcpt: "two@example.net", status: "5.2.2", code: 552, diagHas: "mailbox full", diagNot: "no such user"},
		},
	},
	{
		name:   "a second Remote-MTA with the IP address",
		source: "Exim experimental spec, \"DSN extra information\": Remote-MTA: X-ip; [127.0.0.1]:587 after Remote-MTA: dns",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Action: failed\r\nFinal-Recipient: rfc822;one@example.com\r\nStatus: 5.0.0\r\nRemote-MTA: dns; mx.example.com\r\n"+
				"Remote-MTA: X-ip; [192.0.2.1]:25\r\nX-Remote-MTA-smtp-greeting: X-str; 220 mx.example.com ESMTP\r\n"+
				"X-Exim-Diagnostic: X-str; SMTP error from remote mail server after RCPT TO:<one@example.com>: 550 5.1.1 no such user\r\n"+
				"Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n"),
		want: []want{{rcpt: "one@example.com", status: "5.1.1", code: 550, remote: "mx.example.com"}},
	},
	{
		name:   "Final-Recipient with a display name",
		source: "RFC 3464 section 2.3.2 (address only; display names seen from gateways are stripped)",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Final-Recipient: rfc822; \"Doe, John\" <John.Doe@Example.com>\r\nAction: failed\r\nStatus: 5.1.1\r\n"),
		want: []want{{rcpt: "john.doe@example.com", status: "5.1.1"}},
	},
	{
		name:   "QSBMF with two recipient paragraphs",
		source: "D. J. Bernstein, qmail-send Bounce Message Format (cr.yp.to/proto/qsbmf.txt) sections 2-3",
		raw: textBounce("Subject: failure notice\r\n",
			"Hi. This is the qmail-send program at mx.example.net.\r\nI'm afraid I wasn't able to deliver your message to the\r\n"+
				"following addresses. This is a permanent error; I've given up.\r\nSorry it didn't work out.\r\n\r\n"+
				"<gone@example.com>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"+
				"<full@example.org>:\r\n192.0.2.1 does not like recipient.\r\nRemote host said: 552 5.2.2 Mailbox full\r\nGiving up on 192.0.2.1.\r\n\r\n"+
				"--- Below this line is a copy of the message.\r\n\r\nReturn-Path: <b1@bounce.example.org>\r\nTo: gone@example.com, full@example.org\r\nSubject: news\r\n\r\nhi\r\n"),
		want: []want{
			{rcpt: "gone@example.com", status: "5.1.1", diagHas: "no mailbox", diagNot: "full", hard: "yes"},
			{rcpt: "full@example.org", status: "5.2.2", code: 552, diagHas: "Mailbox full", diagNot: "no mailbox", hard: "no"},
		},
	},
	{
		name:   "Postfix bounce(8) text without a delivery-status part",
		source: "Postfix bounce(8) templates and the \"host X said:\" / \"(in reply to RCPT TO command)\" wording of smtp(8)",
		raw: textBounce("Subject: Undelivered Mail Returned to Sender\r\n",
			"This is the mail system at host mx.example.net.\r\n\r\nI'm sorry to have to inform you that your message could not\r\n"+
				"be delivered to one or more recipients. It's attached below.\r\n\r\n                   The mail system\r\n\r\n"+
				"<gone@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1\r\n    <gone@example.com>: Recipient address rejected: User unknown in local\r\n"+
				"    recipient table (in reply to RCPT TO command)\r\n\r\n"+
				"<full@example.org> (expanded from <list@example.org>): host\r\n    mx.example.org[192.0.2.2] said: 452 4.2.2 Mailbox full (in reply to RCPT TO\r\n    command)\r\n"),
		want: []want{
			{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", diagNot: "Mailbox full", hard: "yes"},
			{rcpt: "full@example.org", orig: "list@example.org", status: "4.2.2", code: 452, diagHas: "Mailbox full", diagNot: "User unknown", hard: "no"},
		},
	},
	{
		name:   "Sendmail permanent fatal errors with a session transcript for two hosts",
		source: "Sendmail's returned-mail notice (\"----- The following addresses had permanent fatal errors -----\", \"----- Transcript of session follows -----\", \">>>\"/\"<<<\" lines)",
		raw: textBounce("Subject: Returned mail: see transcript for details\r\n",
			"The original message was received at Mon, 1 Jan 2024 10:00:00 GMT\r\nfrom localhost [127.0.0.1]\r\n\r\n"+
				"   ----- The following addresses had permanent fatal errors -----\r\n<gone@example.com>\r\n    (reason: 550 5.1.1 <gone@example.com>... User unknown)\r\n"+
				"<full@example.org>\r\n    (reason: 552 5.2.2 <full@example.org>... Mailbox full)\r\n\r\n"+
				"   ----- Transcript of session follows -----\r\n... while talking to mx.example.com.:\r\n>>> RCPT To:<gone@example.com>\r\n"+
				"<<< 550 5.1.1 <gone@example.com>... User unknown\r\n550 5.1.1 <gone@example.com>... User unknown\r\n"+
				"... while talking to mx.example.org.:\r\n>>> RCPT To:<full@example.org>\r\n<<< 552 5.2.2 <full@example.org>... Mailbox full\r\n"+
				"550 5.2.2 <full@example.org>... Mailbox full\r\n"),
		want: []want{
			{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", diagNot: "Mailbox full"},
			{rcpt: "full@example.org", status: "5.2.2", code: 552, diagHas: "Mailbox full", diagNot: "User unknown"},
		},
	},
	{
		name:   "Exim text bounce with two addresses and a folded X-Failed-Recipients",
		source: "Exim specification, chapter 48 \"Bounce messages\" and X-Failed-Recipients (spec section \"Customizing bounce and warning messages\")",
		raw: textBounce("Subject: Mail delivery failed: returning message to sender\r\nX-Failed-Recipients: gone@example.com,\r\n  late@example.org\r\n",
			"This message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be delivered to one or more of its\r\n"+
				"recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"+
				"  gone@example.com\r\n    host mx.example.com [192.0.2.1]\r\n    SMTP error from remote mail server after RCPT TO:<gone@example.com>:\r\n"+
				"    550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown\r\n"+
				"  late@example.org\r\n    (generated from alias@example.org)\r\n    retry timeout exceeded\r\n\r\n"+
				"------ This is a copy of the message, including all the headers. ------\r\n\r\nTo: gone@example.com, late@example.org\r\n\r\nhi\r\n"),
		want: []want{
			{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", diagNot: "retry timeout", hard: "yes"},
			{rcpt: "late@example.org", orig: "alias@example.org", diagHas: "retry timeout", diagNot: "User unknown", hard: "no"},
		},
	},
	{
		name:   "Exchange non-delivery report text",
		source: "Microsoft Learn, \"Email non-delivery reports and SMTP errors in Exchange Online\" (NDR layout: recipients, \"Diagnostic information for administrators\", \"Remote Server returned\")",
		raw: textBounce("Subject: Undeliverable: news\r\n",
			"Delivery has failed to these recipients or groups:\r\n\r\nJohn Doe (John.Doe@example.com)\r\n"+
				"The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.\r\n\r\n"+
				"Diagnostic information for administrators:\r\n\r\nGenerating server: EX01.example.net\r\n\r\nJohn.Doe@example.com\r\n"+
				"Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'\r\n\r\nOriginal message headers:\r\n\r\nTo: John Doe <John.Doe@example.com>\r\n"),
		want: []want{{rcpt: "john.doe@example.com", status: "5.1.1", code: 550, diagHas: "RecipNotFound"}},
	},
	{
		name:   "Exchange Online NDR with the hash form of the code",
		source: "Microsoft Learn, Exchange Online NDR (\"Remote server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; ...'\", Exchange 2010 \"#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\")",
		raw: textBounce("Subject: Undeliverable: news\r\n",
			"Delivery has failed to these recipients or groups:\r\n\r\nuser@example.com\r\n"+
				"The e-mail address you entered couldn't be found.\r\n\r\nDiagnostic information for administrators:\r\n\r\n"+
				"Generating server: mail.example.com\r\n\r\nuser@example.com\r\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\r\n\r\nOriginal message headers:\r\n\r\nTo: user@example.com\r\n"),
		want: []want{{rcpt: "user@example.com", status: "5.1.1", code: 550, diagHas: "RecipNotFound"}},
	},
	{
		name:   "HCL Domino failure report",
		source: "HCL Domino delivery failure report (\"Your message ... was not delivered to: ... because: ... not listed in Domino Directory\")",
		raw: textBounce("Subject: DELIVERY FAILURE: User user (user@example.com) not listed in Domino Directory\r\n",
			"Your message\r\n\r\n  Subject: news\r\n\r\nwas not delivered to:\r\n\r\n  user@example.com\r\n\r\nbecause:\r\n\r\n"+
				"  User user (user@example.com) not listed in Domino Directory\r\n\r\n"),
		want: []want{{rcpt: "user@example.com", diagHas: "not listed"}},
	},
	{
		name:   "Courier delivery failure text",
		source: "Courier mail server DSN notice (\"<addr>:\" then the host and the \">>> \"/\"<<< \" transcript; courier(8) documentation)",
		raw: textBounce("Subject: NOTICE: mail delivery status.\r\n",
			"This is a delivery status notification from mx.example.net,\r\nrunning the Courier mail server.\r\n\r\n"+
				"The original message was received on Mon, 01 Jan 2024 10:00:00 +0000\r\nfrom localhost [127.0.0.1]\r\n\r\n"+
				"---------------------------------------------------------------------------\r\n\r\n"+
				"                           UNDELIVERABLE MAIL\r\n\r\nYour message to the following recipients cannot be delivered:\r\n\r\n"+
				"<gone@example.com>:\r\n    mx.example.com [192.0.2.1]:\r\n>>> RCPT TO:<gone@example.com>\r\n<<< 550 5.1.1 <gone@example.com>... User unknown\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown"}},
	},
	{
		name:   "Gmail permanent failure text",
		source: "Gmail's \"Delivery to the following recipient failed permanently\" notice (Google Workspace Admin Help, SMTP error reference)",
		raw: textBounce("Subject: Delivery Status Notification (Failure)\r\n",
			"Delivery to the following recipient failed permanently:\r\n\r\n     gone@example.com\r\n\r\n"+
				"Technical details of permanent failure:\r\nGoogle tried to deliver your message, but it was rejected by the server for the recipient domain example.com by mx.example.com. [192.0.2.1].\r\n\r\n"+
				"The error that the other server returned was:\r\n550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown in virtual alias table\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown"}},
	},
	{
		name:   "recipient named only in the returned message's To",
		source: "RFC 3462/6522 section 3 (the returned message is the third part); a notice that names no address",
		raw: "From: postmaster@mx.example.net\r\nTo: b1@bounce.example.org\r\nSubject: Undeliverable mail\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n--M\r\nContent-Type: text/plain\r\n\r\n" +
			"Your message could not be delivered: the mailbox is full.\r\n\r\n--M\r\nContent-Type: message/rfc822\r\n\r\n" +
			"From: news@example.org\r\nTo: \"Reader, A\" <Reader@Example.com>\r\nSubject: news\r\n\r\nhi\r\n--M--\r\n",
		want: []want{{rcpt: "reader@example.com", diagHas: "mailbox is full"}},
	},
	{
		name:   "a text recipient with a display name and upper-case domain",
		source: "RFC 5322 section 3.4 (name-addr); RFC 5321 section 2.4 (domains are case-insensitive)",
		raw: textBounce("Subject: Undelivered Mail Returned to Sender\r\n",
			"Your message could not be delivered to the following recipient:\r\n\r\nRecipient: \"Doe, John\" <John@EXAMPLE.COM>\r\nReason: 550 5.1.1 user unknown\r\n"),
		want: []want{{rcpt: "john@example.com", status: "5.1.1", code: 550}},
	},
	{
		name:   "Exchange 2003 non-delivery report with the code in angle brackets",
		source: "Microsoft Exchange Server 2003 NDR layout (\"The following recipient(s) could not be reached:\" ... \"<mx.example.com #5.1.1>\"), KB 284204",
		raw: textBounce("Subject: Undeliverable: news\r\n",
			"Your message did not reach some or all of the intended recipients.\r\n\r\n      Subject:\tnews\r\n      Sent:\t1/1/2024 10:00 AM\r\n\r\n"+
				"The following recipient(s) could not be reached:\r\n\r\n      user@example.com on 1/1/2024 10:00 AM\r\n"+
				"            The e-mail account does not exist at the organization this message was sent to.\r\n"+
				"            <mx.example.com #5.1.1>\r\n"),
		want: []want{{rcpt: "user@example.com", status: "5.1.1", diagHas: "does not exist", hard: "yes"}},
	},
	{
		name:   "Exchange 2003 report naming the recipient by display name only",
		source: "Microsoft Exchange Server 2003 NDR layout (\"'John Doe' on 1/1/2024\"); the address is in the returned message (RFC 6522 section 3)",
		raw: "From: postmaster@example.com\r\nTo: b1@bounce.example.org\r\nSubject: Undeliverable: news\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n--M\r\nContent-Type: text/plain\r\n\r\n" +
			"Your message did not reach some or all of the intended recipients.\r\n\r\nThe following recipient(s) could not be reached:\r\n\r\n" +
			"      'John Doe' on 1/1/2024 10:00 AM\r\n            The recipient's mailbox is full and can't accept messages now.\r\n" +
			"            <mx.example.com #5.2.2>\r\n\r\n--M\r\nContent-Type: message/rfc822\r\n\r\n" +
			"From: news@example.org\r\nTo: John Doe <John.Doe@example.com>\r\nSubject: news\r\n\r\nhi\r\n--M--\r\n",
		want: []want{{rcpt: "john.doe@example.com", status: "5.2.2", diagHas: "mailbox is full", hard: "no"}},
	},
	{
		name:   "recipient only in the returned message's Received \"for\" clause",
		source: "RFC 5321 section 4.4 (Received ... for <address>); RFC 6522 section 3; an undisclosed-recipients To",
		raw: "From: MAILER-DAEMON@mx.example.net\r\nTo: b1@bounce.example.org\r\nSubject: Returned mail\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n--M\r\nContent-Type: text/plain\r\n\r\n" +
			"Your message could not be delivered: mailbox unavailable.\r\n\r\n--M\r\nContent-Type: message/rfc822\r\n\r\n" +
			"Received: from out.example.org (out.example.org [192.0.2.9])\r\n\tby mx.example.net with ESMTP id 1A2B3C\r\n\tfor <Reader@Example.com>; Mon, 1 Jan 2024 10:00:00 +0000\r\n" +
			"From: news@example.org\r\nTo: undisclosed-recipients:;\r\nSubject: news\r\n\r\nhi\r\n--M--\r\n",
		want: []want{{rcpt: "reader@example.com", diagHas: "mailbox unavailable"}},
	},
	{
		name:   "Amazon SES bounce notification sent by mail",
		source: "Amazon SES Developer Guide, \"Amazon SNS notification contents for Amazon SES\" (bounce object, bouncedRecipients)",
		raw: textBounce("Subject: AWS Notification Message\r\nContent-Type: text/plain; charset=UTF-8\r\n",
			`{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",`+
				`"bouncedRecipients":[{"emailAddress":"jane@example.com","status":"5.1.1","action":"failed","diagnosticCode":"smtp; 550 5.1.1 user unknown"},`+
				`{"emailAddress":"Richard@Example.com","status":"5.1.1","action":"failed","diagnosticCode":"smtp; 550 5.1.1 <richard@example.com>... User"}],`+
				`"reportingMTA":"dns; email-smtp.us-east-1.amazonaws.com","timestamp":"2016-01-27T14:59:38.237Z","feedbackId":"0000013786031775-fea503bc"},`+
				`"mail":{"timestamp":"2016-01-27T14:59:38.237Z","messageId":"0000013786031775-163e3910","source":"john@example.com",`+
				`"destination":["jane@example.com","richard@example.com"]}}`+"\r\n"),
		want: []want{
			{rcpt: "jane@example.com", status: "5.1.1", code: 550, remote: "email-smtp.us-east-1.amazonaws.com"},
			{rcpt: "richard@example.com", status: "5.1.1", code: 550, remote: "email-smtp.us-east-1.amazonaws.com"},
		},
	},
	{
		name:   "delivery-status fields written into the text part",
		source: "RFC 3464 section 2.3 fields in a text/plain body (gateways that flatten the report); Original-Recipient first as in section 2.3",
		raw: textBounce("Subject: Delivery Status Notification (Failure)\r\n",
			"Original-Recipient: rfc822;alias@example.com\r\nFinal-Recipient: rfc822;gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"+
				"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"),
		want: []want{{rcpt: "gone@example.com", orig: "alias@example.com", status: "5.1.1", code: 550}},
	},
	{
		name:   "a report whose returned message is itself a report",
		source: "RFC 6522 section 3 (the third part is the returned message, whatever it is); RFC 3464 section 2.3 (the report's own groups name its recipients)",
		raw: strings.Replace(report("message/delivery-status", "Your message could not be delivered.",
			"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"),
			"Content-Type: text/rfc822-headers\r\n\r\n",
			"Content-Type: message/rfc822\r\n\r\nFrom: MAILER-DAEMON@relay.example.com\r\nMIME-Version: 1.0\r\n"+
				"Content-Type: multipart/report; report-type=delivery-status; boundary=\"I\"\r\n\r\n"+
				"--I\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example.com\r\n\r\n"+
				"Final-Recipient: rfc822; other@example.org\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n--I--\r\n", 1),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1"}},
	},
	{
		name:   "a forwarded report without a report of its own",
		source: "RFC 6522 section 3; a delivery report forwarded inside a message/rfc822 part",
		raw: "From: postmaster@example.net\r\nTo: b1@bounce.example.org\r\nSubject: Fwd: Undelivered Mail\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n--M\r\nContent-Type: text/plain\r\n\r\nForwarded report.\r\n" +
			"--M\r\nContent-Type: message/rfc822\r\n\r\nFrom: MAILER-DAEMON@relay.example.com\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"I\"\r\n\r\n" +
			"--I\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example.com\r\n\r\n" +
			"Final-Recipient: rfc822; other@example.org\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n--I--\r\n\r\n--M--\r\n",
		want: []want{{rcpt: "other@example.org", status: "5.2.2"}},
	},
	{
		name:   "delivery-status cut off in the middle of the diagnostic",
		source: "RFC 3464 section 2.3 (the required fields come first); a relay truncating a large report",
		raw: "From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n--R\r\nContent-Type: text/plain\r\n\r\nfailed\r\n" +
			"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; gone@example.com\r\n" +
			"Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient addr",
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550}},
	},
	{
		name:   "1&1 notice: several addresses, one shared Reason",
		source: "1&1 (kundenserver) mail delivery notice: \"The following address failed:\" with the addresses, then \"Reason:\" and the cause for all of them",
		raw: textBounce("Subject: Mail delivery failed: returning message to sender\r\n",
			"This message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be delivered to one or more of\r\n"+
				"its recipients. This is a permanent error. The following address\r\nfailed:\r\n\r\n<one@example.com>\r\n<two@example.org>\r\n\r\nReason:\r\n\r\n"+
				"delivery retry timeout exceeded\r\n\r\n--- The header of the original message is following. ---\r\n\r\nFrom: news@example.org\r\nTo: one@example.com, two@example.org\r\n"),
		want: []want{
			{rcpt: "one@example.com", diagHas: "retry timeout", hard: "no"},
			{rcpt: "two@example.org", diagHas: "retry timeout", hard: "no"},
		},
	},
	{
		name:   "MDaemon failure with its session transcript arrows",
		source: "MDaemon DSN (\"The attached message had PERMANENT fatal delivery errors!\", \"--- Session Transcript ---\" with \"--->\" and \"<---\" lines; MDaemon Help, DSN Settings: session transcripts in delivery error messages)",
		raw: textBounce("Subject: Permanent Delivery Failure\r\n",
			"The attached message had PERMANENT fatal delivery errors!\r\n\r\nAfter one or more unsuccessful delivery attempts the attached message\r\n"+
				"has been removed from the mail queue on this server.\r\n\r\nYOU DO NOT NEED TO RESEND YOUR MESSAGE.\r\n\r\n--- Session Transcript ---\r\n"+
				" Mon 2024-01-01 10:00:00: Parsing message <mx.example.net\\pd50000000001.msg>\r\n"+
				" Mon 2024-01-01 10:00:00: *  From: news@example.org\r\n Mon 2024-01-01 10:00:00: *  To: gone@example.com\r\n"+
				" Mon 2024-01-01 10:00:00: Attempting SMTP connection to [mx.example.com : 25]\r\n"+
				" Mon 2024-01-01 10:00:01: ---> MAIL From:<news@example.org>\r\n Mon 2024-01-01 10:00:01: <--- 250 2.1.0 Ok\r\n"+
				" Mon 2024-01-01 10:00:01: ---> RCPT To:<gone@example.com>\r\n"+
				" Mon 2024-01-01 10:00:01: <--- 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown in local recipient table\r\n"+
				"--- End Transcript ---\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", hard: "yes"}},
	},
	{
		name:   "hMailServer failure: recipient, Error Type, what was sent and what the server replied",
		source: "hMailServer bounce template (\"The following recipient(s) could not be reached:\", \"Error Type: SMTP\", \"hMailServer sent: RCPT TO:<...>\", \"Remote server replied: ...\"; hMailServer documentation, error messages)",
		raw: textBounce("Subject: Message undeliverable: news\r\n",
			"Your message did not reach some or all of the intended recipients.\r\n\r\n   Sent: Mon, 01 Jan 2024 10:00:00 +0000\r\n   Subject: news\r\n\r\n"+
				"The following recipient(s) could not be reached:\r\n\r\ngone@example.com\r\n   Error Type: SMTP\r\n   Remote server (192.0.2.1) issued an error.\r\n"+
				"   hMailServer sent: RCPT TO:<gone@example.com>\r\n   Remote server replied: 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown in virtual mailbox table\r\n\r\n"+
				"full@example.org\r\n   Error Type: SMTP\r\n   Remote server (192.0.2.2) issued an error.\r\n"+
				"   hMailServer sent: RCPT TO:<full@example.org>\r\n   Remote server replied: 452 4.2.2 Mailbox full\r\n\r\n"),
		want: []want{
			{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", diagNot: "Mailbox full", hard: "yes"},
			{rcpt: "full@example.org", status: "4.2.2", code: 452, diagHas: "Mailbox full", diagNot: "User unknown", hard: "no"},
		},
	},
	{
		name:   "GroupWise Internet Agent: the reason in parentheses after the address",
		source: "Novell GroupWise GWIA undeliverable notice (\"The message that you sent was undeliverable to the following:\" then \"address (reason)\", \"Possibly truncated original message follows:\"; GroupWise troubleshooting guide, Undeliverable status)",
		raw: textBounce("Subject: Message status - undeliverable\r\n",
			"The message that you sent was undeliverable to the following:\r\n\tgone@example.com (user not found)\r\n\tother@example.com (host not found)\r\n\r\n"+
				"Possibly truncated original message follows:\r\n\r\nFrom: news@example.org\r\nTo: gone@example.com\r\n\r\nhi\r\n"),
		want: []want{
			{rcpt: "gone@example.com", diagHas: "user not found", diagNot: "host", hard: "yes"},
			{rcpt: "other@example.com", diagHas: "host not found", diagNot: "user", hard: "yes"},
		},
	},
	{
		name:   "MailMarshal: the reason first, the recipients it affected after",
		source: "Trustwave MailMarshal SMTP non-delivery notice (\"Your message: ... Could not be delivered because of\", the reply, \"The following recipients were affected:\")",
		raw: textBounce("Subject: Undeliverable Mail: \"news\"\r\n",
			"Your message:\r\n\r\n   From:    news@example.org\r\n   Subject: news\r\n\r\nCould not be delivered because of\r\n\r\n"+
				"550 5.1.1 User unknown\r\n\r\nThe following recipients were affected:\r\n    gone@example.com\r\n\r\n"+
				"Additional Information\r\n======================\r\n\r\nOriginal Sender:    <news@example.org>\r\nSender-MTA:         <192.0.2.9>\r\n"+
				"Remote-MTA:         <192.0.2.1>\r\nReporting-MTA:      <mx.example.net>\r\nMessageName:        <B0000000001.00000000.mml>\r\nLast-Attempt-Date:  <10:00:00 Mon, 01 Jan 2024>\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", hard: "yes"}},
	},
	{
		name:   "IMail: the server's response names the address after the reason",
		source: "Ipswitch IMail delivery failure (\"Body of message generated response:\", \"Unknown user: address\", \"Original message follows.\")",
		raw: textBounce("Subject: Undeliverable Mail\r\n",
			"Unknown user: gone@example.com\r\n\r\nOriginal message follows.\r\n\r\nFrom: news@example.org\r\nTo: <gone@example.com>\r\nSubject: news\r\n\r\nhi\r\n"),
		want: []want{{rcpt: "gone@example.com", diagHas: "Unknown user", hard: "yes"}},
	},
	{
		name:   "Lotus Notes: the failure reason before the address",
		source: "Lotus Notes SMTP MTA delivery failure (\"------- Failure Reasons --------\", the reason, the address, \"------- Returned Message --------\")",
		raw: textBounce("Subject: Delivery Failure Report\r\n",
			"------- Failure Reasons  --------\r\n\r\nUser not listed in public Name & Address Book\r\ngone@example.com\r\n\r\n\r\n"+
				"------- Returned Message --------\r\nFrom: news@example.org\r\nTo: gone@example.com\r\nSubject: news\r\n\r\nhi\r\n"),
		want: []want{{rcpt: "gone@example.com", diagHas: "not listed", hard: "yes"}},
	},
	{
		name:   "Yahoo text bounce with the command in brackets",
		source: "Yahoo Mail delivery failure (\"Sorry, we were unable to deliver your message to the following address.\", \"Remote host said: ... [RCPT_TO]\"; Yahoo SMTP error codes help page)",
		raw: textBounce("Subject: Failure Notice\r\n",
			"Sorry, we were unable to deliver your message to the following address.\r\n\r\n<gone@example.com>:\r\n"+
				"Remote host said: 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown in local recipient table [RCPT_TO]\r\n\r\n"+
				"--- Below this line is a copy of the message.\r\n\r\nFrom: news@example.org\r\nTo: gone@example.com\r\n\r\nhi\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", hard: "yes"}},
	},
	{
		name:   "OpenSMTPD: address and reason on one line, the copy introduced by \"Below is a copy of the original message\"",
		source: "OpenSMTPD bounce.c (\"An error has occurred while attempting to deliver a message for the following list of recipients:\", \"addr: reason\", \"Below is a copy of the original message:\")",
		raw: textBounce("Subject: Delivery status notification: error\r\n",
			"    Hi!\r\n\r\n    This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\r\n\r\n"+
				"    An error has occurred while attempting to deliver a message for\r\n    the following list of recipients:\r\n\r\n"+
				"gone@example.com: 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown\r\n\r\n"+
				"    Below is a copy of the original message:\r\n\r\nFrom: news@example.org\r\nTo: gone@example.com, other@example.net\r\nCc: third@example.net\r\n\r\nhi\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", hard: "yes"}},
	},
	{
		name:   "Gmail \"Address not found\" notice",
		source: "Gmail bounce notice (\"** Address not found **\", \"Your message wasn't delivered to ... because the address couldn't be found\", \"The response was:\"; Google Workspace Admin Help, SMTP error reference 550 5.1.1)",
		raw: textBounce("Subject: Delivery Status Notification (Failure)\r\n",
			"** Address not found **\r\n\r\nYour message wasn't delivered to gone@example.com because the address couldn't be found, or is unable to receive mail.\r\n\r\n"+
				"Learn more here: https://support.google.com/mail/?p=NoSuchUser\r\n\r\nThe response was:\r\n\r\n"+
				"550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "does not exist", hard: "yes"}},
	},
	{
		name:   "Office 365 NDR in HTML only",
		source: "Microsoft Learn, \"Email non-delivery reports in Exchange Online\" (\"Your message to ... couldn't be delivered.\", \"Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'\")",
		raw: "From: Microsoft Outlook <postmaster@example.onmicrosoft.com>\r\nTo: b1@bounce.example.org\r\nSubject: Undeliverable: news\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: text/html; charset=utf-8\r\n\r\n" +
			"<html><body><p>Your message to <a href=\"mailto:gone@example.com\">gone@example.com</a> couldn't be delivered.</p>" +
			"<p>gone wasn't found at example.com.</p><p><b>Diagnostic information for administrators:</b></p><p>Generating server: BN6PR00MB0000.namprd00.prod.outlook.com</p>" +
			"<p>gone@example.com<br>Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'</p></body></html>\r\n",
		want: []want{{rcpt: "gone@example.com", status: "5.1.10", code: 550, diagHas: "RecipientNotFound", hard: "yes"}},
	},
	{
		name:   "Exim: Unrouteable address and retry timeout for two addresses",
		source: "Exim specification, chapter \"Bounce messages\" (address lines indented two spaces, reason lines four) and the routers' \"Unrouteable address\" and \"retry timeout exceeded\" errors",
		raw: textBounce("Subject: Mail delivery failed: returning message to sender\r\nX-Failed-Recipients: gone@nowhere.example, late@example.org\r\n",
			"This message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be delivered to one or more of its\r\n"+
				"recipients. This is a permanent error. The following address(es) failed:\r\n\r\n  gone@nowhere.example\r\n    Unrouteable address\r\n"+
				"  late@example.org\r\n    retry timeout exceeded\r\n\r\n------ This is a copy of the message, including all the headers. ------\r\n\r\nTo: gone@nowhere.example, late@example.org\r\n\r\nhi\r\n"),
		want: []want{
			{rcpt: "gone@nowhere.example", diagHas: "Unrouteable", diagNot: "retry"},
			{rcpt: "late@example.org", diagHas: "retry timeout", diagNot: "Unrouteable", hard: "no"},
		},
	},
	{
		name:   "X-Failed-Recipients names the failed address; the notice names only the returned message's To",
		source: "Exim X-Failed-Recipients (spec, \"Customizing bounce and warning messages\"); a notice without per-address lines",
		raw: textBounce("Subject: Mail delivery failed\r\nX-Failed-Recipients: bcc-reader@example.com\r\n",
			"A message that you sent could not be delivered to one or more of its recipients.\r\n550 5.1.1 user unknown\r\n\r\n"+
				"------ This is a copy of the message, including all the headers. ------\r\n\r\nFrom: news@example.org\r\nTo: list@example.org\r\n\r\nhi\r\n"),
		want: []want{{rcpt: "bcc-reader@example.com", status: "5.1.1", code: 550, hard: "yes"}},
	},
	{
		name:   "addresses with a trailing dot, in single quotes and in upper case",
		source: "RFC 5321 section 4.1.2 (the address is the Mailbox, without the sentence's punctuation); RFC 5321 section 2.4 (domains are case-insensitive)",
		raw: textBounce("Subject: Undelivered Mail Returned to Sender\r\n",
			"Delivery to the following recipients failed.\r\n\r\n"+
				"Your message could not be delivered to GONE@EXAMPLE.COM.\r\n550 5.1.1 user unknown\r\n\r\n'Other@Example.net': 550 5.1.1 no such user\r\n"),
		want: []want{
			{rcpt: "gone@example.com", status: "5.1.1", code: 550},
			{rcpt: "other@example.net", status: "5.1.1", code: 550},
		},
	},
	{
		name:   "an internationalised address in a text bounce",
		source: "RFC 6530/6531 (UTF-8 local parts and domains in SMTPUTF8 mail); a text notice naming the address",
		raw: textBounce("Subject: Undelivered Mail Returned to Sender\r\nContent-Type: text/plain; charset=utf-8\r\n",
			"I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients.\r\n\r\n"+
				"<δοκιμή@παράδειγμα.example>: host mx.example.com[192.0.2.1] said: 550 5.1.1 <δοκιμή@παράδειγμα.example>: Recipient address rejected: User unknown (in reply to RCPT TO command)\r\n"),
		want: []want{{rcpt: "δοκιμή@παράδειγμα.example", status: "5.1.1", code: 550, hard: "yes"}},
	},
	{
		name:   "InterScan messaging notice: each recipient's RCPT TO and reply before the sentence naming it",
		source: "Trend Micro InterScan Messaging Security notification (\"Sent <<< RCPT TO:<...>\", \"Received >>> 550 ...\", \"Unable to deliver message to <...>.\")",
		raw: textBounce("Subject: Mail could not be delivered\r\n",
			"The original message was received at Mon, 01 Jan 2024 10:00:00 +0000 from mx.example.net [192.0.2.9]\r\n\r\n"+
				"Sent <<< RCPT TO:<gone@example.com>\r\nReceived >>> 550 5.1.1 <gone@example.com>... User unknown\r\n\r\n"+
				"Unable to deliver message to <gone@example.com>.\r\n\r\n"+
				"Sent <<< RCPT TO:<full@example.org>\r\nReceived >>> 552 5.2.2 <full@example.org>... Mailbox full\r\n\r\n"+
				"Unable to deliver message to <full@example.org>.\r\n"),
		want: []want{
			{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", diagNot: "Mailbox full", hard: "yes"},
			{rcpt: "full@example.org", status: "5.2.2", code: 552, diagHas: "Mailbox full", diagNot: "User unknown", hard: "no"},
		},
	},
	{
		name:   "gateway notice naming the address type before the address",
		source: "Microsoft Mail / Exchange gateway and MXLogic notice (\"The following destination addresses were unknown\", \"SMTP <address>\")",
		raw: textBounce("Subject: Undeliverable Message\r\n",
			"This Message was undeliverable due to the following reason:\r\n\r\nThe following destination addresses were unknown (please check\r\n"+
				"the addresses and re-mail the message):\r\n\r\nSMTP <gone@example.com>\r\n\r\nPlease reply to Postmaster@example.net\r\nif you feel this message to be in error.\r\n"),
		want: []want{{rcpt: "gone@example.com", diagHas: "unknown", hard: "yes"}},
	},
	{
		name:   "MailFoundry notice",
		source: "MailFoundry delivery failure (\"Unable to deliver message to: <...>\", \"Delivery failed for the following reason:\", \"Server ... failed with: ...\")",
		raw: textBounce("Subject: Message delivery has failed\r\n",
			"Unable to deliver message to: <gone@example.com>\r\nDelivery failed for the following reason:\r\n"+
				"Server mx.example.com[192.0.2.1] failed with: 550 5.1.1 <gone@example.com>... User unknown\r\n\r\n"+
				"This has been a permanent failure.  No further delivery attempts will be made.\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", hard: "yes"}},
	},
	{
		name:   "Kerio Connect notice with Error Type and the remote reply",
		source: "Kerio Connect delivery failure (\"The following recipient(s) could not be reached:\", the address, \"Error Type: SMTP\", \"Remote server replied: ...\")",
		raw: textBounce("Subject: Undeliverable: news\r\n",
			"Your message did not reach some or all of the intended recipients.\r\n\r\n   Subject: news\r\n   Sent:    1/1/2024 10:00 AM\r\n\r\n"+
				"The following recipient(s) could not be reached:\r\n\r\n   gone@example.com\r\n      Error Type: SMTP\r\n"+
				"      Remote server replied: 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", hard: "yes"}},
	},
	{
		name:   "Recipient and Reason labels, two recipients",
		source: "SmarterMail and similar notices (\"Recipient: <address>\", \"Reason: <reply>\" per failed address)",
		raw: textBounce("Subject: Undeliverable: news\r\n",
			"Delivery failed for the following recipients:\r\n\r\nRecipient: gone@example.com\r\nReason: 550 5.1.1 <gone@example.com>: User unknown\r\n\r\n"+
				"Recipient: full@example.org\r\nReason: 552 5.2.2 <full@example.org>: Mailbox full\r\n"),
		want: []want{
			{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "User unknown", diagNot: "full", hard: "yes"},
			{rcpt: "full@example.org", status: "5.2.2", code: 552, diagHas: "Mailbox full", diagNot: "unknown", hard: "no"},
		},
	},
	{
		name:   "Mailman uncaught bounce forwarding a text bounce",
		source: "GNU Mailman \"Uncaught bounce notification\" (the unrecognised bounce attached as message/rfc822 for the list owner)",
		raw: "From: news-bounces@example.org\r\nTo: b1@bounce.example.org\r\nSubject: Uncaught bounce notification\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n--M\r\nContent-Type: text/plain\r\n\r\n" +
			"The attached message was received as a bounce, but either the bounce format was not recognized, or no member addresses could be extracted from it.\r\n\r\n" +
			"--M\r\nContent-Type: message/rfc822\r\n\r\nFrom: MAILER-DAEMON@mx.example.com\r\nTo: news-bounces@example.org\r\nSubject: failure notice\r\n\r\n" +
			"Hi. This is the qmail-send program at mx.example.com.\r\nI'm afraid I wasn't able to deliver your message to the following addresses.\r\n" +
			"This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n<gone@example.com>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n" +
			"--- Below this line is a copy of the message.\r\n\r\nFrom: news@example.org\r\nTo: gone@example.com\r\n\r\nhi\r\n--M--\r\n",
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", diagHas: "no mailbox"}},
	},
	{
		name:   "Sendmail: two recipients refused together after DATA",
		source: "Sendmail's returned-mail notice (the addresses listed under \"----- The following addresses had permanent fatal errors -----\", one transcript \">>> DATA\" / \"<<< 554 ...\" for all of them)",
		raw: textBounce("Subject: Returned mail: see transcript for details\r\n",
			"The original message was received at Mon, 1 Jan 2024 10:00:00 GMT\r\nfrom localhost [127.0.0.1]\r\n\r\n"+
				"   ----- The following addresses had permanent fatal errors -----\r\n<one@example.com>\r\n<two@example.com>\r\n\r\n"+
				"   ----- Transcript of session follows -----\r\n... while talking to mx.example.com.:\r\n>>> DATA\r\n"+
				"<<< 554 5.7.1 Message rejected as spam\r\n554 5.0.0 Service unavailable\r\n"),
		want: []want{
			{rcpt: "one@example.com", status: "5.7.1", code: 554, diagHas: "spam", hard: "no"},
			{rcpt: "two@example.com", status: "5.7.1", code: 554, diagHas: "spam", hard: "no"},
		},
	},
	{
		name:   "X-Failed-Recipients decides which of the addresses a notice names failed",
		source: "Exim specification, \"Customizing bounce and warning messages\" (X-Failed-Recipients lists the failed addresses); a notice that also names the address a failed one was forwarded from",
		raw: textBounce("Subject: Mail delivery failed: returning message to sender\r\nX-Failed-Recipients: gone@example.net\r\n",
			"This message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be delivered to one or more of its\r\n"+
				"recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"+
				"  gone@example.net\r\n    SMTP error from remote mail server after RCPT TO:<gone@example.net>:\r\n    550 5.1.1 user unknown\r\n\r\n"+
				"Your message to reader@example.com was forwarded by its owner's rules.\r\n"),
		want: []want{{rcpt: "gone@example.net", status: "5.1.1", code: 550, hard: "yes"}},
	},
	{
		name:   "Exim pipe delivery that failed",
		source: "Exim specification, \"Bounce messages\" (a pipe delivery is shown as \"pipe to |command\" with \"generated by\" the address) and X-Failed-Recipients; RFC 3464 section 2.3.6 (a local program's failure is a mailer error)",
		raw: textBounce("Subject: Mail delivery failed: returning message to sender\r\nX-Failed-Recipients: user@example.com\r\n",
			"This message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be delivered to one or more of its\r\n"+
				"recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"+
				"  pipe to |/usr/local/bin/filter user@example.com\r\n    generated by user@example.com\r\n\r\n"+
				"The following text was generated during the delivery attempt:\r\n\r\n------ pipe to |/usr/local/bin/filter user@example.com\r\n"+
				"       generated by user@example.com ------\r\n\r\nfilter: cannot open /home/user/.filter: No such file or directory\r\n"),
		want: []want{{rcpt: "user@example.com", diagHas: "pipe to", hard: "no"}},
	},
	{
		name:   "Exchange 2010 NDR in HTML with entities",
		source: "Microsoft Exchange 2010 NDR HTML body (\"Delivery has failed to these recipients or groups:\", mailto link, \"Diagnostic information for administrators:\", \"#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\"); HTML 4.01 character references",
		raw: "From: postmaster@example.net\r\nTo: b1@bounce.example.org\r\nSubject: Undeliverable: news\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: text/html; charset=us-ascii\r\n\r\n" +
			"<html><body><p><b><font color=\"#000066\" size=\"3\" face=\"Arial\">Delivery has failed to these recipients or groups:</font></b></p>" +
			"<font color=\"#000000\" size=\"2\" face=\"Tahoma\"><p><a href=\"mailto:gone@example.com\">gone@example.com</a><br>" +
			"The e-mail address you entered couldn&#39;t be found. Please check the recipient&#39;s e-mail address and try to resend the message.</p></font>" +
			"<p><b>Diagnostic information for administrators:</b></p><p>Generating server: EX01.example.net</p>" +
			"<p>gone@example.com<br>#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##</p><p>Original message headers:</p><pre>To: gone@example.com</pre></body></html>\r\n",
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, diagHas: "couldn't be found", hard: "yes"}},
	},
	{
		name:   "Office 365 NDR in an HTML table",
		source: "Microsoft Learn, \"Email non-delivery reports in Exchange Online\" (the NDR's table: \"Your message to ... couldn't be delivered.\", the recipient, \"Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; ...'\")",
		raw: "From: Microsoft Outlook <postmaster@example.onmicrosoft.com>\r\nTo: b1@bounce.example.org\r\nSubject: Undeliverable: news\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: text/html; charset=utf-8\r\n\r\n" +
			"<html><body><table><tr><td>Your message to <a href=\"mailto:gone@example.com\">gone@example.com</a> couldn&#8217;t be delivered.</td></tr>" +
			"<tr><td><b>gone</b> wasn&#39;t found at <b>example.com</b>.</td></tr><tr><td>b1</td><td>Office 365</td><td>gone</td></tr>" +
			"<tr><td>Action Required</td><td>Recipient</td></tr><tr><td>Unknown To address</td></tr></table>" +
			"<p>Diagnostic information for administrators:</p><p>Generating server: BN6PR00MB0000.namprd00.prod.outlook.com</p>" +
			"<p>gone@example.com<br>Remote Server returned &#39;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup&#39;</p></body></html>\r\n",
		want: []want{{rcpt: "gone@example.com", status: "5.1.10", code: 550, diagHas: "RecipientNotFound", hard: "yes"}},
	},
	{
		name:   "HCL Domino DSN without a Diagnostic-Code, the reason in the notice",
		source: "HCL Domino delivery failure report as multipart/report (RFC 3464 groups with Status 5.0.0 and no Diagnostic-Code; the notice \"was not delivered to: ... because: User ... not listed in Domino Directory\")",
		raw: report("message/delivery-status",
			"Your message\r\n\r\n  Subject: news\r\n\r\nwas not delivered to:\r\n\r\n  gone@example.com\r\n\r\nbecause:\r\n\r\n"+
				"  User gone (gone@example.com) not listed in Domino Directory\r\n",
			"Final-Recipient: rfc822;gone@example.com\r\nAction: failed\r\nStatus: 5.0.0\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.0.0", diagHas: "not listed"}},
	},
	{
		name:   "recipient named only in the Subject",
		source: "HCL Domino delivery failure subject (\"DELIVERY FAILURE: User ... (address) not listed in Domino Directory\"); a notice body that names no address",
		raw: textBounce("Subject: DELIVERY FAILURE: User gone (gone@example.com) not listed in Domino Directory\r\n",
			"Your message was not delivered to the recipient named in the subject.\r\n"),
		want: []want{{rcpt: "gone@example.com", diagHas: "not listed"}},
	},
	{
		name:   "Final-Recipient without a domain, the address in Original-Recipient",
		source: "RFC 3464 sections 2.3.1-2.3.2 (Original-Recipient carries the address as given; a local Final-Recipient names the mailbox the site rewrote it to)",
		raw: report("message/delivery-status", "Your message could not be delivered.",
			"Original-Recipient: rfc822;gone@example.com\r\nFinal-Recipient: rfc822;gone\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1", code: 550, hard: "yes"}},
	},
	{
		name:   "Final-Recipient without a domain and no Original-Recipient: the notice names the address",
		source: "RFC 3464 section 2.3.2 (a local address in Final-Recipient); the notice's \"<a@b>:\" line",
		raw: report("message/delivery-status", "<gone@example.com>: user unknown\r\n",
			"Final-Recipient: rfc822;gone\r\nAction: failed\r\nStatus: 5.1.1\r\n"),
		want: []want{{rcpt: "gone@example.com", status: "5.1.1"}},
	},
	{
		name:   "Zoho Mail notice with the reply code in its summary line",
		source: "Zoho Mail delivery notice (\"[Status: Error, Address: <a@b>, ResponseCode 421, , Host not reachable.]\", \"Message will be retried for 4 more day(s)\")",
		raw: textBounce("Subject: Undelivered Mail Returned to Sender\r\n",
			"This message was created automatically by mail delivery system.\r\n\r\nTHIS IS A WARNING MESSAGE ONLY.\r\n\r\nYOU DO NOT NEED TO RESEND YOUR MESSAGE.\r\n\r\n"+
				"----- The following addresses had fatal errors ----- \r\n[Status: Error, Address: <slow@example.com>, ResponseCode 421, , Host not reachable.]\r\n\r\n"+
				"Message will be retried for 4 more day(s)\r\n"),
		want: []want{{rcpt: "slow@example.com", code: 421, hard: "no"}},
	},
}

// TestParseDocumentedFormats parses each documented format and checks what
// Parse extracts.
func TestParseDocumentedFormats(t *testing.T) {
	for _, c := range formatCases {
		rep, err := Parse([]byte(c.raw))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var got []string
		for _, r := range rep.Results {
			got = append(got, r.Recipient)
		}
		if len(rep.Results) != len(c.want) {
			t.Errorf("%s (%s):\n  recipients %q, want %d", c.name, c.source, got, len(c.want))
			continue
		}
		for i, w := range c.want {
			r := rep.Results[i]
			var bad []string
			if r.Recipient != w.rcpt {
				bad = append(bad, "recipient "+r.Recipient+", want "+w.rcpt)
			}
			if w.orig != "" && r.OriginalRecipient != w.orig {
				bad = append(bad, "original recipient "+r.OriginalRecipient+", want "+w.orig)
			}
			switch {
			case w.status != "" && r.Status != w.status:
				bad = append(bad, "status "+r.Status+", want "+w.status)
			case w.status == "" && !isPseudo(r.Status):
				bad = append(bad, "status "+r.Status+", want none read from the message")
			}
			if w.hard != "" && r.Hard() != (w.hard == "yes") {
				bad = append(bad, "hard "+map[bool]string{true: "yes", false: "no"}[r.Hard()]+", want "+w.hard)
			}
			if w.code != r.ReplyCode {
				bad = append(bad, "reply code "+itoa(r.ReplyCode)+", want "+itoa(w.code))
			}
			if w.remote != "" && r.RemoteMTA != w.remote {
				bad = append(bad, "remote MTA "+r.RemoteMTA+", want "+w.remote)
			}
			if w.diagHas != "" && !strings.Contains(r.Diagnostic, w.diagHas) {
				bad = append(bad, "diagnostic without "+w.diagHas)
			}
			if w.diagNot != "" && strings.Contains(r.Diagnostic, w.diagNot) {
				bad = append(bad, "diagnostic with "+w.diagNot)
			}
			if len(bad) > 0 {
				t.Errorf("%s (%s), recipient %d: %s\n  diagnostic %.200q", c.name, c.source, i+1, strings.Join(bad, "; "), r.Diagnostic)
			}
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

package bounces

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dsn builds a standard RFC 3464 multipart/report with the given
// per-recipient groups.
func dsn(groups ...string) []byte {
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n" +
		"To: b123@bounce.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"BND\"\r\n\r\n" +
		"--BND\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n\r\n" +
		"--BND\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n")
	for _, g := range groups {
		b.WriteString("\r\n" + g)
	}
	b.WriteString("\r\n--BND\r\nContent-Type: text/rfc822-headers\r\n\r\n" +
		"Message-ID: <m1@example.org>\r\nX-Postbode-Ref: c1.k2\r\nTo: someone@example.com\r\n" +
		"Return-Path: <b123@bounce.example.org>\r\n\r\n--BND--\r\n")
	return []byte(b.String())
}

func TestParseDSNEveryRecipient(t *testing.T) {
	raw := dsn(
		"Final-Recipient: rfc822; Gone@Example.com\r\nOriginal-Recipient: rfc822; alias@example.com\r\nAction: failed\r\n"+
			"Status: 5.1.1\r\nRemote-MTA: dns; mx.example.com\r\nDiagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient\r\n"+
			" address rejected: User unknown in local recipient table\r\n",
		"Final-Recipient: rfc822; full@example.com\r\nAction: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n",
		"Final-Recipient: rfc822; fine@example.com\r\nAction: delivered\r\nStatus: 2.0.0\r\n",
		"Final-Recipient: rfc822; slow@example.com\r\nAction: delayed\r\nStatus: 4.4.7\r\nDiagnostic-Code: smtp; 451 4.4.1 no answer from host\r\n",
		"Final-Recipient: rfc822; spam@example.com\r\nAction: failed\r\nStatus: 5.7.1\r\n"+
			"Diagnostic-Code: smtp; 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org\r\n",
	)
	rep, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		rcpt, reason, status string
		class                Class
		code                 int
	}{
		{"gone@example.com", "userunknown", "5.1.1", Hard, 550},
		{"full@example.com", "mailboxfull", "5.2.2", Soft, 552},
		{"slow@example.com", "networkerror", "4.4.1", Soft, 451},
		{"spam@example.com", "blocked", "5.7.1", Block, 554},
	}
	if len(rep.Results) != len(want) {
		t.Fatalf("results = %+v, want %d", rep.Results, len(want))
	}
	for i, w := range want {
		r := rep.Results[i]
		if r.Recipient != w.rcpt || r.Reason != w.reason || r.Status != w.status || r.Class != w.class || r.ReplyCode != w.code {
			t.Errorf("result %d = %s %s %s %s %d, want %+v", i, r.Recipient, r.Reason, r.Status, r.Class, r.ReplyCode, w)
		}
	}
	if r := rep.Results[0]; r.OriginalRecipient != "alias@example.com" || r.RemoteMTA != "mx.example.com" || r.Action != "failed" {
		t.Errorf("first result fields = %+v", r)
	}
	if rep.Results[2].Action != "delayed" {
		t.Errorf("delayed recipient action = %q", rep.Results[2].Action)
	}
	for k, v := range map[string]string{"message-id": "<m1@example.org>", "x-postbode-ref": "c1.k2", "to": "someone@example.com"} {
		if rep.Original[k] != v {
			t.Errorf("Original[%s] = %q, want %q", k, rep.Original[k], v)
		}
	}
}

func TestParseDSNVagueStatusRefinedFromDiagnostic(t *testing.T) {
	raw := dsn("Final-Recipient: rfc822; x@example.com\r\nAction: failed\r\nStatus: 5.0.0\r\n" +
		"Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist\r\n")
	rep, _ := Parse(raw)
	if r := rep.Results[0]; r.Status != "5.1.1" || !r.Hard() {
		t.Errorf("got %+v, want 5.1.1 hard", r)
	}
}

func TestParseComplaint(t *testing.T) {
	raw := "From: abuse@mail.example.com\r\nTo: fbl@example.org\r\nSubject: complaint\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n" +
		"--B\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: SomeGenerator/1.0\r\n" +
		"Version: 1\r\nOriginal-Rcpt-To: <Reader@Example.com>\r\n" +
		"--B\r\nContent-Type: message/rfc822\r\n\r\nMessage-ID: <m2@example.org>\r\nTo: reader@example.com\r\n\r\nhi\r\n--B--\r\n"
	rep, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Class != Complaint || r.Reason != "feedback" || r.FeedbackType != "abuse" || r.Recipient != "reader@example.com" || r.Hard() {
		t.Errorf("got %+v", r)
	}
	if rep.Original["message-id"] != "<m2@example.org>" {
		t.Errorf("original = %v", rep.Original)
	}
}

func TestParseAutoReply(t *testing.T) {
	for name, hdr := range map[string]string{
		"auto-submitted": "Auto-Submitted: auto-replied\r\nSubject: Re: news\r\n",
		"x-autoreply":    "X-Autoreply: yes\r\nSubject: Re: news\r\n",
		"precedence":     "Precedence: auto_reply\r\nSubject: Re: news\r\n",
		"subject":        "Subject: Out of Office: news\r\n",
	} {
		raw := "From: Reader <reader@example.com>\r\nTo: b1@bounce.example.org\r\n" + hdr + "\r\nI am away until Monday.\r\n"
		rep, err := Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if r := rep.Results[0]; r.Class != AutoReply || r.Reason != "vacation" || r.Recipient != "reader@example.com" {
			t.Errorf("%s: got %+v", name, r)
		}
	}
}

// TestFailureSubjectIsNotAnAutoReply: Postfix (bounce(8)) and Exim mark
// their failure notices "Auto-Submitted: auto-replied" like any automatic
// reply (RFC 3834 section 5); a notice from a sender that is not named
// MAILER-DAEMON or postmaster (MDaemon sends as "MDaemon@host") whose
// Subject names a failed delivery is read as a failure notice, while an
// out-of-office reply whose Subject quotes such words stays one.
func TestFailureSubjectIsNotAnAutoReply(t *testing.T) {
	const body = "The attached message had PERMANENT fatal delivery errors!\r\n\r\n" +
		"--- Session Transcript ---\r\n --> RCPT To:<gone@example.com>\r\n <-- 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown\r\n--- End Transcript ---\r\n"
	for _, c := range []struct {
		subject string
		class   Class
		rcpt    string
	}{
		{"Permanent Delivery Failure", Hard, "gone@example.com"},
		{"Undeliverable: news", Hard, "gone@example.com"},
		{"Automatic reply: Undeliverable: news", AutoReply, "mdaemon@mail.example.com"},
		{"Re: news", AutoReply, "mdaemon@mail.example.com"},
	} {
		raw := "From: MDaemon@mail.example.com\r\nTo: b1@bounce.example.org\r\nAuto-Submitted: auto-replied\r\nSubject: " + c.subject + "\r\n\r\n" + body
		rep, err := Parse([]byte(raw))
		if err != nil || len(rep.Results) != 1 {
			t.Fatalf("%q: %v, %d results", c.subject, err, len(rep.Results))
		}
		if r := rep.Results[0]; r.Class != c.class || r.Recipient != c.rcpt {
			t.Errorf("%q: %s %s %s (%s), want %s %s", c.subject, r.Recipient, r.Class, r.Reason, r.Rule, c.rcpt, c.class)
		}
	}
}

func TestParseTextBounces(t *testing.T) {
	cases := []struct {
		name, raw, rcpt, reason string
		class                   Class
	}{
		{"qmail", "From: MAILER-DAEMON@mx.example.net\r\nSubject: failure notice\r\n\r\n" +
			"Hi. This is the qmail-send program at mx.example.net.\r\nI'm afraid I wasn't able to deliver your message to the following addresses.\r\n\r\n" +
			"<nobody@example.com>:\r\n192.0.2.1 does not like recipient.\r\nRemote host said: 550 5.1.1 Sorry, no mailbox here by that name.\r\n\r\n" +
			"--- Below this line is a copy of the message.\r\n\r\nTo: nobody@example.com\r\n\r\nhi\r\n",
			"nobody@example.com", "userunknown", Hard},
		{"exim", "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\r\nSubject: Mail delivery failed: returning message to sender\r\n" +
			"X-Failed-Recipients: full@example.com\r\n\r\nA message that you sent could not be delivered to one or more of its\r\nrecipients. This is a permanent error. The following address(es) failed:\r\n\r\n" +
			"  full@example.com\r\n    SMTP error from remote mail server after RCPT TO:<full@example.com>:\r\n    552 5.2.2 Mailbox quota exceeded\r\n",
			"full@example.com", "mailboxfull", Soft},
		{"x-failed-recipients only", "From: Mailer-Daemon@mx.example.net\r\nSubject: Mail delivery failed\r\nX-Failed-Recipients: a@example.com\r\n\r\nretry time not reached for any host after a long failure period\r\n",
			"a@example.com", "expired", Soft},
		// Localized notices name the failed address after a label in their
		// own language.
		{"dutch label", "From: KPN Mail <mailer-daemon@mx.example.net>\r\nSubject: Bericht niet afgeleverd\r\n\r\n" +
			"Uw bericht kon niet worden afgeleverd.\r\n\r\nOntvanger:  vol@example.com\r\nReden:      De mailbox van de ontvanger is vol (452 4.2.2 Mailbox full)\r\n",
			"vol@example.com", "mailboxfull", Soft},
		{"german label", "From: Mail Delivery System <mailer-daemon@mx.example.net>\r\nSubject: Unzustellbar\r\n\r\n" +
			"Ihre Nachricht konnte nicht zugestellt werden.\r\n\r\nEmpfänger: weg@example.com\r\nGrund: 550 5.1.1 Benutzer unbekannt\r\n",
			"weg@example.com", "userunknown", Hard},
		{"russian label", "From: mailer-daemon@mx.example.net\r\nSubject: Undelivered mail\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			"Письмо не доставлено.\r\n\r\nПолучатель: ivan@example.com\r\nПричина: 552 5.2.2 Quota exceeded\r\n",
			"ivan@example.com", "mailboxfull", Soft},
	}
	for _, c := range cases {
		rep, err := Parse([]byte(c.raw))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r := rep.Results[0]; r.Recipient != c.rcpt || r.Reason != c.reason || r.Class != c.class {
			t.Errorf("%s: got %s %s %s, want %s %s %s", c.name, r.Recipient, r.Reason, r.Class, c.rcpt, c.reason, c.class)
		}
	}
}

func TestClassifyReply(t *testing.T) {
	cases := []struct {
		code           int
		enhanced, text string
		reason, status string
		class          Class
	}{
		{550, "5.1.1", "<a@example.com>: Recipient address rejected: User unknown", "userunknown", "5.1.1", Hard},
		{550, "", "5.1.1 The email account that you tried to reach does not exist", "userunknown", "5.1.1", Hard},
		{550, "5.0.0", "No such user here", "userunknown", "5.0.0", Hard},
		{550, "", "Host or domain name not found", "hostunknown", "5.0.912", Hard},
		{554, "5.1.10", "Recipient address has null MX", "notaccept", "5.1.10", Hard},
		{451, "4.1.10", "null MX", "notaccept", "4.1.10", Soft},
		{552, "5.2.2", "Mailbox full", "mailboxfull", "5.2.2", Soft},
		{452, "4.2.2", "The email account that you tried to reach is over quota", "mailboxfull", "4.2.2", Soft},
		{554, "5.7.1", "Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "blocked", "5.7.1", Block},
		{550, "5.7.1", "Message rejected as spam", "spamdetected", "5.7.1", Block},
		{550, "5.7.26", "Unauthenticated email is not accepted due to the sender domain's DMARC policy", "authfailure", "5.7.26", Block},
		{550, "", "Denied by policy", "policyviolation", "5.0.972", Block},
		{421, "4.7.0", "Try again later, closing connection", "systemerror", "4.7.0", Soft},
		{550, "5.2.1", "The email account that you tried to reach is disabled", "suspend", "5.2.1", Soft},
		{550, "5.1.6", "Recipient has moved", "hasmoved", "5.1.6", Hard},
		{550, "", "", "undefined", "5.0.900", Unknown},
		{451, "4.1.1", "User unknown, try later", "userunknown", "4.1.1", Soft},
		// Conventions of the big mailbox providers.
		{550, "", "5.1.1 The email account that you tried to reach does not exist. Please try 5.1.1 double-checking the recipient's email address for typos", "userunknown", "5.1.1", Hard},
		{550, "", "5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail.", "spamdetected", "5.7.1", Block},
		{550, "", "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", "userunknown", "5.1.10", Hard},
		{550, "", "5.7.606 Access denied, banned sending IP [192.0.2.1]", "blocked", "5.7.606", Block},
		{554, "", "5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException", "mailboxfull", "5.2.2", Soft},
		{554, "", "delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - mta1.mail.bf1.yahoo.com", "userunknown", "5.0.911", Hard},
		{421, "", "4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints", "blocked", "4.7.0", Block},
		{550, "", "5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140).", "blocked", "5.7.1", Block},
		{550, "", "Unrouteable address", "hostunknown", "5.0.912", Hard},
		{550, "", "Rejected by header based Anti-Spoofing policy", "policyviolation", "5.0.972", Block},
		{550, "", "5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus.", "blocked", "5.7.1", Block},
		{552, "", "5.3.4 Message size exceeds fixed limit", "mesgtoobig", "5.3.4", Soft},
		// Version numbers and addresses are not status codes.
		{550, "", "mx.example.com (Postfix 2.11.3) said: no such user here [192.0.2.1]", "userunknown", "5.0.911", Hard},
	}
	for _, c := range cases {
		r := ClassifyReply(c.code, c.enhanced, c.text)
		if r.Reason != c.reason || r.Status != c.status || r.Class != c.class || r.ReplyCode != c.code {
			t.Errorf("ClassifyReply(%d, %q, %q) = %s %s %s %d, want %s %s %s", c.code, c.enhanced, c.text,
				r.Reason, r.Status, r.Class, r.ReplyCode, c.reason, c.status, c.class)
		}
	}
}

func TestClassifySMTPReplyCommand(t *testing.T) {
	for _, c := range []struct {
		cmd    string
		reason string
		class  Class
	}{
		{"RCPT", "userunknown", Hard},
		{"DATA", "filtered", Block},
		{"MAIL", "rejected", Block},
		{"", "userunknown", Hard}, // command unknown: the permanent reply code backs the text
	} {
		r := ClassifySMTPReply(c.cmd, 550, "", "User unknown")
		if r.Reason != c.reason || r.Class != c.class {
			t.Errorf("%q: got %s %s, want %s %s", c.cmd, r.Reason, r.Class, c.reason, c.class)
		}
	}
	if r := ClassifySMTPReply("", 0, "", "User unknown"); r.Reason != "filtered" || r.Class != Block {
		t.Errorf("no code, no command: got %s %s, want filtered block", r.Reason, r.Class)
	}
	if r := ClassifyReply(551, "", "User not local; please try <new@example.com>"); r.Reason != "hasmoved" || !r.Hard() {
		t.Errorf("551: got %+v", r)
	}
}

func TestStandardStatus(t *testing.T) {
	for _, c := range []struct {
		r    Result
		want string
	}{
		{Result{Reason: "userunknown", Status: "5.0.911"}, "5.1.1"},
		{Result{Reason: "userunknown", Status: "5.0.0"}, "5.1.1"},
		{Result{Reason: "hostunknown", Status: "5.0.912"}, "5.1.2"},
		{Result{Reason: "mailboxfull", Status: "4.0.922"}, "4.2.2"},
		{Result{Reason: "mailboxfull", ReplyCode: 452}, "4.2.2"},
		{Result{Reason: "blocked", Status: "5.7.1"}, "5.7.1"},
		{Result{Reason: "userunknown", Status: "5.2.1"}, "5.2.1"},
		{Result{Reason: "onhold", Status: "5.0.901"}, "5.0.0"},
		{Result{Reason: "feedback"}, ""},
	} {
		if got := c.r.StandardStatus(); got != c.want {
			t.Errorf("%+v: StandardStatus = %q, want %q", c.r, got, c.want)
		}
	}
}

func TestParseEmpty(t *testing.T) {
	if _, err := Parse([]byte(" \r\n")); !errors.Is(err, ErrEmpty) {
		t.Fatalf("err = %v, want ErrEmpty", err)
	}
}

// TestParseBadInput feeds damaged and hostile messages: Parse must return
// in bounded time, never panic, and never report a hard bounce the input
// does not support.
func TestParseBadInput(t *testing.T) {
	hard := dsn("Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n")
	cases := map[string][]byte{
		"8-bit junk":      bytes.Repeat([]byte{0xff, 0xfe, 0x00, 0x80, '\n', ':', 0xc3}, 5000),
		"wrong charset":   []byte("From: x@example.com\r\nContent-Type: text/plain; charset=x-unknown-9\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"),
		"bad boundary":    []byte("From: MAILER-DAEMON@x.example\r\nContent-Type: multipart/report; boundary=\"\"\r\n\r\n--\r\n--\r\n"),
		"header only":     []byte("From: MAILER-DAEMON@x.example\r\nSubject: Undelivered"),
		"deep multipart":  bomb(2000, 1),
		"wide multipart":  bomb(1, 100000),
		"giant":           append(dsn(), bytes.Repeat([]byte("A"), 20<<20)...),
		"giant line":      append([]byte("Subject: x\r\n\r\n"), bytes.Repeat([]byte("x@y.z "), 3<<20)...),
		"same address":    append([]byte("From: MAILER-DAEMON@x.example\r\nSubject: failure notice\r\n\r\n"), bytes.Repeat([]byte("<a@example.com>: 550 no\r\n"), 80000)...),
		"many addresses":  manyRecipients(60000),
		"many dsn groups": dsn(strings.Repeat("Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 4.0.0\r\n\r\n", 20000)),
	}
	for name, raw := range cases {
		start := time.Now()
		rep, err := Parse(raw)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
		for _, r := range rep.Results {
			if r.Hard() {
				t.Errorf("%s: hard bounce %+v from junk", name, r)
			}
			if r.Class == Unknown && r.Reason == "" {
				t.Errorf("%s: unknown without a reason", name)
			}
		}
	}
	// Every truncation of a hard DSN is either still that hard bounce or
	// not a hard bounce at all.
	for n := 0; n < len(hard); n += 7 {
		rep, err := Parse(hard[:n])
		if err != nil {
			continue
		}
		for _, r := range rep.Results {
			if r.Hard() && r.Recipient != "gone@example.com" {
				t.Fatalf("truncated at %d: hard bounce for %q", n, r.Recipient)
			}
		}
	}
}

// manyRecipients is a text bounce naming n different addresses.
// TestParseTooManyRecipientsNotHard: a text bounce's "550 user unknown"
// for each of a few recipients is hard (the permanent reply code backs the
// text), but a report for as many recipients as Parse reads is bounded
// input, and none of its results is hard.
func TestParseTooManyRecipientsNotHard(t *testing.T) {
	rep, err := Parse(manyRecipients(3))
	if err != nil || len(rep.Results) != 3 {
		t.Fatalf("3 recipients: %v %+v", err, rep)
	}
	for _, r := range rep.Results {
		if !r.Hard() || r.Reason != "userunknown" {
			t.Errorf("3 recipients: %s %s by %q, want userunknown hard", r.Reason, r.Class, r.Rule)
		}
	}
	rep, err = Parse(manyRecipients(maxResults + 1))
	if err != nil || len(rep.Results) != maxResults {
		t.Fatalf("%d recipients: %v, %d results", maxResults+1, err, len(rep.Results))
	}
	for _, r := range rep.Results {
		if r.Hard() || !strings.Contains(r.Rule, "or more failed recipients") {
			t.Fatalf("%d recipients: %s %s by %q, want not hard, the bound named", maxResults+1, r.Reason, r.Class, r.Rule)
		}
	}
}

func manyRecipients(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: MAILER-DAEMON@x.example\r\nSubject: failure notice\r\n\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "<a%d@example.com>:\r\nRemote host said: 550 user unknown\r\n", i)
	}
	return b.Bytes()
}

// bomb builds nested (depth) or wide (parts) multiparts.
func bomb(depth, parts int) []byte {
	var b bytes.Buffer
	b.WriteString("From: MAILER-DAEMON@x.example\r\n")
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=\"w\"\r\n\r\n")
	for i := 0; i < parts; i++ {
		b.WriteString("--w\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 4.0.0\r\n\r\n")
	}
	b.WriteString("--w--\r\n")
	return b.Bytes()
}

// FuzzParse checks that no input makes the parser panic, and that a hard
// bounce always names a recipient and a permanent failure. Seeds are the
// corpus messages.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "eml", "*.eml"))
	for _, name := range files {
		if raw, err := os.ReadFile(name); err == nil {
			f.Add(raw)
		}
	}
	f.Add(dsn("Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		rep := parse(raw) // without Parse's recover: a panic fails the fuzz run
		for _, r := range rep.Results {
			if r.Hard() && (r.Recipient == "" || strings.HasPrefix(r.Status, "4") || r.ReplyCode >= 400 && r.ReplyCode < 500) {
				t.Fatalf("hard bounce without recipient or with a temporary code: %+v", r)
			}
		}
	})
}

// BenchmarkParseDSN parses a standard one-recipient Postfix DSN; the
// ns/op gives DSNs per second on one core (1e9 / ns/op).
func BenchmarkParseDSN(b *testing.B) {
	raw := dsn("Final-Recipient: rfc822; gone@example.com\r\nOriginal-Recipient: rfc822;gone@example.com\r\nAction: failed\r\n" +
		"Status: 5.1.1\r\nRemote-MTA: dns; mx.example.com\r\nDiagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient\r\n" +
		"    address rejected: User unknown in virtual mailbox table\r\n")
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "dsn/s")
}

// BenchmarkParseCorpus parses every message of the shared corpus in turn
// (real DSNs with returned originals, text bounces, complaints).
func BenchmarkParseCorpus(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "eml", "*.eml"))
	var msgs [][]byte
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, raw)
	}
	if len(msgs) == 0 {
		b.Skip("no corpus")
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Parse(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

// TestCleanAddrStopsAtWideText checks that an address joined to a label or
// sentence in CJK text without a space keeps no text of it: the
// full-width colon and comma end the label and the address, a UTF-8
// letter of an RFC 6531 address stays.
func TestCleanAddrStopsAtWideText(t *testing.T) {
	for in, want := range map[string]string{
		"收件人：10001234@qq.example.com": "10001234@qq.example.com",
		"收件人：Li@Example.com，请核对":      "li@example.com",
		"（user@example.cn）":           "user@example.cn",
		"用户@例子.example":               "用户@例子.example",
		"jörg@example.de":             "jörg@example.de",
		"<a@example.com>":             "a@example.com",
		"收件人：":                        "",
	} {
		if got := cleanAddr(in); got != want {
			t.Errorf("cleanAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

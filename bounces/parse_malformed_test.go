package bounces

import (
	"fmt"
	"strings"
	"testing"
)

// TestParseMalformedNeverHard: a delivery report with broken MIME (a
// boundary that never appears, an unknown charset, binary junk) is read
// for what it says, but never counted as a hard bounce; the same report
// well-formed is one.
func TestParseMalformedNeverHard(t *testing.T) {
	group := "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown\r\n"
	good := string(dsn(group))
	text := "From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=%s\r\n\r\n" +
		"<gone@example.com>: host mx.example.com said: 550 5.1.1 <gone@example.com>: Recipient address\r\n" +
		"    rejected: User unknown (in reply to RCPT TO command)\r\n%s"
	cases := map[string]struct {
		raw  string
		hard bool
	}{
		"well-formed":             {good, true},
		"well-formed text":        {fmt.Sprintf(text, "us-ascii", ""), true},
		"boundary never appears":  {strings.ReplaceAll(good, "--BND", "--OTHER"), false},
		"no boundary":             {strings.Replace(strings.ReplaceAll(good, "--BND", "--OTHER"), "; boundary=\"BND\"", "", 1), false},
		"unknown charset":         {fmt.Sprintf(text, "x-unknown-9", ""), false},
		"binary junk":             {fmt.Sprintf(text, "us-ascii", strings.Repeat("\x00\x01\x02junk", 50)), false},
		"junk beside a good DSN":  {strings.Replace(good, "The mail system could not deliver your message.", strings.Repeat("\x00\x01", 40), 1), true},
		"delivery-status in junk": {strings.Replace(good, "Reporting-MTA", "\x00\x01\x02\x03\x04\x05\x06\x07\x08Reporting-MTA", 1), false},
	}
	for name, c := range cases {
		rep, err := Parse([]byte(c.raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rep.Results) != 1 || rep.Results[0].Recipient != "gone@example.com" {
			t.Errorf("%s: results %+v, want gone@example.com", name, rep.Results)
			continue
		}
		r := rep.Results[0]
		if r.Hard() != c.hard {
			t.Errorf("%s: hard=%v want %v (%s %s by %q)", name, r.Hard(), c.hard, r.Class, r.Reason, r.Rule)
		}
		if !c.hard && (r.Class != Unknown || !strings.Contains(r.Rule, "malformed")) {
			t.Errorf("%s: class %s by %q, want unknown naming the malformation", name, r.Class, r.Rule)
		}
	}
}

// TestParseRepairedBoundary: a boundary parameter on a line without
// folding white space is read as the multipart's. A hard result from a
// delivery-status group that states Action: failed with a class 5 status
// (the Status field's, else the Diagnostic-Code reply's) in the parts it
// splits off counts, as in the well-formed message; a
// hard result from a group without them, or from the notice's text, does
// not.
func TestParseRepairedBoundary(t *testing.T) {
	const full = "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown\r\n"
	// Without a Status field the Diagnostic-Code's reply still gives the
	// class 5 status; without that too, only RCPT TO backs the address.
	noStatusCode := strings.Replace(full, "Status: 5.1.1\r\n", "", 1)
	noStatus := "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\n" +
		"Diagnostic-Code: smtp; 550 <gone@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command)\r\n"
	noAction := strings.Replace(full, "Action: failed\r\n", "", 1)
	unfoldTop := func(raw string) string {
		return strings.Replace(raw, "report-type=delivery-status; boundary=\"BND\"", "report-type=delivery-status;\r\nboundary=\"BND\"", 1)
	}
	nested := func(group string) string {
		good := string(dsn(group))
		return "From: MAILER-DAEMON@mx.example.net\r\nTo: b@bounce.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"OUT\"\r\n\r\n--OUT\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status;\r\nboundary=\"BND\"\r\n\r\n" +
			good[strings.Index(good, "--BND"):] + "\r\n--OUT--\r\n"
	}
	textOnly := "From: MAILER-DAEMON@mx.example.net\r\nTo: b@bounce.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\nboundary=\"BND\"\r\n\r\n--BND\r\nContent-Type: text/plain\r\n\r\n" +
		"<gone@example.com>: host mx.example.com said: 550 5.1.1 <gone@example.com>: Recipient address\r\n" +
		"    rejected: User unknown (in reply to RCPT TO command)\r\n--BND--\r\n"
	for _, c := range []struct {
		name string
		raw  string
		hard bool
	}{
		{"well-formed, no Status (the control)", string(dsn(noStatus)), true},
		{"well-formed, no Status field (the control)", string(dsn(noStatusCode)), true},
		{"well-formed, no Action (the control)", string(dsn(noAction)), true},
		{"well-formed text (the control)", strings.Replace(textOnly, "multipart/mixed;\r\nboundary", "multipart/mixed; boundary", 1), true},
		{"top-level boundary unfolded, failed with 5.1.1", unfoldTop(string(dsn(full))), true},
		{"part boundary unfolded, failed with 5.1.1", nested(full), true},
		{"top-level boundary unfolded, no Status field, 5.1.1 in the reply", unfoldTop(string(dsn(noStatusCode))), true},
		{"top-level boundary unfolded, no Status", unfoldTop(string(dsn(noStatus))), false},
		{"part boundary unfolded, no Status", nested(noStatus), false},
		{"top-level boundary unfolded, no Action", unfoldTop(string(dsn(noAction))), false},
		{"boundary unfolded, the text alone", textOnly, false},
	} {
		rep, err := Parse([]byte(c.raw))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(rep.Results) != 1 || rep.Results[0].Recipient != "gone@example.com" {
			t.Errorf("%s: results %+v, want gone@example.com", c.name, rep.Results)
			continue
		}
		r := rep.Results[0]
		if r.Hard() != c.hard {
			t.Errorf("%s: hard=%v want %v (%s %s by %q)", c.name, r.Hard(), c.hard, r.Class, r.Reason, r.Rule)
		}
		if !c.hard && (r.Class != Unknown || !strings.Contains(r.Rule, "without folding white space")) {
			t.Errorf("%s: class %s by %q, want unknown naming the repaired parameter list", c.name, r.Class, r.Rule)
		}
	}
}

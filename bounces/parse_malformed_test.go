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

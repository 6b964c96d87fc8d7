package bounces

import (
	"fmt"
	"testing"
)

// TestPlainComplaint: a feedback-loop complaint without a
// message/feedback-report part (Microsoft JMRP, RFC 5965 appendix B's
// human-readable text alone) is a complaint when it has the structure of
// one: the statement in the report's own text or the JMRP recipient field,
// and the reported message attached whole; one phrase without the
// attachment, or only inside the attached message, is not.
func TestPlainComplaint(t *testing.T) {
	const original = "--B\r\nContent-Type: message/rfc822\r\n\r\n%sReturn-Path: <news@mail.example.org>\r\n" +
		"From: News <news@mail.example.org>\r\nTo: reader@example.com\r\nMessage-ID: <m3@example.org>\r\nSubject: News\r\n\r\n%s\r\n--B--\r\n"
	head := func(from, subject string) string {
		return "From: " + from + "\r\nTo: fbl@mail.example.org\r\nSubject: " + subject + "\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
	}
	text := func(s string) string { return "--B\r\nContent-Type: text/plain\r\n\r\n" + s + "\r\n" }
	for _, c := range []struct {
		name, raw, rcpt string
		complaint       bool
	}{
		{"jmrp", head("staff@hotmail.example.com", "complaint about message from 192.0.2.7") +
			text("This is a Junk Mail Reporting Program complaint from Microsoft.") +
			fmt.Sprintf(original, "X-HmXmrOriginalRecipient: <Milou@Example.net>\r\n", "hi"), "milou@example.net", true},
		{"jmrp field only", head("staff@hotmail.example.com", "complaint") + text("") +
			fmt.Sprintf(original, "X-HmXmrOriginalRecipient: <milou@example.net>\r\n", "hi"), "milou@example.net", true},
		{"rfc 5965 appendix b text", head("abuse@isp.example", "FW: News") +
			text("This is an email abuse report for an email message received from IP 192.0.2.7 on Thu, 8 Mar 2026 14:00:00 +0000.") +
			fmt.Sprintf(original, "", "hi"), "reader@example.com", true},
		{"statement without the message", head("abuse@isp.example", "FW: News") +
			text("This is an email abuse report for an email message received from IP 192.0.2.7 on Thu, 8 Mar 2026.") + "--B--\r\n", "", false},
		{"statement only in the attached message", head("reader@example.com", "Fwd: News") +
			text("See below.") +
			fmt.Sprintf(original, "", "This is an email abuse report for an email message received from IP 192.0.2.7"), "", false},
		{"failure notice", head("MAILER-DAEMON@mx.example.net", "Undelivered Mail Returned to Sender") +
			text("This is a Junk Mail Reporting Program complaint from Microsoft. 550 5.1.1 User unknown") +
			fmt.Sprintf(original, "", "hi"), "", false},
	} {
		rep, err := Parse([]byte(c.raw))
		if err != nil {
			t.Fatal(err)
		}
		r := rep.Results[0]
		got := r.Class == Complaint && r.Reason == "feedback" && !r.Hard()
		if got != c.complaint || (c.complaint && (r.Recipient != c.rcpt || r.Rule != rulePlainComplaint)) {
			t.Errorf("%s: got %s %s %q by %s, want complaint=%v for %q", c.name, r.Class, r.Reason, r.Recipient, r.Rule, c.complaint, c.rcpt)
		}
	}
}

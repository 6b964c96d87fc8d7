package bounces

import (
	"strings"
	"testing"
)

// mdnMessage is a message disposition notification (RFC 8098) in the shape
// Dovecot Pigeonhole sends for a Sieve reject (RFC 5429 section 2.2.2): a
// notice naming the recipient and the reason, the disposition part and
// the returned headers.
func mdnMessage(reasonText, disposition string) string {
	return "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\r\nTo: <news@example.org>\r\n" +
		"Subject: Rejected: December newsletter\r\nAuto-Submitted: auto-replied (rejected)\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=disposition-notification; boundary=\"M\"\r\n\r\n" +
		"--M\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Your message to <reader@example.com> was automatically rejected:\r\n" + reasonText + "\r\n\r\n" +
		"--M\r\nContent-Type: message/disposition-notification\r\n\r\n" +
		"Reporting-UA: mx.example.com; Dovecot Mail Delivery Agent\r\nFinal-Recipient: rfc822; reader@example.com\r\n" +
		"Original-Message-ID: <m1@example.org>\r\nDisposition: " + disposition + "\r\n\r\n" +
		"--M\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: news@example.org\r\nTo: reader@example.com\r\n" +
		"Message-ID: <m1@example.org>\r\n\r\n--M--\r\n"
}

// TestSieveRejectIsFiltered: a Sieve reject is the recipient's own filter,
// whatever its reason text says (a suspended or even an unknown mailbox
// named by the owner's rule is not the mail system's directory), and an
// MDN of another disposition is not read as one.
func TestSieveRejectIsFiltered(t *testing.T) {
	const rejected = "automatic-action/MDN-sent-automatically; deleted"
	for _, text := range []string{
		"I do not accept newsletters.",
		"This mailbox does not accept bulk mail.",
		"No such user here.",
	} {
		rep, err := Parse([]byte(mdnMessage(text, rejected)))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != 1 {
			t.Fatalf("%q: %d results, want 1", text, len(rep.Results))
		}
		r := rep.Results[0]
		if r.Recipient != "reader@example.com" || r.Reason != "filtered" || r.Hard() || r.Status != "5.0.910" ||
			!strings.HasPrefix(r.Rule, "format:") {
			t.Errorf("%q: got %s %s %s hard=%v rule %q, want reader@example.com filtered 5.0.910 not hard by the format",
				text, r.Recipient, r.Reason, r.Status, r.Hard(), r.Rule)
		}
	}
	// A read receipt (RFC 8098 "displayed") is no refusal.
	rep, err := Parse([]byte(mdnMessage("Your message was displayed.", "manual-action/MDN-sent-manually; displayed")))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if strings.HasPrefix(r.Rule, "format:") && r.Reason == "filtered" {
			t.Errorf("read receipt read as a Sieve reject: %+v", r)
		}
	}
}

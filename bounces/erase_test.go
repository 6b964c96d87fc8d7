package bounces

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/postbode/postbode/privacy"
)

// Erasure deletes raw inbound messages that name the address anywhere —
// never correlated with the contact, in any case, even only inside a
// base64 part — and leaves the others.
func TestErasureReachesRawInbound(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	c := e.contact("Yara.Visser@example.org")
	other := e.contact("zeger@example.org")
	encoded := strings.ReplaceAll(`From: MAILER-DAEMON@mx.remote.test
To: postmaster@`+bounceDomain+`
Subject: failure
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Delivery failed.

--B
Content-Type: message/delivery-status
Content-Transfer-Encoding: base64

`+base64.StdEncoding.EncodeToString([]byte("Reporting-MTA: dns; mx.remote.test\r\n\r\nFinal-Recipient: rfc822; yara.visser@EXAMPLE.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"))+`
--B--
`, "\n", "\r\n")
	if strings.Contains(strings.ToLower(encoded), "yara") {
		t.Fatal("the encoded message names the address in clear")
	}
	naming := []string{
		forgedTextBounce("YARA.VISSER@example.org"),
		forgedARF("zeger@example.org", "yara.visser@example.org"),
		encoded,
	}
	for _, m := range naming {
		e.deliver("postmaster@"+bounceDomain, m)
	}
	e.deliver("postmaster@"+bounceDomain, forgedTextBounce(other.Email))
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE contact_id IS NOT NULL`); n != 0 {
		t.Fatalf("%d messages correlated: the test needs uncorrelated ones", n)
	}

	svc := privacy.New(privacy.Options{DB: e.db, Contacts: e.cs})
	if err := svc.Erase(t.Context(), c.ID, privacy.CauseRequest, "test"); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE position('yara' in lower(convert_from(raw, 'UTF8'))) > 0`); n != 0 {
		t.Errorf("%d raw messages naming the erased address remain", n)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages`); n != 1 {
		t.Errorf("%d raw messages left, want 1 (the one naming another contact)", n)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE lower(recipient) LIKE 'yara%'`); n != 0 {
		t.Errorf("%d bounce rows still name the erased address", n)
	}
}

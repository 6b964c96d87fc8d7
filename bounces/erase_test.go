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

// Erasure also reaches raw messages that name the address only in a form
// a decoder reads: split by a quoted-printable soft line break, in a base64
// body that is no delivery report, in an RFC 2047 encoded subject, in a
// base64 part of a returned original. None of them is a report naming the
// address as a failed recipient, so only the stored hashes can find them.
func TestErasureReachesAddressesOnlyEncoded(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	c := e.contact("Yara.Visser@example.org")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	head := "From: someone@remote.test\r\nTo: postmaster@" + bounceDomain + "\r\n"
	naming := map[string]string{
		"quoted-printable soft break": head + "Subject: Out of office\r\nContent-Type: text/plain\r\n" +
			"Content-Transfer-Encoding: quoted-printable\r\n\r\nI am away; please write to my colleague yara.vis=\r\nser@example.org instead.\r\n",
		"base64 body": head + "Subject: complaint\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			b64("Stop mailing Yara.Visser@example.org, she never asked for it.\r\n") + "\r\n",
		"encoded subject": head + "Subject: =?utf-8?q?Re:_mail_for_yara=2Evisser=40example=2Eorg?=\r\n\r\nSee subject.\r\n",
		"returned original": head + "Subject: returned\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n" +
			"--B\r\nContent-Type: text/plain\r\n\r\nYour message is returned.\r\n--B\r\nContent-Type: message/rfc822\r\n\r\n" +
			"Subject: hi\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64("Signed: yara.visser@example.org\r\n") + "\r\n--B--\r\n",
	}
	for name, m := range naming {
		if strings.Contains(strings.ToLower(m), "yara.visser@") {
			t.Fatalf("%s: the message names the address in clear", name)
		}
		e.deliver("postmaster@"+bounceDomain, m)
	}
	e.deliver("postmaster@"+bounceDomain, forgedTextBounce("zeger@example.org"))
	if n := e.count(`SELECT count(*) FROM inbound_messages`); n != len(naming)+1 {
		t.Fatalf("%d messages stored, want %d", n, len(naming)+1)
	}

	svc := privacy.New(privacy.Options{DB: e.db, Contacts: e.cs})
	if err := svc.Erase(t.Context(), c.ID, privacy.CauseRequest, "test"); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages`); n != 1 {
		t.Errorf("%d raw messages left, want 1 (the one naming another address): the others name the erased one", n)
	}
}

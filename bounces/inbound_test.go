package bounces

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/postbode/postbode/internal/rtoken"
)

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// A standard DSN sent over SMTP to a VERP address flags the right contact,
// moves the delivery to bounced, and is counted by class.
func TestDSNOverSMTPFlagsContact(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	l := e.list("news")
	c := e.contact("karel@example.org", l)
	bystander := e.contact("lies@example.org", l)
	camp := e.campaign([]int64{l}, c, bystander)
	msg := makeDSN(c.Email, "5.1.1", "550 5.1.1 <karel@example.org>: Recipient address rejected: User unknown in virtual mailbox table", "")
	if err := e.send("", []string{e.verp(c, camp)}, msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	e.waitFor("the bounce to be applied", func() bool { return e.state(c).Hard == 1 })
	if s := e.state(bystander); s.Hard != 0 {
		t.Fatalf("bystander touched: %+v", s)
	}
	var class, reason, status, source string
	var code int
	if err := e.db.QueryRow(t.Context(), `SELECT class, reason, status, reply_code, source FROM bounces WHERE contact_id = $1 AND campaign_id = $2`,
		c.ID, camp).Scan(&class, &reason, &status, &code, &source); err != nil {
		t.Fatal(err)
	}
	if class != "hard" || status != "5.1.1" || source != "dsn" || code != 550 {
		t.Errorf("bounce row: class %s reason %s status %s code %d source %s", class, reason, status, code, source)
	}
	if n := e.count(`SELECT bounced FROM campaign_stats WHERE campaign_id = $1`, camp); n != 1 {
		t.Errorf("campaign bounced = %d, want 1", n)
	}
	var st, outcome string
	var contactID *int64
	e.db.QueryRow(t.Context(), `SELECT status, outcome, contact_id FROM inbound_messages`).Scan(&st, &outcome, &contactID)
	if st != "done" || outcome != "bounce" || contactID == nil || *contactID != c.ID {
		t.Errorf("inbound row: status %s outcome %s contact %v", st, outcome, contactID)
	}
	if v := testutil.ToFloat64(e.m.Bounces.WithLabelValues("hard", metricReason(reason))); v != 1 {
		t.Errorf("postbode_bounces_total{hard,%s} = %v", reason, v)
	}
	if v := testutil.ToFloat64(e.m.Inbound.WithLabelValues("accepted")); v != 1 {
		t.Errorf("accepted = %v", v)
	}
}

// Mail for any other domain is refused with 550 5.7.1: never a relay.
func TestRelayRefused(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{})
	for _, rcpt := range []string{"someone@gmail.com", "b" + strings.Repeat("a", 40) + "@" + bounceDomain + ".evil.example",
		"postmaster@example.org", "user@[127.0.0.1]"} {
		err := e.send("spammer@evil.example", []string{rcpt}, "Subject: hi\r\n\r\nbuy\r\n")
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 1}) {
			t.Errorf("RCPT %s: err %v, want 550 5.7.1", rcpt, err)
		}
	}
	// A mixed envelope: the foreign recipient is refused, ours kept.
	c, err := smtp.Dial(e.smtp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Mail("", nil)
	if err := c.Rcpt("victim@example.com", nil); smtpCode(err) != 550 {
		t.Fatalf("foreign rcpt: %v", err)
	}
	if err := c.Rcpt("postmaster@"+strings.ToUpper(bounceDomain), nil); err != nil {
		t.Fatalf("own domain refused: %v", err)
	}
	w, _ := c.Data()
	w.Write([]byte("Subject: x\r\n\r\nbody\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var rcpts []string
	e.db.QueryRow(t.Context(), `SELECT rcpts FROM inbound_messages`).Scan(&rcpts)
	if len(rcpts) != 1 || !strings.EqualFold(rcpts[0], "postmaster@"+bounceDomain) {
		t.Fatalf("stored rcpts %v", rcpts)
	}
	if v := testutil.ToFloat64(e.m.Inbound.WithLabelValues("relay_refused")); v != 5 {
		t.Errorf("relay_refused = %v, want 5", v)
	}
}

// A message accepted while no processor runs — or whose processor dies in
// the middle of its transaction — is processed after a restart.
func TestCrashBetweenAcceptAndProcessing(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{}) // no processor: it is "down"
	l := e.list("news")
	c := e.contact("maria@example.org", l)
	camp := e.campaign([]int64{l}, c)
	if err := e.send("", []string{e.verp(c, camp)}, makeDSN(c.Email, "5.1.1", "550 5.1.1 user unknown", "")); err != nil {
		t.Fatal(err)
	}
	// The 250 came back: the message is stored, unprocessed.
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE status = 'new'`); n != 1 {
		t.Fatalf("stored new messages = %d", n)
	}
	// A processor claims it and dies mid-transaction (its connection drops).
	conn, err := pgx.Connect(t.Context(), e.db.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := tx.QueryRow(t.Context(), `SELECT id FROM inbound_messages WHERE status = 'new' FOR UPDATE SKIP LOCKED`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	tx.Exec(t.Context(), `UPDATE contacts SET hard_bounces = hard_bounces + 1 WHERE id = $1`, c.ID) // half-done work
	// While it holds the row, another processor skips it.
	if ok, err := e.proc.ProcessOne(t.Context()); ok || err != nil {
		t.Fatalf("a locked message was claimed twice: %v %v", ok, err)
	}
	conn.PgConn().Conn().Close() // crash: no commit, no rollback
	conn.Close(context.Background())

	// A fresh processor (the restarted node) processes it, once.
	e.proc = e.newProcessor()
	e.run()
	e.waitFor("the stored message to be processed", func() bool {
		return e.count(`SELECT count(*) FROM inbound_messages WHERE status = 'done'`) == 1
	})
	if s := e.state(c); s.Hard != 1 {
		t.Fatalf("hard_bounces = %d, want exactly 1", s.Hard)
	}
}

// failingStore makes the listener's store fail.
type failingStore struct{}

func (failingStore) Store(context.Context, string, []string, []byte) (int64, error) {
	return 0, errors.New("database down")
}

// A store failure answers 451 (temporary) so the sender retries.
func TestStoreFailureIsTemporary(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Store: failingStore{}})
	err := e.send("", []string{"postmaster@" + bounceDomain}, "Subject: x\r\n\r\nbody\r\n")
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 451 || !se.Temporary() {
		t.Fatalf("err %v, want 451", err)
	}
}

// Size limit (552) and connection cap (421).
func TestLimits(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{MaxMessageBytes: 2048, MaxConnections: 1})
	err := e.send("", []string{"postmaster@" + bounceDomain}, "Subject: big\r\n\r\n"+strings.Repeat(strings.Repeat("x", 78)+"\r\n", 60))
	if code := smtpCode(err); code != 552 {
		t.Errorf("oversized message: %v, want 552", err)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages`); n != 0 {
		t.Errorf("oversized message stored")
	}
	first, err := smtp.Dial(e.smtp)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if err := first.Hello("a.test"); err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", e.smtp, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	n, _ := conn.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "421 ") {
		t.Fatalf("second connection got %q, want 421", buf[:n])
	}
	first.Quit()
	e.waitFor("the slot to be free", func() bool { return e.lst.active.Load() == 0 })
	if err := e.send("", []string{"postmaster@" + bounceDomain}, "Subject: x\r\n\r\nok\r\n"); err != nil {
		t.Fatalf("after the first session ended: %v", err)
	}
}

// A forged VERP address is ignored (no contact touched) and counted.
func TestForgedVERPIgnored(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	c := e.contact("nina@example.org")
	camp := e.campaign(nil, c)
	forged := rtoken.NewKeys("ffffffffffffffffffffffffffffffff").Address(rtoken.Claims{Purpose: rtoken.Bounce, ContactID: c.ID, CampaignID: camp}, bounceDomain)
	if err := e.send("", []string{forged}, makeDSN(c.Email, "5.1.1", "550 5.1.1 user unknown", "")); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the message to be processed", func() bool {
		return e.count(`SELECT count(*) FROM inbound_messages WHERE status <> 'new'`) == 1
	})
	var st, outcome string
	e.db.QueryRow(t.Context(), `SELECT status, outcome FROM inbound_messages`).Scan(&st, &outcome)
	if st != "ignored" || outcome != "forged" {
		t.Errorf("inbound row %s/%s, want ignored/forged", st, outcome)
	}
	if s := e.state(c); s.Hard != 0 {
		t.Fatalf("forged bounce counted: %+v", s)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE contact_id IS NOT NULL OR campaign_id IS NOT NULL OR outcome <> 'unauthenticated'`); n != 0 {
		t.Fatalf("%d bounce rows from a forged message name a contact or campaign", n)
	}
	if n := e.count(`SELECT count(*) FROM bounces`); n != 1 {
		t.Fatalf("%d evidence rows, want 1", n)
	}
	if v := testutil.ToFloat64(e.m.Unauthenticated.WithLabelValues(unauthForged)); v != 1 {
		t.Errorf("unauthenticated{forged_token} = %v", v)
	}
	if v := testutil.ToFloat64(e.m.Forged); v != 1 {
		t.Errorf("forged counter = %v", v)
	}
}

// Mail to the List-Unsubscribe mailto address unsubscribes the contact from
// the campaign's lists (consent source mailto); left on no list, the
// contact is a floater (one-star).
func TestMailtoUnsubscribe(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	a, b := e.list("a"), e.list("b")
	c := e.contact("otto@example.org", a, b)
	camp := e.campaign([]int64{a}, c)
	addr := e.keys.Address(rtoken.Claims{Purpose: rtoken.Unsubscribe, ContactID: c.ID, CampaignID: camp}, bounceDomain)
	if err := e.send(c.Email, []string{addr}, "From: otto@example.org\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n"); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the unsubscribe", func() bool {
		return e.count(`SELECT count(*) FROM subscriptions WHERE contact_id = $1 AND list_id = $2 AND status = 'unsubscribed'`, c.ID, a) == 1
	})
	if n := e.count(`SELECT count(*) FROM subscriptions WHERE contact_id = $1 AND list_id = $2 AND status = 'confirmed'`, c.ID, b); n != 1 {
		t.Fatal("a list the campaign did not target was left")
	}
	if n := e.count(`SELECT count(*) FROM consent_records WHERE contact_id = $1 AND source = 'mailto' AND action = 'opt-out'`, c.ID); n != 1 {
		t.Fatalf("mailto consent records = %d", n)
	}
	if e.state(c).OneStar {
		t.Fatal("still on a list, but one-star")
	}
	// A token without a campaign leaves every list: a floater.
	all := e.keys.Address(rtoken.Claims{Purpose: rtoken.Unsubscribe, ContactID: c.ID}, bounceDomain)
	if err := e.send("", []string{strings.ToUpper(all[:strings.IndexByte(all, '@')]) + all[strings.IndexByte(all, '@'):]}, "Subject: unsubscribe\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the floater", func() bool { return e.state(c).OneStar })
	if n := e.count(`SELECT count(*) FROM subscriptions WHERE contact_id = $1 AND status <> 'unsubscribed'`, c.ID); n != 0 {
		t.Fatalf("%d lists left", n)
	}
	if s := e.state(c); s.Status != "active" || s.Hard != 0 {
		t.Fatalf("unsubscribe changed bounce state: %+v", s)
	}
}

// Raw inbound messages are deleted after the retention.
func TestRawExpiry(t *testing.T) {
	e := newEnv(t)
	sp := NewSpool(e.db, e.cs)
	old, _ := sp.Store(t.Context(), "", []string{"postmaster@" + bounceDomain}, []byte("Subject: old\r\n\r\n"))
	fresh, _ := sp.Store(t.Context(), "", []string{"postmaster@" + bounceDomain}, []byte("Subject: new\r\n\r\n"))
	e.db.Exec(t.Context(), `UPDATE inbound_messages SET received_at = now() - interval '8 days' WHERE id = $1`, old)
	n, err := e.proc.Expire(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v; want 1", n, err)
	}
	if e.count(`SELECT count(*) FROM inbound_messages WHERE id = $1`, old) != 0 || e.count(`SELECT count(*) FROM inbound_messages WHERE id = $1`, fresh) != 1 {
		t.Fatal("wrong rows expired")
	}
}

// An ARF complaint sent to the feedback-loop address unsubscribes and
// blocklists the contact named by X-Postbode-Ref in the reported message.
func TestComplaintOverSMTP(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	l := e.list("news")
	c := e.contact("piet@example.org", l)
	camp := e.campaign([]int64{l}, c)
	arf := makeARF([]string{"piet@example.org"}, "To: piet@example.org\nX-Postbode-Ref: "+e.ref(c, camp))
	if err := e.send("", []string{"fbl@" + bounceDomain}, arf); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the complaint", func() bool { return e.state(c).Blocklisted })
	if n := e.count(`SELECT count(*) FROM consent_records WHERE contact_id = $1 AND source = 'complaint'`, c.ID); n != 1 {
		t.Fatalf("complaint consent records = %d", n)
	}
	if s := e.state(c); s.Hard != 0 || s.Status != "blocklisted" {
		t.Fatalf("state %+v", s)
	}
}

// With a certificate the listener offers STARTTLS (RFC 3207) and accepts
// mail over it.
func TestSTARTTLS(t *testing.T) {
	e := newEnv(t)
	srv, cli := testTLS(t)
	e.listen(ListenerOptions{TLS: srv})
	c, err := smtp.DialStartTLS(e.smtp, cli)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SendMail("", []string{"postmaster@" + bounceDomain}, strings.NewReader("Subject: tls\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages`); n != 1 {
		t.Fatalf("stored %d", n)
	}
}

// testTLS returns a server config with a fresh certificate for mx.test and
// a client config that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "mx.test"}, DNSNames: []string{"mx.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	cert, _ := x509.ParseCertificate(der)
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{ServerName: "mx.test", RootCAs: pool}
}

// Junk sent to a genuine VERP address (8-bit garbage, truncated MIME, a
// message that is no bounce at all) is processed without a hard bounce.
func TestJunkIsNeverHard(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	c := e.contact("wim@example.org")
	camp := e.campaign(nil, c)
	junk := []string{
		"Subject: hello\r\n\r\nJust a note, no bounce here.\r\n",
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Rec",
		"Subject: \xff\xfe\x00junk\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n\xc3\x28\xa0\xa1 5.1.1 \x00\x01\r\n",
		"Content-Type: multipart/mixed; boundary=a\r\n\r\n" + strings.Repeat("--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n", 200),
	}
	for _, m := range junk {
		if err := e.send("", []string{e.verp(c, camp)}, m); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	e.waitFor("every message to be processed", func() bool {
		return e.count(`SELECT count(*) FROM inbound_messages WHERE status = 'new'`) == 0
	})
	if s := e.state(c); s.Hard != 0 || s.Status != "active" {
		t.Fatalf("junk made a hard bounce: %+v", s)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE status = 'failed'`); n != 0 {
		t.Errorf("%d junk messages failed processing instead of being classified", n)
	}
}

// Evidence tied to no contact loses the address and diagnostic it names
// once it is older than the raw retention, as the raw mail does; younger
// evidence and rows tied to a contact keep theirs.
func TestEvidenceExpiry(t *testing.T) {
	e := newEnv(t)
	l := e.list("news")
	c := e.contact("kees@example.org", l)
	ins := func(contact any, age string) int64 {
		var id int64
		if err := e.db.QueryRow(t.Context(), `INSERT INTO bounces (contact_id, recipient, class, diagnostic, source, outcome, created_at)
			VALUES ($1, 'kees@example.org', 'hard', '550 kees@example.org unknown', 'dsn', 'unauthenticated', now() - $2::interval) RETURNING id`,
			contact, age).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	old, young, linked := ins(nil, "8 days"), ins(nil, "6 days"), ins(c.ID, "8 days")
	if n, err := e.proc.DueEvidence(t.Context()); err != nil || n != 1 {
		t.Fatalf("DueEvidence = %d, %v; want 1", n, err)
	}
	if n, err := e.proc.ExpireEvidence(t.Context()); err != nil || n != 1 {
		t.Fatalf("ExpireEvidence = %d, %v; want 1", n, err)
	}
	named := func(id int64) bool {
		return e.count(`SELECT count(*) FROM bounces WHERE id = $1 AND recipient IS NOT NULL AND diagnostic <> ''`, id) == 1
	}
	if named(old) || e.count(`SELECT count(*) FROM bounces WHERE id = $1 AND class = 'hard'`, old) != 1 {
		t.Fatal("old evidence still names the address (or the row went)")
	}
	if !named(young) || !named(linked) {
		t.Fatal("younger evidence or a row tied to a contact was cleared")
	}
	if n, err := e.proc.DueEvidence(t.Context()); err != nil || n != 0 {
		t.Fatalf("DueEvidence after expiry = %d, %v; want 0", n, err)
	}
}

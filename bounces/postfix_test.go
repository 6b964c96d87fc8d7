package bounces

import (
	"crypto/tls"
	"crypto/x509"
	"net/smtp"
	"os"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/testenv"
)

// TestPostfixDSNForUnknownUser: a real Postfix (testenv.StartPostfix)
// takes a campaign message from our VERP return path to a user it does not
// know, bounces it with a DSN of its own making and sends that to the
// inbound listener as its relay host; the DSN is classified a hard bounce,
// user unknown (5.1.1), of that contact and campaign.
func TestPostfixDSNForUnknownUser(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	pf := testenv.StartPostfix(t, testenv.PostfixOptions{RelayHost: e.smtp})
	l := e.list("news")
	c := e.contact("nosuchuser@"+testenv.LocalDomain, l)
	bystander := e.contact("lies@example.org", l)
	camp := e.campaign([]int64{l}, c, bystander)
	msg := "From: news@example.org\r\nTo: " + c.Email + "\r\nSubject: Nieuws\r\nMessage-ID: <pf1@example.org>\r\n" +
		"X-Postbode-Ref: " + e.ref(c, camp) + "\r\n\r\nHallo.\r\n"
	if err := sendVia(pf, e.verp(c, camp), c.Email, msg); err != nil {
		t.Fatalf("postfix refused the message: %v\n%s", err, pf.Log())
	}
	e.waitFor("Postfix's DSN to be applied", func() bool { return e.state(c).Hard == 1 })
	var class, reason, status, source string
	if err := e.db.QueryRow(t.Context(), `SELECT class, reason, status, source FROM bounces WHERE contact_id = $1 AND campaign_id = $2`,
		c.ID, camp).Scan(&class, &reason, &status, &source); err != nil {
		t.Fatal(err)
	}
	if class != "hard" || reason != "userunknown" || status != "5.1.1" || source != "dsn" {
		t.Errorf("bounce row: class %s reason %s status %s source %s, want hard userunknown 5.1.1 dsn\n%s", class, reason, status, source, pf.Log())
	}
	if s := e.state(bystander); s.Hard != 0 || s.Soft != 0 {
		t.Errorf("bystander touched: %+v", s)
	}
	if log := pf.Log(); !strings.Contains(log, "status=bounced") {
		t.Errorf("Postfix did not bounce the message itself:\n%s", log)
	}
}

// sendVia sends msg through Postfix over STARTTLS (its certificate trusted).
func sendVia(pf *testenv.Postfix, from, to, msg string) error {
	pem, err := os.ReadFile(pf.CertFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c, err := smtp.Dial(pf.Addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.StartTLS(&tls.Config{RootCAs: pool, ServerName: testenv.LocalDomain}); err != nil {
		return err
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/postbode/postbode/internal/rtoken"
)

// TestInboundEndToEnd drives the inbound role over its real SMTP port: a DSN
// to a VERP address flags the contact (read back through the API), a
// foreign recipient is refused with 550.
func TestInboundEndToEnd(t *testing.T) {
	d := startDaemon(t, "api,inbound", "POSTBODE_INBOUND_DOMAINS=bounces.e2e.test")
	smtpAddr := envValue(d.env, "POSTBODE_INBOUND_LISTEN")
	token := d.cli(t, "token", "create", "--role", "admin", "--name", "e2e")
	code, body := d.request(t, token, "POST", "/api/v1/contacts", `{"email":"dsn@example.org","name":"D"}`)
	if code != 201 {
		t.Fatalf("create contact: %d %s", code, body)
	}
	var c struct{ ID int64 }
	json.Unmarshal([]byte(body), &c)

	keys := rtoken.NewKeys(envValue(d.env, "POSTBODE_SECRETS_KEY"))
	verp := keys.Address(rtoken.Claims{Purpose: rtoken.Bounce, ContactID: c.ID}, "bounces.e2e.test")
	msg := strings.ReplaceAll(`From: MAILER-DAEMON@mx.remote.test
To: `+verp+`
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Delivery failed.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.test

Final-Recipient: rfc822; dsn@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 The email account that you tried to reach does not exist.

--b--
`, "\n", "\r\n")
	if err := sendPlain(smtpAddr, "", verp, msg); err != nil {
		t.Fatalf("sending the DSN: %v", err)
	}
	err := sendPlain(smtpAddr, "x@evil.example", "victim@example.com", "Subject: x\r\n\r\nx\r\n")
	if se, ok := err.(*smtp.SMTPError); !ok || se.Code != 550 {
		t.Errorf("relay attempt: %v, want 550", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, body = d.request(t, token, "GET", fmt.Sprintf("/api/v1/contacts/%d/bounces", c.ID), "")
		if strings.Contains(body, `"class":"hard"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bounce not applied: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, body = d.request(t, token, "GET", fmt.Sprintf("/api/v1/contacts/%d", c.ID), "")
	if !strings.Contains(body, `"hard_bounces":1`) {
		t.Errorf("contact after the DSN: %s", body)
	}
	_, metrics := d.request(t, "", "GET", "/metrics", "")
	for _, want := range []string{`postbode_inbound_messages_total{result="accepted"} 1`, `postbode_inbound_messages_total{result="relay_refused"} 1`,
		`postbode_bounces_total{class="hard"`, "postbode_inbound_queue_depth "} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(d.logs.String(), "dsn@example.org") {
		t.Error("a full address reached the logs")
	}
	// An idle SMTP client does not hold up SIGTERM.
	idle, err := smtp.Dial(smtpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	idle.Hello("idle.test")
	start := time.Now()
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
		if time.Since(start) > 12*time.Second {
			t.Errorf("stop took %v with an idle SMTP session", time.Since(start))
		}
	case <-time.After(25 * time.Second):
		t.Fatal("did not stop within 25s of SIGTERM")
	}
}

// sendPlain sends one message over plain SMTP (the listener offers STARTTLS
// only when inbound.tls_cert is set).
func sendPlain(addr, from, to, msg string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, []string{to}, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

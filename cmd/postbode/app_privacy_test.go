package main

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/internal/testenv"
)

// TestPrivacyRequestMailsThroughRelay wires the privacy service as serve
// does and follows a request through a loopback SMTP relay: the
// verification link, then the export attached to the answer.
func TestPrivacyRequestMailsThroughRelay(t *testing.T) {
	sk := newSink(t)
	_, dbURL := testenv.DBWithURL(t)
	_, prefix := testenv.Redis(t)
	host, port, _ := net.SplitHostPort(sk.addr)
	cfg := config.Default()
	cfg.Database.URL, cfg.Database.Migrate = dbURL, false
	cfg.Redis.URL, cfg.Redis.KeyPrefix = testenv.RedisURL(), prefix
	cfg.Secrets.Key = "privacy-wiring-secret-0123456789abcdef"
	cfg.SMTP.Mode, cfg.SMTP.RelayHost, cfg.SMTP.RelayTLS = "relay", host, "none"
	cfg.SMTP.RelayPort, _ = strconv.Atoi(port)
	cfg.Public.BaseURL, cfg.Public.MailFrom = "https://post.example.org", "Org <noreply@example.org>"
	cfg.Privacy.ContactEmail = "Privacy desk <privacy@example.org>"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := newApp(ctx, cfg, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	c, err := a.contacts.Create(ctx, contacts.New{Email: "zoe@example.net", Name: "Zoë", Source: "webform"})
	if err != nil {
		t.Fatal(err)
	}
	svc := a.privacy()
	if err := svc.RequestByEmail(ctx, "Zoe@example.net", "access", "", "192.0.2.1", "UA", ""); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	msg := sk.message("zoe@example.net")
	tok := regexp.MustCompile(`https://post\.example\.org/q/([A-Za-z0-9_=\-]+\.[A-Za-z0-9_\-]+)`).FindSubmatch(bytes.ReplaceAll(msg, []byte("=\r\n"), nil))
	if tok == nil {
		t.Fatalf("no verification link in %s", msg)
	}
	if kind, _, err := svc.ConfirmRequest(ctx, string(tok[1]), "192.0.2.1", "UA"); err != nil || kind != "access" {
		t.Fatalf("confirm: %q %v", kind, err)
	}
	reqs, err := svc.ListRequests(ctx, "open", "", 0, 10)
	if err != nil || len(reqs) != 1 || *reqs[0].ContactID != c.ID {
		t.Fatalf("requests %+v %v", reqs, err)
	}
	if _, err := svc.Fulfil(ctx, reqs[0].ID, "token:1:test"); err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(sk.message("zoe@example.net")))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if from, _ := mail.ParseAddress(m.Header.Get("From")); mt != "multipart/mixed" || from == nil || from.Address != "noreply@example.org" {
		t.Fatalf("answer: Content-Type %q From %q", m.Header.Get("Content-Type"), m.Header.Get("From"))
	}
	// "Reply to this mail" reaches the privacy contact, not noreply@.
	if rt, _ := mail.ParseAddress(m.Header.Get("Reply-To")); rt == nil || rt.Address != "privacy@example.org" {
		t.Errorf("answer Reply-To %q, want the privacy contact", m.Header.Get("Reply-To"))
	}
	var files []string
	invited := false
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if p.FileName() != "" {
			files = append(files, p.FileName())
		} else if b, _ := io.ReadAll(p); bytes.Contains(bytes.ReplaceAll(b, []byte("=\r\n"), nil), []byte("Reply to this mail")) {
			invited = true
		}
	}
	if !invited {
		t.Error("the answer does not invite a reply to the privacy contact")
	}
	if strings.Join(files, ",") != "personal-data.json,personal-data.pdf" {
		t.Errorf("attachments %v", files)
	}
}

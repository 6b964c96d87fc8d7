package main

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/staff"
)

// TestStaffMailsInThePersonsLanguage wires the staff service as serve does
// and follows its mails through a loopback SMTP relay: each arrives in the
// language its addressee chose in the console; an invitation of someone
// without an account in the inviter's.
func TestStaffMailsInThePersonsLanguage(t *testing.T) {
	sk := newSink(t)
	_, dbURL := testenv.DBWithURL(t)
	_, prefix := testenv.Redis(t)
	host, port, _ := net.SplitHostPort(sk.addr)
	cfg := config.Default()
	cfg.Database.URL, cfg.Database.Migrate = dbURL, false
	cfg.Redis.URL, cfg.Redis.KeyPrefix = testenv.RedisURL(), prefix
	cfg.Secrets.Key = "staff-mail-lang-secret-0123456789abcdef"
	cfg.SMTP.Mode, cfg.SMTP.RelayHost, cfg.SMTP.RelayTLS = "relay", host, "none"
	cfg.SMTP.RelayPort, _ = strconv.Atoi(port)
	cfg.Public.BaseURL, cfg.Public.MailFrom = "https://post.example.org", "Org <noreply@example.org>"
	cfg.People.AdminURL = "https://admin.example.org"
	cfg.Privacy.ContactEmail = "Privacy desk <ROOT@example.org>"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := newApp(ctx, cfg, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	svc := a.staff()
	const pw = "a long enough passphrase"
	root, err := svc.CreateActive(ctx, staff.NewPerson{Email: "root@example.org", Name: "Root", DepartmentID: 1, Role: "admin", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	ann, err := svc.CreateActive(ctx, staff.NewPerson{Email: "ann@example.org", Name: "Ann", DepartmentID: 1, Role: "viewer", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetLanguage(ctx, root.ID, "nl"); err != nil {
		t.Fatal(err)
	}
	read := func(rcpt string) (subject, text string) {
		t.Helper()
		raw := sk.message(rcpt)
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("no mail to %s: %v", rcpt, err)
		}
		subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		return subject, plainText(t, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	}
	expect := func(rcpt, subject, text string) {
		t.Helper()
		s, body := read(rcpt)
		if s != subject || !strings.Contains(body, text) {
			t.Fatalf("mail to %s: subject %q, want %q; want %q in\n%s", rcpt, s, subject, text, body)
		}
	}

	// A password reset asked on the sign-in page: the person's own language.
	if err := svc.SendReset(ctx, "root@example.org"); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	expect("root@example.org", "Nieuw wachtwoord voor postbode", "Iemand heeft gevraagd uw wachtwoord voor postbode opnieuw in te stellen")

	_, _, actor, err := svc.Login(ctx, staff.LoginInput{Email: "root@example.org", Password: pw, IP: netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	actx := access.WithActor(ctx, actor)
	// An invitation of someone without an account: the inviter's language.
	if _, d, err := svc.InviteAndSend(actx, staff.NewPerson{Email: "new@example.org", DepartmentID: 1, Role: "viewer"}); err != nil || !d.Mailed {
		t.Fatalf("invite: %+v %v", d, err)
	}
	expect("new@example.org", "Uw uitnodiging voor postbode", "U bent door Root uitgenodigd voor de afdeling")
	// A reset asked by a Dutch administrator for an English-speaking person: English.
	if _, d, err := svc.AdminResetAndSend(actx, ann.ID); err != nil || !d.Mailed {
		t.Fatalf("admin reset: %+v %v", d, err)
	}
	expect("ann@example.org", "Choose a new postbode password", "You were asked by Root to choose a new postbode password")

	// An export mailed to the department's main person: their language.
	if _, err := a.db.Exec(ctx, `UPDATE departments SET main_person_id = $1 WHERE id = 1`, root.ID); err != nil {
		t.Fatal(err)
	}
	ml, err := a.mailer()
	if err != nil {
		t.Fatal(err)
	}
	em := exportMailer{staff: svc, mail: ml}
	if err := em.MailExport(access.WithDepartment(actx, 1), "contacts.csv", "text/csv", []byte("id,email\n")); err != nil {
		t.Fatal(err)
	}
	expect("root@example.org", "Export uit postbode: contacts.csv", "De export van contacten waar u of een collega om vroeg")

	// The privacy contact is told a request waits, in its person's language.
	if _, err := a.contacts.Create(ctx, contacts.New{Email: "zoe@example.net", Name: "Zoë", Source: "webform"}); err != nil {
		t.Fatal(err)
	}
	priv := a.privacy()
	if err := priv.RequestByEmail(ctx, "zoe@example.net", "access", "", "192.0.2.1", "UA", "en"); err != nil {
		t.Fatal(err)
	}
	priv.Wait()
	tok := regexp.MustCompile(`/q/([A-Za-z0-9_=\-]+\.[A-Za-z0-9_\-]+)`).FindStringSubmatch(func() string { _, b := read("zoe@example.net"); return b }())
	if tok == nil {
		t.Fatal("no verification link")
	}
	if _, _, err := priv.ConfirmRequest(ctx, tok[1], "192.0.2.1", "UA"); err != nil {
		t.Fatal(err)
	}
	priv.Wait()
	if s, body := read("root@example.org"); !strings.HasPrefix(s, "Privacyverzoek ") || !strings.Contains(body, "Een betrokkene heeft een verzoek van het soort access bevestigd") {
		t.Fatalf("mail to the privacy contact: %q\n%s", s, body)
	}
}

// plainText is the decoded text/plain part of a message body.
func plainText(t *testing.T, ct, cte string, body io.Reader) string {
	t.Helper()
	mt, params, _ := mime.ParseMediaType(ct)
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				t.Fatalf("no text/plain part: %v", err)
			}
			if txt := plainText(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); txt != "" {
				return txt
			}
		}
	}
	if mt != "" && mt != "text/plain" {
		return ""
	}
	if strings.EqualFold(cte, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package privacy_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/privacy"
)

// TestExportLeavesOutUnverifiedMail: a mail found only because it names
// the contact's address (nothing ties it to a delivery to the contact)
// may name other people, and anyone can send one to postmaster@. The
// access export — JSON and PDF alike — says that it exists (when, what
// came of it, what was left out) but not its sender, addressees, text or
// the diagnostic taken from it; the bounce report correlated to the
// contact and its diagnostic stay whole.
func TestExportLeavesOutUnverifiedMail(t *testing.T) {
	f := newFixture(t, privacy.Options{})
	ctx := access.WithDepartment(context.Background(), 1)
	const addr = "subject@example.org"
	c, err := f.cs.Create(ctx, contacts.New{Email: addr, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	own := "From: MAILER-DAEMON\r\nSubject: Undelivered\r\n\r\nFinal-Recipient: rfc822; " + addr + "\r\nOWN-REPORT-TEXT\r\n"
	f.exec(t, `INSERT INTO inbound_messages (mail_from, rcpts, raw, size, status, outcome, contact_id, address_hashes)
		VALUES ('', $1, $2, $3, 'done', 'bounce', $4, $5)`,
		[]string{"b1@bounces.example.org"}, []byte(own), len(own), c.ID, [][]byte{f.cs.Hash(addr)})
	f.exec(t, `INSERT INTO bounces (contact_id, recipient, class, reason, status, reply_code, diagnostic, source, counted)
		VALUES ($1, $2, 'hard', 'userunknown', '5.1.1', 550, 'OWN-DIAGNOSTIC', 'dsn', true)`, c.ID, addr)
	planted := "From: prankster@evil.example\r\nSubject: about " + addr + "\r\n\r\nFinal-Recipient: rfc822; " + addr +
		"\r\nFinal-Recipient: rfc822; third.party@example.net\r\nPLANTED-TEXT\r\n"
	f.exec(t, `INSERT INTO inbound_messages (mail_from, rcpts, raw, size, status, outcome, address_hashes)
		VALUES ('prankster@evil.example', $1, $2, $3, 'ignored', 'unauthenticated', $4)`,
		[]string{"postmaster@bounces.example.org"}, []byte(planted), len(planted),
		[][]byte{f.cs.Hash(addr), f.cs.Hash("third.party@example.net")})
	f.exec(t, `INSERT INTO bounces (recipient, class, reason, status, reply_code, diagnostic, source, counted, outcome)
		VALUES ($1, 'hard', 'userunknown', '5.1.1', 550, 'PLANTED-DIAGNOSTIC third.party@example.net', 'dsn', false, 'unauthenticated')`, addr)

	ex, err := f.svc.Export(ctx, c.ID, "test", "json")
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"prankster", "third.party", "PLANTED", hex.EncodeToString([]byte("PLANTED-TEXT")), hex.EncodeToString([]byte("third.party"))} {
		if strings.Contains(string(js), leak) {
			t.Errorf("JSON export holds %q of a mail tied to no delivery to the contact", leak)
		}
	}
	for _, want := range []string{hex.EncodeToString([]byte("OWN-REPORT-TEXT")), "OWN-DIAGNOSTIC"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON export lacks %q of the report correlated to the contact", want)
		}
	}
	var msgs []map[string]any
	if err := json.Unmarshal(ex.Tables["inbound_messages"], &msgs); err != nil {
		t.Fatal(err)
	}
	var listed bool
	for _, m := range msgs {
		if m["contact_id"] != nil {
			if m[privacy.WithheldKey] != nil || m["raw"] == nil {
				t.Errorf("correlated message: withheld %v, raw %v; want nothing withheld", m[privacy.WithheldKey], m["raw"])
			}
			continue
		}
		listed = true
		var w []string
		ws, _ := m[privacy.WithheldKey].([]any)
		for _, x := range ws {
			s, _ := x.(string)
			w = append(w, s)
		}
		if !slices.Equal(w, []string{"mail_from", "rcpts", "raw"}) || m["raw"] != nil || m["received_at"] == nil || m["outcome"] != "unauthenticated" {
			t.Errorf("uncorrelated message exported as %v; want its date and outcome, with mail_from, rcpts and raw withheld", m)
		}
	}
	if len(msgs) != 2 || !listed {
		t.Errorf("export lists %d messages (uncorrelated one listed: %v), want both", len(msgs), listed)
	}
	var bnc []map[string]any
	if err := json.Unmarshal(ex.Tables["bounces"], &bnc); err != nil {
		t.Fatal(err)
	}
	if len(bnc) != 2 {
		t.Errorf("export lists %d bounces, want the correlated one and the evidence", len(bnc))
	}

	pdf, err := ex.PDF("en")
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, leak := range []string{"prankster", "third.party", "PLANTED"} {
		if strings.Contains(text, leak) {
			t.Errorf("PDF report holds %q of a mail tied to no delivery to the contact", leak)
		}
	}
	for _, want := range []string{"OWN-REPORT-TEXT", "OWN-DIAGNOSTIC", "Left out"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF report lacks %q", want)
		}
	}
}

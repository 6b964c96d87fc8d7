package privacy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/privacy"
)

// TestSharedAddressStaysWithItsContact: one address is a contact in two
// departments. A raw bounce and a bounce correlated to B's contact are
// B's: the access export of A's contact does not show them (its officer
// would read B's mail), and erasing A's contact — also as system work,
// as retention does — leaves them to B. Rows tied to no contact are still
// found by the address.
func TestSharedAddressStaysWithItsContact(t *testing.T) {
	f := newFixture(t, privacy.Options{})
	bg := context.Background()
	var sales int64
	if err := f.db.QueryRow(bg, `INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id`).Scan(&sales); err != nil {
		t.Fatal(err)
	}
	ctxA, ctxB := access.WithDepartment(bg, 1), access.WithDepartment(bg, sales)
	const addr = "shared@example.org"
	a, err := f.cs.Create(ctxA, contacts.New{Email: addr, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.cs.Create(ctxB, contacts.New{Email: addr, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	rawB := "From: MAILER-DAEMON\r\nSubject: B's secret launch\r\n\r\nFinal-Recipient: rfc822; " + addr + "\r\n"
	f.exec(t, `INSERT INTO inbound_messages (mail_from, rcpts, raw, size, status, contact_id, address_hashes) VALUES ('', $1, $2, $3, 'done', $4, $5)`,
		[]string{"b1@bounces.example.org"}, []byte(rawB), len(rawB), b.ID, [][]byte{f.cs.Hash(addr)})
	f.exec(t, `INSERT INTO bounces (contact_id, recipient, class, reason, status, reply_code, diagnostic, source, counted)
		VALUES ($1, $2, 'hard', 'userunknown', '5.1.1', 550, 'B diagnostic', 'dsn', true)`, b.ID, addr)
	rawX := "Subject: uncorrelated\r\n\r\nFinal-Recipient: rfc822; " + addr + "\r\n"
	f.exec(t, `INSERT INTO inbound_messages (mail_from, rcpts, raw, size, status, outcome, address_hashes) VALUES ('', $1, $2, $3, 'ignored', 'unauthenticated', $4)`,
		[]string{"abuse@bounces.example.org"}, []byte(rawX), len(rawX), [][]byte{f.cs.Hash(addr)})

	// Each department blocklists the address on its own.
	for _, ctx := range []context.Context{ctxA, ctxB} {
		if err := f.cs.BlockAddress(ctx, addr, "manual", "kept by "+addr); err != nil {
			t.Fatal(err)
		}
	}

	ex, err := f.svc.Export(ctxA, a.ID, "test", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		ContactID *int64 `json:"contact_id"`
		Outcome   string `json:"outcome"`
	}
	if err := json.Unmarshal(ex.Tables["inbound_messages"], &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].ContactID != nil || rows[0].Outcome != "unauthenticated" {
		t.Errorf("A's export shows B's raw bounce, or not only the uncorrelated one: %s", ex.Tables["inbound_messages"])
	}

	if err := f.svc.Erase(bg, a.ID, privacy.CauseRetention, "janitor"); err != nil {
		t.Fatal(err)
	}
	var inbound, bounces, uncorrelated int
	f.db.QueryRow(bg, `SELECT count(*) FROM inbound_messages WHERE contact_id = $1`, b.ID).Scan(&inbound)
	f.db.QueryRow(bg, `SELECT count(*) FROM bounces WHERE contact_id = $1 AND recipient = $2 AND diagnostic = 'B diagnostic'`, b.ID, addr).Scan(&bounces)
	f.db.QueryRow(bg, `SELECT count(*) FROM inbound_messages WHERE contact_id IS NULL`).Scan(&uncorrelated)
	if inbound != 1 || bounces != 1 {
		t.Errorf("erasing A's contact took B's rows: inbound %d, bounces %d, want 1 and 1", inbound, bounces)
	}
	if uncorrelated != 0 {
		t.Errorf("the uncorrelated raw message naming the address survived the erasure")
	}
	// B's blocklist entry is B's: erasing A's contact leaves it whole, and
	// B's contact stays suppressed.
	var bEmail, bNote string
	if err := f.db.QueryRow(bg, `SELECT coalesce(email, ''), note FROM blocklist WHERE department_id = $1 AND email_hash = $2`,
		sales, f.cs.Hash(addr)).Scan(&bEmail, &bNote); err != nil {
		t.Fatalf("B's blocklist entry after erasing A's contact: %v", err)
	}
	if bEmail != addr || bNote != "kept by "+addr {
		t.Errorf("B's blocklist entry was anonymised by A's erasure: email %q note %q", bEmail, bNote)
	}
	if blocked, err := f.cs.IsBlocked(ctxB, addr); err != nil || !blocked {
		t.Errorf("B's contact is no longer blocked after A's erasure: %v %v", blocked, err)
	}
}

// TestErasureReachesEvidenceOfTheSharedListener: the shared inbound
// listener files an unauthenticated report under the default department.
// When another department's privacy officer erases their contact of the
// address it names, over the API, the address leaves that evidence too,
// as it leaves the raw mail.
func TestErasureReachesEvidenceOfTheSharedListener(t *testing.T) {
	e := newAPIEnv(t, privacy.Options{})
	bg := context.Background()
	var sales int64
	if err := e.db.QueryRow(bg, `INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id`).Scan(&sales); err != nil {
		t.Fatal(err)
	}
	ctxB := access.WithDepartment(bg, sales)
	const addr = "Evidence@Example.org"
	b, err := e.cs.Create(ctxB, contacts.New{Email: addr, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	e.exec(t, `INSERT INTO bounces (recipient, class, reason, status, reply_code, diagnostic, source, counted, outcome)
		VALUES ($1, 'hard', 'userunknown', '5.1.1', 550, '550 5.1.1 <'||$1||'> unknown', 'dsn', false, 'unauthenticated')`, addr)
	e.exec(t, `INSERT INTO bounces (recipient, class, reason, status, reply_code, diagnostic, source, counted, outcome)
		VALUES ('someone-else@example.org', 'hard', 'userunknown', '5.1.1', 550, 'other', 'dsn', false, 'unauthenticated')`)
	_, secret, err := apitoken.NewStore(e.db).Create(ctxB, "sales privacy", "privacy")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.url+"/api/v1/privacy/erasures", strings.NewReader(`{"contact_id":`+itoa(b.ID)+`}`))
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("erasure: %d %s", resp.StatusCode, raw)
	}
	var named, other int
	e.db.QueryRow(bg, `SELECT count(*) FROM bounces WHERE lower(recipient) = lower($1) OR diagnostic ILIKE '%'||$1||'%'`, addr).Scan(&named)
	e.db.QueryRow(bg, `SELECT count(*) FROM bounces WHERE recipient = 'someone-else@example.org' AND diagnostic = 'other'`).Scan(&other)
	if named != 0 {
		t.Errorf("%d evidence rows of the default department still name the erased address", named)
	}
	if other != 1 {
		t.Errorf("evidence naming another address was touched")
	}
}

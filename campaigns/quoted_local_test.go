package campaigns_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/postbode/postbode/campaigns"
)

// TestQuotedLocalPartTo: a contact whose address has a quoted local part
// ("jan..vries"@example.org, RFC 5321 §4.1.2; contacts keep it with its
// quotes) gets a To field naming that mailbox. mail.Address took the
// quotes for part of the local part and quoted them again,
// "\"jan..vries\""@example.org: another mailbox than the envelope's.
func TestQuotedLocalPartTo(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	l := f.list("news")
	const addr = `"jan..vries"@example.org`
	var id int64
	if err := f.db.QueryRow(ctx, `INSERT INTO contacts (email, name, source, updated_source)
		VALUES ($1, 'Jan', 'import', 'import') RETURNING id`, addr).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(ctx, `INSERT INTO subscriptions (contact_id, list_id, status) VALUES ($1, $2, 'confirmed')`, id, l); err != nil {
		t.Fatal(err)
	}
	c := f.create("Hi", l)
	f.runScheduler()
	f.runSender(f.svc)
	if _, err := f.svc.Start(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(c.ID, campaigns.StateFinished, 20*time.Second)
	raw, _ := f.sink.message("jan..vries@example.org") // as the server reads the quoted form
	if raw == nil {
		t.Fatalf("nothing received for %s (stats %+v, recipients %v)", addr, f.stats(c.ID), f.sink.tries)
	}
	header := raw[:bytes.Index(raw, []byte("\r\n\r\n"))]
	if !bytes.Contains(header, []byte("\r\nTo: \"Jan\" <\"jan..vries\"@example.org>\r\n")) {
		t.Errorf("header:\n%s", header)
	}
}

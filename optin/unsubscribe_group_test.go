package optin_test

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
)

// Concurrent unsubscribes are committed in groups with the same outcome as
// one by one: each subscription is left once with one opt-out consent record
// (purpose: the list's, with the clicker's IP), a repeated click of the same
// contact in the same burst leaves nothing more, leaving the last list sets
// one_star_since, and an untouched contact keeps its lists. Several
// unsubscribes share a transaction (the same now() in their records).
func TestUnsubscribeGroupCommit(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	r := optin.NewRecipients(db, contacts.NewStore(db, "0123456789abcdef0123456789abcdef-group", 2), nil, optin.RecipientOptions{})
	var lists, camps []int64
	for _, slug := range []string{"a", "b"} {
		var l, c int64
		if err := db.QueryRow(ctx, `INSERT INTO lists (slug, name, purpose, optin) VALUES ($1, $1, 'purpose '||$1, 'single') RETURNING id`, slug).Scan(&l); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `INSERT INTO campaigns (name, kind, status, subject, html, from_email, list_ids)
			VALUES ('c', 'regular', 'finished', 's', '<p>x</p>', 'news@example.org', $1) RETURNING id`, []int64{l}).Scan(&c); err != nil {
			t.Fatal(err)
		}
		lists, camps = append(lists, l), append(camps, c)
	}
	const n = 60
	if _, err := db.Exec(ctx, `INSERT INTO contacts (email, name, source, updated_source)
		SELECT 'g' || i || '@example.org', 'G', 'api', 'api' FROM generate_series(1, $1) i`, n+1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO subscriptions (contact_id, list_id, status) SELECT c.id, l, 'confirmed' FROM contacts c, unnest($1::bigint[]) l`, lists); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	rows, _ := db.Query(ctx, `SELECT id FROM contacts ORDER BY id`)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	control := ids[n]
	type click struct {
		contact, campaign int64
		all, oneClick     bool
	}
	var clicks []click
	for i, id := range ids[:n] {
		if i%3 == 0 { // leave everything from the unsubscribe page, twice
			clicks = append(clicks, click{id, camps[0], true, false}, click{id, camps[0], true, false})
			continue
		}
		clicks = append(clicks, click{id, camps[0], false, true}, click{id, camps[0], false, true}, click{id, camps[1], false, true})
	}
	who := optin.Who{IP: netip.MustParseAddr("192.0.2.9"), UserAgent: "mail-provider"}
	var left atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, c := range clicks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			k, err := r.Unsubscribe(ctx, c.contact, c.campaign, c.all, c.oneClick, who)
			if err != nil {
				t.Error(err)
			}
			left.Add(int64(k))
		}()
	}
	close(start)
	wg.Wait()
	if got := left.Load(); got != 2*n {
		t.Fatalf("lists left reported: %d, want %d", got, 2*n)
	}
	q := func(sql string, args ...any) int64 {
		t.Helper()
		var v int64
		if err := db.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		what string
		sql  string
		want int64
	}{
		{"opt-out records", `SELECT count(*) FROM consent_records WHERE action = 'opt-out'`, 2 * n},
		{"records per subscription", `SELECT count(DISTINCT (contact_id, list_id)) FROM consent_records WHERE action = 'opt-out'`, 2 * n},
		{"records with the list's purpose and the IP", `SELECT count(*) FROM consent_records r JOIN lists l ON l.id = r.list_id
			WHERE r.purpose = l.purpose AND host(r.ip) = '192.0.2.9' AND r.user_agent = 'mail-provider'`, 2 * n},
		{"one-click records", `SELECT count(*) FROM consent_records WHERE source = 'one-click'`, 2 * (n - n/3)},
		{"subscriptions left", `SELECT count(*) FROM subscriptions WHERE status = 'unsubscribed'`, 2 * n},
		{"one-star contacts", `SELECT count(*) FROM contacts WHERE one_star_since IS NOT NULL`, n},
		{"control subscriptions", fmt.Sprintf(`SELECT count(*) FROM subscriptions WHERE contact_id = %d AND status = 'confirmed'`, control), 2},
	} {
		if got := q(c.sql); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	if tx := q(`SELECT count(DISTINCT created_at) FROM consent_records WHERE action = 'opt-out'`); tx >= int64(len(clicks)) {
		t.Errorf("%d transactions for %d unsubscribes: no group commit", tx, len(clicks))
	}
}

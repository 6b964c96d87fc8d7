package privacy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/privacy"
)

// copyRows COPYs rows into table.
func copyRows(t testing.TB, f *fixture, table string, cols []string, rows [][]any) {
	t.Helper()
	if _, err := f.db.CopyFrom(context.Background(), pgx.Identifier{table}, cols, pgx.CopyFromRows(rows)); err != nil {
		t.Fatalf("copy %s: %v", table, err)
	}
}

// seedHistory COPYs n contacts that have been one-star for 40 days, each
// with a subscription (unsubscribed), two consent records, perContact
// deliveries (one per campaign), an audience row, a bounce and a recipient
// action; every tenth is blocklisted with a blocklist entry. It returns the first campaign's id.
func seedHistory(t testing.TB, f *fixture, n, perContact int) int64 {
	t.Helper()
	ctx := context.Background()
	tag := fmt.Sprint(time.Now().UnixNano())
	var listID int64
	if err := f.db.QueryRow(ctx, `INSERT INTO lists (slug, name, purpose, optin) VALUES ('h'||$1, 'History', 'news', 'single') RETURNING id`, tag).Scan(&listID); err != nil {
		t.Fatal(err)
	}
	camps := make([]int64, perContact)
	for i := range camps {
		if err := f.db.QueryRow(ctx, `INSERT INTO campaigns (name, subject, from_email, status) VALUES ('c', 's', 'n@example.org', 'finished') RETURNING id`).Scan(&camps[i]); err != nil {
			t.Fatal(err)
		}
		f.exec(t, `INSERT INTO campaign_stats (campaign_id, total, sent) VALUES ($1, $2, $2)`, camps[i], n)
	}
	since := time.Now().Add(-40 * 24 * time.Hour)
	rows := make([][]any, n)
	var blocks [][]any
	for i := range rows {
		email := fmt.Sprintf("h%s.%d@example.org", tag, i)
		status := "active"
		if i%10 == 0 {
			status = "blocklisted"
			blocks = append(blocks, []any{f.cs.Hash(email), email, "manual", "note " + email})
		}
		rows[i] = []any{email, "Name " + fmt.Sprint(i), map[string]any{"city": "c" + fmt.Sprint(i)}, status, since, "import", "import"}
	}
	copyRows(t, f, "contacts", []string{"email", "name", "attributes", "status", "one_star_since", "source", "updated_source"}, rows)
	copyRows(t, f, "blocklist", []string{"email_hash", "email", "reason", "note"}, blocks)
	r, err := f.db.Query(ctx, `SELECT id FROM contacts WHERE email LIKE 'h'||$1||'.%' ORDER BY id`, tag)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(r, pgx.RowTo[int64])
	if err != nil || len(ids) != n {
		t.Fatalf("seeded %d contacts, %v", len(ids), err)
	}
	subs := make([][]any, 0, n)
	consents := make([][]any, 0, 2*n)
	dels := make([][]any, 0, perContact*n)
	aud := make([][]any, 0, n)
	bnc := make([][]any, 0, n)
	acts := make([][]any, 0, n)
	for i, id := range ids {
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		subs = append(subs, []any{id, listID, "unsubscribed"})
		consents = append(consents, []any{id, listID, "opt-in", "webform", "news", ip, "UA"}, []any{id, listID, "opt-out", "one-click", "", ip, "UA"})
		for _, c := range camps {
			dels = append(dels, []any{c, id, "sent", int16(1), time.Now(), "250 ok"})
		}
		aud = append(aud, []any{camps[0], id})
		email := fmt.Sprintf("h%s.%d@example.org", tag, i)
		bnc = append(bnc, []any{id, camps[0], email, "soft", "mailboxfull", "4.2.2", int32(452), "452 4.2.2 <" + email + "> full", "dsn"})
		acts = append(acts, []any{id, camps[0], listID, "unsubscribe", ip, "UA"})
	}
	copyRows(t, f, "subscriptions", []string{"contact_id", "list_id", "status"}, subs)
	copyRows(t, f, "consent_records", []string{"contact_id", "list_id", "action", "source", "purpose", "ip", "user_agent"}, consents)
	copyRows(t, f, "deliveries", []string{"campaign_id", "contact_id", "status", "attempts", "done_at", "last_error"}, dels)
	copyRows(t, f, "campaign_audience", []string{"campaign_id", "contact_id"}, aud)
	copyRows(t, f, "bounces", []string{"contact_id", "campaign_id", "recipient", "class", "reason", "status", "reply_code", "diagnostic", "source"}, bnc)
	copyRows(t, f, "recipient_actions", []string{"contact_id", "campaign_id", "list_id", "action", "ip", "user_agent"}, acts)
	f.exec(t, `ANALYZE`)
	return camps[0]
}

// BenchmarkRetentionErase100k: the janitor erases 100,000 one-star contacts
// with their history (subscriptions, consent records, two deliveries each,
// audience rows, bounces, recipient actions, blocklist entries). Target: under 60 s. Each iteration
// seeds afresh (not timed).
func BenchmarkRetentionErase100k(b *testing.B) {
	const n = 100_000
	f := newFixture(b, privacy.Options{OneStarDays: 30})
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		seedHistory(b, f, n, 2)
		b.StartTimer()
		start := time.Now()
		erased, err := f.svc.RunRetention(ctx, "bench")
		if err != nil || erased != n {
			b.Fatalf("erased %d, %v", erased, err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/100k")
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "contacts/s")
	}
}

// seedEvents gives one contact `events` events: consent records with IPs
// and user agents, and deliveries (one campaign each, opened and clicked).
func seedEvents(b testing.TB, f *fixture, events int) int64 {
	ctx := context.Background()
	campaignID, listID := seedCampaign(b, f)
	s := seedSubject(b, f, "events", campaignID, listID)
	ndel := events / 5
	r, err := f.db.Query(ctx, `INSERT INTO campaigns (name, subject, from_email, status)
		SELECT 'c' || g, 's', 'n@example.org', 'finished' FROM generate_series(1, $1) g RETURNING id`, ndel)
	if err != nil {
		b.Fatal(err)
	}
	camps, err := pgx.CollectRows(r, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	dels := make([][]any, len(camps))
	for i, c := range camps {
		dels[i] = []any{c, s.ID, "sent", int16(1), now, now, now}
	}
	copyRows(b, f, "deliveries", []string{"campaign_id", "contact_id", "status", "attempts", "done_at", "opened_at", "clicked_at"}, dels)
	cons := make([][]any, events-ndel)
	for i := range cons {
		action := []string{"opt-in", "confirm", "update", "reconfirm"}[i%4]
		cons[i] = []any{s.ID, listID, action, "update-page", "news", fmt.Sprintf("192.0.2.%d", i%250), "Mozilla/5.0 (X11; Linux x86_64) event " + fmt.Sprint(i)}
	}
	copyRows(b, f, "consent_records", []string{"contact_id", "list_id", "action", "source", "purpose", "ip", "user_agent"}, cons)
	return s.ID
}

// BenchmarkExport10kEvents: the access export of a contact with 10,000
// events, as JSON and as PDF. Target: each under 1 s.
func BenchmarkExport10kEvents(b *testing.B) {
	f := newFixture(b, privacy.Options{})
	id := seedEvents(b, f, 10_000)
	ctx := context.Background()
	b.Run("json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ex, err := f.svc.Export(ctx, id, "bench", "json")
			if err != nil {
				b.Fatal(err)
			}
			raw, err := json.Marshal(ex)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(raw)))
		}
	})
	b.Run("pdf", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ex, err := f.svc.Export(ctx, id, "bench", "pdf")
			if err != nil {
				b.Fatal(err)
			}
			pdf, err := ex.PDF("en")
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(pdf)))
		}
	})
}

// TestExportPDFLongTables: a table of many rows is printed compactly, and
// every row's data is still in the PDF.
func TestExportPDFLongTables(t *testing.T) {
	t.Parallel()
	f := newFixture(t, privacy.Options{})
	id := seedEvents(t, f, 100) // 20 deliveries, 80 consent records (+2 seeded)
	ex, err := f.svc.Export(t.Context(), id, "test", "pdf")
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := ex.PDF("en")
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, want := range []string{"Where your data came from: your consents (82)", "82.", "event 0", "event 79", "192.0.2.79", "Mails we sent you (21)"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
}

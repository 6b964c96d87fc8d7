package privacy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/privacy"
)

const testSecret = "test-secret-key-0123456789abcdef0123"

type fixture struct {
	db     *db.Pool
	rdb    redis.UniversalClient
	prefix string
	cs     *contacts.Store
	svc    *privacy.Service
	reg    *prometheus.Registry
}

func newFixture(t testing.TB, opt privacy.Options) *fixture {
	t.Helper()
	pool := testenv.DB(t)
	rdb, prefix := testenv.Redis(t)
	f := &fixture{db: pool, rdb: rdb, prefix: prefix, cs: contacts.NewStore(pool, testSecret, 2), reg: prometheus.NewRegistry()}
	opt.DB, opt.Contacts, opt.Log, opt.Reg, opt.Redis, opt.KeyPrefix = pool, f.cs, testenv.Logger(t), f.reg, rdb, prefix
	f.svc = privacy.New(opt)
	return f
}

func (f *fixture) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := f.db.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// subject is a contact seeded across every personal-data table.
type subject struct {
	ID                             int64
	Email, Name, IP, UA, AttrValue string
}

// seeders put a row of the contact into each registered personal table.
// A table registered in internal/db/personal.go without a seeder here makes
// TestEraseLeavesNothing fail: add one.
var seeders = map[string]func(t testing.TB, f *fixture, s subject, campaignID, listID int64){
	"contacts": func(t testing.TB, f *fixture, s subject, _, _ int64) {}, // created by seed
	"subscriptions": func(t testing.TB, f *fixture, s subject, _, listID int64) {
		f.exec(t, `INSERT INTO subscriptions (contact_id, list_id, status) VALUES ($1, $2, 'confirmed')`, s.ID, listID)
	},
	"consent_records": func(t testing.TB, f *fixture, s subject, _, listID int64) {
		f.exec(t, `INSERT INTO consent_records (contact_id, list_id, action, source, purpose, ip, user_agent, evidence)
			VALUES ($1, $2, 'opt-in', 'webform', 'news', $3, $4, $5), ($1, $2, 'opt-out', 'complaint', '', $3, $4, $5)`,
			s.ID, listID, s.IP, s.UA, "form v3 signed by "+s.Name+" <"+s.Email+">")
	},
	"blocklist": func(t testing.TB, f *fixture, s subject, _, _ int64) {
		if err := f.cs.BlockAddress(context.Background(), s.Email, "complaint", "complained as "+s.Name); err != nil {
			t.Fatal(err)
		}
	},
	"deliveries": func(t testing.TB, f *fixture, s subject, campaignID, _ int64) {
		f.exec(t, `INSERT INTO deliveries (campaign_id, contact_id, status, attempts, done_at, opened_at, last_error)
			VALUES ($1, $2, 'sent', 1, now(), now(), $3)`, campaignID, s.ID, "550 5.1.1 <"+s.Email+">: user unknown")
	},
	"campaign_audience": func(t testing.TB, f *fixture, s subject, campaignID, _ int64) {
		f.exec(t, `INSERT INTO campaign_audience (campaign_id, contact_id) VALUES ($1, $2)`, campaignID, s.ID)
	},
	"inbound_messages": func(t testing.TB, f *fixture, s subject, _, _ int64) {
		raw := "From: " + s.Email + "\r\nSubject: unsubscribe\r\n\r\nFinal-Recipient: rfc822; " + s.Email + "\r\n"
		f.exec(t, `INSERT INTO inbound_messages (mail_from, rcpts, raw, size, status, contact_id) VALUES ($1, $2, $3, $4, 'done', $5),
			($1, $2, $3, $4, 'new', NULL)`, s.Email, []string{"postmaster@bounces.example.org"}, []byte(raw), len(raw), s.ID)
		// Neither correlated nor sent by the subject: found by the hash of
		// the address it names.
		f.exec(t, `INSERT INTO inbound_messages (mail_from, rcpts, raw, size, status, outcome, address_hashes)
			VALUES ('', $1, $2, $3, 'ignored', 'unauthenticated', $4)`, []string{"abuse@bounces.example.org"},
			[]byte(raw), len(raw), [][]byte{f.cs.Hash("someone.else@example.org"), f.cs.Hash(s.Email)})
	},
	"bounces": func(t testing.TB, f *fixture, s subject, campaignID, _ int64) {
		f.exec(t, `INSERT INTO bounces (contact_id, campaign_id, recipient, class, reason, status, reply_code, diagnostic, source, counted)
			VALUES ($1, $2, $3, 'hard', 'userunknown', '5.1.1', 550, $4, 'dsn', true), (NULL, $2, $3, 'soft', 'mailboxfull', '4.2.2', 452, $4, 'webhook', false)`,
			s.ID, campaignID, s.Email, "550 5.1.1 <"+s.Email+">: user unknown")
	},
	"recipient_actions": func(t testing.TB, f *fixture, s subject, campaignID, listID int64) {
		f.exec(t, `INSERT INTO recipient_actions (contact_id, campaign_id, list_id, action, detail, ip, user_agent)
			VALUES ($1, $2, $3, 'answer-change', $4, $5, $6)`, s.ID, campaignID, listID, "name "+s.Name, s.IP, s.UA)
	},
	"update_answers": func(t testing.TB, f *fixture, s subject, campaignID, _ int64) {
		f.exec(t, `INSERT INTO update_answers (campaign_id, contact_id, answer) VALUES ($1, $2, 'changed')`, campaignID, s.ID)
	},
	"change_requests": func(t testing.TB, f *fixture, s subject, campaignID, _ int64) {
		f.exec(t, `INSERT INTO change_requests (contact_id, campaign_id, changes, status, ip, user_agent)
			VALUES ($1, $2, $3, 'applied', $4, $5)`, s.ID, campaignID,
			`[{"field":"name","old":"`+s.Name+`","new":"`+s.Name+` Jr"}]`, s.IP, s.UA)
	},
	// A released hold: erasure proceeds and deletes it.
	"legal_holds": func(t testing.TB, f *fixture, s subject, _, _ int64) {
		f.exec(t, `INSERT INTO legal_holds (contact_id, reason, until, created_by, released_at, released_by)
			VALUES ($1, $2, now() + interval '1 year', 'test', now(), 'test')`, s.ID, "claim of "+s.Name)
	},
	"privacy_request_drafts": func(t testing.TB, f *fixture, s subject, _, _ int64) {
		f.exec(t, `INSERT INTO privacy_request_drafts (token_hash, contact_id, details, expires_at)
			VALUES (sha256($1::bytea), $2, $3, now() + interval '1 day')`, []byte("draft "+s.Email), s.ID, "My name is "+s.Name)
	},
	// A staff invitation to the contact's address in the contact's department.
	"invitations": func(t testing.TB, f *fixture, s subject, _, _ int64) {
		f.exec(t, `INSERT INTO invitations (id, department_id, email, name, role, token_hash, expires_at)
			SELECT 'inv_' || substr(md5(random()::text), 1, 26), department_id, upper(email), $2, 'viewer',
				sha256(convert_to(random()::text, 'UTF8')), now() + interval '1 day' FROM contacts WHERE id = $1`, s.ID, s.Name)
	},
	"contact_changes": func(t testing.TB, f *fixture, s subject, _, _ int64) {
		f.exec(t, `INSERT INTO contact_changes (contact_id, actor, fields) VALUES ($1, 'person:1', '{name,email}')`, s.ID)
	},
	"privacy_requests": func(t testing.TB, f *fixture, s subject, _, _ int64) {
		// Closed with a note of what was done, which may name the subject's
		// data (a rectification: "Your name is now spelled ...").
		f.exec(t, `INSERT INTO privacy_requests (kind, status, via, contact_id, token_hash, ip, user_agent, due_at, closed_at, note)
			VALUES ('access', 'done', 'form', $1, sha256($2::bytea), $3, $4, now() + interval '1 month', $5, $6)`, s.ID, []byte(s.Email), s.IP, s.UA+" confirm", time.Now(),
			"Sent to "+s.Name+".")
	},
}

func seedCampaign(t testing.TB, f *fixture) (campaignID, listID int64) {
	t.Helper()
	ctx := context.Background()
	if err := f.db.QueryRow(ctx, `INSERT INTO lists (slug, name, purpose, optin) VALUES ('news', 'News', 'news', 'single') RETURNING id`).Scan(&listID); err != nil {
		t.Fatal(err)
	}
	if err := f.db.QueryRow(ctx, `INSERT INTO campaigns (name, subject, from_email, status) VALUES ('c', 's', 'news@example.org', 'finished') RETURNING id`).Scan(&campaignID); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `INSERT INTO campaign_stats (campaign_id, total, sent, opened, bounced) VALUES ($1, 2, 2, 1, 0)`, campaignID)
	return
}

func seedSubject(t testing.TB, f *fixture, tag string, campaignID, listID int64) subject {
	t.Helper()
	s := subject{Email: "zoë." + tag + "@example.net", Name: "Zoë Ħaddad-" + tag, IP: "198.51.100." + fmt.Sprint(len(tag)+7),
		UA: "Mozilla/5.0 " + tag + "-agent", AttrValue: "city-of-" + tag}
	c, err := f.cs.Create(context.Background(), contacts.New{Email: s.Email, Name: s.Name, Source: "webform",
		Attributes: map[string]any{"city": s.AttrValue, "age": 41}})
	if err != nil {
		t.Fatal(err)
	}
	s.ID = c.ID
	for _, p := range db.PersonalTables {
		seed, ok := seeders[p.Table]
		if !ok {
			t.Errorf("personal table %s has no seeder in privacy/erase_test.go: add one so erasure is tested on it", p.Table)
			continue
		}
		seed(t, f, s, campaignID, listID)
	}
	// Redis: a cached profile tracked in the contact's key set, and a list
	// cleared by a purge hook.
	ctx := context.Background()
	key := f.prefix + "profile:" + fmt.Sprint(s.ID)
	f.rdb.HSet(ctx, key, "email", s.Email, "name", s.Name, "ip", s.IP)
	f.rdb.SAdd(ctx, privacy.ContactKeySet(f.prefix, s.ID), key)
	f.rdb.RPush(ctx, f.prefix+"recent", fmt.Sprintf("%d|%s|%s", s.ID, s.Email, s.AttrValue))
	return s
}

// snapshot returns the contents of every non-personal table but the audit
// log (statistics must survive erasure unchanged).
func snapshot(t testing.TB, f *fixture) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tbl := range db.NonPersonalTables {
		if tbl == "audit_log" || tbl == "list_counts" {
			continue // the audit log grows; list_counts follows subscriptions (checked apart)
		}
		var s *string
		if err := f.db.QueryRow(context.Background(), `SELECT json_agg(t ORDER BY t::text)::text FROM `+pgx.Identifier{tbl}.Sanitize()+` t`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s != nil {
			out[tbl] = *s
		}
	}
	return out
}

// searchDB finds needles in every text, json, inet and array column of every table.
func searchDB(t testing.TB, f *fixture, needles []string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := f.db.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns c
		WHERE table_schema = current_schema() AND (data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'inet', 'cidr', 'ARRAY', 'USER-DEFINED'))
		AND EXISTS (SELECT 1 FROM information_schema.tables x WHERE x.table_name = c.table_name AND x.table_schema = c.table_schema AND x.table_type = 'BASE TABLE')`)
	if err != nil {
		t.Fatal(err)
	}
	type tc struct{ T, C string }
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[tc])
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) < 10 {
		t.Fatalf("only %d searchable columns found", len(cols))
	}
	var found []string
	for _, c := range cols {
		for _, n := range needles {
			var k int
			q := `SELECT count(*) FROM ` + pgx.Identifier{c.T}.Sanitize() + ` WHERE ` + pgx.Identifier{c.C}.Sanitize() + `::text ILIKE '%' || $1 || '%'`
			if err := f.db.QueryRow(ctx, q, n).Scan(&k); err != nil {
				t.Fatalf("%s.%s: %v", c.T, c.C, err)
			}
			if k > 0 {
				found = append(found, fmt.Sprintf("%s.%s holds %q", c.T, c.C, n))
			}
		}
	}
	return found
}

// searchRedis finds needles in every key name and value under the prefix.
func searchRedis(t testing.TB, f *fixture, needles []string) []string {
	t.Helper()
	ctx := context.Background()
	var found []string
	iter := f.rdb.Scan(ctx, 0, f.prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		var vals []string
		switch f.rdb.Type(ctx, k).Val() {
		case "string":
			vals = []string{f.rdb.Get(ctx, k).Val()}
		case "hash":
			for a, b := range f.rdb.HGetAll(ctx, k).Val() {
				vals = append(vals, a, b)
			}
		case "list":
			vals = f.rdb.LRange(ctx, k, 0, -1).Val()
		case "set":
			vals = f.rdb.SMembers(ctx, k).Val()
		case "zset":
			vals = f.rdb.ZRange(ctx, k, 0, -1).Val()
		case "stream":
			for _, m := range f.rdb.XRange(ctx, k, "-", "+").Val() {
				b, _ := json.Marshal(m.Values)
				vals = append(vals, string(b))
			}
		}
		for _, n := range needles {
			if strings.Contains(strings.ToLower(k), strings.ToLower(n)) {
				found = append(found, fmt.Sprintf("redis key %s names %q", k, n))
			}
			for _, v := range vals {
				if strings.Contains(strings.ToLower(v), strings.ToLower(n)) {
					found = append(found, fmt.Sprintf("redis key %s holds %q", k, n))
				}
			}
		}
	}
	return found
}

func (s subject) needles() []string {
	return []string{s.Email, s.Name, s.IP, s.UA, s.AttrValue, strings.SplitN(s.Email, "@", 2)[0]}
}

// TestEraseLeavesNothing seeds a contact across every registered table and
// Redis, erases it, and searches the whole database and key space for its
// address, name, IP, user agent and attribute values.
func TestEraseLeavesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, privacy.Options{KeepSuppressionHash: true})
	ctx := t.Context()
	campaignID, listID := seedCampaign(t, f)
	s := seedSubject(t, f, "gone", campaignID, listID)
	keep := seedSubject(t, f, "stays", campaignID, listID)
	// A purge hook of another domain: it removes the subject's entries from
	// a shared list.
	f.svc.AddPurgeHook("recent", func(ctx context.Context, id int64) error {
		for _, v := range f.rdb.LRange(ctx, f.prefix+"recent", 0, -1).Val() {
			if strings.HasPrefix(v, fmt.Sprint(id)+"|") {
				if err := f.rdb.LRem(ctx, f.prefix+"recent", 0, v).Err(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if found := searchDB(t, f, s.needles()); len(found) < 5 {
		t.Fatalf("seeding put the subject in too few places to test anything: %v", found)
	}
	if found := searchRedis(t, f, s.needles()); len(found) == 0 {
		t.Fatal("seeding put nothing in Redis")
	}
	before := snapshot(t, f)
	var deliveriesBefore int
	f.db.QueryRow(ctx, `SELECT count(*) FROM deliveries`).Scan(&deliveriesBefore)

	if err := f.svc.Erase(ctx, s.ID, privacy.CauseRequest, "token:1:test"); err != nil {
		t.Fatal(err)
	}

	if found := searchDB(t, f, s.needles()); len(found) > 0 {
		t.Errorf("after erasure the database still holds the subject:\n%s", strings.Join(found, "\n"))
	}
	if found := searchRedis(t, f, s.needles()); len(found) > 0 {
		t.Errorf("after erasure Redis still holds the subject:\n%s", strings.Join(found, "\n"))
	}
	var n int
	for _, p := range db.PersonalTables {
		if p.ContactColumn == "" {
			continue
		}
		f.db.QueryRow(ctx, `SELECT count(*) FROM `+p.Table+` WHERE `+p.ContactColumn+` = $1`, s.ID).Scan(&n)
		if n != 0 {
			t.Errorf("%s: %d rows still linked to the erased contact", p.Table, n)
		}
	}
	after := snapshot(t, f)
	for tbl, v := range before {
		if after[tbl] != v {
			t.Errorf("non-personal table %s changed by erasure:\nbefore %s\nafter  %s", tbl, v, after[tbl])
		}
	}
	var countsOff int
	f.db.QueryRow(ctx, `SELECT count(*) FROM (SELECT list_id, status, count(*) AS n FROM subscriptions GROUP BY 1, 2) s
		FULL JOIN (SELECT * FROM list_counts WHERE n <> 0) lc USING (list_id, status) WHERE s.n IS DISTINCT FROM lc.n`).Scan(&countsOff)
	if countsOff != 0 {
		t.Errorf("list_counts disagrees with the subscriptions after erasure in %d rows", countsOff)
	}
	var deliveriesAfter int
	f.db.QueryRow(ctx, `SELECT count(*) FROM deliveries`).Scan(&deliveriesAfter)
	if deliveriesAfter != deliveriesBefore {
		t.Errorf("deliveries: %d rows after erasure, want %d (anonymised, not deleted)", deliveriesAfter, deliveriesBefore)
	}
	// The suppression hash stays (the subject complained), without address.
	blocked, err := f.cs.IsBlocked(ctx, s.Email)
	if err != nil || !blocked {
		t.Errorf("IsBlocked after erasure of a complainer = %v, %v; want true (keep_suppression_hash)", blocked, err)
	}
	if _, err := f.cs.Create(ctx, contacts.New{Email: s.Email, Source: "import"}); err != contacts.ErrBlocklisted {
		t.Errorf("re-import of an erased complainer: err %v, want ErrBlocklisted", err)
	}
	// The other contact is untouched.
	if found := searchDB(t, f, keep.needles()); len(found) < 5 {
		t.Errorf("the other contact lost data: only %v", found)
	}
	if _, err := f.cs.Get(ctx, keep.ID); err != nil {
		t.Errorf("other contact: %v", err)
	}
	// Audit: one erase entry, no personal data.
	entries, err := f.svc.AuditLog(ctx, privacy.ActionErase, 0, 10)
	if err != nil || len(entries) != 1 || entries[0].Count != 1 || entries[0].Cause != "request" || entries[0].Actor != "token:1:test" {
		t.Errorf("audit entries %+v, %v; want one erase by token:1:test", entries, err)
	}
	if got := testutil.ToFloat64(mustCounter(t, f.reg, "postbode_erasures_total", "request")); got != 1 {
		t.Errorf("postbode_erasures_total{cause=request} = %v, want 1", got)
	}
	// Erasing again: not found.
	if err := f.svc.Erase(ctx, s.ID, privacy.CauseRequest, "x"); err != contacts.ErrNotFound {
		t.Errorf("second erasure: %v, want ErrNotFound", err)
	}
}

// TestEraseDropsHashWhenNotSuppressed: a contact that was neither
// blocklisted nor complained leaves no hash; with keep_suppression_hash off
// even a blocklisted one leaves none.
func TestEraseDropsHashWhenNotSuppressed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, privacy.Options{KeepSuppressionHash: false})
	ctx := t.Context()
	c, err := f.cs.Create(ctx, contacts.New{Email: "b@example.net", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.cs.BlockAddress(ctx, c.Email, "manual", ""); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Erase(ctx, c.ID, privacy.CauseRequest, "t"); err != nil {
		t.Fatal(err)
	}
	var n int
	f.db.QueryRow(ctx, `SELECT count(*) FROM blocklist`).Scan(&n)
	if n != 0 {
		t.Errorf("blocklist has %d rows after erasure with keep_suppression_hash off, want 0", n)
	}
	if err := f.svc.Erase(ctx, 1, "bogus", "t"); err == nil || !strings.Contains(err.Error(), "cause") {
		t.Errorf("unknown cause: %v, want an error naming cause", err)
	}
}

func TestAuditLogAppendOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, privacy.Options{})
	ctx := t.Context()
	if err := f.svc.Audit(ctx, privacy.Entry{Actor: "a", Action: privacy.ActionExport, TargetKind: "contact", Count: 1}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_log SET count = 5`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := f.db.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err %v, want append-only refusal", q, err)
		}
	}
}

func mustCounter(t testing.TB, reg *prometheus.Registry, name, label string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetValue() == label }) {
				return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "x"}, func() float64 { return m.GetCounter().GetValue() })
			}
		}
	}
	t.Fatalf("metric %s{%s} not found", name, label)
	return nil
}

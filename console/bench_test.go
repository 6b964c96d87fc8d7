package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
	"github.com/postbode/postbode/staff"
	"github.com/postbode/postbode/templates"
)

const benchKey = "bench-secret-key-0123456789abcdef0123"

// benchEnv is a console on a database with many contacts and campaigns,
// and the cookie of a signed-in administrator.
type benchEnv struct {
	h      *Handler
	cookie *http.Cookie
	contID int64
	campID int64
	pool   *db.Pool
}

func newBenchEnv(b testing.TB, nContacts, nCampaigns int) *benchEnv {
	b.Helper()
	return newBenchEnvIn(b, nContacts, nCampaigns, nil)
}

// newBenchEnvIn is newBenchEnv with the organisation's time zone loc.
func newBenchEnvIn(b testing.TB, nContacts, nCampaigns int, loc *time.Location) *benchEnv {
	b.Helper()
	ctx := context.Background()
	pool := testenv.DB(b)
	rdb, prefix := testenv.Redis(b)
	log := testenv.Logger(b)
	reg := prometheus.NewRegistry()
	cs := contacts.NewStore(pool, benchKey, 2)
	keys := rtoken.NewKeys(benchKey)
	seed := []string{
		`INSERT INTO lists (slug, name, purpose, optin) VALUES ('news', 'News', 'news', 'single')`,
		fmt.Sprintf(`INSERT INTO contacts (email, name, source, updated_source) SELECT 'user' || i || '@example.org', 'User ' || i, 'import', 'import'
			FROM generate_series(1, %d) i`, nContacts),
		`INSERT INTO subscriptions (contact_id, list_id, status) SELECT id, 1, 'confirmed' FROM contacts`,
		fmt.Sprintf(`WITH c AS (INSERT INTO campaigns (name, kind, subject, html, text_body, from_name, from_email, reply_to,
			list_ids, has_audience, track_opens, track_clicks, created_by, status)
			SELECT 'Campaign ' || i, 'regular', 'Hello', '<p>Hi</p>', 'Hi', 'News', 'news@example.org', '', '{1}', false,
			true, true, 'bench', CASE WHEN i %% 100 = 0 THEN 'running' ELSE 'finished' END FROM generate_series(1, %d) i RETURNING id)
			INSERT INTO campaign_stats (campaign_id, total, sent) SELECT id, 1000, 900 FROM c`, nCampaigns),
	}
	for _, q := range seed {
		if _, err := pool.Exec(access.WithDepartment(ctx, access.DefaultDepartment), q); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
	// Statistics as autovacuum keeps them: ANALYZE as the owner (the
	// department's role may not analyze the tables and would skip them).
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	camp := campaigns.New(campaigns.Options{DB: pool, Redis: rdb, KeyPrefix: prefix, Log: log, Reg: reg, Contacts: cs,
		Style: templates.Style{OrgName: "Bench"}, Keys: keys, BaseURL: "https://pb.example.org", BounceDomain: "bounce.example.org"})
	priv := privacy.New(privacy.Options{DB: pool, Contacts: cs, Log: log, Reg: reg, OneStarDays: 180})
	os := optin.NewStore(pool)
	proc := bounces.NewProcessor(bounces.ProcessorOptions{DB: pool, Contacts: cs, Lists: benchLists{}, Keys: keys, Metrics: bounces.NewMetrics(reg), Log: log})
	js := jobs.NewStore(pool)
	st := staff.New(pool, benchKey, staff.Options{})
	h, err := New(ctx, Deps{Log: log, Staff: st, Contacts: cs, Optin: os, Jobs: js, Importer: optin.NewImporter(pool, cs, js, log),
		Campaigns: camp, Privacy: priv, Bounces: proc, Audit: pool, Location: loc})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateActive(ctx, staff.NewPerson{Email: "admin@example.org", Name: "Admin",
		DepartmentID: access.DefaultDepartment, Role: access.RoleAdmin, Password: "a long and quiet harbour 42"}); err != nil {
		b.Fatal(err)
	}
	_, secret, _, err := st.Login(ctx, staff.LoginInput{Email: "admin@example.org", Password: "a long and quiet harbour 42"})
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{h: h, cookie: &http.Cookie{Name: staff.CookieName, Value: secret}, contID: int64(nContacts / 2), campID: int64(nCampaigns / 2), pool: pool}
}

// get serves one request and fails on a status other than 200.
func (e *benchEnv) get(b *testing.B, path string) {
	r := httptest.NewRequest("GET", path, nil)
	r.AddCookie(e.cookie)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		b.Fatalf("GET %s: %d\n%.500s", path, w.Code, w.Body.String())
	}
}

// BenchmarkScreens measures each screen's server time (session lookup,
// domain services, rendering) with many contacts and campaigns:
// POSTBODE_BENCH_CONTACTS (default 100000) and POSTBODE_BENCH_CAMPAIGNS
// (default 1000). It reports p50 and p99 per screen.
func BenchmarkScreens(b *testing.B) {
	nc, nm := envInt("POSTBODE_BENCH_CONTACTS", 100000), envInt("POSTBODE_BENCH_CAMPAIGNS", 1000)
	e := newBenchEnv(b, nc, nm)
	// What the privacy reports read: attributes, an opt-in record per
	// contact, every tenth contact one-star, a delivery each.
	for _, q := range []string{
		`UPDATE contacts SET attributes = jsonb_build_object('city', 'City ' || (id % 500), 'plan', CASE WHEN id % 3 = 0 THEN 'pro' ELSE '' END),
			one_star_since = CASE WHEN id % 10 = 0 THEN now() - interval '200 days' END`,
		`INSERT INTO consent_records (contact_id, list_id, action, source, purpose, ip, user_agent)
			SELECT id, 1, 'opt-in', CASE WHEN id % 4 = 0 THEN 'webform' ELSE 'import' END, 'news', '192.0.2.1', 'UA' FROM contacts`,
		`INSERT INTO deliveries (campaign_id, contact_id, status, attempts, done_at) SELECT 1, id, 'sent', 1, now() FROM contacts`,
		`ANALYZE`,
	} {
		if _, err := e.pool.Exec(context.Background(), q); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
	screens := []struct{ name, path string }{
		{"overview", "/console/"},
		{"contact-search", "/console/contacts?q=user4242"},
		{"contact-search-name", "/console/contacts?q=User+77"},
		{"contacts-filtered", "/console/contacts?status=active&list=news&stars=2"},
		{"contacts-stars5", "/console/contacts?list=news&stars=5"},
		{"contact", "/console/contacts/" + strconv.FormatInt(e.contID, 10)},
		{"campaigns", "/console/campaigns"},
		{"campaign", "/console/campaigns/" + strconv.FormatInt(e.campID, 10)},
		{"campaign-results", "/console/campaigns/" + strconv.FormatInt(e.campID, 10) + "/results"},
		{"lists", "/console/lists"},
		{"privacy", "/console/privacy"},
		{"privacy-reports", "/console/privacy/reports"},
		{"audit", "/console/privacy/audit"},
	}
	for _, sc := range screens {
		b.Run(sc.name, func(b *testing.B) {
			e.get(b, sc.path) // warm up
			var ds []time.Duration
			for b.Loop() {
				start := time.Now()
				e.get(b, sc.path)
				ds = append(ds, time.Since(start))
			}
			slices.Sort(ds)
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[min(len(ds)-1, len(ds)*99/100)].Microseconds())/1000, "p99-ms")
		})
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchLists is what the bounce processor needs to unsubscribe (unused here).
type benchLists struct{}

func (benchLists) UnsubscribeTx(ctx context.Context, tx pgx.Tx, contactID int64, listIDs []int64, source, evidence string) (int, error) {
	return optin.UnsubscribeTx(ctx, tx, contactID, listIDs, optin.Consent{Source: source, Evidence: evidence})
}

package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestRoleWithoutAPIOpensNoAdminListener: a janitor process whose
// api.listen is held by another process on the host starts anyway — it
// opens no admin listener — and answers health checks and metrics on
// metrics.listen, which serves nothing else.
func TestRoleWithoutAPIOpensNoAdminListener(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	d := startDaemon(t, "janitor", "POSTBODE_API_LISTEN="+held.Addr().String())
	if d.admin != envValue(d.env, "POSTBODE_METRICS_LISTEN") {
		t.Fatalf("health address %s is not metrics.listen", d.admin)
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + d.admin + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("/readyz: %d %s", code, body)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "postbode_janitor_runs_total") {
		t.Errorf("/metrics: %d, janitor series missing", code)
	}
	if code, _ := get("/api/v1/contacts"); code != 404 {
		t.Errorf("the metrics listener serves the API: %d", code)
	}
	if strings.Contains(d.logs.String(), "api.listen") {
		t.Errorf("the janitor tried the admin listener:\n%s", d.logs)
	}
}

// TestRetentionCommand: `postbode retention run --dry-run` prints per cause
// what one pass would erase and erases nothing; `retention run` erases it
// and prints the same counts; contacts not due stay.
func TestRetentionCommand(t *testing.T) {
	d := startDaemon(t, "api", "POSTBODE_RETENTION_ONE_STAR_DAYS=30")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, envValue(d.env, "POSTBODE_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO contacts (email, name, source, updated_source, status, one_star_since)
		VALUES ('i1@example.org', '', 'api', 'api', 'inactive', now() - interval '40 days'),
		       ('i2@example.org', '', 'api', 'api', 'inactive', now() - interval '40 days'),
		       ('f1@example.org', '', 'api', 'api', 'active', now() - interval '40 days'),
		       ('young@example.org', '', 'api', 'api', 'active', now() - interval '10 days'),
		       ('ok@example.org', '', 'api', 'api', 'active', NULL)`); err != nil {
		t.Fatal(err)
	}
	// Evidence tied to no contact older than bounces.raw_retention (7 days)
	// is cleared of the address it names; younger evidence and a row tied
	// to a contact keep theirs.
	var evOld, evYoung, linked int64
	for _, r := range []struct {
		id      *int64
		contact string
		age     string
	}{{&evOld, "", "8 days"}, {&evYoung, "", "6 days"}, {&linked, "ok@example.org", "8 days"}} {
		if err := conn.QueryRow(ctx, `INSERT INTO bounces (contact_id, recipient, class, diagnostic, source, outcome, created_at)
			VALUES ((SELECT id FROM contacts WHERE email = $1), 'kees@example.org', 'hard', '550 kees@example.org unknown', 'dsn',
			'unauthenticated', now() - $2::interval) RETURNING id`, r.contact, r.age).Scan(r.id); err != nil {
			t.Fatal(err)
		}
	}
	named := func(id int64) bool {
		var n int
		conn.QueryRow(ctx, `SELECT count(*) FROM bounces WHERE id = $1 AND recipient = 'kees@example.org' AND diagnostic <> ''`, id).Scan(&n)
		return n == 1
	}
	count := func() int {
		var n int
		conn.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&n)
		return n
	}
	want := []string{"inactive  2", "blocklisted  0", "floater  1", "total  3", "names: 1 row"}
	out := squeeze(d.cli(t, "retention", "run", "--dry-run"))
	for _, w := range append(want, "one-star longer than 30 days", "dry run") {
		if !strings.Contains(out, w) {
			t.Errorf("dry run output lacks %q:\n%s", w, out)
		}
	}
	if n := count(); n != 5 || !named(evOld) {
		t.Fatalf("%d contacts after the dry run (want 5), old evidence cleared %v", n, !named(evOld))
	}
	out = squeeze(d.cli(t, "retention", "run"))
	for _, w := range want {
		if !strings.Contains(out, w) || strings.Contains(out, "dry run") {
			t.Errorf("run output lacks %q:\n%s", w, out)
		}
	}
	if n := count(); n != 2 {
		t.Fatalf("%d contacts after the run, want 2", n)
	}
	if named(evOld) || !named(evYoung) || !named(linked) {
		t.Errorf("after the run: old evidence named %v (want false), young %v, linked %v (want true)",
			named(evOld), named(evYoung), named(linked))
	}
	var actors int
	conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor = 'cli'`).Scan(&actors)
	if actors < 2 {
		t.Errorf("%d audit entries by the cli, want the preview and the run", actors)
	}
}

package db_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
)

func TestMigrateFromEmpty(t *testing.T) {
	// testenv.DB clones a template migrated from an empty database; migrating
	// again must apply nothing and the bookkeeping must list every file.
	pool := testenv.DB(t)
	ctx := t.Context()
	migs, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	applied, err := db.Migrate(ctx, pool, testenv.Logger(t))
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate applied %v, err %v; want nothing", applied, err)
	}
	var n int
	pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n)
	if n != len(migs) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(migs))
	}
	for _, table := range []string{"contacts", "lists", "subscriptions", "consent_records", "blocklist", "api_tokens", "jobs"} {
		var ok bool
		pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok)
		if !ok {
			t.Errorf("table %s missing after migrations", table)
		}
	}
}

func TestMigrateFreshDatabaseConcurrently(t *testing.T) {
	pool := testenv.DB(t)
	ctx := t.Context()
	// Drop everything to get an empty schema, then migrate from four goroutines:
	// the advisory lock must make exactly one apply each file.
	if _, err := pool.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([][]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = db.Migrate(ctx, pool, testenv.Logger(t))
		}()
	}
	wg.Wait()
	total := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("Migrate %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	migs, _ := db.Migrations()
	if total != len(migs) {
		t.Errorf("migrations applied %d times in total, want %d", total, len(migs))
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	pool := testenv.DB(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')`); err != nil {
		t.Fatal(err)
	}
	_, err := db.Migrate(ctx, pool, testenv.Logger(t))
	if err == nil || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("err = %v, want refusal naming version 9999", err)
	}
}

func TestConsentRecordsAppendOnly(t *testing.T) {
	pool := testenv.DB(t)
	ctx := t.Context()
	var cid int64
	if err := pool.QueryRow(ctx, `INSERT INTO contacts (email, source, updated_source) VALUES ('a@example.org', 'api', 'api') RETURNING id`).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO consent_records (contact_id, action, source) VALUES ($1, 'opt-in', 'api')`, cid); err != nil {
		t.Fatal(err)
	}
	_, err := pool.Exec(ctx, `UPDATE consent_records SET action = 'opt-out'`)
	if err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("updating a consent record: err = %v, want append-only refusal", err)
	}
}

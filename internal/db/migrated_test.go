package db_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
)

// migratedBefore returns a test database holding the schema as it was
// before migration version, and the migrations from version on (the first
// is version), so a test can put in the rows an older release wrote and
// watch the migration move them.
func migratedBefore(t *testing.T, version int) (*db.Pool, []db.Migration) {
	t.Helper()
	pool := testenv.DB(t)
	if _, err := pool.Exec(t.Context(), `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	migs, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range migs {
		if m.Version >= version {
			if m.Version != version {
				t.Fatalf("no migration %d", version)
			}
			return pool, migs[i:]
		}
		if _, err := pool.Exec(t.Context(), m.SQL); err != nil {
			t.Fatalf("migration %d: %v", m.Version, err)
		}
	}
	t.Fatalf("no migration %d", version)
	return pool, nil
}

// texts returns the single text column of q's rows, in order.
func texts(t *testing.T, pool *db.Pool, q string) []string {
	t.Helper()
	rows, err := pool.Query(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockID is the advisory lock key each migration transaction
// holds, so only one node migrates at a time.
const migrationLockID = 0x706f7374626f6465 // "postbode"

// Migration is one numbered, forward-only schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("db: migration %s: name must be NNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("db: two migrations numbered %d", out[i].Version)
		}
	}
	return out, nil
}

// Migrate applies every embedded migration not yet recorded, in order, each in
// its own transaction. It refuses to run against a database that records a
// version this binary does not know (a newer schema). It returns the
// versions it applied.
//
// Each transaction takes a transaction-level advisory lock and re-reads the
// applied versions under it, so nodes starting together apply each
// migration once. A transaction-level lock (pg_advisory_xact_lock) is
// released by COMMIT on the same server connection, which makes it safe
// behind PgBouncer in transaction pooling, where a session-level lock could
// be taken on one server connection and "released" on another.
func Migrate(ctx context.Context, pool *Pool, log *slog.Logger) ([]int, error) {
	migs, err := Migrations()
	if err != nil {
		return nil, err
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("db: migrate: bookkeeping table: %w", err)
	}
	known := map[int]bool{}
	for _, m := range migs {
		known[m.Version] = true
	}
	var done []int
	for _, m := range migs {
		applied, err := applyOne(ctx, pool, m, known)
		if err != nil {
			return done, err
		}
		if applied {
			log.Info("migration applied", slog.Int("version", m.Version), slog.String("name", m.Name))
			done = append(done, m.Version)
		}
	}
	return done, nil
}

func appliedVersions(ctx context.Context, conn pgx.Tx) (map[int]bool, error) {
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("db: migrate: read versions: %w", err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("db: migrate: read versions: %w", err)
	}
	out := map[int]bool{}
	for _, v := range vs {
		out[v] = true
	}
	return out, nil
}

// applyOne applies m in one transaction under the migration lock unless it
// is recorded; it fails on a recorded version not in known.
func applyOne(ctx context.Context, pool *Pool, m Migration, known map[int]bool) (applied bool, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID); err != nil {
			return fmt.Errorf("db: migrate: lock: %w", err)
		}
		done, err := appliedVersions(ctx, tx)
		if err != nil {
			return err
		}
		for v := range done {
			if !known[v] {
				return fmt.Errorf("db: migrate: database has schema version %d that this binary does not know; refusing to run an older postbode on a newer schema", v)
			}
		}
		if done[m.Version] {
			return nil
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("db: migration %03d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return err
		}
		applied = true
		return nil
	})
	return applied, err
}

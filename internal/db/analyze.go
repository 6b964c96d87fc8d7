package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
)

// AnalyzeStale runs ANALYZE on those of tables whose statistics are missing
// or out of date: the table grew by more than a tenth of its pages, or more
// rows were inserted, updated or deleted since the last analysis than a
// tenth of the table (and at least 1,000). Bulk work (an import, a campaign's recipient
// expansion) calls it when done, so the next statements are planned on
// statistics that exist, without waiting for autovacuum's next round; an
// unchanged table costs one catalogue read. It is system work: only the
// tables' owner may analyse them, so it never runs in a department's scope
// (where ANALYZE would skip every table with a mere warning).
func AnalyzeStale(ctx context.Context, pool *Pool, tables ...string) error {
	ctx = access.Unscoped(ctx)
	// The size test sees rows a moment ago; the activity counters reach
	// pg_stat_user_tables only about a second after a transaction.
	rows, err := pool.Query(ctx, `SELECT c.relname FROM pg_class c
		JOIN pg_stat_user_tables t ON t.relid = c.oid
		WHERE t.schemaname = current_schema() AND c.relname = ANY($1)
		AND (c.reltuples < 0
			OR pg_relation_size(c.oid) / current_setting('block_size')::int > c.relpages * 1.1 + 8
			OR t.n_mod_since_analyze >= greatest(1000, t.n_live_tup / 10))`, tables)
	if err != nil {
		return fmt.Errorf("db: analyze: %w", err)
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("db: analyze: %w", err)
	}
	for _, t := range stale {
		if _, err := pool.Exec(ctx, "ANALYZE "+pgx.Identifier{t}.Sanitize()); err != nil {
			return fmt.Errorf("db: analyze %s: %w", t, err)
		}
	}
	return nil
}

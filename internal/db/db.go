// Package db is in charge of the Postgres system of record: opening the pool,
// applying the embedded migrations, and the registry of tables that hold
// personal data (which erasure and the access export are tested against).
package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Open connects a pool to url with at most maxConns connections and checks it.
// Every statement runs scoped to the department of its context (see Pool).
func Open(ctx context.Context, url string, maxConns int) (*Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(maxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping: %w", err)
	}
	return &Pool{p: pool}, nil
}

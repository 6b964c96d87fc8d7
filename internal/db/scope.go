package db

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postbode/postbode/internal/access"
)

// ScopedRole is the database role staff requests run as: row-level security
// limits it to the department in the postbode.department setting. System
// work (sending, bounces, retention) runs as the connecting role, which the
// policies do not restrict.
const ScopedRole = "postbode_scoped"

// scopeSQL sets the role, the department and the actor (postbode.actor, read
// by the column defaults and the change-history trigger of contacts) for the
// current transaction only (is_local = true): nothing outlives the
// transaction, so a server connection carries no scope from one transaction
// to the next, behind a transaction pooler or not. It also turns JIT
// compilation off: the row-level security of the department's tables makes
// the planner's cost estimates of a screen's scans many times too high, so
// Postgres would spend longer compiling a statement (seconds at 100,000
// contacts) than running it.
const scopeSQL = `SELECT set_config('role', $1, true), set_config('postbode.department', $2, true), set_config('postbode.actor', $3, true),
	set_config('jit', 'off', true)`

// Pool is the Postgres connection pool. A statement whose context carries a
// department (access.WithDepartment) or an actor (access.WithActor) runs in
// a transaction that begins by setting that scope with scopeSQL:
//
//   - Query, QueryRow, Exec and SendBatch send the scope and the statement(s)
//     as one pipeline ending in one Sync: one round trip, one implicit
//     transaction, which a transaction pooler keeps on one server connection;
//   - Begin and BeginTx send BEGIN and the scope as one pipeline, so the
//     scope holds for the whole transaction;
//   - CopyFrom, which cannot share a pipeline, runs in such a transaction.
//
// Work without scope (system work) goes straight to the pool.
type Pool struct {
	p *pgxpool.Pool
}

// scope is what a context asks its statements to run as.
type scope struct {
	role, dept, actor string
}

// scopeOf returns the scope of ctx; false for unscoped system work.
func scopeOf(ctx context.Context) (scope, bool) {
	dept := access.Department(ctx)
	a, hasActor := access.ActorFrom(ctx)
	if dept == 0 && !hasActor {
		return scope{}, false
	}
	s := scope{role: "none"}
	if dept != 0 {
		s.role, s.dept = ScopedRole, strconv.FormatInt(dept, 10)
	}
	if hasActor {
		s.actor = a.Label()
	}
	return s, true
}

func (s scope) query() *pgx.QueuedQuery {
	return &pgx.QueuedQuery{SQL: scopeSQL, Arguments: []any{s.role, s.dept, s.actor}}
}

// send sends scopeSQL and then the queries of b in one pipeline and reads
// the result of scopeSQL; the caller reads the rest and closes the result.
func (p *Pool) send(ctx context.Context, s scope, b *pgx.Batch) pgx.BatchResults {
	b.QueuedQueries = append([]*pgx.QueuedQuery{s.query()}, b.QueuedQueries...)
	br := p.p.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		return &failedScope{br: br, failed: pgx.FailedBatchResults(b, err), err: err}
	}
	return br
}

// Query runs sql in the scope of ctx.
func (p *Pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	s, ok := scopeOf(ctx)
	if !ok {
		return p.p.Query(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br := p.send(ctx, s, b)
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return rows, err
	}
	return &scopedRows{Rows: rows, br: br}, nil
}

// QueryRow runs sql in the scope of ctx; the row's Scan releases the
// connection.
func (p *Pool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	s, ok := scopeOf(ctx)
	if !ok {
		return p.p.QueryRow(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br := p.send(ctx, s, b)
	return scopedRow{row: br.QueryRow(), br: br}
}

// Exec runs sql in the scope of ctx.
func (p *Pool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	s, ok := scopeOf(ctx)
	if !ok {
		return p.p.Exec(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br := p.send(ctx, s, b)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// SendBatch sends b in the scope of ctx (scopeSQL is queued first; its
// result is read here, so the caller reads b's results as usual).
func (p *Pool) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	s, ok := scopeOf(ctx)
	if !ok {
		return p.p.SendBatch(ctx, b)
	}
	return p.send(ctx, s, b)
}

// Begin starts a transaction in the scope of ctx.
func (p *Pool) Begin(ctx context.Context) (pgx.Tx, error) {
	return p.BeginTx(ctx, pgx.TxOptions{})
}

// BeginTx starts a transaction with opts in the scope of ctx: BEGIN and
// scopeSQL go in one round trip.
func (p *Pool) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	s, ok := scopeOf(ctx)
	if !ok {
		return p.p.BeginTx(ctx, opts)
	}
	b := &pgx.Batch{}
	b.BeginTx(opts)
	b.QueuedQueries = append(b.QueuedQueries, s.query())
	br := p.p.SendBatch(ctx, b)
	tx := br.Tx()
	if err := br.Close(); err != nil {
		// Releases the connection: rolls back a transaction the scope
		// failed in; a no-op when BEGIN itself failed.
		tx.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	return tx, nil
}

// CopyFrom copies rows into table in the scope of ctx (in a transaction of
// its own when scoped).
func (p *Pool) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if _, ok := scopeOf(ctx); !ok {
		return p.p.CopyFrom(ctx, table, columns, src)
	}
	var n int64
	err := pgx.BeginFunc(ctx, p, func(tx pgx.Tx) (err error) {
		n, err = tx.CopyFrom(ctx, table, columns, src)
		return err
	})
	return n, err
}

// Ping checks that a connection can be had and answers.
func (p *Pool) Ping(ctx context.Context) error { return p.p.Ping(ctx) }

// Stat returns the pool's statistics.
func (p *Pool) Stat() *pgxpool.Stat { return p.p.Stat() }

// Config returns a copy of the pool's configuration.
func (p *Pool) Config() *pgxpool.Config { return p.p.Config() }

// Close closes every connection; it waits for acquired ones to be released.
func (p *Pool) Close() { p.p.Close() }

// scopedRows are the rows of a scoped Query: closing them (or reading past
// the last) reads the end of the pipeline and releases the connection.
type scopedRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *scopedRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *scopedRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.br.Close()
}

func (r *scopedRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// scopedRow is the row of a scoped QueryRow.
type scopedRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r scopedRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// failedScope are the results of a pipeline whose scopeSQL failed: every
// result reports that error, and Close ends the pipeline.
type failedScope struct {
	br, failed pgx.BatchResults
	err        error
}

func (f *failedScope) Exec() (pgconn.CommandTag, error) { return f.failed.Exec() }
func (f *failedScope) Query() (pgx.Rows, error)         { return f.failed.Query() }
func (f *failedScope) QueryRow() pgx.Row                { return f.failed.QueryRow() }
func (f *failedScope) Tx() pgx.Tx                       { return f.br.Tx() }
func (f *failedScope) Close() error {
	f.br.Close()
	return f.err
}

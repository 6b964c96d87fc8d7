package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
)

// scopeFixture is a database with two departments: a holds 3 contacts,
// b holds 5.
type scopeFixture struct {
	a, b int64
}

func newScopeFixture(t *testing.T, pool *db.Pool) scopeFixture {
	t.Helper()
	ctx := t.Context()
	var f scopeFixture
	for _, d := range []struct {
		slug string
		n    int
		id   *int64
	}{{"aa", 3, &f.a}, {"bb", 5, &f.b}} {
		if err := pool.QueryRow(ctx, `INSERT INTO departments (slug, name) VALUES ($1, $1) RETURNING id`, d.slug).Scan(d.id); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO contacts (email, source, updated_source, department_id)
			SELECT $1 || i || '@example.org', 'manual', 'manual', $2 FROM generate_series(1, $3) i`, d.slug, *d.id, d.n); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// seen is what a statement saw of its scope.
type seen struct {
	contacts int
	role     string
	dept     string
	actor    string
	jit      string
}

const seenSQL = `SELECT (SELECT count(*) FROM contacts), current_user, COALESCE(current_setting('postbode.department', true), ''), postbode_actor(),
	current_setting('jit')`

func (s *seen) scan(r pgx.Row) error { return r.Scan(&s.contacts, &s.role, &s.dept, &s.actor, &s.jit) }

// TestScopedStatementsSeeOnlyTheirDepartment runs statements of two
// departments and of system work, interleaved on many goroutines, through
// every way the pool runs a statement, and checks each one saw exactly its
// own scope: the department's contacts as postbode_scoped with its actor,
// or everything as the connecting role. Behind a transaction pooler
// (POSTBODE_TEST_POOLER_URL) a scope kept as session state on a connection
// fails this: the next transaction runs on another server connection. The
// same runs directly against the server.
func TestScopedStatementsSeeOnlyTheirDepartment(t *testing.T) {
	pool, url := testenv.DBWithURL(t)
	f := newScopeFixture(t, pool)
	pools := map[string]*db.Pool{"pool": pool}
	if direct := testenv.ServerURL(url); direct != url {
		dp, err := db.Open(t.Context(), direct, 10)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(dp.Close)
		pools = map[string]*db.Pool{"through the pooler": pool, "directly": dp}
	}
	type want struct {
		ctx context.Context
		seen
	}
	wants := []want{
		{access.WithDepartment(context.Background(), f.a), seen{3, db.ScopedRole, fmt.Sprint(f.a), "", "off"}},
		{access.WithActor(context.Background(), access.Actor{PersonID: 7, DepartmentID: f.b}), seen{5, db.ScopedRole, fmt.Sprint(f.b), "person:7", "off"}},
		{context.Background(), seen{8, "postgres", "", "", ""}},
	}
	// System work keeps the server's own setting of JIT.
	var owner, jit string
	if err := pool.QueryRow(t.Context(), `SELECT current_user, current_setting('jit')`).Scan(&owner, &jit); err != nil {
		t.Fatal(err)
	}
	wants[2].role, wants[2].jit = owner, jit
	ways := map[string]func(ctx context.Context, p *db.Pool) (seen, error){
		"QueryRow": func(ctx context.Context, p *db.Pool) (s seen, err error) {
			err = s.scan(p.QueryRow(ctx, seenSQL))
			return s, err
		},
		"Query": func(ctx context.Context, p *db.Pool) (s seen, err error) {
			rows, err := p.Query(ctx, seenSQL)
			if err != nil {
				return s, err
			}
			s, err = pgx.CollectExactlyOneRow(rows, func(r pgx.CollectableRow) (s seen, err error) { return s, s.scan(r) })
			return s, err
		},
		"SendBatch": func(ctx context.Context, p *db.Pool) (s seen, err error) {
			b := &pgx.Batch{}
			b.Queue(`SELECT 1`)
			b.Queue(seenSQL).QueryRow(s.scan)
			err = p.SendBatch(ctx, b).Close()
			return s, err
		},
		"SendBatch beginning a transaction": func(ctx context.Context, p *db.Pool) (s seen, err error) {
			b := &pgx.Batch{}
			b.BeginTx(pgx.TxOptions{})
			b.Queue(`SELECT 1`)
			br := p.SendBatch(ctx, b)
			tx := br.Tx()
			defer tx.Rollback(ctx)
			if err := br.Close(); err != nil {
				return s, err
			}
			// A later round trip of the transaction keeps the scope.
			err = s.scan(tx.QueryRow(ctx, seenSQL))
			return s, err
		},
		"Begin": func(ctx context.Context, p *db.Pool) (s seen, err error) {
			err = pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `SELECT 1`); err != nil {
					return err
				}
				return s.scan(tx.QueryRow(ctx, seenSQL))
			})
			return s, err
		},
		"BeginTx read only": func(ctx context.Context, p *db.Pool) (s seen, err error) {
			err = pgx.BeginTxFunc(ctx, p, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
				return s.scan(tx.QueryRow(ctx, seenSQL))
			})
			return s, err
		},
	}
	for name, p := range pools {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan string, 1000)
			for g := range 8 {
				wg.Go(func() {
					for i := range 30 {
						w := wants[(g+i)%len(wants)]
						for way, run := range ways {
							got, err := run(w.ctx, p)
							if err != nil {
								errs <- fmt.Sprintf("%s as %+v: %v", way, w.seen, err)
							} else if got != w.seen {
								errs <- fmt.Sprintf("%s saw %+v, want %+v", way, got, w.seen)
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			n := 0
			for e := range errs {
				if n++; n <= 10 {
					t.Error(e)
				}
			}
			if n > 10 {
				t.Errorf("... %d wrong statements in all", n)
			}
		})
	}
}

// TestScopedWritesCarryDepartmentAndActor checks Exec and CopyFrom in a
// department's scope: Exec changes only the department's rows and the
// change history names the actor; CopyFrom writes in the scope.
func TestScopedWritesCarryDepartmentAndActor(t *testing.T) {
	pool := testenv.DB(t)
	f := newScopeFixture(t, pool)
	ctx := t.Context()
	bee := access.WithActor(ctx, access.Actor{TokenID: 4, TokenName: "bee-api", DepartmentID: f.b})
	tag, err := pool.Exec(bee, `UPDATE contacts SET name = 'renamed'`)
	if err != nil || tag.RowsAffected() != 5 {
		t.Fatalf("scoped update: %v rows, err %v; want 5", tag.RowsAffected(), err)
	}
	var renamed, tracked int
	pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE name = 'renamed' AND department_id = $1 AND updated_by = 'token:4:bee-api'),
		count(*) FILTER (WHERE name = 'renamed') FROM contacts`, f.b).Scan(&renamed, &tracked)
	if renamed != 5 || tracked != 5 {
		t.Errorf("renamed in b by the token: %d, renamed anywhere: %d; want 5 and 5", renamed, tracked)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM contact_changes WHERE actor = 'token:4:bee-api' AND fields = '{name}'`).Scan(&tracked); err != nil || tracked != 5 {
		t.Errorf("change history names the token for %d contacts (err %v), want 5", tracked, err)
	}

	// COPY FROM is refused on tables under row-level security, so the
	// copy goes to a table that records the scope it was written in.
	if _, err := pool.Exec(ctx, `CREATE TABLE copied (v int, dept text DEFAULT current_setting('postbode.department', true),
		actor text DEFAULT postbode_actor(), who text DEFAULT current_user)`); err != nil {
		t.Fatal(err)
	}
	n, err := pool.CopyFrom(bee, pgx.Identifier{"copied"}, []string{"v"}, pgx.CopyFromRows([][]any{{1}, {2}}))
	if err != nil || n != 2 {
		t.Fatalf("scoped copy: %d rows, err %v", n, err)
	}
	var inB int
	pool.QueryRow(ctx, `SELECT count(*) FROM copied WHERE dept = $1 AND actor = 'token:4:bee-api' AND who = $2`, fmt.Sprint(f.b), db.ScopedRole).Scan(&inB)
	if inB != 2 {
		t.Errorf("copied rows written in b's scope: %d, want 2", inB)
	}
	// Scoped work leaves nothing behind on a connection.
	for range 20 {
		var s seen
		if err := s.scan(pool.QueryRow(ctx, seenSQL)); err != nil || s.role == db.ScopedRole || s.dept != "" || s.actor != "" {
			t.Fatalf("unscoped statement after scoped work saw %+v (err %v)", s, err)
		}
	}
}

// TestAnalyzeStaleInADepartment: an import in a department's scope ends
// with AnalyzeStale; the statistics must be gathered all the same (as the
// scoped role, ANALYZE skips the table with a warning).
func TestAnalyzeStaleInADepartment(t *testing.T) {
	pool := testenv.DB(t)
	ctx := t.Context()
	if _, err := pool.Exec(ctx, `INSERT INTO contacts (email, source, updated_source)
		SELECT 'c' || i || '@example.org', 'import', 'import' FROM generate_series(1, 2000) i`); err != nil {
		t.Fatal(err)
	}
	scoped := access.WithActor(ctx, access.Actor{PersonID: 3, DepartmentID: access.DefaultDepartment})
	if err := db.AnalyzeStale(scoped, pool, "contacts"); err != nil {
		t.Fatal(err)
	}
	var analysed bool
	if err := pool.QueryRow(ctx, `SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'contacts'`).Scan(&analysed); err != nil || !analysed {
		t.Errorf("contacts analysed: %v (err %v), want true", analysed, err)
	}
}

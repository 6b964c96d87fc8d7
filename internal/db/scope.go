package db

import (
	"context"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postbode/postbode/internal/access"
)

// ScopedRole is the database role staff requests run as: row-level security
// limits it to the department in the postbode.department setting. System
// work (sending, bounces, retention) runs as the connecting role, which the
// policies do not restrict.
const ScopedRole = "postbode_scoped"

// connScope is what a connection is set to.
type connScope struct {
	dept  int64
	actor string
}

// scoper sets each connection, when it is acquired, to the department and
// actor of the acquiring context (access.WithActor, access.WithDepartment).
// It remembers each connection's scope, so a connection already in the
// wanted scope (every connection of unscoped system work) costs no round
// trip.
type scoper struct {
	mu  sync.Mutex
	cur map[*pgx.Conn]connScope
}

func (s *scoper) install(cfg *pgxpool.Config) {
	s.cur = map[*pgx.Conn]connScope{}
	cfg.PrepareConn = s.prepare
	cfg.BeforeClose = func(c *pgx.Conn) {
		s.mu.Lock()
		delete(s.cur, c)
		s.mu.Unlock()
	}
}

func (s *scoper) prepare(ctx context.Context, c *pgx.Conn) (bool, error) {
	want := connScope{dept: access.Department(ctx)}
	if a, ok := access.ActorFrom(ctx); ok {
		want.actor = a.Label()
	}
	s.mu.Lock()
	have := s.cur[c]
	s.mu.Unlock()
	if have == want {
		return true, nil
	}
	role, dept := "none", ""
	if want.dept != 0 {
		role, dept = ScopedRole, strconv.FormatInt(want.dept, 10)
	}
	if _, err := c.Exec(ctx, `SELECT set_config('role', $1, false), set_config('postbode.department', $2, false),
		set_config('postbode.actor', $3, false)`, role, dept, want.actor); err != nil {
		return false, err
	}
	s.mu.Lock()
	s.cur[c] = want
	s.mu.Unlock()
	return true, nil
}

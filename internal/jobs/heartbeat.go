package jobs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// The heartbeat bounds: a running job's process stamps it every
// HeartbeatEvery; a running job whose stamp is older than DeadAfter is taken
// for dead (its process crashed or was killed) and marked failed.
const (
	HeartbeatEvery = 10 * time.Second
	DeadAfter      = time.Minute
)

// Heartbeat stamps a running job as alive.
func (s *Store) Heartbeat(ctx context.Context, id int64) error {
	if _, err := s.db.Exec(ctx, `UPDATE jobs SET heartbeat_at = now() WHERE id = $1 AND status = 'running'`, id); err != nil {
		return fmt.Errorf("jobs: heartbeat: %w", err)
	}
	return nil
}

// KeepAlive stamps job id every HeartbeatEvery until the returned stop is
// called or ctx ends. A runner calls it for as long as it works:
//
//	defer store.KeepAlive(ctx, id)()
func (s *Store) KeepAlive(ctx context.Context, id int64) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(s.beat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-quit:
				return
			case <-t.C:
				// A beat runs to its end even when stop is called meanwhile:
				// an UPDATE cancelled on the client may still commit on the
				// server, so once stop returns no stamp is in flight. A
				// missed beat is retried at the next tick.
				bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.beat+5*time.Second)
				s.Heartbeat(bctx, id)
				cancel()
			}
		}
	}()
	return sync.OnceFunc(func() { close(quit); <-done })
}

// FailDead marks running jobs whose heartbeat is older than deadAfter as
// failed and returns them (with their spool files). What they committed
// stays applied and counted.
func (s *Store) FailDead(ctx context.Context, deadAfter time.Duration) ([]Job, error) {
	msg := fmt.Sprintf("stopped: no heartbeat for over %s (the process running it ended); the counts show what was applied", deadAfter)
	rows, err := s.db.Query(ctx, `UPDATE jobs SET status = 'failed', message = $2, finished_at = now(), updated_at = now()
		WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1) RETURNING `+cols, deadAfter.Seconds(), msg)
	if err != nil {
		return nil, fmt.Errorf("jobs: fail dead: %w", err)
	}
	return collect(rows)
}

// runningSpoolFiles returns the spool files of running jobs.
func (s *Store) runningSpoolFiles(ctx context.Context) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT spool_file FROM jobs WHERE status = 'running' AND spool_file <> ''`)
	if err != nil {
		return nil, fmt.Errorf("jobs: spool files: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
